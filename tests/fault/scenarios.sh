# The scenarios of fault.sh, sourced by it (its helpers are in scope).
# shellcheck shell=bash

# --- netlink ENOBUFS ------------------------------------------------------------
#
# The daemon is not changed for this: it is stopped (SIGSTOP) while thousands
# of address events are generated on another interface of the namespace, so
# its event socket's default receive buffer certainly overflows.  In the
# middle of the burst anycast0 is set down behind its back, which also
# flushes its IPv6 address (keep_addr_on_down=0): both events are lost with
# the others, and only the resync can learn them.
burst() {
	local from=$1 n=$2 i
	for ((i = from; i < from + n; i++)); do
		printf 'addr add 10.%d.%d.1/32 dev burst0\n' $((i / 250)) $((i % 250))
	done > "$run/burst.batch"
	inns ip -batch "$run/burst.batch"
}
sc_enobufs() {
	inns sysctl -qw net.ipv6.conf.anycast0.keep_addr_on_down=0
	inns ip link add burst0 type ifb
	inns ip link set burst0 up
	announced_start
	wait_for 5 test -s "$run/anycastd.prom" || fail "no metrics file"
	[ "$(metric anycastd_netlink_resyncs_total)" = 0 ] ||
		fail "resyncs before any burst: $(metric anycastd_netlink_resyncs_total)"
	local round
	for round in 1 2; do
		kill -STOP "$agent_pid"
		burst $((round * 3000)) 1500
		inns ip link set anycast0 down
		burst $((round * 3000 + 1500)) 1500
		inns ip -6 addr show dev anycast0 | grep -q 2001:db8:abcd::1 &&
			fail "IPv6 address not flushed by the down (test premise)"
		log "round $round: 3000 address events and anycast0 down while anycastd was stopped"
		kill -CONT "$agent_pid"
		wait_for 5 link_is_up || fail "round $round: link left down after the overflow"
		wait_for 5 eval 'inns ip -6 addr show dev anycast0 | grep -q 2001:db8:abcd::1/48' ||
			fail "round $round: IPv6 address not restored after the resync"
		wait_for 5 eval '[ "$(metric anycastd_netlink_resyncs_total)" -ge '$round' ]' ||
			fail "round $round: anycastd_netlink_resyncs_total is $(metric anycastd_netlink_resyncs_total)"
		log "round $round: link up again, 2001:db8:abcd::1 restored, anycastd_netlink_resyncs_total $(metric anycastd_netlink_resyncs_total)"
		inns ip addr flush dev burst0
	done
	expect_log "netlink events lost (ENOBUFS); resynchronising"
	local n
	n=$(grep -c 'ENOBUFS' "$agent_log")
	[ "$n" = 1 ] || fail "ENOBUFS logged $n times for 2 overflows within 10 s, want 1 (rate limit)"
	ctl status | grep -q 'announced' || fail "status does not say announced: $(ctl status)"
	kill -0 "$agent_pid" || fail "anycastd died"
	log "PASS: ENOBUFS provoked twice for real, counted ($(metric anycastd_netlink_resyncs_total)), logged once; link and IPv6 address right after each resync"
}

# --- the interface ---------------------------------------------------------------
#
# The name in the config is what is enforced: a renamed interface is no
# longer ours (never touched again), a new one with the name is ours,
# whatever its link type, and one moved to another namespace is gone.
other_is_up() { inns ip -o link show dev "$1" 2>/dev/null | grep -Eq '[<,]UP[,>]'; }
sc_iface() {
	announced_start
	# 1. Renamed while announced and up (kernel 6.18 renames an up
	#    link): no longer ours.  A withdrawal does not set it down, and
	#    an announce does not set it up.
	inns ip link set anycast0 name old0
	expect_log "interface anycast0 was renamed"
	kill -STOP "$named_pid"
	expect_log "withdrawn: "
	sleep 0.3
	other_is_up old0 || fail "the renamed interface old0 was set down by a withdrawal: it is not ours"
	inns ip link set old0 down
	kill -CONT "$named_pid"
	expect_log "announced: "
	sleep 0.5
	other_is_up old0 && fail "the renamed interface old0 was set up: it is not ours"
	log "renamed anycast0 -> old0 while up: a withdrawal left it up, an announce left it down"
	# 2. Another interface renamed to anycast0 is ours.
	inns ip link add cand0 type ifb
	inns ip addr add 198.51.100.1/24 dev cand0
	inns ip link set cand0 name anycast0
	wait_for 5 link_is_up || fail "an interface renamed to anycast0 was not enforced"
	expect_log "interface anycast0 appeared"
	other_is_up old0 && fail "old0 set up"
	inns ip link del old0
	log "an ifb renamed to anycast0 was adopted and set up"
	# 3. Moved to another namespace: gone here; back again: ours.
	ip netns add "$ns2"
	inns ip link set anycast0 netns "$ns2"
	wait_for 5 eval 'grep -c "interface anycast0 was deleted" "$agent_log" | grep -q 1' ||
		fail "move to another namespace not seen as a deletion"
	ip netns exec "$ns2" ip link set anycast0 down
	sleep 0.5
	ip netns exec "$ns2" ip -o link show dev anycast0 | grep -Eq '[<,]UP[,>]' &&
		fail "anycast0 in the other namespace was touched"
	ip netns exec "$ns2" ip link set anycast0 netns "$ns"
	inns ip addr add 198.51.100.1/24 dev anycast0 2>/dev/null || true
	wait_for 5 link_is_up || fail "anycast0 moved back was not set up"
	log "moved to $ns2: seen as deleted, not touched there; moved back: set up"
	# 4. Deleted while down (withdrawn), re-created up: set down, since
	#    the node is withdrawn; named back: set up.
	kill -STOP "$named_pid"
	wait_for 5 is_down || fail "not withdrawn"
	inns ip link del anycast0
	wait_for 5 eval '[ "$(grep -c "interface anycast0 was deleted" "$agent_log")" -ge 2 ]' ||
		fail "deletion while down not logged"
	inns ip link add anycast0 up type ifb
	inns ip addr add 198.51.100.1/24 dev anycast0
	wait_for 5 is_down || fail "re-created up while withdrawn, left up"
	kill -CONT "$named_pid"
	wait_for 5 link_is_up || fail "re-created anycast0 never announced"
	log "deleted while withdrawn, re-created up: set down; named back: set up"
	# 5. Re-created with another link type: veth, then ifb again.
	inns ip link del anycast0
	inns ip link add anycast0 type veth peer name anycast0p
	inns ip addr add 198.51.100.1/24 dev anycast0
	wait_for 5 link_is_up || fail "anycast0 re-created as veth not set up"
	inns ip -d -o link show dev anycast0 | grep -q veth || fail "not a veth"
	kill -STOP "$named_pid"
	wait_for 5 is_down || fail "veth anycast0 not withdrawn"
	kill -CONT "$named_pid"
	wait_for 5 link_is_up || fail "veth anycast0 not announced again"
	inns ip link del anycast0
	make_anycast0
	wait_for 5 link_is_up || fail "anycast0 re-created as $kind not set up"
	log "re-created as veth: enforced (withdrawn and announced); back to $kind: enforced"
	kill -0 "$agent_pid" || fail "anycastd died"
	log "PASS: the configured name is what is enforced: renamed away -> left alone, renamed/moved/created in -> ours, any link type"
}

# --- the state directory -----------------------------------------------------------
#
# The state directory on a tiny tmpfs, filled to ENOSPC, then read-only.
# The drain is applied at once whatever the disk says; its file is written
# when the disk lets it, never half; the old files stay whole.
drain_file_ok() {
	# The daemon's own parser is the judge: a restart must see the drain.
	grep -q '^version 1$' "$state/drain" && grep -q "^reason $1\$" "$state/drain"
}
fill_up() {
	dd if=/dev/zero of="$state/fill" bs=4k >/dev/null 2>&1 || true
	local free
	free=$(df --output=avail -B1 "$state" | tail -n 1)
	[ "$free" -lt 4096 ] || fail "could not fill the tmpfs ($free bytes free)"
}
sc_statedir() {
	state=$run/state
	mkdir -p "$state"
	mount -t tmpfs -o size=256k,mode=0755 tmpfs "$state"
	mounted=$state
	announced_start state="$state" hold=1s
	# A withdrawal record to keep: one withdrawal with the disk fine.
	kill -STOP "$named_pid"
	wait_for 5 is_down || fail "not withdrawn"
	kill -CONT "$named_pid"
	wait_for 10 link_is_up || fail "not announced again"
	local rec
	rec=$(cat "$state/withdrawn-at")
	log "withdrawn-at recorded: $rec"
	# 1. ENOSPC.
	fill_up
	log "state directory full: $(df -h --output=used,avail "$state" | tail -n 1)"
	kill -STOP "$named_pid"
	wait_for 5 is_down || fail "not withdrawn on a full disk"
	[ "$(cat "$state/withdrawn-at")" = "$rec" ] || fail "withdrawn-at changed or corrupted on ENOSPC: $(cat "$state/withdrawn-at")"
	expect_log "cannot record the withdrawal"
	kill -CONT "$named_pid"
	local out rc=0
	out=$(ctl drain --reason full) || rc=$?
	[ "$rc" = 0 ] || fail "drain on a full disk: exit $rc: $out"
	echo "$out" | grep -q 'WARNING: not saved' || fail "drain reply does not warn: $out"
	log "drain on a full disk: '$out'"
	is_down || fail "drain not in force on a full disk"
	[ -e "$state/drain" ] && fail "a drain file exists on a full disk: $(cat "$state/drain")"
	compgen -G "$state/*tmp*" >/dev/null && fail "temporary files left: $(ls "$state")"
	sleep 2	# 20 cycles, each retrying the save
	local n
	n=$(grep -c 'cannot save the drain' "$agent_log")
	[ "$n" = 1 ] || fail "'cannot save the drain' logged $n times in 2 s of retries, want 1"
	grep 'cannot save the drain' "$agent_log" | sed 's/^/  /'
	is_down || fail "drained node came up"
	rm -f "$state/fill"
	expect_log "the drain is saved now"
	drain_file_ok full || fail "drain file wrong after the retry: $(cat "$state/drain")"
	log "space freed: the drain was saved by the next cycle's retry"
	# 2. Read-only, with the drain file in place.
	mount -o remount,ro "$state"
	rc=0
	out=$(ctl undrain 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "undrain on a read-only disk succeeded: $out"
	echo "$out" | grep -q 'still drained' || fail "unclear undrain failure: $out"
	log "undrain on a read-only disk: exit $rc, '$out'"
	is_down || fail "link came up after a failed undrain"
	drain_file_ok full || fail "drain file damaged"
	# A restart (kill -9) on the read-only disk: still drained.
	kill_agent KILL
	start_agent
	expect_log "drained since"
	sleep 1
	is_down || fail "drain not in force after a restart on a read-only disk"
	agent_said corrupt && fail "drain file read as corrupt"
	mount -o remount,rw "$state"
	out=$(ctl undrain 2>&1) || fail "undrain failed on a writable disk: $out"
	wait_for 5 link_is_up || fail "not announced after undrain"
	[ -e "$state/drain" ] && fail "drain file left after undrain"
	# 3. A drain on the read-only disk, then writable again.
	mount -o remount,ro "$state"
	out=$(ctl drain --reason ro) || fail "drain on a read-only disk failed: $out"
	echo "$out" | grep -q 'WARNING: not saved' || fail "no warning: $out"
	is_down || fail "drain not in force on a read-only disk"
	sleep 1.5
	n=$(grep -c 'cannot save the drain' "$agent_log")
	[ "$n" = 1 ] || fail "'cannot save the drain' logged $n times, want 1"
	mount -o remount,rw "$state"
	expect_log "the drain is saved now"
	drain_file_ok ro || fail "drain file wrong: $(cat "$state/drain")"
	kill_agent KILL
	start_agent
	expect_log "drained since"
	sleep 0.5
	is_down || fail "the retried drain did not survive kill -9"
	kill -0 "$agent_pid" || fail "anycastd died"
	log "PASS: ENOSPC and EROFS: drain in force at once, saved when possible (one log line per minute), old files whole, never corrupt"
}

# --- BIRD restarted and killed ------------------------------------------------------
bird_agrees() { ctl status 2>/dev/null | grep -q 'Mismatch:    no, BIRD agrees'; }
bird_reachable() { ctl status 2>/dev/null | grep -Eq 'BIRD: .* polled'; }
sc_bird() {
	start_upstream
	start_bird
	announced_start bird=yes
	wait_for 10 upstream_has || fail "the upstream never learned 198.51.100.0/24"
	wait_for 5 bird_agrees || fail "agent's view of BIRD never agreed: $(ctl status)"
	start_monitor
	monitor_mark
	# 1. Announced: restarted, and killed -9 and started again.
	local how
	for how in TERM KILL; do
		kill_bird $how
		wait_for 5 eval '! bird_reachable' || fail "agent never saw BIRD gone ($how)"
		log "BIRD $how: $(ctl status | grep 'BIRD:' | sed 's/  */ /g')"
		start_bird
		wait_for 10 upstream_has || fail "the upstream did not learn the prefix again"
		wait_for 5 bird_agrees || fail "view did not recover after BIRD $how"
		log "BIRD restarted after $how: view recovered, exports again"
	done
	monitor_saw_down_since && fail "anycast0 changed while BIRD restarted: $(cat "$run/monitor.log")"
	link_is_up || fail "link down"
	# 2. drain --wait while BIRD is dead: must not claim the withdrawal
	#    before a live BIRD confirms it.
	kill_bird KILL
	wait_for 5 eval '! bird_reachable' || fail "agent never saw BIRD gone"
	ctl drain --reason bird --wait --timeout 15s >"$run/wait.out" 2>&1 &
	local wpid=$!
	wait_for 5 is_down || fail "drain did not withdraw"
	sleep 1.5
	kill -0 "$wpid" 2>/dev/null || fail "drain --wait returned while BIRD was dead: $(cat "$run/wait.out")"
	log "drain --wait still waiting with BIRD dead (correct: nobody confirmed)"
	start_bird
	local rc=0
	wait "$wpid" || rc=$?
	[ "$rc" = 0 ] || fail "drain --wait: exit $rc: $(cat "$run/wait.out")"
	grep -q 'BIRD exports no anycast prefix' "$run/wait.out" || fail "drain --wait: $(cat "$run/wait.out")"
	log "drain --wait returned after BIRD came back: $(cat "$run/wait.out")"
	bird_exports && fail "BIRD exports while drained"
	# 3. Drained: BIRD restarted and killed; the drain holds, wait works.
	monitor_mark
	for how in TERM KILL; do
		kill_bird $how
		sleep 0.3
		start_bird
		out=$(ctl drain --wait --timeout 10s 2>&1) || fail "drain --wait after BIRD $how: $out"
		bird_exports && fail "BIRD exports while drained (after $how)"
	done
	[ "$(grep -c ' anycast0[:@]' <(tail -n +"$((monitor_lines + 1))" "$run/monitor.log"))" = 0 ] ||
		fail "anycast0 changed while drained and BIRD restarted"
	is_down || fail "drain lost"
	ctl undrain >/dev/null
	wait_for 5 link_is_up || fail "not announced after undrain"
	wait_for 10 bird_exports || fail "BIRD does not export after undrain"
	# 4. Withdrawn by health: BIRD restarted and killed; nothing flaps.
	kill -STOP "$named_pid"
	wait_for 5 is_down || fail "not withdrawn"
	monitor_mark
	for how in TERM KILL; do
		kill_bird $how
		sleep 0.3
		start_bird
		wait_for 5 bird_reachable || fail "view did not recover (withdrawn, $how)"
		bird_exports && fail "BIRD exports while withdrawn"
	done
	[ "$(grep -c ' anycast0[:@]' <(tail -n +"$((monitor_lines + 1))" "$run/monitor.log"))" = 0 ] ||
		fail "anycast0 changed while withdrawn and BIRD restarted"
	kill -CONT "$named_pid"
	wait_for 5 link_is_up || fail "not announced again"
	wait_for 10 bird_exports || fail "BIRD does not export again"
	wait_for 5 bird_agrees || fail "view does not agree at the end"
	# Positive control: the watcher saw the drain and the withdrawal.
	[ "$(monitor_states | grep -c down)" -ge 2 ] || fail "positive control: the watcher saw $(monitor_states | grep -c down) downs, want 2"
	log "PASS: BIRD restarted/killed while announced, drained, withdrawn: no flap (watcher saw the 2 real downs), view recovers, drain --wait waits for a live BIRD"
}

# --- misbehaving servers --------------------------------------------------------------
#
# fault_dns in front of the real named (127.0.0.3 -> 127.0.0.1); the probe
# times out after 200 ms, fall 3, rise 2.
# The mode is switched by rewriting the mode file (atomically): a restart
# of the server would leave a gap of refused queries, a fault of its own.
start_fake() {
	echo "$*" > "$run/fake.mode.tmp"
	mv "$run/fake.mode.tmp" "$run/fake.mode"
	[ -z "$fake_pid" ] || return 0
	ip netns exec "$ns" "$fault_dns" 127.0.0.3 53 127.0.0.1 53 "$run/fake.mode" >"$run/fake.log" 2>&1 &
	fake_pid=$!
	wait_for 5 grep -q ready "$run/fake.log" || fail "fault_dns did not start: $(cat "$run/fake.log")"
}
result() { awk -v r="$1" '$1 ~ /^anycastd_probe_results_total/ && $1 ~ "result=\"" r "\"" { print $2 }' "$run/anycastd.prom"; }
results() {
	printf 'ok=%s timeout=%s malformed=%s' "$(result ok)" "$(result timeout)" "$(result malformed)"
}
sc_servers() {
	inns ip addr add 127.0.0.3/8 dev lo
	inns ip addr add 127.0.0.4/8 dev lo
	start_named
	start_fake delay 0
	inns ip link set anycast0 up
	agent_conf server=127.0.0.3 timeout=200ms fall=3 rise=2 interval=250ms fast=250ms
	start_agent
	expect_log "link is up at start"
	start_monitor
	# 1. Slow, within the timeout: 150 ms of 200.
	start_fake delay 150
	sleep 2
	local ok0 to0
	ok0=$(result ok) to0=$(result timeout)
	sleep 2
	log "delay 150ms (timeout 200ms), 2 s: ok +$(( $(result ok) - ok0 )), timeout +$(( $(result timeout) - to0 ))"
	[ "$(( $(result ok) - ok0 ))" -ge 5 ] || fail "slow answers within the timeout did not pass"
	monitor_saw_down && fail "withdrawn by answers within the timeout"
	# 2. At the timeout: 210 ms.
	start_fake delay 210
	wait_for 5 is_down || fail "answers after the timeout did not withdraw"
	expect_log "probe soa: timeout after 200ms"
	log "delay 210ms: withdrawn ($(results))"
	# 3. Half dropped: good and bad cycles alternate, so neither fall (3)
	#    nor rise (2) is ever reached in a row: the state stays as it was.
	#    From withdrawn: stays withdrawn.
	start_fake drop 2
	monitor_mark
	ok0=$(result ok) to0=$(result timeout)
	sleep 3
	local dok dto
	dok=$(( $(result ok) - ok0 )) dto=$(( $(result timeout) - to0 ))
	log "half dropped while withdrawn, 3 s: ok +$dok, timeout +$dto cycles; link stayed $(link_is_up && echo up || echo down)"
	[ "$dto" -ge 3 ] && [ "$dok" -ge 3 ] || fail "expected about half bad cycles: ok $dok timeout $dto"
	is_down || fail "announced with every other query dropped (rise 2)"
	#    From announced: stays announced.
	start_fake delay 0
	wait_for 5 link_is_up || fail "not announced with a good server"
	start_fake drop 2
	monitor_mark
	ok0=$(result ok) to0=$(result timeout)
	sleep 3
	dok=$(( $(result ok) - ok0 )) dto=$(( $(result timeout) - to0 ))
	log "half dropped while announced, 3 s: ok +$dok, timeout +$dto cycles; link stayed $(link_is_up && echo up || echo down)"
	[ "$dto" -ge 3 ] && [ "$dok" -ge 3 ] || fail "expected about half bad cycles: ok $dok timeout $dto"
	monitor_saw_down_since && fail "withdrawn with only every other query dropped (fall 3)"
	# 4. Answers from another address: c-ares's connected socket never
	#    sees them; every cycle times out.
	start_fake othersrc 127.0.0.4
	wait_for 5 is_down || fail "answers from another source address were believed"
	expect_log "probe soa: timeout after 200ms"
	log "answers from 127.0.0.4 for queries to 127.0.0.3: ignored, withdrawn ($(results))"
	# 5. Garbage: random octets after the right ID are no answer to
	#    c-ares (the question does not match), so the probe times out;
	#    the right header and question with junk after them are parsed
	#    and rejected as malformed.  Bad either way.
	local mode
	for mode in garbage junk; do
		start_fake delay 0
		wait_for 5 link_is_up || fail "not announced with a good server"
		local to0 ma0
		to0=$(result timeout) ma0=$(result malformed)
		start_fake $mode
		wait_for 5 is_down || fail "$mode did not withdraw"
		sleep 0.3
		log "$mode: $(grep 'withdrawn:' "$agent_log" | tail -n 1 | sed 's/^anycastd: //') (timeout +$(( $(result timeout) - to0 )), malformed +$(( $(result malformed) - ma0 )))"
		case $mode in
		garbage) [ "$(( $(result timeout) - to0 ))" -ge 3 ] || fail "garbage not a timeout" ;;
		junk) [ "$(( $(result malformed) - ma0 ))" -ge 3 ] || fail "junk not counted as malformed" ;;
		esac
	done
	# Positive control for the watcher: it saw the withdrawals.
	[ "$(monitor_states | grep -c down)" -ge 3 ] || fail "watcher saw too few downs"
	log "PASS: slow-in-time passes, at-timeout fails, half dropped never withdraws (fall 3), other source ignored, garbage is a timeout (c-ares drops it), junk after a good question is malformed"
}

# --- SIGKILL of anycastd at random moments ---------------------------------------------
#
# SIGKILL_ITER iterations (default 200).  Each picks one transition that
# applies (withdraw: SIGSTOP named; announce: SIGCONT named; drain; undrain;
# reload: SIGHUP), starts it, and kills anycastd -9 at a random moment
# during it: 0-350 ms after a withdraw or announce trigger (fall and rise
# complete 100-300 ms after, the hold-down 1 s after a withdrawal), 0-30
# ms after a drain or undrain request was sent or a SIGHUP, so that the kill
# lands before, inside or after the command.  One withdraw in two is
# killed by the watcher itself the instant it reads the link going down,
# which lands between the withdrawal and its persisting.  anycastd is started again at
# once.  A drain or undrain whose fate the kill made unknown is sent again,
# synchronously, after the restart (both are idempotent).
#
# The driver writes what it did, with $EPOCHREALTIME, and fault-linklog
# writes every change of anycast0 with the same clock; an awk checker reads
# both, merged, and asserts:
#   I1 no up while a drain is in force (from its acknowledgement until an
#      undrain is sent), whatever restarts happen in between;
#   I2 no down unless named was stopped within the last 500 ms or a drain
#      was sent: a healthy node never flaps;
#   I3 no up sooner than (rise-1) fast_intervals after the last start of
#      anycastd or undrain, or than that less one probe timeout after the
#      last SIGCONT of named (a query sent just before it is answered just
#      after): nothing announced before rise;
#   I4 no up sooner than hold_down after the last health withdrawal (a down
#      while named was stopped and no drain was sent);
#   I5 no up while named has been stopped for more than 250 ms.
# Every 25 iterations, and at the end, named is resumed and the node
# undrained, and the link must come up within 3 s (liveness).  Positive
# controls: the watcher saw many ups and downs, and a flap injected by hand
# at the end is the one violation the checker must find.
ev() { local t=${EPOCHREALTIME/./}; echo "$(( t / 1000 )) $*" >> "$run/events"; }
restart_agent() {
	ev kill
	kill_agent KILL
	ev start
	start_agent
}
# ctl_sync CMD...: the command, retried while anycastd is still starting.
ctl_sync() {
	local rc i
	for i in $(seq 1 200); do
		rc=0
		ctl "$@" >/dev/null 2>&1 || rc=$?
		[ "$rc" = 3 ] || return "$rc"
		sleep 0.01
	done
	return "$rc"
}
check_timeline() {
	sort -n -s -k1,1 "$run/events" "$run/link.log" | awk \
	    -v rise=2 -v fast=100 -v hold=1000 -v timeout=30 '
	function bad(what) { printf "VIOLATION %s at %d: %s\n", what, $1 - t0, line; n++ }
	NR == 1 { t0 = $1 }
	{ line = $0; t = $1 }
	$2 == "stop"        { stopped = 1; stop_t = t; next }
	$2 == "cont"        { stopped = 0; cont_t = t; last_stopped = t; next }
	$2 == "drain_req"   { draining = 1; next }
	$2 == "drain_ok"    { drained = 1; next }
	$2 == "undrain_req" { drained = 0; draining = 0; undrain_t = t; next }
	$2 == "kill_on_down" { kod++; next }
	$2 == "killed"      { next }
	$2 == "start"       { start_t = t; starts++; if (drained) dstarts++
	                      if (link == "down" && health_down && t - health_down < hold) hstarts++
	                      next }
	$2 == "up" || $2 == "down" || $2 == "absent" {
		if ($2 == link) next
		link = $2
		if (!seen++) next	# the state at the start
		if ($2 == "down") {
			downs++
			named_bad = stopped || t - last_stopped <= 500
			if (!named_bad && !draining)
				bad("I2 down of a healthy, undrained node")
			if (named_bad && !draining)
				health_down = t
		} else if ($2 == "up") {
			ups++
			if (drained)
				bad("I1 up while drained")
			# A query sent while named was stopped may be answered
			# right after SIGCONT: that good cycle began up to one
			# timeout before it.
			if (t - start_t < (rise - 1) * fast)
				bad(sprintf("I3 up %d ms after the start, before rise", t - start_t))
			if (t - undrain_t < (rise - 1) * fast)
				bad(sprintf("I3 up %d ms after an undrain, before rise", t - undrain_t))
			if (t - cont_t < (rise - 1) * fast - timeout)
				bad(sprintf("I3 up %d ms after SIGCONT of named, before rise", t - cont_t))
			if (health_down && t - health_down < hold - 30)
				bad(sprintf("I4 up %d ms after the health withdrawal, hold_down %d", t - health_down, hold))
			if (stopped && t - stop_t > 250)
				bad("I5 up while named stopped")
		}
	}
	END { printf "TIMELINE ups %d downs %d violations %d\n", ups, downs, n
	      printf "TIMELINE %d restarts: %d while drained, %d inside a hold-down, %d killed the moment the link went down\n", starts, dstarts, hstarts, kod }'
}
settle() {
	if [ "$stopped" = 1 ]; then ev cont; kill -CONT "$named_pid"; stopped=0; fi
	if [ "$drained" = 1 ]; then
		ev undrain_req
		ctl_sync undrain || fail "undrain failed"
		ev undrain_ok
		drained=0
	fi
	wait_for 3 link_is_up || fail "liveness: link not up 3 s after named resumed and undrain (iteration $i)"
}
sc_sigkill() {
	local iters=${SIGKILL_ITER:-200} seed=${SIGKILL_SEED:-$$}
	RANDOM=$seed
	log "seed $seed (SIGKILL_SEED=$seed reproduces the choices), $iters iterations"
	start_named
	inns ip link set anycast0 up
	agent_conf rise=2 fall=2 interval=100ms fast=100ms timeout=30ms hold=1s
	: > "$run/events"
	ip netns exec "$ns" chrt -f 50 "$linklog" "$ns" anycast0 "$run/killfile" >"$run/link.log" 2>"$run/linklog.err" &
	mon_pid=$!
	wait_for 2 test -s "$run/link.log" || fail "fault-linklog did not start"
	ev start
	start_agent
	expect_log "link is up at start"
	stopped=0 drained=0
	local i choices c what pid rc
	declare -A count=()
	for ((i = 1; i <= iters; i++)); do
		choices="reload"
		if [ "$stopped" = 0 ]; then choices+=" withdraw"; else choices+=" announce"; fi
		if [ "$drained" = 0 ]; then choices+=" drain"; else choices+=" undrain"; fi
		read -r -a c <<< "$choices"
		what=${c[RANDOM % 3]}
		count[$what]=$(( ${count[$what]:-0} + 1 ))
		case $what in
		withdraw)
			if [ $((RANDOM % ${SIGKILL_KOD:-2})) = 0 ] && [ "$drained" = 0 ] && link_is_up; then
				# Killed by the watcher the moment the link
				# goes down: between the withdrawal and its
				# persisting.
				echo "$agent_pid" > "$run/killfile"
				ev stop; kill -STOP "$named_pid"; stopped=1
				wait_for 2 eval '! test -e "$run/killfile"' || fail "no withdrawal to kill on"
				ev kill_on_down
				wait "$agent_pid" 2>/dev/null || true
				ev start
				start_agent
			else
				ev stop; kill -STOP "$named_pid"; stopped=1
				sleep "0.$(printf %03d $((RANDOM % 350)))"
				restart_agent
			fi ;;
		announce)
			ev cont; kill -CONT "$named_pid"; stopped=0
			sleep "0.$(printf %03d $((RANDOM % 350)))"
			restart_agent ;;
		drain)
			ev drain_req
			ctl drain --reason "kill $i" >/dev/null 2>&1 &
			pid=$!
			sleep "0.0$(printf %02d $((RANDOM % 30)))"
			restart_agent
			wait "$pid" 2>/dev/null || true
			ctl_sync drain --reason "kill $i" || fail "drain failed after restart (exit $?)"
			ev drain_ok; drained=1 ;;
		undrain)
			ev undrain_req
			ctl undrain >/dev/null 2>&1 &
			pid=$!
			sleep "0.0$(printf %02d $((RANDOM % 30)))"
			restart_agent
			wait "$pid" 2>/dev/null || true
			rc=0
			ctl_sync undrain || rc=$?
			[ "$rc" = 0 ] || fail "undrain failed after restart (exit $rc)"
			ev undrain_ok; drained=0 ;;
		reload)
			ev hup; kill -HUP "$agent_pid"
			sleep "0.0$(printf %02d $((RANDOM % 50)))"
			restart_agent ;;
		esac
		sleep "0.$(printf %03d $((50 + RANDOM % 100)))"
		if [ $((i % 25)) = 0 ]; then settle; fi
	done
	settle
	log "kills per transition: $(for k in "${!count[@]}"; do printf '%s %s, ' "$k" "${count[$k]}"; done)"
	kill -0 "$agent_pid" || fail "anycastd not running at the end"
	local out
	out=$(check_timeline)
	echo "$out" | sed 's/^/  /' | tail -n 12
	echo "$out" | grep -q '^VIOLATION' && fail "invariants violated"
	local ups downs
	ups=$(echo "$out" | sed -n 's/^TIMELINE ups \([0-9]*\) downs \([0-9]*\).*/\1/p')
	downs=$(echo "$out" | sed -n 's/^TIMELINE ups \([0-9]*\) downs \([0-9]*\).*/\2/p')
	[ "$ups" -ge $((iters / 20)) ] && [ "$downs" -ge $((iters / 20)) ] || fail "positive control: the watcher saw only $ups ups and $downs downs"
	# Positive control for the checker: a flap of the healthy node, by
	# hand (anycastd puts it back), must be found, and be the only one.
	sleep 0.5
	inns ip link set anycast0 down
	wait_for 3 link_is_up || fail "anycastd did not put the link back up"
	sleep 0.2
	out=$(check_timeline)
	[ "$(echo "$out" | grep -c '^VIOLATION I2')" = 1 ] && [ "$(echo "$out" | grep -c '^VIOLATION')" = 1 ] ||
		fail "positive control: the checker did not find exactly the injected flap: $out"
	[ -s "$run/linklog.err" ] && fail "the watcher lost events: $(cat "$run/linklog.err")"
	agent_said corrupt && fail "a state file was read as corrupt"
	log "positive control: the injected flap was found: $(echo "$out" | grep VIOLATION)"
	log "PASS: $iters kills -9 across withdraw, announce, drain, undrain, reload; ups $ups downs $downs; 0 violations of I1-I5"
}

# --- wall-clock steps ---------------------------------------------------------------------
#
# `date -s` an hour back and an hour forward, while held down (across a
# restart of anycastd, which reads the hold-down record) and while
# announced.  The clock is stepped for as short a time as possible (other
# builds on this machine read mtimes), restored from CLOCK_BOOTTIME so that
# no time is lost or gained, by the trap too; the forward step comes last.
# Durations are measured on CLOCK_BOOTTIME (/proc/uptime), which no step
# moves.
clock_step() {
	clock_saved=$(python3 -c '
import sys, time
b = time.clock_gettime(time.CLOCK_BOOTTIME)
r = time.clock_gettime(time.CLOCK_REALTIME)
time.clock_settime(time.CLOCK_REALTIME, r + float(sys.argv[1]))
print(repr(r - b))' "$1")
	log "wall clock stepped by $1 s: $(date -u +%H:%M:%S)"
}
clock_restore() {
	python3 -c '
import sys, time
time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_BOOTTIME) + float(sys.argv[1]))' "$clock_saved"
	clock_saved=
	log "wall clock restored: $(date -u +%H:%M:%S)"
}
boot_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
# held_across_step OFFSET: withdrawn with hold_down 2s, named mended, the
# agent killed and started again with the clock stepped: the link must stay
# down for the whole hold-down, and not an hour.
held_across_step() {
	local t_down t_up held
	kill -STOP "$named_pid"
	wait_for 5 is_down || fail "not withdrawn"
	t_down=$(boot_ms)
	kill -CONT "$named_pid"
	kill_agent KILL
	clock_step "$1"
	start_agent
	wait_for 3 agent_said "link is down at start" || { clock_restore; fail "agent did not start"; }
	sleep 0.1
	clock_restore
	expect_log "by the previous run; hold-down has"
	wait_for 10 link_is_up || fail "not announced within 10 s after a $1 s clock step"
	t_up=$(boot_ms)
	held=$((t_up - t_down))
	log "FIGURE clock step $1 s across a restart: withdrawn for $held ms (hold_down 2s, rise 2 x 100 ms)"
	[ "$held" -ge 1980 ] || fail "hold-down cut by a $1 s clock step: up after $held ms"
	[ "$held" -le 5000 ] || fail "hold-down stretched by a $1 s clock step: up after $held ms"
}
announced_across_step() {
	monitor_mark
	clock_step "$1"
	sleep 0.5
	clock_restore
	sleep 0.3
	monitor_saw_down_since && fail "anycast0 went down when the clock stepped $1 s"
	link_is_up || fail "link down after a clock step"
	log "announced: a $1 s clock step changed nothing"
}
sc_clock() {
	python3 -c 'import time; time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))' 2>/dev/null ||
		{ echo "SKIP: cannot set the clock (CAP_SYS_TIME)"; exit 77; }
	announced_start hold=2s
	start_monitor
	held_across_step -3600
	announced_across_step -3600
	held_across_step 3600
	announced_across_step 3600
	[ "$(monitor_states | grep -c down)" -ge 2 ] || fail "positive control: the watcher did not see the 2 withdrawals"
	log "PASS: clock steps of an hour back and forward neither cut nor stretch a hold-down across restarts, nor disturb an announced node"
}
