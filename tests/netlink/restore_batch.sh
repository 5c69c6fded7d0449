#!/bin/bash
# restore_batch: after a withdrawal the kernel flushes every IPv6 address of
# anycast0; the netlink module puts them back in batches, one sendmsg for up
# to NL_BATCH_MAX (32) RTM_NEWADDR, not one request (and one wait of the
# event loop) per address.  40 addresses here: 2 requests per restore
# pass, all 40 back.
# Counted with strace from outside the process.
#
# usage: restore_batch.sh PATH/TO/nl_cli
set -u
NL_CLI=${1:?usage: restore_batch.sh PATH/TO/nl_cli}
N=40
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
NS=anycastd-nlb-$$-$RANDOM
T=$(mktemp -d /tmp/anycastd-nlb.XXXXXX)
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$T"; echo "cleaned up: netns $NS, $T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -n 20 "$T/err" 2>/dev/null; exit 1; }
ip netns add "$NS" || { echo "SKIP: cannot create a network namespace"; exit 77; }
if ip -n "$NS" link add anycast0 type dummy 2>/dev/null; then kind=dummy
else ip -n "$NS" link add anycast0 type ifb || fail "no dummy, no ifb"; kind=ifb; fi
echo "netns $NS, anycast0 is $kind, $N IPv6 addresses"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.anycast0.keep_addr_on_down=0
ip -n "$NS" link set anycast0 up
for i in $(seq 1 $N); do
	ip -n "$NS" addr add "2001:db8:abcd::$i/64" dev anycast0 || fail "addr add"
done
count() { ip -n "$NS" -6 -o addr show dev anycast0 scope global | grep -c inet6; }
[ "$(count)" = $N ] || fail "set-up: $(count) addresses"
# strace counts the requests from outside where it is installed; the
# module's own debug line counts them everywhere.
tracer=()
if command -v strace >/dev/null; then
	tracer=(strace -f -qq -e "trace=sendto,sendmsg" -s 64 -o "$T/strace")
else
	echo "strace not installed: counting from the module's debug log only"
fi
{ sleep 0.5; echo downup; sleep 1; echo quit; } |
	"${tracer[@]}" ip netns exec "$NS" "$NL_CLI" -d watch anycast0 >"$T/out" 2>"$T/err"
grep -q '^downup: ok' "$T/out" || fail "downup: $(cat "$T/out")"
got=$(count)
# "anycast0: 40 addresses re-added in 2 requests", once per restore pass
logged=$(sed -n 's/.* re-added in \([0-9]*\) request.*/\1/p' "$T/err" | awk '{ s += $1 } END { print s + 0 }')
if [ -e "$T/strace" ]; then
	# 0x14 is RTM_NEWADDR, which strace leaves undecoded here
	reqs=$(grep -Ec 'sendto\(.*nlmsg_type=(RTM_NEWADDR|0x14)[ ,]' "$T/strace")
	[ "$reqs" = "${logged:-0}" ] || fail "strace saw $reqs requests, the module logged ${logged:-none}"
else
	reqs=${logged:-0}
fi
restored=$(grep -c 'restored 2001:db8:abcd::' "$T/err")
echo "figure: $N addresses flushed by the down, $got back, $restored logged, in $reqs RTM_NEWADDR requests"
[ "$got" = $N ] || fail "only $got of $N addresses back"
[ "$restored" = $N ] || fail "$restored restores logged, want $N"
[ "$reqs" -ge 1 ] || fail "strace saw no RTM_NEWADDR: the count proves nothing"
# Two passes: nl_link_set_up() restores at once, and the module restores
# again (EEXIST) when it reads the down/up's events; ceil(40/32) = 2 each.
# One request per address would be 2 x 40.
[ "$reqs" -le 4 ] || fail "$reqs requests for $N addresses: not batched"
echo "ok: $N addresses restored in $reqs requests"
