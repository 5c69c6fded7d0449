#!/bin/bash
# Measures failover as a client sees it: runs lab scenario 2 (kill -9 named
# on the node the client reaches, client querying every 5 ms) RUNS times per
# address family and prints the median of each figure, with the probe
# settings used.  Not a ctest: it asserts nothing beyond scenario 2's own
# bounds, it reports.
#
#   sudo bash tests/lab/measure.sh [RUNS]        (default 5)
#
# It also draws the IPv4 run whose outage is the median as a PNG timeline
# (tests/lab/timeline.sh, gnuplot): every query of the client, coloured by
# the node that answered it, the lost ones, the kill, the withdrawal and the
# first answer from the other node.  It is written to MEASURE_PNG (default
# failover-measure.png next to the build directory's agent/, that is
# ./build/failover-measure.png), and the path is printed.
#
# Environment: ANYCASTD (default ./build/agent/anycastd), LAB_TOOLS_DIR, and
# lab.sh's probe tunables (LAB_RISE, LAB_FALL, LAB_INTERVAL,
# LAB_FAST_INTERVAL, LAB_TIMEOUT, LAB_HOLD_DOWN) to measure other settings.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$here/lab.sh"
lab_measure_args "$@"
out=$(mktemp)
tl=$(mktemp -d)
trap 'rm -rf "$out" "$tl"' EXIT
: "${MEASURE_PNG:=$(dirname "$ANYCASTD")/../failover-measure.png}"

for fam in 4 6; do
	for i in $(seq 1 "$runs"); do
		mkdir -p "$tl/$fam.$i"
		if ! LAB_QUIET=1 LAB_TIMELINE_DIR=$tl/$fam.$i bash "$here/scenario.sh" 2 "$fam" >"$out.run" 2>&1; then
			echo "run $i IPv$fam FAILED:" >&2
			cat "$out.run" >&2
			rm -f "$out.run"
			exit 1
		fi
		grep '^RESULT ' "$out.run" | sed "s/^RESULT /RESULT run=$i /" | tee -a "$out"
		rm -f "$out.run"
	done
done

# median FAMILY KEY
median() {
	grep " family=$1 " "$out" | tr ' ' '\n' | sed -n "s/^$2=//p" | sort -n |
	    awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "?"; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# p99 FAMILY KEY: nearest rank (with fewer than 100 runs, the maximum or
# close to it).
p99() {
	grep " family=$1 " "$out" | tr ' ' '\n' | sed -n "s/^$2=//p" | sort -n |
	    awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "?"; exit }
		r = int(NR * 0.99); if (r < NR * 0.99) r++; print v[r] }'
}
range() {
	grep " family=$1 " "$out" | tr ' ' '\n' | sed -n "s/^$2=//p" | sort -n |
	    awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s..%s", lo, hi }'
}

settings=$(head -n1 "$out" | grep -o 'rise=.*')
echo
echo "Scenario 2 (kill -9 named on the node the client reaches), $runs runs per family"
echo "anycastd settings: $settings"
echo "client: one whoami query every 5 ms over UDP, from the client namespace"
printf '%-7s %-40s %-30s %-40s %s\n' family "client outage ms: median, p99 (range)" \
    "lost queries: median (range)" "kill->withdrawn at upstream: median, p99" "kill->answer from b, ms"
for fam in 4 6; do
	printf '%-7s %-40s %-30s %-40s %s\n' "IPv$fam" \
	    "$(median "$fam" outage_ms), $(p99 "$fam" outage_ms) ($(range "$fam" outage_ms))" \
	    "$(median "$fam" lost) ($(range "$fam" lost))" \
	    "$(median "$fam" kill_to_withdraw_ms), $(p99 "$fam" kill_to_withdraw_ms) ($(range "$fam" kill_to_withdraw_ms))" \
	    "$(median "$fam" kill_to_answer_ms)"
done

# The picture: the IPv4 run nearest the median outage.
med=$(median 4 outage_ms)
pick=$(grep ' family=4 ' "$out" | awk -v m="$med" '{
	for (i = 1; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == "outage_ms") o = kv[2]
		if (kv[1] == "run") r = kv[2]
	}
	d = o - m; if (d < 0) d = -d
	if (best == "" || d < best) { best = d; run = r; outage = o }
} END { print run, outage }')
read -r prun poutage <<<"$pick"
echo
if [ -n "$prun" ] && bash "$here/timeline.sh" "$MEASURE_PNG" \
    "kill -9 named on node a, IPv4 run $prun of $runs (the median outage: $poutage ms)\\nclient: a query every 5 ms; anycastd: $settings" \
    "$tl/4.$prun/events" "$tl/4.$prun/client.log"; then
	echo "timeline of IPv4 run $prun (outage $poutage ms, the median): $(readlink -f "$MEASURE_PNG")"
else
	echo "no timeline picture (gnuplot missing? apt-get install gnuplot-nox)"
fi
