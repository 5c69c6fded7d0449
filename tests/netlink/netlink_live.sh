#!/bin/bash
# netlink_live: the netlink module against the real kernel, through nl_cli,
# in a network namespace of its own (torn down on exit, even on failure).
#
# It checks: acked set up/down seen by `ip link`; events for changes made by
# others; absent at start (warned once), deletion, re-creation with a new
# index, rename; ENODEV when absent; the IPv6 address back after down/up
# (through the module and when seen coming up) but not when the operator
# deleted it while up; resync after a forced ENOBUFS; EPERM and the caps
# check without CAP_NET_ADMIN; clean exits (ASan/LSan report as failures).
#
# usage: netlink_live.sh PATH/TO/nl_cli
set -u

NL_CLI=${1:?usage: netlink_live.sh PATH/TO/nl_cli}
V4=198.51.100.1/24
V6=2001:db8:abcd::1/48

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root to create a network namespace"
	exit 77
fi
NS=anycastd-nl-$$-$RANDOM
T=$(mktemp -d /tmp/anycastd-nl.XXXXXX)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ -n "${NL_KEEP:-}" ] || rm -rf "$T"
	echo "cleaned up: netns $NS, $T"
}
trap cleanup EXIT

if ! ip netns add "$NS"; then
	echo "SKIP: cannot create a network namespace"
	exit 77
fi

nsx() { ip netns exec "$NS" "$@"; }
# one-shot nl_cli runs: answer on stdout, the module's log kept aside.
cli() { nsx "$@" 2>>"$T/oneshot.err"; }

show_logs() {
	local f
	for f in "$T"/*.out "$T"/*.err; do
		[ -e "$f" ] || continue
		echo "----- $f"
		tail -n 40 "$f"
	done
}

fail() {
	echo "FAIL: $*"
	show_logs
	exit 1
}

ok() { echo "ok: $*"; }

# lines FILE: how many lines FILE has now (a mark for since()).
lines() { wc -l <"$1"; }

# since FILE MARK: FILE's lines after MARK.
since() { tail -n +"$(($2 + 1))" "$1"; }

# wait_for FILE MARK REGEX [SECONDS]: wait for a line matching REGEX after MARK.
wait_for() {
	local i n=$(( ${4:-5} * 20 ))
	for ((i = 0; i < n; i++)); do
		since "$1" "$2" | grep -Eq -- "$3" && return 0
		sleep 0.05
	done
	return 1
}

# poll SECONDS COMMAND...: wait until COMMAND succeeds.
poll() {
	local i n=$(( $1 * 20 ))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

is_up() { ip -n "$NS" -o link show dev anycast0 2>/dev/null | grep -Eq '[<,]UP[,>]'; }
ifindex() { ip -n "$NS" -o link show dev anycast0 | cut -d: -f1; }
has_v6() { ip -n "$NS" -6 addr show dev anycast0 2>/dev/null | grep -q "${V6%/*}/"; }
no_v6() { ! has_v6; }

# start_watch NAME [OPTIONS]: nl_cli watch anycast0, commands on a FIFO.
start_watch() {
	local name=$1
	shift
	mkfifo "$T/$name.in"
	# Not through nsx: $! of a backgrounded function is a subshell.  ip
	# netns exec execs nl_cli, so $! is nl_cli itself (for SIGSTOP).
	ip netns exec "$NS" "$NL_CLI" -d "$@" watch anycast0 \
	    <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	eval "${name}_PID=$!"
	PIDS+=("$!")
	eval "exec {${name}_FD}>\"$T/$name.in\""
	[ "$(cat /proc/$!/comm 2>/dev/null)" = nl_cli ] ||
		poll 2 eval '[ "$(cat /proc/$!/comm 2>/dev/null)" = nl_cli ]' ||
		fail "$name: PID $! is not nl_cli"
}

# send NAME COMMAND EXPECT-REGEX: send a command, wait for its answer line.
send() {
	local fdvar=${1}_FD m
	m=$(lines "$T/$1.out")
	echo "$2" >&"${!fdvar}"
	wait_for "$T/$1.out" "$m" "$3" || fail "$1: '$2' did not answer /$3/"
	REPLY=$(since "$T/$1.out" "$m" | grep -E -- "$3" | head -n 1)
}

echo "netns $NS, work dir $T"

# --- absent at start -------------------------------------------------------
start_watch W1
wait_for "$T/W1.out" 0 '^init state=absent index=0' ||
	fail "watcher did not start absent"
ok "absent at start reported"
out=$(cli "$NL_CLI" set anycast0 up); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q ENODEV ||
	fail "set on an absent interface: rc=$rc '$out' (want ENODEV)"
ok "set on an absent interface: $out"

# Other interfaces' events must neither be reported nor repeat the warning.
ip -n "$NS" link add other0 type ifb || fail "cannot create other0 (ifb)"
ip -n "$NS" link set other0 up
ip -n "$NS" link set other0 down
send W1 state '^now '
[ "$REPLY" = "now state=absent index=0 flags=0x0" ] || fail "state: $REPLY"
grep -q '^event' "$T/W1.out" && fail "events reported for other0"
n=$(grep -c 'interface anycast0 does not exist' "$T/W1.err")
[ "$n" = 1 ] || fail "absent warning logged $n times, want once"
ok "absence warned once: $(grep 'does not exist' "$T/W1.err")"

# --- creation ---------------------------------------------------------------
m=$(lines "$T/W1.out")
if ip -n "$NS" link add anycast0 type dummy 2>/dev/null; then
	KIND=dummy
else
	ip -n "$NS" link add anycast0 type ifb || fail "cannot create anycast0"
	KIND=ifb
fi
ip -n "$NS" addr add $V4 dev anycast0 || fail "addr add $V4"
ip -n "$NS" addr add $V6 dev anycast0 || fail "addr add $V6"
nsx sysctl -qw net.ipv6.conf.anycast0.keep_addr_on_down=0
IDX1=$(ifindex)
echo "set up: anycast0 type $KIND (dummy $( [ $KIND = dummy ] && echo works ||
	echo 'is not supported by this kernel')), index $IDX1, $V4 $V6," \
	"keep_addr_on_down=$(nsx sysctl -n net.ipv6.conf.anycast0.keep_addr_on_down);" \
	"other0 type ifb"
wait_for "$T/W1.out" "$m" "^event state=down index=$IDX1 " ||
	fail "creation of anycast0 not reported"
ok "creation followed: index $IDX1"
send W1 addrs '^addrs:'
[ "$REPLY" = "addrs: $V4 $V6" ] || fail "addrs: '$REPLY'"
ok "addresses learned: $REPLY"
send W1 prefixes '^prefixes:'
[ "$REPLY" = "prefixes: 198.51.100.0/24 2001:db8:abcd::/48" ] ||
	fail "prefixes: '$REPLY'"
ok "$REPLY"

# --- acked set, seen by ip link and reported --------------------------------
m=$(lines "$T/W1.out")
out=$(cli "$NL_CLI" set anycast0 up) || fail "set up: $out"
is_up || fail "set up acked but ip link shows it down"
wait_for "$T/W1.out" "$m" "^event state=up index=$IDX1 " || fail "up not reported"
ok "$out; ip link agrees; event reported"
m=$(lines "$T/W1.out")
out=$(cli "$NL_CLI" set anycast0 down) || fail "set down: $out"
is_up && fail "set down acked but ip link shows it up"
wait_for "$T/W1.out" "$m" "^event state=down index=$IDX1 " ||
	fail "down not reported"
ok "$out; ip link agrees; event reported"
out=$(cli "$NL_CLI" set anycast0 down) || fail "set down twice: $out"
ok "setting the state it already has is acked too"

# A root process can multicast to RTNLGRP_LINK too; only the kernel counts.
out=$(cli "$NL_CLI" set anycast0 up) || fail "set up: $out"
sleep 0.2
m=$(lines "$T/W1.out")
out=$(cli "$NL_CLI" forge anycast0 "$IDX1") || fail "$out"
sleep 0.2
since "$T/W1.out" "$m" | grep -q '^event' && fail "forged RTM_NEWLINK believed"
send W1 state '^now '
case $REPLY in "now state=up "*) ;; *) fail "after forging: $REPLY";; esac
ok "a forged RTM_NEWLINK from a process (not the kernel) is ignored"
out=$(cli "$NL_CLI" set anycast0 down) || fail "set down: $out"

# --- changes made by others --------------------------------------------------
m=$(lines "$T/W1.out")
ip -n "$NS" link set anycast0 up
wait_for "$T/W1.out" "$m" "^event state=up index=$IDX1 " ||
	fail "external up not reported"
has_v6 || fail "$V6 missing after the first up"
m=$(lines "$T/W1.out"); me=$(lines "$T/W1.err")
ip -n "$NS" link set anycast0 down
wait_for "$T/W1.out" "$m" "^event state=down index=$IDX1 " ||
	fail "external down not reported"
ok "external up and down reported"
no_v6 || fail "the kernel kept $V6 on down: the restore test would prove nothing"
ok "the kernel flushed $V6 when the link went down"
wait_for "$T/W1.err" "$me" "RTM_DELADDR ${V6}" || fail "flush not seen"
echo "measured event order for 'ip link set anycast0 down':"
since "$T/W1.err" "$me" | grep -E 'RTM_(NEW|DEL)(LINK|ADDR)' | sed 's/^/    /'
m=$(lines "$T/W1.out"); me=$(lines "$T/W1.err")
ip -n "$NS" link set anycast0 up
wait_for "$T/W1.out" "$m" "^event state=up " || fail "external up not reported"
poll 3 has_v6 || fail "$V6 not restored after an external up"
grep -q "restored $V6" "$T/W1.err" || fail "restore not logged"
ok "$V6 restored when the link was seen coming up"

# --- IPv6 through the module --------------------------------------------------
send W1 down '^down:'
[ "$REPLY" = "down: ok" ] || fail "$REPLY"
is_up && fail "down acked but the link is up"
no_v6 || fail "$V6 still there after down"
me=$(lines "$T/W1.err")
send W1 up '^up:'
[ "$REPLY" = "up: ok" ] || fail "$REPLY"
is_up || fail "up acked but the link is down"
# Restored before the request returned, not later from an event.
has_v6 || fail "$V6 not restored by nl_link_set_up"
ip -n "$NS" -6 addr show dev anycast0 | grep "${V6%/*}/" | grep -q nodad ||
	fail "restored $V6 lacks nodad"
since "$T/W1.err" "$me" | grep -q "restored $V6" || fail "restore not logged"
ok "$V6 back right after the module's down/up:$(ip -n "$NS" -6 -o addr show dev anycast0 scope global | sed 's/.*inet6//; s/\\.*//')"

# Down and up with no event handled in between: the module's view still has
# the address present, yet nl_link_set_up() must put it back by itself.
m=$(lines "$T/W1.out")
send W1 downup '^kaddrs:'
since "$T/W1.out" "$m" | grep -qx 'downup: ok' || fail "downup failed"
[ "$REPLY" = "kaddrs: ${V4%/*} ${V6%/*}" ] ||
	fail "right after down+up, before any event: '$REPLY'"
ok "restored by nl_link_set_up itself, before any event: $REPLY"

# --- the operator deletes it while up: forgotten --------------------------------
me=$(lines "$T/W1.err")
ip -n "$NS" addr del $V6 dev anycast0
wait_for "$T/W1.err" "$me" "$V6 was deleted while the link is up" ||
	fail "deletion while up not recognised"
send W1 addrs '^addrs:'
[ "$REPLY" = "addrs: $V4" ] || fail "after deleting $V6: '$REPLY'"
send W1 down '^down:'
send W1 up '^up:'
[ "$REPLY" = "up: ok" ] || fail "$REPLY"
ip -n "$NS" link set anycast0 down
ip -n "$NS" link set anycast0 up
sleep 0.3
has_v6 && fail "$V6 restored although the operator deleted it while up"
ok "$V6 deleted by the operator while up stays deleted"
me=$(lines "$T/W1.err")
ip -n "$NS" addr add $V6 dev anycast0
wait_for "$T/W1.err" "$me" "RTM_NEWADDR $V6" || fail "re-added $V6 not seen"
send W1 addrs '^addrs:'
[ "$REPLY" = "addrs: $V4 $V6" ] || fail "after re-adding: '$REPLY'"
ok "re-added $V6 learned again"

# --- deletion, re-creation, rename ---------------------------------------------
m=$(lines "$T/W1.out")
ip -n "$NS" link del anycast0
wait_for "$T/W1.out" "$m" '^event state=absent index=0 ' ||
	fail "deletion not reported"
grep -q 'interface anycast0 was deleted' "$T/W1.err" ||
	fail "deletion not logged"
ok "deletion reported as absent"
out=$(cli "$NL_CLI" set anycast0 up); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q ENODEV || fail "after deletion: $out"
send W1 up '^up:'
echo "$REPLY" | grep -q ENODEV || fail "module set after deletion: $REPLY"
ok "set after deletion: $out; through the watcher: $REPLY"
send W1 addrs '^addrs:'
[ "$REPLY" = "addrs: " ] || fail "addresses survived deletion: '$REPLY'"
ok "addresses forgotten with the interface"

m=$(lines "$T/W1.out")
ip -n "$NS" link add anycast0 type $KIND || fail "re-create anycast0"
IDX2=$(ifindex)
[ "$IDX2" != "$IDX1" ] || fail "re-created with the same index $IDX1"
wait_for "$T/W1.out" "$m" "^event state=down index=$IDX2 " ||
	fail "re-creation not followed"
grep -q "interface anycast0 appeared (index $IDX2" "$T/W1.err" ||
	fail "appearance not logged"
send W1 up '^up:'
[ "$REPLY" = "up: ok" ] || fail "set up on the new interface: $REPLY"
is_up || fail "new interface not up"
wait_for "$T/W1.out" "$m" "^event state=up index=$IDX2 " ||
	fail "up of the new interface not reported"
out=$(cli "$NL_CLI" set anycast0 down) || fail "one-shot set down: $out"
is_up && fail "new interface still up"
ok "re-created anycast0 followed: index $IDX1 -> $IDX2, set works on it"
ip -n "$NS" addr add $V4 dev anycast0
ip -n "$NS" addr add $V6 dev anycast0
ip -n "$NS" link set anycast0 up

m=$(lines "$T/W1.out")
ip -n "$NS" link set anycast0 name anycast0old
wait_for "$T/W1.out" "$m" '^event state=absent ' || fail "rename not followed"
ip -n "$NS" link set anycast0old name anycast0
wait_for "$T/W1.out" "$m" "^event state=up index=$IDX2 " ||
	fail "rename back not followed"
send W1 addrs '^addrs:'
[ "$REPLY" = "addrs: $V4 $V6" ] || fail "addresses after rename back: '$REPLY'"
ok "renamed away -> absent; renamed back -> followed with its addresses"

# W1 is done; stopping it here also leaves the restores below to W2 alone.
send W1 quit '^bye'
wait "$W1_PID"; rc=$?
[ $rc = 0 ] || fail "W1 exited $rc"

# --- ENOBUFS and resync ----------------------------------------------------------
# nl_cli -r 1 asks for the smallest receive buffer the kernel allows (a few
# KiB, a couple of messages).  While the watcher is stopped, a burst of
# changes to other0 overflows it; the changes to anycast0 come last, so
# their events are certainly among those dropped: only the resync can learn
# them.
start_watch W2 -r 1
wait_for "$T/W2.out" 0 "^init state=up index=$IDX2 " || fail "W2 did not start"
burst() {
	local i
	for ((i = 0; i < 150; i++)); do
		echo "link set other0 mtu 1400"
		echo "link set other0 mtu 1500"
	done >"$T/burst"
	ip -n "$NS" -batch "$T/burst" || fail "burst"
}
m=$(lines "$T/W2.out")
kill -STOP "$W2_PID"
burst
ip -n "$NS" link set anycast0 down
ip -n "$NS" addr add 192.0.2.1/24 dev anycast0
kill -CONT "$W2_PID"
wait_for "$T/W2.err" 0 'netlink events lost \(ENOBUFS\); resynchronising' ||
	fail "no ENOBUFS although the buffer overflowed"
wait_for "$T/W2.out" "$m" "^event state=down index=$IDX2 " ||
	fail "down not learned by the resync"
send W2 addrs '^addrs:'
echo "$REPLY" | grep -q '192.0.2.1/24' || fail "resync missed an address: $REPLY"
ok "ENOBUFS forced, logged and resynchronised: $(grep ENOBUFS "$T/W2.err")"
# A second overflow within 10 s: resynchronised again, but not logged again.
m=$(lines "$T/W2.out")
kill -STOP "$W2_PID"
burst
ip -n "$NS" link set anycast0 up
kill -CONT "$W2_PID"
wait_for "$T/W2.out" "$m" "^event state=up index=$IDX2 " ||
	fail "second resync did not learn up"
poll 3 has_v6 || fail "$V6 not restored after the resync saw the link up"
grep -q "restored $V6" "$T/W2.err" || fail "W2 did not log the restore"
n=$(grep -c ENOBUFS "$T/W2.err")
[ "$n" = 1 ] || fail "ENOBUFS logged $n times within 10 s, want 1"
ok "second overflow resynchronised, log rate-limited"
send W2 quit '^bye'

# --- without CAP_NET_ADMIN ------------------------------------------------------
out=$(cli "$NL_CLI" caps); rc=$?
[ $rc = 0 ] && [ "$out" = "CAP_NET_ADMIN: yes" ] || fail "caps as root: $out"
NOCAP=(setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-net_admin)
out=$(cli "${NOCAP[@]}" "$NL_CLI" caps); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q '^CAP_NET_ADMIN: no' ||
	fail "caps without CAP_NET_ADMIN: rc=$rc '$out'"
ok "without CAP_NET_ADMIN: $out"
out=$(cli "${NOCAP[@]}" "$NL_CLI" set anycast0 down); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q EPERM ||
	fail "set without CAP_NET_ADMIN: rc=$rc '$out'"
is_up || fail "the link changed without CAP_NET_ADMIN"
ok "set without CAP_NET_ADMIN: $out"
if setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$NL_CLI"; then
	out=$(cli setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    --inh-caps=-all "$NL_CLI" set anycast0 down); rc=$?
	[ $rc = 1 ] && echo "$out" | grep -q EPERM ||
		fail "set as nobody: rc=$rc '$out'"
	ok "set as nobody: $out"
else
	echo "note: nobody cannot execute $NL_CLI; checked with setpriv only"
fi

# --- clean exit -------------------------------------------------------------------
wait "$W2_PID"; rc=$?
[ $rc = 0 ] || fail "W2 exited $rc"
grep -E 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error' "$T"/*.err &&
	fail "sanitizer report"
ok "watchers exited cleanly"
echo "PASS"
