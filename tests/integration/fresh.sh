#!/usr/bin/env bash
# Zone freshness (issue 9) against two real nameds in one namespace:
#
#   fresh.sh ANYCASTD ANYCASTCTL
#
#   - the local server: named on 127.0.0.1, authoritative for z1..z3.test;
#   - the primary: a second named on 10.53.0.2 port 5353 (on lo), with zone
#     files of its own, so the test sets the primary's serials at will;
#     its first address, 10.53.0.9:5353, has no route, so every
#     zone starts on an address that fails and moves to the next one;
#   - anycastd probing 127.0.0.1 every 100 ms, [freshness] every 1 s,
#     max_lag 2s, max_stale 0, zones from the config and a zones file.
# In order: all fresh; exactly one query per zone and round to the primary,
# across a reload in the middle of a round; the primary's serial bumped: stale after max_lag,
# withdrawn with the contract's reason, back when the local server catches
# up; a zone the local server does not serve (added by a SIGHUP reload of
# the zones file, the others keeping their state): missing, withdrawn; a
# bad zones file: the reload fails with file:line, nothing changes; the
# primary killed: "primary unreachable" in log, status and metrics, and no
# withdrawal (the monitor that saw the earlier withdrawals sees none);
# started again: "reachable again"; the primary behind: a warning, no
# withdrawal.  The trap tears everything down.
set -euo pipefail

anycastd=${1:?anycastd binary}
ctl=${2:?anycastctl binary}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root to create network namespaces"
	exit 77
fi
for t in named dig ip; do
	command -v $t >/dev/null || { echo "FAIL: $t is not installed"; exit 1; }
done

ns=acdfresh$$
run=$(mktemp -d /tmp/anycastd-fresh.XXXXXX)
chmod 755 "$run"
local_pid= prim_pid= agent_pid= mon_pid=
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/named.sh"

cleanup() {
	netns_kill $mon_pid $agent_pid $local_pid $prim_pid
	ip netns del "$ns" 2>/dev/null || true
	netns_dump_logs "$run"/agent.log "$run"/local.log "$run"/prim.log
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

netns_setup v4only
inns ip addr add 10.53.0.2/32 dev lo
inns ip link set anycast0 up

# zone DIR NAME SERIAL: writes DIR/NAME.db with that serial and an mtime
# that always moves forward, so that named's reload sees the change.
mt=$(date +%s)
zone() {
	mt=$((mt + 2))
	cat > "$run/$1/$2.db" <<EOT
\$TTL 60
@	SOA	ns hostmaster $3 60 60 3600 60
@	NS	ns
ns	A	127.0.0.1
EOT
	touch -d "@$mt" "$run/$1/$2.db"
}
# named_conf DIR LISTEN PORT ZONE...
named_conf() {
	local dir=$1 listen=$2 port=$3 z
	shift 3
	{
		named_options "$run/$dir" "$listen;" "none;" "$port"
		for z in "$@"; do
			echo "zone \"$z\" { type primary; file \"$run/$dir/$z.db\"; };"
		done
	} > "$run/$dir/named.conf"
}
mkdir -p "$run/local" "$run/prim"
for z in z1.test z2.test z3.test; do zone local $z 10; zone prim $z 10; done
zone prim gone.test 5
named_conf local 127.0.0.1 53 z1.test z2.test z3.test
named_conf prim 10.53.0.2 5353 z1.test z2.test z3.test gone.test

soa_of() { inns dig +norec +short +time=1 +tries=1 -p "$2" @"$1" "$3" SOA 2>/dev/null | awk '{ print $3 }'; }
answers() { [ -n "$(soa_of "$1" "$2" z1.test)" ]; }
start_named() {	# start_named DIR ADDR PORT
	ip netns exec "$ns" named -g -n 1 -u root -c "$run/$1/named.conf" >>"$run/$1.log" 2>&1 &
	eval "${1}_pid=$!"
	wait_for 10 answers "$2" "$3" || fail "named $1 did not answer"
}
start_named local 127.0.0.1 53
start_named prim 10.53.0.2 5353
log "nameds started: local (pid $local_pid), primary 10.53.0.2:5353 (pid $prim_pid)"

echo "z3.test" > "$run/zones.list"
cat > "$run/anycastd.conf" <<EOT
[agent]
interface = anycast0
rise = 2
fall = 2
interval = 100ms
fast_interval = 100ms
hold_down = 500ms
control_socket = $run/anycastd.sock
state_dir = $run
metrics_file = $run/metrics.prom

[probe soa]
server = 127.0.0.1
name = z1.test
timeout = 50ms

[freshness]
primary = 10.53.0.9:5353 10.53.0.2:5353
zones = z1.test z2.test
zones_file = zones.list
interval = 1s
max_lag = 2s
max_stale = 0
timeout = 200ms
EOT
"$anycastd" -n -c "$run/anycastd.conf" >/dev/null || fail "config rejected"

ip netns exec "$ns" ip -o monitor link dev anycast0 >"$run/monitor.log" 2>&1 &
mon_pid=$!
ip netns exec "$ns" "$anycastd" -d -c "$run/anycastd.conf" >"$run/agent.log" 2>&1 &
agent_pid=$!
sleep 0.1
kill -0 "$agent_pid" 2>/dev/null || fail "anycastd exited: $(cat "$run/agent.log")"

actl() { inns "$ctl" -s "$run/anycastd.sock" "$@"; }
zstate() { actl zones | awk -v z="$1." '$1 == z { print $2 }'; }
is_state() { [ "$(zstate "$1")" = "$2" ]; }
said() { grep -q -- "$1" "$run/agent.log"; }
downs() { grep anycast0 "$run/monitor.log" | grep -Evc '[<,]UP[,>]' || true; }
metric() { awk -v m="$1" '$1 == m { print $2 }' "$run/metrics.prom" 2>/dev/null; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }

# 1. All fresh, the dead first primary address notwithstanding.
for z in z1.test z2.test z3.test; do
	wait_for 5 is_state $z fresh || fail "$z not fresh: $(actl zones)"
done
actl status | grep -q '^zones: 3 checked, 3 fresh, 0 stale, 0 missing; primary reachable; last sweep' ||
	fail "status: $(actl status | grep -A3 '^zones:')"
wait_for 3 metric_is 'anycastd_zones{state="fresh"}' 3 || fail "metrics: $(grep zones "$run/metrics.prom")"
link_is_up || fail "withdrawn while fresh"
log "1. fresh: $(actl status | grep '^zones:')"

# One query per zone and round to the primary, a reload (SIGHUP, same
# config) in the middle of a round included: between two ends of rounds
# the primary counter grows by exactly 3 per round.  Rounds end 2/3 into
# the interval, the next round's first query leaves 1/3 later.
fnum() { actl status --json | grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2; }
round_end() {	# waits for the round counter to pass $1, prints "ROUNDS PRIMARY"
	local j r
	for _ in $(seq 1 150); do
		j=$(actl status --json)
		r=$(echo "$j" | grep -o '"rounds":[0-9]*' | cut -d: -f2)
		if [ "$r" -gt "$1" ]; then
			echo "$r $(echo "$j" | grep -o '"queries_primary":[0-9]*' | cut -d: -f2)"
			return 0
		fi
		sleep 0.02
	done
	return 1
}
read -r r0 p0 < <(round_end "$(fnum rounds)") || fail "no round ended"
sleep 0.5	# the middle of the next round
kill -HUP "$agent_pid"
read -r r1 p1 < <(round_end "$((r0 + 1))") || fail "no round ended after the reload"
[ $((p1 - p0)) -eq $((3 * (r1 - r0))) ] ||
	fail "$((p1 - p0)) queries to the primary in $((r1 - r0)) rounds of 3 zones"
log "1. $((p1 - p0)) queries to the primary in $((r1 - r0)) rounds of 3 zones, a reload in between"

# 2. The primary moves ahead on z2; the node does not follow.
zone prim z2.test 11
kill -HUP "$prim_pid"
bump=$(date +%s%N)
prim_has() { [ "$(soa_of 10.53.0.2 5353 "$1")" = "$2" ]; }
wait_for 5 prim_has z2.test 11 || fail "primary did not reload z2"
wait_for 3 actl zones --stale >/dev/null
wait_for 8 is_down || fail "not withdrawn with z2 stale: $(actl zones)"
left=$(( ($(date +%s%N) - bump) / 1000000 ))
is_state z2.test stale || fail "z2 is $(zstate z2.test)"
said 'withdrawn: 2 failed cycles, 1 zone stale: z2.test (serial 10 < 11 for ' ||
	fail "reason: $(grep withdrawn "$run/agent.log")"
actl zones --stale | grep -q '^z2.test. stale 10 11 behind ' || fail "zones --stale: $(actl zones --stale)"
actl zones --json | grep -q '"zone":"z2.test.","state":"stale","local_serial":10,"primary_serial":11' ||
	fail "zones --json: $(actl zones --json)"
wait_for 3 metric_is 'anycastd_zone_serial_behind{zone="z2.test."}' 1 || fail "serial_behind metric"
if command -v promtool >/dev/null; then
	promtool check metrics < "$run/metrics.prom" >"$run/promtool.out" 2>&1 ||
		fail "promtool: $(cat "$run/promtool.out")"
fi
actl status --json | grep -q '"freshness":{"zones":3,"unknown":0,"fresh":2,"stale":1,"missing":0' ||
	fail "status --json: $(actl status --json | grep -o '"freshness":.*')"
log "2. stale after max_lag 2s: withdrawn ${left} ms after the primary's bump ($(grep -o 'withdrawn: .*' "$run/agent.log" | tail -n 1))"
zone local z2.test 11
kill -HUP "$local_pid"
local_has() { [ "$(soa_of 127.0.0.1 53 "$1")" = "$2" ]; }
wait_for 5 local_has z2.test 11 || fail "local named did not reload z2"
actl sweep --wait >/dev/null || fail "sweep --wait"
is_state z2.test fresh || fail "z2 not fresh after the local server caught up"
wait_for 5 link_is_up || fail "not announced after z2 caught up"
log "2. caught up: $(actl sweep --wait) and announced again"

# 3. A zone the local server does not serve, added by reloading the
#    zones file; the others keep their state through the reload.
printf 'z3.test\ngone.test\n' > "$run/zones.list"
kill -HUP "$agent_pid"
wait_for 3 said 'freshness: 4 zones' || fail "reload not logged"
is_state z1.test fresh || fail "z1 lost its state in the reload: $(zstate z1.test)"
wait_for 5 is_state gone.test missing || fail "gone.test is $(zstate gone.test)"
actl zones | grep -q '^gone.test. missing - 5 (missing: rcode REFUSED)' || fail "zones: $(actl zones)"
wait_for 5 is_down || fail "not withdrawn with a missing zone"
log "3. missing: $(actl zones | grep gone.test)"
printf 'z3.test\nbad..test\n' > "$run/zones.list"
kill -HUP "$agent_pid"
wait_for 3 said 'zones.list:2: .bad..test. is not a valid zone name' || fail "bad zones file not reported"
said 'reload failed' || fail "no 'reload failed'"
is_state gone.test missing || fail "a failed reload changed the zones"
log "3. bad zones file: $(grep -o 'zones.list:2: .*' "$run/agent.log")"
echo z3.test > "$run/zones.list"
kill -HUP "$agent_pid"
unlisted() { [ -z "$(zstate "$1")" ]; }
wait_for 3 unlisted gone.test || fail "gone.test still listed"
wait_for 5 link_is_up || fail "not announced after gone.test was removed"
log "3. gone.test removed by reload, announced"

# 4. The primary dies: a shared failure.  The monitor saw both withdrawals
#    above (the positive control); it must see none now.
before=$(downs)
[ "$before" -ge 2 ] || fail "monitor saw $before withdrawals, expected 2 (positive control)"
kill -KILL "$prim_pid"; wait "$prim_pid" 2>/dev/null || true; prim_pid=
wait_for 5 said 'freshness: primary unreachable: ' || fail "no 'primary unreachable' log line"
actl status | grep -q '^zones: 3 checked, 3 fresh, 0 stale, 0 missing; primary unreachable for ' ||
	fail "status: $(actl status | grep '^zones:')"
wait_for 3 metric_is anycastd_freshness_primary_up 0 || fail "primary_up metric"
sleep 3
[ "$(downs)" -eq "$before" ] || fail "withdrawn while the primary was unreachable"
link_is_up || fail "down while the primary was unreachable"
log "4. $(grep -o 'freshness: primary unreachable: .*' "$run/agent.log" | head -n 1); no withdrawal in 3 s"
start_named prim 10.53.0.2 5353
wait_for 5 said 'freshness: primary reachable again' || fail "no 'reachable again'"
wait_for 3 metric_is anycastd_freshness_primary_up 1 || fail "primary_up metric back"
[ "$(grep -c 'primary unreachable:' "$run/agent.log")" -eq 1 ] || fail "'primary unreachable' said more than once"
log "4. primary back: $(grep -o 'freshness: primary reachable again.*' "$run/agent.log")"

# 5. The primary behind the node (restored from a backup): a warning.
zone prim z3.test 9
kill -HUP "$prim_pid"
wait_for 5 prim_has z3.test 9 || fail "primary did not reload z3"
wait_for 5 said 'freshness: primary behind: z3.test. serial 9 on the primary, 10 here' ||
	fail "no 'primary behind' warning"
sleep 2
[ "$(downs)" -eq "$before" ] || fail "withdrawn with the primary behind"
is_state z3.test fresh || fail "z3 is $(zstate z3.test)"
log "5. $(grep -o 'freshness: primary behind: .*' "$run/agent.log" | head -n 1); no withdrawal"

# A clean stop (the sanitizer build checks for leaks at exit).
kill -TERM "$agent_pid"
rc=0
wait "$agent_pid" || rc=$?
agent_pid=
[ "$rc" -eq 0 ] || fail "anycastd exited with status $rc on SIGTERM"
! grep -q 'Sanitizer' "$run/agent.log" || fail "sanitizer: $(grep -A5 Sanitizer "$run/agent.log")"
failed=0
log "PASS"
