#!/bin/bash
# Measures freshness scenario 2 (a node's TSIG key made wrong, the serial
# bumped on the hidden primary): runs fresh_scenarios.sh 2 (named) and 2k
# (knotd) RUNS times each and prints the time from the bump to the node's
# withdrawal at the upstream (lab-birdwatch every 1 ms): median and range,
# with the settings.  Not a ctest: it reports, and asserts only what the
# scenario does.
#
#   sudo bash tests/lab/fresh_measure.sh [RUNS]        (default 5)
#
# Environment: ANYCASTD, ANYCASTCTL, LAB_TOOLS_DIR, LAB_FRESH_MAX_LAG (3s),
# LAB_FRESH_INTERVAL (1s) and lab.sh's probe tunables.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$here/lab.sh"
lab_measure_args "$@"
out=$(mktemp)
trap 'rm -f "$out" "$out.run"' EXIT

for scn in 2 2k; do
	for i in $(seq 1 "$runs"); do
		if ! LAB_QUIET=1 bash "$here/fresh_scenarios.sh" "$scn" >"$out.run" 2>&1; then
			echo "run $i of scenario $scn FAILED:" >&2
			cat "$out.run" >&2
			exit 1
		fi
		grep '^\[lab .*RESULT ' "$out.run" | sed 's/^.*RESULT /RESULT /' | tee -a "$out"
	done
done

stat() {	# stat SERVER: "median (min..max)" of bump_to_withdrawn_ms
	grep " server=$1\$" "$out" | tr ' ' '\n' | sed -n 's/^bump_to_withdrawn_ms=//p' |
	    sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "?"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s (%s..%s)\n", m, v[1], v[NR] }'
}
echo
echo "Freshness scenario 2: wrong TSIG key on node a, serial bumped; $runs runs per server"
echo "settings: $(head -n1 "$out" | grep -o 'max_lag=.*' | sed 's/ server=.*//')"
printf '%-8s %s\n' server "bump -> withdrawn at the upstream, ms: median (range)"
printf '%-8s %s\n' named "$(stat named)"
printf '%-8s %s\n' knotd "$(stat knotd)"
