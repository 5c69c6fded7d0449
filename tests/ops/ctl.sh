#!/bin/bash
# anycastctl against the real control socket module (test_ctl serve): exit
# codes and messages, drain --wait and its timeout, and the permission
# model with a test user inside and one outside the control group.
set -u
ctl=$1 server=$2
[ "$(id -u)" = 0 ] || { echo "needs root (creates test users)"; exit 77; }
for t in useradd groupadd setpriv; do
	command -v $t >/dev/null || { echo "$t missing"; exit 77; }
done
grp=ops5test-ops uin=ops5test-in uout=ops5test-out
dir=$(mktemp -d /tmp/ops-ctl.XXXXXX)
chmod 0755 "$dir"
sock=$dir/anycastd.sock
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	userdel "$uin" 2>/dev/null; userdel "$uout" 2>/dev/null
	groupdel "$grp" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
cleanup_users() { userdel "$uin"; userdel "$uout"; groupdel "$grp"; } 2>/dev/null
cleanup_users
groupadd --system "$grp"
useradd --system --no-create-home --shell /usr/sbin/nologin -G "$grp" "$uin"
useradd --system --no-create-home --shell /usr/sbin/nologin "$uout"
echo "set up: group $grp, users $uin (in it) and $uout (not), socket $sock"

fail=0
# run WANT_RC WANT_TEXT CMD...: checks exit code and that output has text.
run() {
	local want=$1 text=$2 out rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" != "$want" ] || ! grep -qF -- "$text" <<<"$out"; then
		echo "FAIL: $* -> rc $rc (want $want): $out"; fail=1
	else
		printf '  ok  rc %d  %s\n' "$rc" "$(head -1 <<<"$out")"
	fi
}
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups "$@"; }
start() {
	"$server" serve "$sock" "$@" & spid=$!
	for _ in $(seq 100); do
		"$ctl" -s "$sock" status >/dev/null 2>&1 && break; sleep 0.02
	done
}

echo "not running:"
run 3 "anycastd is not running (socket $sock)" "$ctl" -s "$sock" status
run 2 "usage:" "$ctl" -s "$sock"
run 2 "unexpected argument" "$ctl" -s "$sock" status --bogus
run 2 "--timeout needs --wait" "$ctl" -s "$sock" drain --timeout 3s
run 0 "anycastctl " "$ctl" --version

echo "group $grp, mode 0660:"
start "$grp"
mode=$(stat -c '%a %G' "$sock")
[ "$mode" = "660 $grp" ] || { echo "FAIL: socket is $mode"; fail=1; }
echo "  socket: $(stat -c '%A %U:%G' "$sock")"
run 0 "status text" "$ctl" -s "$sock" status
run 0 "status json" "$ctl" -s "$sock" status --json
run 0 "status text" as "$uin" "$ctl" -s "$sock" status
run 4 "permission denied on $sock" as "$uout" "$ctl" -s "$sock" status
run 4 "permission denied" as "$uout" "$ctl" -s "$sock" drain
uid_in=$(id -u "$uin")
run 0 "drained by uid $uid_in" as "$uin" "$ctl" -s "$sock" drain --reason "disk swap"
run 0 "already drained: disk swap" "$ctl" -s "$sock" drain --reason other
run 1 "drained for another reason (disk swap)" "$ctl" -s "$sock" undrain --if-reason named.service
run 0 "undrained" "$ctl" -s "$sock" undrain --if-reason "disk swap"
run 0 "not drained" "$ctl" -s "$sock" undrain

echo "busy: a group member holds every slot it may; root's drain gets through at once:"
as "$uin" "$server" hold "$sock" 40 3000 & hpid=$!
sleep 0.5
t0=$(date +%s%N)
run 0 "drained by uid 0" "$ctl" -s "$sock" drain --reason named.service
echo "  figure: root's drain took $(( ($(date +%s%N) - t0) / 1000000 )) ms past the held slots"
run 0 "undrained" "$ctl" -s "$sock" undrain
kill "$hpid" 2>/dev/null; wait "$hpid" 2>/dev/null
echo "busy: root itself holds its slots for 1.5s; anycastctl retries until one frees:"
"$server" hold "$sock" 8 1500 & hpid=$!
sleep 0.3
t0=$(date +%s%N)
run 0 "status text" "$ctl" -s "$sock" status
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "  figure: status answered after $ms ms of retries"
[ "$ms" -ge 500 ] || { echo "FAIL: was never busy (the test holds nothing)"; fail=1; }
wait "$hpid" 2>/dev/null

echo "drain --wait (the server says \"no\" 3 times, then \"yes\"):"
t0=$(date +%s%N)
run 0 "withdrawn: anycast0 is down" "$ctl" -s "$sock" drain --wait --timeout 10s
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "  waited $ms ms"
[ "$ms" -ge 500 ] || { echo "FAIL: did not poll"; fail=1; }
"$ctl" -s "$sock" undrain >/dev/null
echo "drain --wait timeout (the server never says \"yes\"):"
run 5 "timed out after 1.0s waiting for the withdrawal: BIRD exports 198.51.100.0/24 to upstream" \
	"$ctl" -s "$sock" drain --reason never --wait --timeout 1s
"$ctl" -s "$sock" undrain >/dev/null
kill "$spid"; wait "$spid" 2>/dev/null; spid=
[ -e "$sock" ] && { echo "FAIL: socket left behind"; fail=1; }

echo "root only (no group), mode 0600:"
start
[ "$(stat -c '%a' "$sock")" = 600 ] || { echo "FAIL: not 0600"; fail=1; }
run 4 "permission denied" as "$uin" "$ctl" -s "$sock" status
run 0 "status" "$ctl" -s "$sock" status
echo "stale socket after kill -9:"
kill -9 "$spid"; wait "$spid" 2>/dev/null; spid=
[ -S "$sock" ] || { echo "FAIL: expected a stale socket"; fail=1; }
run 3 "anycastd is not running" "$ctl" -s "$sock" status
start
run 0 "status" "$ctl" -s "$sock" status
exit $fail
