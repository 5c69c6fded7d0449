#!/usr/bin/env bash
# The fault matrix (issue 11): what really goes wrong around anycastd,
# provoked for real against a real named and a real BIRD.
#
#   fault.sh SCENARIO ANYCASTD ANYCASTCTL FAULT_DNS LINKLOG
#
# Each run builds its own network namespace (the name carries $$) with
# anycast0 (dummy where the kernel has it, else ifb; the kind is printed)
# carrying 198.51.100.1/24 and 2001:db8:abcd::1/48, a real named
# authoritative for svc.test on 127.0.0.1, and anycastd probing it.  A
# background `ip -ts monitor link` (at real-time priority, so that it
# timestamps what it reads at once) is the independent watcher of anycast0;
# every scenario that proves an absence also shows the watcher seeing a
# change (a positive control).  Everything is torn down by the trap.
set -euo pipefail

scenario=${1:?scenario}
anycastd=${2:?anycastd binary}
anycastctl=${3:?anycastctl binary}
fault_dns=${4:?fault_dns binary}
linklog=${5:?fault-linklog binary}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root to create network namespaces"
	exit 77
fi
for t in named dig ip bird birdc chrt; do
	command -v $t >/dev/null || { echo "FAIL: $t is not installed"; exit 1; }
done

ns=acdfault$$
ns2=acdfault2$$
run=$(mktemp -d /tmp/anycastd-fault.XXXXXX)
chmod 755 "$run"
named_pid= agent_pid= bird_pid= mon_pid= fake_pid= up_pid=
mounted= clock_saved=
. "$(dirname "$0")/../lib/netns.sh"

cleanup() {
	# The clock first: other builds on this machine read mtimes.
	[ -z "$clock_saved" ] || clock_restore
	netns_kill $mon_pid $agent_pid $named_pid $bird_pid $fake_pid $up_pid
	[ -z "$mounted" ] || umount -l "$mounted" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	ip netns del "$ns2" 2>/dev/null || true
	netns_dump_logs $(ls -v "$run"/agent*.log 2>/dev/null | tail -n 3) \
	    "$run"/named.log "$run"/bird.log "$run"/monitor.log
	[ -n "${FAULT_KEEP:-}" ] && echo "kept $run" || rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

netns_setup

# --- named -------------------------------------------------------------------

cat > "$run/svc.db" <<'EOT'
$TTL 60
@	SOA	ns hostmaster 1 60 60 600 60
@	NS	ns
ns	A	127.0.0.1
www	A	198.51.100.10
EOT
cat > "$run/named.conf" <<EOT
options {
	directory "$run";
	pid-file none;
	listen-on { 127.0.0.1; 198.51.100.1; };
	listen-on-v6 { ::1; };
	recursion no;
	dnssec-validation no;
	notify no;
};
controls { };
zone "svc.test" { type primary; file "$run/svc.db"; };
EOT
dig_ok() { inns dig +norec +time=1 +tries=1 @127.0.0.1 svc.test SOA 2>/dev/null | grep -q 'status: NOERROR'; }
start_named() {
	ip netns exec "$ns" named -g -u root -c "$run/named.conf" >>"$run/named.log" 2>&1 &
	named_pid=$!
	wait_for 10 dig_ok || fail "named did not answer"
	log "named started (pid $named_pid)"
}

# --- BIRD --------------------------------------------------------------------

# The node's BIRD exports anycast0's prefix over BGP to an upstream BIRD in
# a second namespace (veth 10.99.0.1 <-> 10.99.0.2): the agent checks
# BGP exports, so there must be a session to export to.
bgp_timers='hold time 3; keepalive time 1; connect delay time 1; connect retry time 1; error wait time 1, 2;'
cat > "$run/bird.conf" <<EOT
router id 192.0.2.1;
protocol device { }
protocol direct anycast { ipv4; ipv6; interface "anycast0"; }
protocol bgp up4 {
	local 10.99.0.1 as 65010; neighbor 10.99.0.2 as 65000; $bgp_timers
	ipv4 { import none; export where proto = "anycast"; };
}
EOT
cat > "$run/up.conf" <<EOT
router id 192.0.2.2;
protocol device { }
protocol bgp n1 {
	local 10.99.0.2 as 65000; neighbor 10.99.0.1 as 65010; $bgp_timers
	ipv4 { import all; export none; };
}
EOT
up_pid=
start_upstream() {
	ip netns add "$ns2"
	ip netns exec "$ns2" ip link set lo up
	inns ip link add up0 type veth peer name up1 netns "$ns2"
	inns ip addr add 10.99.0.1/30 dev up0
	inns ip link set up0 up
	ip netns exec "$ns2" ip addr add 10.99.0.2/30 dev up1
	ip netns exec "$ns2" ip link set up1 up
	ip netns exec "$ns2" bird -f -c "$run/up.conf" -s "$run/up.ctl" >>"$run/up.log" 2>&1 &
	up_pid=$!
}
start_bird() {
	rm -f "$run/bird.ctl"
	ip netns exec "$ns" bird -f -c "$run/bird.conf" -s "$run/bird.ctl" >>"$run/bird.log" 2>&1 &
	bird_pid=$!
	wait_for 5 test -S "$run/bird.ctl" || fail "BIRD did not start"
	log "BIRD started (pid $bird_pid)"
}
kill_bird() {
	kill -"${1:-KILL}" "$bird_pid"
	wait "$bird_pid" 2>/dev/null || true
	bird_pid=
}
# What the node's BIRD exports to the upstream, and what the upstream has.
bird_exports() { inns birdc -s "$run/bird.ctl" show route export up4 198.51.100.0/24 2>/dev/null | grep -q 198.51.100.0/24; }
upstream_has() { ip netns exec "$ns2" birdc -s "$run/up.ctl" show route 198.51.100.0/24 2>/dev/null | grep -q 198.51.100.0/24; }

# --- anycastd ----------------------------------------------------------------

. "$(dirname "$0")/../lib/agent.sh"
# fault.sh's agents: fall 2, no hold-down, a state directory of their own
# (the statedir case mounts it) and metrics (the counters are checked).
AGENT_DEFAULTS=(fall=2 hold=0 state="$run/state" metrics=yes)
agent_n=0
start_agent() {
	agent_n=$((agent_n + 1))
	agent_log=$run/agent$agent_n.log
	# nsenter enters the network namespace only: the daemon shares our
	# mounts, so a remount of the state directory reaches it as it would
	# on a host (ip netns exec would give it a copy of each mount).
	nsenter --net="/run/netns/$ns" "$anycastd" -d -c "$run/anycastd.conf" >"$agent_log" 2>&1 &
	agent_pid=$!
}
kill_agent() {
	kill -"${1:-KILL}" "$agent_pid" 2>/dev/null || true
	wait "$agent_pid" 2>/dev/null || true
	agent_pid=
}
ctl() { inns "$anycastctl" -s "$run/anycastd.sock" "$@"; }
metric() { awk -v m="$1" '$1 == m { print $2 }' "$run/anycastd.prom" 2>/dev/null; }

# The watcher: every change of anycast0, with the time ip read it.
start_monitor() {
	ip netns exec "$ns" chrt -f 50 ip -ts -o monitor link >"$run/monitor.log" 2>&1 &
	mon_pid=$!
	sleep 0.2
}
# Changes of anycast0 seen so far, as "up" and "down" words, one a line.
monitor_states() {
	grep ' anycast0[:@]' "$run/monitor.log" | grep -v Deleted |
		sed -E 's/.*<([^>]*)>.*/\1/' |
		awk '{ print ($0 ~ /(^|,)UP(,|$)/) ? "up" : "down" }'
}
monitor_saw_down() { monitor_states | grep -q down; }
monitor_mark() { monitor_lines=$(wc -l < "$run/monitor.log"); }
monitor_saw_down_since() {
	tail -n +"$((monitor_lines + 1))" "$run/monitor.log" | grep ' anycast0[:@]' |
		grep -v Deleted | grep -Evq '<([^>]*,)?UP(,[^>]*)?>'
}

announced_start() {
	start_named
	inns ip link set anycast0 up
	agent_conf "$@"
	start_agent
	expect_log "link is up at start"
}

# --- scenarios ---------------------------------------------------------------

. "$(dirname "$0")/scenarios.sh"

type "sc_$scenario" >/dev/null 2>&1 || fail "unknown scenario $scenario"
log "scenario $scenario"
"sc_$scenario"
failed=0
