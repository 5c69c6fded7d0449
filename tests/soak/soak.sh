#!/usr/bin/env bash
# The soak: the lab (two nodes of real BIRD2 + BIND9 + anycastd behind a
# BIRD2 upstream, tests/lab/lab.sh) runs for SOAK_DURATION seconds while
# random faults hit node a, one at a time; node b stays healthy, so the
# client always has somewhere to go.  An independent checker (checker.py)
# watches anycast0, named, the upstream's BIRD, a client and anycastd's
# /proc entry and log, and reports every broken invariant as it happens.
#
# Faults (kind: what is done, and undone after a random hold):
#   named_kill    kill -9 named; start it again
#   named_stop    SIGSTOP named (hung); SIGCONT
#   zone_break    example.test made unloadable (SERVFAIL); repaired
#   link_flip     anycast0 set down (or up) by hand, against anycastd
#   agent_restart anycastd stopped (TERM or KILL) and started again
#   bird_restart  the node's BIRD stopped and started again
#   drain         anycastctl drain / undrain (toggles; stays across faults)
#   reload_good   SIGHUP with the config unchanged
#   reload_bad    SIGHUP with a broken config (rejected; file put back)
#
# Usage (root): bash tests/soak/soak.sh [SECONDS]     default 120
#   SOAK_SEED      the random seed (printed, so a run can be replayed)
#   SOAK_SELFTEST=1  the positive control: instead of faults, sabotage
#                  the node so that the checker must see violations
#                  (anycastd frozen while named hangs; anycast0 set down
#                  by hand while anycastd is frozen and named healthy;
#                  anycast0 set up by hand while drained).  Passes only if
#                  the checker reports each of them.
#   ANYCASTD, LAB_TOOLS_DIR as for the lab.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lab/lab.sh
source "$here/../lab/lab.sh"

duration=${1:-${SOAK_DURATION:-120}}
seed=${SOAK_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$seed

# The lab's anycastd timing (lab.sh defaults), and the bounds derived from
# it.  The slack is for a loaded two-core CI machine; it is not a target.
export LAB_RISE=2 LAB_FALL=3 LAB_INTERVAL=200ms LAB_FAST_INTERVAL=100ms
export LAB_TIMEOUT=80ms LAB_HOLD_DOWN=1s LAB_QUIET=1
export LAB_NODES=2
# detection: the first bad cycle starts within one interval, then fall-1
# fast cycles, each up to the timeout: 0.2 + 2 x 0.1 + 0.08 s.
detect_s=2.0		# 0.48 s + 1.5 s slack
# recovery: rise x interval + hold-down, after the later of named healthy,
# undrain and the agent's start.
recover_s=3.5		# 0.4 + 1.0 + 2.1 s slack
converge_s=2.0		# BIRD direct -> BGP update to the upstream: ms
bird_settle_s=8.0	# a restarted BIRD: connect retry 1 s, then the session
outage_s=4.5		# the client: detection + convergence + slack

lab_up
ctl=$(dirname "$ANYCASTD")/anycastctl/anycastctl
[ -x "$ctl" ] || ctl=$(dirname "$ANYCASTD")/anycastctl
[ -x "$ctl" ] || lab_fail "anycastctl not found next to $ANYCASTD"
sock=$LAB_RUN/a/anycastd.sock
events=$LAB_RUN/soak.events
: >"$events"
conf=$LAB_RUN/a/anycastd.conf
cp "$conf" "$conf.good"

cat >"$LAB_RUN/checker.json" <<EOF
{
  "node": "a",
  "node_ns": "$(lab_ns a)",
  "client_ns": "$(lab_ns cl)",
  "interface": "anycast0",
  "zone": "$LAB_ZONE",
  "whoami": "$LAB_WHOAMI",
  "anycast": "$LAB_ANY4",
  "prefix": "$LAB_PFX4",
  "upstream_ctl": "$LAB_RUN/up/bird.ctl",
  "events": "$events",
  "agent_pidfile": "$LAB_RUN/pids/anycastd-a.pid",
  "agent_log": "$LAB_RUN/a/anycastd.log",
  "good_s": 0.05, "bad_s": 0.25,
  "detect_s": $detect_s, "recover_s": $recover_s,
  "converge_s": $converge_s, "bird_settle_s": $bird_settle_s,
  "outage_s": $outage_s, "agent_settle_s": 1.0,
  "warmup_s": 5, "flat_min_s": 20, "fd_slack": 2, "rss_slack_kib": 1024,
  "log_window_s": 10, "log_max_lines": 120
}
EOF
checker_out=$LAB_RUN/checker.out
lab_spawn_host tool-checker "$checker_out" python3 -u "$here/checker.py" "$LAB_RUN/checker.json"
sleep 1.5
lab_alive tool-checker || { cat "$checker_out"; lab_fail "the checker did not start"; }

ev() { echo "$*" >>"$events"; }
rnd_ms() { echo $(( $1 + RANDOM % ($2 - $1 + 1) )); }	# rnd_ms MIN MAX
nap() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
agent_pid() { lab_pid anycastd-a; }
link_is() { [ "$(lab_link_state a)" = "$1" ]; }

declare -A count=()
drained=0

fault() {
	local kind=$1
	count[$kind]=$(( ${count[$kind]:-0} + 1 ))
	printf '%s %s\n' "$(lab_ts)" "$kind" >>"$LAB_RUN/soak.faults"
	case $kind in
	named_kill)
		lab_named_kill a KILL
		nap "$(rnd_ms 300 2500)"
		lab_named_start a ;;
	named_stop)
		lab_named_kill a STOP
		nap "$(rnd_ms 300 2500)"
		lab_named_kill a CONT ;;
	zone_break)
		lab_zone_break a
		nap "$(rnd_ms 300 2500)"
		lab_zone_repair a ;;
	link_flip)
		if [ "$(lab_link_state a)" = UP ]; then
			lab_link_down a
		else
			ip -n "$(lab_ns a)" link set dev anycast0 up
		fi ;;
	agent_restart)
		ev agent_down
		if (( RANDOM % 2 )); then lab_anycastd_stop a KILL; else lab_anycastd_stop a TERM; fi
		nap "$(rnd_ms 0 1000)"
		lab_anycastd_start a
		ev agent_up ;;
	bird_restart)
		ev bird_down
		lab_stop bird-a TERM
		nap "$(rnd_ms 0 1000)"
		lab_bird_start a
		ev bird_up ;;
	drain)
		if [ "$drained" = 0 ]; then
			"$ctl" -s "$sock" drain --reason soak >/dev/null && { drained=1; ev drain; }
		else
			"$ctl" -s "$sock" undrain >/dev/null && { drained=0; ev undrain; }
		fi ;;
	reload_good)
		kill -HUP "$(agent_pid)" ;;
	reload_bad)
		printf '[agent]\nrise = many\n' >"$conf"
		kill -HUP "$(agent_pid)"
		sleep 0.3
		cp "$conf.good" "$conf" ;;
	esac
}

kinds=(named_kill named_kill named_stop named_stop zone_break zone_break
	link_flip link_flip agent_restart bird_restart drain reload_good
	reload_bad)

selftest() {
	local apid npid
	apid=$(agent_pid)
	npid=$(lab_pid named-a)
	lab_say "selftest 1: anycastd frozen, then named hung: announced while failed"
	kill -STOP "$apid"
	kill -STOP "$npid"
	sleep "$(awk -v a="$detect_s" "BEGIN { print a + 2 }")"
	kill -CONT "$npid"
	sleep 1
	lab_say "selftest 2: anycast0 down by hand while anycastd is frozen"
	lab_link_down a
	sleep "$(awk -v a="$recover_s" "BEGIN { print a + 2 }")"
	kill -CONT "$apid"
	lab_must 10 "anycastd to take anycast0 up again" link_is UP
	lab_say "selftest 3: drained, then anycast0 up by hand while anycastd is frozen"
	"$ctl" -s "$sock" drain --reason selftest >/dev/null
	ev drain
	lab_must 10 "the drain to take anycast0 down" link_is DOWN
	kill -STOP "$apid"
	ip -n "$(lab_ns a)" link set dev anycast0 up
	sleep "$(awk -v a="$converge_s" "BEGIN { print a + 2 }")"
	kill -CONT "$apid"
	"$ctl" -s "$sock" undrain >/dev/null
	ev undrain
	sleep 1
}

start=$SECONDS
rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$(agent_pid)/status")
fds0=$(ls "/proc/$(agent_pid)/fd" | wc -l)
if [ "${SOAK_SELFTEST:-0}" = 1 ]; then
	selftest
else
	lab_say "soak: ${duration}s of random faults on node a (seed $seed)"
	while (( SECONDS - start < duration )); do
		fault "${kinds[RANDOM % ${#kinds[@]}]}"
		nap "$(rnd_ms 300 5000)"
	done
	# Undrained at the end, and a last check that it all settles.
	if [ "$drained" = 1 ]; then
		"$ctl" -s "$sock" undrain >/dev/null
		ev undrain
	fi
	lab_must 15 "node a announced again after the soak" link_is UP
	sleep "$recover_s"
fi
rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$(agent_pid)/status")
fds1=$(ls "/proc/$(agent_pid)/fd" | wc -l)
lab_stop tool-checker TERM 10
cat "$checker_out" | grep -v -E '^[0-9.]+s link ' || true

total=0
summary=
for k in "${!count[@]}"; do
	total=$(( total + count[$k] ))
	summary+=" $k=${count[$k]}"
done
nviol=$(grep -c '^VIOLATION' "$checker_out" || true)
lab_say "soak: $(( SECONDS - start ))s, seed $seed, faults injected: $total ($(echo "$summary" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/^ //;s/ $//'))"
lab_say "soak: anycastd RSS ${rss0} -> ${rss1} KiB, fds ${fds0} -> ${fds1} (process at start and at end)"
lab_say "soak: invariant violations: $nviol"

if [ "${SOAK_SELFTEST:-0}" = 1 ]; then
	miss=0
	for k in announced_while_failed withdrawn_while_healthy announced_while_drained; do
		if grep -q "^VIOLATION .* $k:" "$checker_out"; then
			lab_say "selftest: the checker saw $k"
		else
			lab_say "selftest: the checker MISSED $k"
			miss=1
		fi
	done
	[ "$miss" = 0 ] || lab_fail "the checker missed a sabotage"
	lab_say "selftest passed: the checker sees each violation"
	exit 0
fi
[ "$nviol" = 0 ] || lab_fail "$nviol invariant violation(s); see above (seed $seed)"
lab_say "soak passed"
