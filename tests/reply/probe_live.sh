#!/bin/bash
# probe_live: the probe module, through probe_cli, against a real named, a
# real knotd and a deliberately broken server (fake_dns), all inside a
# network namespace that this test creates and always deletes.
#
#   named   127.0.0.1:53 and [::1]:53  example.com (authoritative),
#           servfail.test (zone that fails to load: SERVFAIL),
#           sub.example.com delegated away (referral: AA=0)
#   knotd   127.0.0.2:53 and [::1]:5353  example.net
#   fake    127.0.0.3:53, one broken behaviour at a time
#
# usage: probe_live.sh PROBE_CLI FAKE_DNS
set -u

cli=$1
fake=$2

. "$(dirname "$0")/../lib/probe_cli.sh"
. "$(dirname "$0")/../lib/named.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root to create a network namespace"
for bin in ip named knotd setsid; do
	command -v "$bin" >/dev/null || skip "$bin is not installed"
done

ns=anyprobe-$$-$RANDOM
tmp=$(mktemp -d /tmp/anyprobe-live.XXXXXX)
# check_latency MIN MAX: bounds on the latency_us of the last check.
check_latency() {
	local lat
	checks=$((checks + 1))
	lat=$(sed -n 's/.* latency_us=\([0-9]*\) .*/\1/p' <<<"$last_out" |
	    head -1)
	if [ -n "$lat" ] && [ "$lat" -ge "$1" ] && [ "$lat" -le "$2" ]; then
		echo "ok   latency $lat us within [$1, $2]"
	else
		echo "FAIL latency \"$lat\" us not within [$1, $2]"
		fails=$((fails + 1))
	fi
}

ip netns add "$ns" || skip "cannot create a network namespace here"
ip -n "$ns" link set lo up

# ---- named ----
mkdir -p "$tmp/named" "$tmp/knot"
{
	named_options "$tmp/named" "127.0.0.1;" "::1;"
	cat <<EOF
zone "example.com" { type primary; file "$tmp/named/example.com.zone"; };
// Fails to load, so named answers SERVFAIL for it.
zone "servfail.test" { type primary; file "$tmp/named/broken.zone"; };
EOF
} >"$tmp/named/named.conf"
long=$(printf 'x%.0s' $(seq 1 200))
cat >"$tmp/named/example.com.zone" <<EOF
\$TTL 300
@	IN SOA	ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300
	IN NS	ns1.example.com.
ns1	IN A	127.0.0.1
www	IN CNAME elsewhere.example.org.
sub	IN NS	ns.elsewhere.example.org.
; three 200-octet TXT records: over 512 octets, so TC=1 over UDP
big	IN TXT	"1$long"
big	IN TXT	"2$long"
big	IN TXT	"3$long"
EOF
echo "this is not a zone file" >"$tmp/named/broken.zone"

t_named=$(date +%s%N)
start "$tmp/named.log" named -g -c "$tmp/named/named.conf"
named_pid=$started

# ---- knotd ----
cat >"$tmp/knot/knot.conf" <<EOF
server:
    rundir: "$tmp/knot"
    listen: [ 127.0.0.2@53, ::1@5353 ]
log:
  - target: stderr
    any: info
database:
    storage: "$tmp/knot"
zone:
  - domain: example.net
    storage: "$tmp/knot"
    file: "example.net.zone"
EOF
cat >"$tmp/knot/example.net.zone" <<EOF
\$TTL 300
@	IN SOA	ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300
	IN NS	ns1.example.net.
ns1	IN A	127.0.0.2
EOF
t_knot=$(date +%s%N)
start "$tmp/knot.log" knotd -c "$tmp/knot/knot.conf"
knot_pid=$started

wait_ok named "$tmp/named.log" "$t_named" 127.0.0.1 53 example.com. SOA
wait_ok knotd "$tmp/knot.log" "$t_knot" 127.0.0.2 53 example.net. SOA
check_pid "$named_pid" named
check_pid "$knot_pid" knotd
echo "set up: netns $ns (lo only), config in $tmp"
echo "        named PID $named_pid on 127.0.0.1:53 [::1]:53"
echo "        knotd PID $knot_pid on 127.0.0.2:53 [::1]:5353"

n=127.0.0.1
check "named udp" 0 '^result=ok rcode=NOERROR latency_us=[0-9]+ detail=$' \
    "$n" 53 example.com. SOA
check "named tcp" 0 '^result=ok rcode=NOERROR ' -t "$n" 53 example.com. SOA
check "named udp over IPv6" 0 '^result=ok rcode=NOERROR ' \
    ::1 53 example.com. SOA
check "named tcp over IPv6, 3 probes in a row" 0 '^result=ok ' \
    -n 3 -t ::1 53 example.com SOA
check "name without final dot, any case" 0 '^result=ok ' \
    "$n" 53 ExAmPle.CoM SOA
check "SERVFAIL" 1 '^result=rcode rcode=SERVFAIL .* detail=rcode SERVFAIL$' \
    "$n" 53 servfail.test. SOA
check "REFUSED (zone not served)" 1 \
    '^result=rcode rcode=REFUSED .* detail=rcode REFUSED$' \
    "$n" 53 other.test. SOA
check "not authoritative (referral)" 1 \
    '^result=not authoritative rcode=NOERROR .* detail=not authoritative$' \
    "$n" 53 sub.example.com. SOA
check "referral accepted with authoritative=no answer=no" 0 '^result=ok ' \
    -a no -A no "$n" 53 sub.example.com. SOA
check "no answer (type absent)" 1 \
    '^result=no answer rcode=NOERROR .* detail=no answer$' \
    "$n" 53 example.com. TXT
check "no answer (CNAME out of zone)" 1 \
    'detail=no answer: only CNAME \(1 RR\), no A$' "$n" 53 www.example.com. A
check "NXDOMAIN expected" 0 '^result=ok rcode=NXDOMAIN ' \
    -r NXDOMAIN -A no "$n" 53 nope.example.com. A
check "NXDOMAIN not expected" 1 \
    '^result=rcode rcode=NXDOMAIN .* detail=rcode NXDOMAIN$' \
    "$n" 53 nope.example.com. A
check "TC over UDP" 1 '^result=truncated rcode=NOERROR .* detail=truncated$' \
    "$n" 53 big.example.com. TXT
check "same over TCP" 0 '^result=ok ' -t "$n" 53 big.example.com. TXT
check "refused, udp" 1 '^result=refused rcode=- .* detail=refused$' \
    127.0.0.1 54 example.com. SOA
check "refused, tcp" 1 '^result=refused rcode=- .* detail=refused$' \
    -t 127.0.0.1 54 example.com. SOA
check "refused, udp over IPv6" 1 '^result=refused ' ::1 54 example.com. SOA
# 198.51.100.1 (TEST-NET-2): the namespace has no route, nothing leaves it.
check "no route, udp" 1 \
    '^result=socket error .* detail=socket error: Network is unreachable$' \
    198.51.100.1 53 example.com. SOA
check "no route, tcp" 1 \
    'detail=socket error: Network is unreachable$' \
    -t 198.51.100.1 53 example.com. SOA
check "EMFILE inside ares_send, reported later" 1 \
    'detail=socket error: Too many open files$' -M "$n" 53 example.com. SOA

kill -STOP "$named_pid"
echo "named PID $named_pid stopped (SIGSTOP)"
check "named stopped, udp" 1 \
    '^result=timeout rcode=- .* detail=timeout after 300ms$' \
    -T 300 "$n" 53 example.com. SOA
check_latency 300000 5000000
# FACTS.md: the kernel still completes the TCP handshake for a stopped
# named, so only the query times out.
check "named stopped, tcp" 1 'detail=timeout after 300ms$' \
    -t -T 300 "$n" 53 example.com. SOA
check_latency 300000 5000000
check "probe_free with a udp query in flight" 0 \
    '^free in flight: no callback$' -F -T 300 "$n" 53 example.com. SOA
check "probe_free with a tcp query in flight" 0 \
    '^free in flight: no callback$' -F -t -T 300 "$n" 53 example.com. SOA
kill -CONT "$named_pid"
echo "named PID $named_pid continued (SIGCONT)"
check "named continued" 0 '^result=ok ' "$n" 53 example.com. SOA

check "knotd udp" 0 '^result=ok rcode=NOERROR ' 127.0.0.2 53 example.net. SOA
check "knotd tcp" 0 '^result=ok rcode=NOERROR ' -t 127.0.0.2 53 example.net. SOA
check "knotd over IPv6, port 5353" 0 '^result=ok ' ::1 5353 example.net. SOA
check "knotd REFUSED" 1 'detail=rcode REFUSED$' 127.0.0.2 53 example.com. SOA

# ---- broken server: what c-ares filters and what reaches dns_eval ----
f=127.0.0.3
fake_mode() {
	local mode=$1
	if [ -n "${fake_pid:-}" ]; then
		kill "$fake_pid"
		wait "$fake_pid" 2>/dev/null
		forget "$fake_pid"
	fi
	# A fresh log: "ready" from the previous one would race the new
	# server's start.
	rm -f "$tmp/fake.log"
	start "$tmp/fake.log" "$fake" 127.0.0.3 53 "$mode"
	fake_pid=$started
	for _ in $(seq 1 50); do
		grep -q '^ready' "$tmp/fake.log" && break
		sleep 0.1
	done
	check_pid "$fake_pid" fake_dns
	echo "fake_dns PID $fake_pid on 127.0.0.3:53, mode $mode"
}
fake_mode wrongid
check "wrong ID: c-ares drops it" 1 'detail=timeout after 300ms$' \
    -T 300 "$f" 53 example.com. SOA
fake_mode wrongq
check "wrong question: c-ares drops it" 1 'detail=timeout after 300ms$' \
    -T 300 "$f" 53 example.com. SOA
fake_mode qr0
check "QR=0 echo, udp" 1 '^result=malformed .* detail=malformed: QR=0$' \
    "$f" 53 example.com. SOA
check "QR=0 echo, tcp" 1 'detail=malformed: QR=0$' -t "$f" 53 example.com. SOA
fake_mode tc
check "TC=1, udp" 1 '^result=truncated .* detail=truncated$' \
    "$f" 53 example.com. SOA
check "TC=1 ignored over tcp" 0 '^result=ok ' -t -A no "$f" 53 example.com. SOA
fake_mode garbage
check "cut RR" 1 \
    '^result=malformed .* detail=malformed: answer RR 1: RR overruns reply$' \
    "$f" 53 example.com. SOA
fake_mode big
check "741-octet UDP reply" 1 \
    'detail=malformed: 741-octet UDP reply, limit 512 without EDNS$' \
    "$f" 53 example.com. TXT
check "same over tcp" 0 '^result=ok ' -t "$f" 53 example.com. TXT
fake_mode close
check "server closes the TCP connection" 1 \
    '^result=socket error .*: connection closed by server$' \
    -t "$f" 53 example.com. SOA

# The query on the wire: RD and the OPT RR as recursion and dnssec say.
fake_mode dump
q="query flags=0000 qd=1 an=0 ns=0 ar=0 tail="
check "query: recursion = no, dnssec = no" 0 '^result=ok ' \
    -A no "$f" 53 example.com. SOA
check "query: recursion = yes" 0 '^result=ok ' -R -A no "$f" 53 example.com. SOA
check "query: dnssec = yes" 0 '^result=ok ' -D -A no "$f" 53 example.com. SOA
check "query: both, tcp" 0 '^result=ok ' -t -R -D -A no "$f" 53 example.com. SOA
checks=$((checks + 1))
want=$(printf '%s\n' "$q" "query flags=0100 qd=1 an=0 ns=0 ar=0 tail=" \
    "query flags=0000 qd=1 an=0 ns=0 ar=1 tail=0000290200000080000000" \
    "query flags=0100 qd=1 an=0 ns=0 ar=1 tail=0000290200000080000000")
got=$(grep '^query ' "$tmp/fake.log")
if [ "$got" = "$want" ]; then
	echo "ok   queries on the wire: RD=1 for recursion, OPT (512, DO) for dnssec"
else
	echo "FAIL queries on the wire:"
	echo "     got:    ${got//$'\n'/$'\n'             }"
	echo "     wanted: ${want//$'\n'/$'\n'             }"
	fails=$((fails + 1))
fi
fake_mode nord
check "RD not copied, recursion = yes" 1 \
    '^result=malformed .* detail=malformed: RD not copied$' \
    -R -A no "$f" 53 example.com. SOA
check "RD not copied, recursion = no: not checked" 0 '^result=ok ' \
    -A no "$f" 53 example.com. SOA

summary
