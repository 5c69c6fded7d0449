#!/bin/bash
# Config golden tests, run against any binary that implements anycastd's
# -n / -nv contract (anycastd itself, or tests/conf's conf_check):
#   valid/X.conf    `BIN -nv -c valid/X.conf` prints exactly valid/X.ok on
#                   stdout, nothing on stderr, exits 0; `-n` prints
#                   "configuration OK"; the printed config parses again and
#                   prints identically (round trip).
#   invalid/X.conf  `BIN -n -c invalid/X.conf` prints exactly invalid/X.err on
#                   stderr, nothing on stdout, exits 1 (and so does -nv).
#   the shipped agent/anycastd.conf passes -n, and -nv matches example.ok.
#   the configs at the limits are what gen_limits.sh writes from conf.h.
# It runs from this directory so that the paths inside the goldens are
# relative (invalid/X.conf:LINE: message) and the tree can live anywhere.
#
# usage: run_golden.sh BINARY
# UPDATE=1 run_golden.sh BINARY rewrites the goldens from BINARY's output;
# review the diff before committing it.
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 BINARY" >&2
	exit 2
fi
bin=$(realpath -- "$1") || exit 2
if [ ! -x "$bin" ]; then
	echo "$0: $bin is not executable" >&2
	exit 2
fi
cd "$(dirname -- "$0")" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf -- "$tmp"' EXIT
example=../../agent/anycastd.conf
update=${UPDATE:-0}
fails=0 checks=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# run NAME ARGS...: runs BIN, leaving $tmp/NAME.out, $tmp/NAME.err, $rc.
run() {
	local name=$1
	shift
	"$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
}

# same EXPECTED ACTUAL WHAT: compares two files, showing the difference.
same() {
	checks=$((checks + 1))
	if ! diff -u --label expected --label actual -- "$1" "$2"; then
		fail "$3"
		return 1
	fi
}

expect_rc() {
	checks=$((checks + 1))
	[ "$rc" -eq "$1" ] || fail "$2: exit status $rc, expected $1"
}

expect_empty() {
	checks=$((checks + 1))
	if [ -s "$1" ]; then
		fail "$2: unexpected output:"
		sed 's/^/    /' -- "$1"
	fi
}

ok_line="$tmp/ok_line"
echo "configuration OK" >"$ok_line"

# A config that passes: -n, -nv against the golden, and the round trip.
check_valid() {
	local conf=$1 golden=$2 base
	base=$(basename -- "$conf" .conf)

	run n -n -c "$conf"
	expect_rc 0 "$conf -n"
	same "$ok_line" "$tmp/n.out" "$conf -n: stdout"
	expect_empty "$tmp/n.err" "$conf -n: stderr"

	run nv -n -v -c "$conf"
	expect_rc 0 "$conf -nv"
	expect_empty "$tmp/nv.err" "$conf -nv: stderr"
	if [ "$update" = 1 ]; then
		cp -- "$tmp/nv.out" "$golden"
	else
		same "$golden" "$tmp/nv.out" "$conf -nv: differs from $golden"
	fi

	# Beside the original: a relative zones_file is read from the
	# config's own directory.
	cp -- "$tmp/nv.out" "$(dirname -- "$conf")/.$base.printed.$$.conf"
	run rt -n -v -c "$(dirname -- "$conf")/.$base.printed.$$.conf"
	rm -f -- "$(dirname -- "$conf")/.$base.printed.$$.conf"
	expect_rc 0 "$conf: printed config -nv"
	expect_empty "$tmp/rt.err" "$conf: printed config -nv: stderr"
	same "$tmp/nv.out" "$tmp/rt.out" "$conf: printed config prints differently"
}

# A config that fails: exact errors on stderr, nothing on stdout, exit 1.
check_invalid() {
	local conf=$1 golden=$2 flags

	for flags in -n -nv; do
		if [ "$flags" = -n ]; then
			run bad -n -c "$conf"
		else
			run bad -n -v -c "$conf"
		fi
		expect_rc 1 "$conf $flags"
		expect_empty "$tmp/bad.out" "$conf $flags: stdout"
		if [ "$update" = 1 ] && [ "$flags" = -n ]; then
			cp -- "$tmp/bad.err" "$golden"
		else
			same "$golden" "$tmp/bad.err" "$conf $flags: stderr differs from $golden"
		fi
	done
}

nvalid=0 ninvalid=0
for conf in valid/*.conf; do
	[ -e "$conf" ] || continue
	check_valid "$conf" "${conf%.conf}.ok"
	nvalid=$((nvalid + 1))
done
for conf in invalid/*.conf; do
	[ -e "$conf" ] || continue
	check_invalid "$conf" "${conf%.conf}.err"
	ninvalid=$((ninvalid + 1))
done

# Every golden belongs to a config, so none is silently left unchecked.
for golden in valid/*.ok invalid/*.err; do
	[ -e "$golden" ] || continue
	checks=$((checks + 1))
	[ -e "${golden%.*}.conf" ] || fail "$golden has no ${golden%.*}.conf"
done
# The configs at the limits are generated from agent/conf.h's limits; they
# must be what the generator writes now.
checks=$((checks + 1))
if ./gen_limits.sh "$tmp/gen"; then
	for f in valid/max_probes.conf invalid/too_many_probes.conf \
	    invalid/too_many_prefixes.conf; do
		cmp -s -- "$f" "$tmp/gen/$f" ||
		    fail "$f is not what gen_limits.sh writes; run it, then UPDATE=1"
	done
else
	fail "gen_limits.sh failed"
fi

# Guards against an empty or misplaced test directory.
checks=$((checks + 1))
if [ "$nvalid" -lt 8 ] || [ "$ninvalid" -lt 40 ]; then
	fail "only $nvalid valid and $ninvalid invalid configs found"
fi

# The shipped example.
check_valid "$example" example.ok

# The file itself at fault: one error, line 0, printed as "FILE: message".
run missing -n -c invalid/does-not-exist.conf
expect_rc 1 "missing file"
expect_empty "$tmp/missing.out" "missing file: stdout"
echo "invalid/does-not-exist.conf: cannot open: No such file or directory" >"$tmp/want"
same "$tmp/want" "$tmp/missing.err" "missing file: stderr"

run dir -n -c invalid
expect_rc 1 "directory"
expect_empty "$tmp/dir.out" "directory: stdout"
echo "invalid: read error: Is a directory" >"$tmp/want"
same "$tmp/want" "$tmp/dir.err" "directory: stderr"

echo "$bin: $nvalid valid, $ninvalid invalid configs and the example;" \
    "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
