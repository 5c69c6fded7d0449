#!/bin/bash
# Runs the libFuzzer harnesses for as long as asked.
#
#   tests/fuzz/run.sh [-p] [-t SECONDS] [-n RUNS] [-b BUILD_DIR] [HARNESS...]
#
# Builds BUILD_DIR (default build-fuzz) with clang and -DFUZZ=ON if needed,
# then runs each harness (default: all of dns conf ctl bird state) in turn
# until RUNS executions (default 10000000) or SECONDS (default: no limit),
# whichever comes first, from its seed corpus plus what earlier runs found
# (BUILD_DIR/tests/fuzz/corpus-NAME).  Each run's log is in
# BUILD_DIR/tests/fuzz/NAME.log; a finding leaves crash-* or leak-* there and
# makes this script exit 1.  -p runs the harnesses side by side (one build
# first).  Prints per harness: executions, libFuzzer's cov: (edges) and ft:
# (features), and the corpus size.  libFuzzer measures -t on the wall
# clock: a clock step (the fault tests' date -s) ends the runs early; -n
# does not depend on it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/build-fuzz
secs=0
runs=10000000
parallel=0
while getopts "pt:n:b:" o; do
	case $o in
	p) parallel=1 ;;
	t) secs=$OPTARG ;;
	n) runs=$OPTARG ;;
	b) build=$OPTARG ;;
	*) echo "usage: $0 [-p] [-t SECONDS] [-n RUNS] [-b BUILD_DIR] [HARNESS...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(dns conf ctl bird state)

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER=clang -DFUZZ=ON \
	    -DCMAKE_BUILD_TYPE=Debug -DWERROR=ON >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target fuzz >/dev/null

fz=$build/tests/fuzz
fuzz_one() {
	local h=$1 seeds args
	seeds=("$here/corpus/$h")
	[ "$h" = conf ] && seeds+=("$top/tests/conf/valid" "$top/tests/conf/invalid")
	mkdir -p "$fz/corpus-$h"
	args=(-runs="$runs" -max_len=8192 -print_final_stats=1
	    -artifact_prefix="$fz/$h-")
	[ "$secs" -gt 0 ] && args+=(-max_total_time="$secs")
	"$fz/fuzz_$h" "${args[@]}" "$fz/corpus-$h" "${seeds[@]}" >"$fz/$h.log" 2>&1
}
summary() {
	local h=$1 execs last cov ft corp
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fz/$h.log")
	last=$(grep -aE '^#[0-9]+' "$fz/$h.log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
	printf 'fuzz_%-6s executions %-10s cov %-5s ft %-6s corpus %s\n' \
	    "$h" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
}
rc=0
declare -A pids=()
for h in "${harnesses[@]}"; do
	if [ "$parallel" = 1 ]; then
		fuzz_one "$h" & pids[$h]=$!
		continue
	fi
	fuzz_one "$h" || { echo "fuzz_$h: FINDING, see $fz/$h.log and $fz/$h-*" >&2; rc=1; }
	summary "$h"
done
for h in "${!pids[@]}"; do
	wait "${pids[$h]}" || { echo "fuzz_$h: FINDING, see $fz/$h.log and $fz/$h-*" >&2; rc=1; }
	summary "$h"
done
exit $rc
