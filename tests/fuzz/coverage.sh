#!/bin/bash
# Line coverage of each harness's modules by its corpus, with llvm-cov.
#
#   tests/fuzz/coverage.sh [-c CORPUS_BUILD_DIR] [HARNESS...]
#
# Builds build-cov (clang, -DFUZZ=ON, -fprofile-instr-generate
# -fcoverage-mapping) if needed, replays the seeds and the corpus that
# run.sh grew in CORPUS_BUILD_DIR (default build-fuzz) through each harness
# (-runs=0: no fuzzing, every input once), and prints llvm-cov's line
# coverage of the files the harness is for.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cov=$top/build-cov
corpus_build=$top/build-fuzz
while getopts "c:" o; do
	case $o in
	c) corpus_build=$OPTARG ;;
	*) echo "usage: $0 [-c CORPUS_BUILD_DIR] [HARNESS...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(dns conf ctl bird state)
declare -A files=(
	[dns]="probe/dns.c"
	[conf]="agent/conf.c"
	[ctl]="agent/ctl.c"
	[bird]="agent/bird/reply.c agent/bird/client.c agent/status_text.c agent/status_json.c agent/metrics.c agent/base/prom.c agent/base/json.c"
	[state]="agent/drain.c agent/store.c agent/base/file.c"
)
if [ ! -f "$cov/CMakeCache.txt" ]; then
	cmake -S "$top" -B "$cov" -DCMAKE_C_COMPILER=clang -DFUZZ=ON \
	    -DCMAKE_BUILD_TYPE=Debug \
	    -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
	    -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" >/dev/null
fi
cmake --build "$cov" -j"$(nproc)" --target fuzz >/dev/null
profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata)
llvmcov=$(command -v llvm-cov-14 || command -v llvm-cov)
for h in "${harnesses[@]}"; do
	out=$cov/tests/fuzz/cov-$h
	rm -rf "$out"; mkdir -p "$out"
	dirs=("$here/corpus/$h")
	[ "$h" = conf ] && dirs+=("$top/tests/conf/valid" "$top/tests/conf/invalid")
	[ -d "$corpus_build/tests/fuzz/corpus-$h" ] && dirs+=("$corpus_build/tests/fuzz/corpus-$h")
	LLVM_PROFILE_FILE="$out/%p.profraw" "$cov/tests/fuzz/fuzz_$h" -runs=0 \
	    "${dirs[@]}" >"$out/replay.log" 2>&1 || true
	"$profdata" merge -sparse "$out"/*.profraw -o "$out/merged.profdata"
	# shellcheck disable=SC2086
	(cd "$top" && "$llvmcov" report "$cov/tests/fuzz/fuzz_$h" \
	    -instr-profile="$out/merged.profdata" ${files[$h]}) |
	    awk -v h="$h" 'NR > 2 && NF >= 10 && $1 != "-" {
		printf "fuzz_%-6s %-24s lines %6s of %5s covered (%s)\n", h, $1,
		    $8 - $9, $8, $10 }'
done
