#!/bin/bash
# servers: the probe module, through probe_cli, against one real DNS server
# daemon, in the four states an operator meets: healthy, answering SERVFAIL
# or REFUSED, hung (SIGSTOP) and killed (SIGKILL).  Everything runs inside
# a network namespace that this test creates (lo only) and always deletes;
# each daemon gets a config directory of its own in a temporary directory.
#
#   authoritative  named, knotd, nsd, pdns (pdns_server, bind backend)
#                  on 127.0.0.1:53, serving example.test, with servfail.test
#                  configured from a zone file that does not parse
#   resolvers      unbound, kresd on 127.0.0.1:53, with names under
#                  "example." (both block RFC 6761's "test." by default):
#                    local.example      answered from the resolver's own data
#                    refused.example    refused by the resolver's policy
#                    sec.example        signed (dnssec-signzone), served by an
#                                    nsd on 127.0.0.2, trust anchor configured
#                    bogus.example      unsigned on that nsd, but under a trust
#                                    anchor: validation fails, SERVFAIL
#
# With ANYCASTD, a resolver's test also runs the agent itself with a
# recursion = yes probe and a dnssec = yes probe: anycast0 (dummy, else ifb)
# starts down and must come up, then go down when the resolver hangs.
#
# usage: servers.sh PROBE_CLI SERVER [ANYCASTD]
set -u

cli=$1
server=$2
anycastd=${3:-}

check_prefix="$server "
. "$(dirname "$0")/../lib/probe_cli.sh"
. "$(dirname "$0")/../lib/named.sh"

case $server in
named|knotd|nsd|unbound|kresd) bins=("$server") ;;
pdns) bins=(pdns_server) ;;
*) echo "usage: $0 PROBE_CLI named|knotd|nsd|pdns|unbound|kresd" >&2; exit 2 ;;
esac
case $server in
unbound|kresd) bins+=(nsd dnssec-keygen dnssec-signzone) ;;
esac
[ "$(id -u)" -eq 0 ] || skip "needs root to create a network namespace"
for bin in ip setsid "${bins[@]}"; do
	command -v "$bin" >/dev/null || skip "$bin is not installed"
done

ns=anysrv-$server-$$
tmp=$(mktemp -d "/tmp/anysrv-$server.XXXXXX")
zone() {	# zone NAME NS_ADDR: a small zone file on stdout
	cat <<ZONE
\$TTL 300
@	IN SOA	ns1.$1. hostmaster.$1. 1 3600 600 86400 300
	IN NS	ns1.$1.
ns1	IN A	$2
www	IN A	192.0.2.80
ZONE
}

ip netns add "$ns" || skip "cannot create a network namespace here"
ip -n "$ns" link set lo up
ip -n "$ns" addr add 127.0.0.2/8 dev lo 2>/dev/null
mkdir -p "$tmp/$server"
d=$tmp/$server
S=127.0.0.1

# ---- authoritative servers ----
auth_zones() {	# DIR: example.test and a servfail.test that fails to load
	zone example.test "$S" >"$1/example.test.zone"
	echo "this is not a zone file" >"$1/broken.zone"
}

setup_named() {
	auth_zones "$d"
	{
		named_options "$d" "$S;" "none;"
		cat <<CONF
zone "example.test" { type primary; file "$d/example.test.zone"; };
zone "servfail.test" { type primary; file "$d/broken.zone"; };
CONF
	} >"$d/named.conf"
	start "$tmp/daemon.log" named -g -c "$d/named.conf"
}

setup_knotd() {
	auth_zones "$d"
	cat >"$d/knot.conf" <<CONF
server:
    rundir: "$d"
    listen: $S@53
log:
  - target: stderr
    any: info
database:
    storage: "$d"
template:
  - id: default
    storage: "$d"
zone:
  - domain: example.test
    file: example.test.zone
  - domain: servfail.test
    file: broken.zone
CONF
	start "$tmp/daemon.log" knotd -c "$d/knot.conf"
}

# nsd_conf DIR ADDR ZONE...: an nsd.conf that keeps every file in DIR,
# stays root and in the foreground; ZONE is NAME:FILE.
nsd_conf() {
	local dir=$1 addr=$2 z
	shift 2
	cat <<CONF
server:
    ip-address: $addr
    port: 53
    username: ""
    chroot: ""
    zonesdir: "$dir"
    database: ""
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    pidfile: "$dir/nsd.pid"
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
CONF
	for z in "$@"; do
		printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' \
		    "${z%%:*}" "${z#*:}"
	done
}

setup_nsd() {
	auth_zones "$d"
	nsd_conf "$d" "$S" example.test:example.test.zone \
	    servfail.test:broken.zone >"$d/nsd.conf"
	start "$tmp/daemon.log" nsd -d -c "$d/nsd.conf"
}

setup_pdns() {
	auth_zones "$d"
	: >"$d/pdns.conf"
	cat >"$d/named.conf" <<CONF
zone "example.test" { type master; file "$d/example.test.zone"; };
zone "servfail.test" { type master; file "$d/broken.zone"; };
CONF
	start "$tmp/daemon.log" pdns_server --config-dir="$d" \
	    --socket-dir="$d" --daemon=no --guardian=no --disable-syslog \
	    --write-pid=no --setuid= --setgid= --launch=bind \
	    --bind-config="$d/named.conf" --local-address="$S" \
	    --local-port=53 --loglevel=4
}

# ---- resolvers, and the signed authoritative behind them ----
ta=""	# sec.example's trust anchor: "sec.example. IN DNSKEY 257 3 13 ..."
key=""	# its public key only
setup_signed_auth() {
	local a=$tmp/auth k
	mkdir -p "$a"
	zone sec.example 127.0.0.2 >"$a/sec.example.zone"
	zone bogus.example 127.0.0.2 >"$a/bogus.example.zone"
	k=$(cd "$a" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -n ZONE \
	    sec.example) || { echo "FAIL: dnssec-keygen"; exit 1; }
	cat "$a/$k.key" >>"$a/sec.example.zone"
	# One key signs everything (-z); it is also the trust anchor.
	(cd "$a" && dnssec-signzone -q -z -o sec.example -K "$a" \
	    -f sec.example.signed sec.example.zone "$k") >/dev/null ||
	    { echo "FAIL: dnssec-signzone"; exit 1; }
	ta=$(grep -v '^;' "$a/$k.key")
	key=${ta#* DNSKEY 257 3 13 }
	case $ta in
	"sec.example. IN DNSKEY 257 3 13 "*) ;;
	*) echo "FAIL: unexpected key file: $ta"; exit 1 ;;
	esac
	nsd_conf "$a" 127.0.0.2 sec.example:sec.example.signed \
	    bogus.example:bogus.example.zone >"$a/nsd.conf"
	start "$tmp/auth.log" nsd -d -c "$a/nsd.conf"
	wait_ok "nsd (signed auth)" "$tmp/auth.log" "$(date +%s%N)" \
	    127.0.0.2 53 sec.example. SOA
}

setup_unbound() {
	setup_signed_auth
	cat >"$d/unbound.conf" <<CONF
server:
    interface: $S
    port: 53
    username: ""
    chroot: ""
    directory: "$d"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 1
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    module-config: "validator iterator"
    local-zone: "local.example." static
    local-data: "local.example. 300 IN A 192.0.2.53"
    local-zone: "refused.example." refuse
    trust-anchor: "$ta"
    trust-anchor: "bogus.example. IN DNSKEY 257 3 13 $key"
stub-zone:
    name: "sec.example."
    stub-addr: 127.0.0.2@53
stub-zone:
    name: "bogus.example."
    stub-addr: 127.0.0.2@53
remote-control:
    control-enable: no
CONF
	start "$tmp/daemon.log" unbound -d -c "$d/unbound.conf"
}

setup_kresd() {
	setup_signed_auth
	cat >"$d/kresd.conf" <<CONF
net.listen('$S', 53, { kind = 'dns' })
cache.open(10 * MB, 'lmdb://$d/cache')
-- Only our anchors: no root key, so nothing is ever asked of the root.
trust_anchors.remove('.')
trust_anchors.add('$ta')
trust_anchors.add('bogus.example. IN DNSKEY 257 3 13 $key')
modules.load('hints > iterate')
hints['local.example'] = '192.0.2.53'
policy.add(policy.suffix(policy.REFUSE, policy.todnames({'refused.example.'})))
policy.add(policy.suffix(policy.FORWARD({'127.0.0.2'}),
    policy.todnames({'sec.example.', 'bogus.example.'})))
CONF
	start "$tmp/daemon.log" kresd -n -c "$d/kresd.conf" "$d"
}

"setup_$server"
pid=$started
t0=$(date +%s%N)
case $server in
unbound|kresd)
	resolver=1
	healthy=(-R -a no "$S" 53 local.example. A)
	;;
*)
	resolver=0
	healthy=("$S" 53 example.test. SOA)
	;;
esac
wait_ok "$server" "$tmp/daemon.log" "$t0" "${healthy[@]}"
comm=$(cat "/proc/$pid/comm" 2>/dev/null)
echo "set up: netns $ns (lo only), $server PID $pid ($comm) on $S:53," \
    "config in $d"

echo "-- healthy"
if [ "$resolver" -eq 1 ]; then
	check "healthy: RD=1, local data" 0 \
	    '^result=ok rcode=NOERROR latency_us=[0-9]+ detail=$' \
	    -R -a no "$S" 53 local.example. A
	check "healthy: DO=1, signed zone validated (AD=1)" 0 \
	    '^result=ok rcode=NOERROR ' -R -D -a no "$S" 53 sec.example. SOA
	check "healthy over tcp" 0 '^result=ok rcode=NOERROR ' \
	    -t -R -D -a no "$S" 53 www.sec.example. A
	# What the README says: RFC 6761's test. is blocked by default.
	check "test. is blocked by default" 1 'detail=rcode NXDOMAIN$' \
	    -R -a no "$S" 53 www.test. A
	check "local data is not validated (AD=0)" 1 \
	    '^result=not validated rcode=NOERROR .* detail=not validated$' \
	    -R -D -a no "$S" 53 local.example. A
	if [ "$server" = kresd ]; then
		# kresd refuses every RD=0 query: without recursion = yes a
		# probe of it can never pass.
		check "recursion = no (RD=0) is refused" 1 \
		    '^result=rcode rcode=REFUSED .* detail=rcode REFUSED$' \
		    -a no "$S" 53 local.example. A
		check "recursion = no (RD=0), a cached name, is refused" 1 \
		    'detail=rcode REFUSED$' -a no "$S" 53 sec.example. SOA
	else
		check "recursion = no (RD=0) answered from local data" 0 \
		    '^result=ok ' -a no "$S" 53 local.example. A
	fi
else
	check "healthy udp" 0 \
	    '^result=ok rcode=NOERROR latency_us=[0-9]+ detail=$' \
	    "${healthy[@]}"
	check "healthy tcp" 0 '^result=ok rcode=NOERROR ' -t "${healthy[@]}"
	check "recursion = yes on an authoritative-only server" 1 \
	    '^result=no recursion rcode=NOERROR .* detail=recursion not available$' \
	    -R "${healthy[@]}"
fi

echo "-- servfail and refused"
if [ "$resolver" -eq 1 ]; then
	check "SERVFAIL: bogus zone under a trust anchor" 1 \
	    '^result=rcode rcode=SERVFAIL .* detail=rcode SERVFAIL$' \
	    -R -D -a no -T 2000 "$S" 53 bogus.example. SOA
	check "REFUSED: refused by policy" 1 \
	    '^result=rcode rcode=REFUSED .* detail=rcode REFUSED$' \
	    -R -a no "$S" 53 refused.example. A
else
	check "SERVFAIL: zone that fails to load" 1 \
	    '^result=rcode rcode=SERVFAIL .* detail=rcode SERVFAIL$' \
	    "$S" 53 servfail.test. SOA
	check "REFUSED: zone not served" 1 \
	    '^result=rcode rcode=REFUSED .* detail=rcode REFUSED$' \
	    "$S" 53 other.test. SOA
fi

link_up() {
	in_ns ip -o link show anycast0 | grep -q '[<,]UP[,>]'
}

# wait_link up|down SECONDS
wait_link() {
	for _ in $(seq 1 $(($2 * 20))); do
		if [ "$1" = up ] && link_up; then return 0; fi
		if [ "$1" = down ] && ! link_up; then return 0; fi
		sleep 0.05
	done
	return 1
}

# agent_check WHAT COND: one check of the agent run.
agent_check() {
	checks=$((checks + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok   $server anycastd: $1"
	else
		echo "FAIL $server anycastd: $1; its log:"
		sed 's/^/     /' "$tmp/anycastd.log"
		fails=$((fails + 1))
	fi
}

if [ "$resolver" -eq 1 ] && [ -n "$anycastd" ]; then
	echo "-- anycastd with recursion = yes and dnssec = yes probes"
	if in_ns ip link add anycast0 type dummy 2>/dev/null; then
		kind=dummy
	else
		in_ns ip link add anycast0 type ifb
		kind=ifb
	fi
	echo "anycast0 is $kind (down at start)"
	cat >"$tmp/anycastd.conf" <<CONF
[agent]
interface = anycast0
rise = 2
fall = 2
interval = 100ms
fast_interval = 50ms
hold_down = 0
control_socket = $tmp/anycastd.sock
state_dir = $tmp

[probe local]
server = $S
name = local.example.
type = A
authoritative = no
recursion = yes
timeout = 40ms

[probe validated]
server = $S
name = sec.example.
type = SOA
authoritative = no
recursion = yes
dnssec = yes
timeout = 40ms
CONF
	start "$tmp/anycastd.log" "$anycastd" -d -c "$tmp/anycastd.conf"
	agent=$started
	wait_link up 5
	agent_check "anycast0 brought up by the resolver's answers" $?
	kill -STOP -- "-$pid"
	wait_link down 5
	agent_check "anycast0 down while $server hangs" $?
	grep -q 'timeout' "$tmp/anycastd.log"
	agent_check "its log says timeout" $?
	kill -CONT -- "-$pid"
	wait_link up 5
	agent_check "anycast0 up again after SIGCONT" $?
	kill -TERM "$agent"
	{ wait "$agent"; } 2>/dev/null
	forget "$agent"
	grep -E 'withdrawn|announced|timeout' "$tmp/anycastd.log" | sed 's/^/     log: /'
fi

echo "-- hung (SIGSTOP to process group $pid)"
kill -STOP -- "-$pid"
check "hung, udp" 1 '^result=timeout rcode=- .* detail=timeout after 300ms$' \
    -T 300 "${healthy[@]}"
check "hung, tcp" 1 'detail=timeout after 300ms$' -t -T 300 "${healthy[@]}"
kill -CONT -- "-$pid"
check "continued (SIGCONT): healthy again" 0 '^result=ok ' "${healthy[@]}"

echo "-- killed (SIGKILL to process group $pid)"
kill -KILL -- "-$pid"
{ wait "$pid"; } 2>/dev/null
# Until no process of the group is alive; workers that another process
# reaps may linger as zombies, which hold no sockets.
for _ in $(seq 1 100); do
	pgrep -g "$pid" -r R,S,D,T,t >/dev/null || break
	sleep 0.02
done
check "killed, udp" 1 '^result=refused rcode=- .* detail=refused$' \
    "${healthy[@]}"
check "killed, tcp" 1 '^result=refused rcode=- .* detail=refused$' \
    -t "${healthy[@]}"

summary "$server"
