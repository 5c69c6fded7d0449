#!/bin/bash
# Scale: N UDP probes of one real named in a namespace of its own; prints
# the cycles, the CPU per cycle (schedstat), the last cycle's duration, the
# state, how many probes failed, and RSS.  A benchmark: it asserts nothing.
#
#   sudo bash tests/bench/scale.sh ANYCASTD ANYCASTCTL NPROBES INTERVAL SECONDS
# TO=5ms sets the probe timeout (default 50ms; it must be < INTERVAL).
set -u
bin=$1 ctl=$2 n=$3 iv=$4 secs=$5
ns=pm$$
ip netns add $ns; ip -n $ns link set lo up
ip -n $ns link add anycast0 type ifb; ip -n $ns addr add 198.51.100.1/24 dev anycast0; ip -n $ns link set anycast0 up
d=$(mktemp -d)
apid= npid=
# Torn down whatever happens.
trap 'kill $apid $npid 2>/dev/null; wait 2>/dev/null; ip netns del $ns 2>/dev/null; rm -rf $d' EXIT
cat > $d/svc.db <<'Z'
$TTL 60
@	SOA	ns hostmaster 1 60 60 600 60
@	NS	ns
ns	A	127.0.0.1
Z
cat > $d/named.conf <<C
options { directory "$d"; pid-file none; listen-on { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; notify no; };
controls { };
zone "svc.test" { type primary; file "$d/svc.db"; };
C
ip netns exec $ns named -g -u root -c $d/named.conf > $d/named.log 2>&1 &
npid=$!
sleep 1
{
printf '[agent]\ninterface = anycast0\ninterval = %s\nfast_interval = %s\nhold_down = 0\ncontrol_socket = %s/s.sock\nstate_dir = %s\n' $iv $iv $d $d
for i in $(seq 1 $n); do printf '\n[probe p%d]\nserver = 127.0.0.1\nname = svc.test.\ntimeout = %s\n' $i ${TO:-50ms}; done
} > $d/a.conf
ip netns exec $ns $bin -c $d/a.conf > $d/agent.log 2>&1 &
apid=$!
sleep 2
c0=$(ip netns exec $ns $ctl -s $d/s.sock status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["cycles"]["count"])')
s0=$(awk '{print $1}' /proc/$apid/schedstat)
sleep $secs
s1=$(awk '{print $1}' /proc/$apid/schedstat)
js=$(ip netns exec $ns $ctl -s $d/s.sock status --json)
c1=$(echo "$js" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cycles"]["count"])')
dur=$(echo "$js" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["cycles"]["duration_seconds"]*1000, j["state"], sum(1 for p in j["probes"] if p["result"]!="ok"))')
rss=$(awk '/VmRSS/{print $2}' /proc/$apid/status)
hwm=$(awk '/VmHWM/{print $2}' /proc/$apid/status)
cyc=$((c1-c0))
echo "probes=$n cycles=$cyc cpu_us_per_cycle=$(( (s1-s0)/1000/cyc )) last_cycle_ms,state,failed=$dur rss_kB=$rss hwm_kB=$hwm"
echo "withdrawals logged: $(grep -c "withdrawn:" $d/agent.log)"
