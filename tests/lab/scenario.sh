#!/bin/bash
# The lab's scenarios, one per ctest test: scenario.sh N FAMILY
#
#   N       1 steady state        (3 nodes; also replication: AXFR, TSIG, NOTIFY)
#           2 kill -9 named       (measures outage, lost queries, withdrawal time)
#           3 named restarted     (announced again after rise and hold_down)
#           4 named hung          (SIGSTOP -> withdrawn, SIGCONT -> back)
#           5 zone broken         (3 nodes; SERVFAIL on one: only it withdraws)
#           6 every node fails    (3 nodes; everything withdrawn: no answer)
#           7 anycastd restarted  (no withdrawal at the upstream, ever)
#   FAMILY  4 or 6: which anycast prefix and client address are asserted on
#
# Each scenario asserts on BIRD's view (the upstream's control socket: from
# which nodes it has the route) and on the client's view (which node answers
# whoami.example.test).  Figures are printed, never asserted beyond robust
# bounds.  Environment: ANYCASTD (the binary), LAB_TOOLS_DIR (the lab's C
# tools), and lab.sh's tunables.  Exit 0 pass, 1 fail, 77 skip (not root or
# no network namespaces).
# 'A && B || lab_fail' is meant: fail unless both hold.
# shellcheck disable=SC2015
set -u
LAB_HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$LAB_HERE/lab.sh"

lab_scenario_args "1 2 3 4 5 6 7" "4 6" "$@"

# ---------------------------------------------------------------- assertions

ok() { lab_say "ok: $*"; }

# expect_routes "NODES" [SECS]: waits until the upstream has the prefix from
# exactly these nodes ("" = from none), else fails.
expect_routes() {
	local want=$1 secs=${2:-10}
	lab_wait "$secs" "upstream: $PFX from {$want}" lab_routes_are "$FAM" "$want" ||
	    lab_fail "upstream has $PFX from {$(lab_route_nodes "$FAM")}, expected {$want}"
	ok "upstream has $PFX from {${want:-nobody}}"
}

# expect_whoami NODE [SECS]: waits until the client is answered by NODE.
expect_whoami() {
	local want=$1 secs=${2:-10}
	lab_wait "$secs" "client answered by $want" lab_whoami_is "$FAM" "$want" ||
	    lab_fail "client at $ANY is answered by '$(lab_whoami "$FAM")', expected $want"
	ok "client querying $ANY is answered by node $want"
}

expect_best() {
	local want=$1 got fib
	got=$(lab_route_best "$FAM")
	[ "$got" = "$want" ] || lab_fail "upstream's best route is from '$got', expected $want"
	fib=$(lab_fib_node "$FAM")
	[ "$fib" = "$want" ] || lab_fail "upstream's kernel forwards $ANY to '$fib', expected $want"
	ok "upstream's best route (and its kernel's) is via node $want"
}

# settings: the probe settings in force, for the figures.
settings() {
	echo "rise=${LAB_RISE:-2} fall=${LAB_FALL:-3} interval=${LAB_INTERVAL:-200ms}" \
	    "fast_interval=${LAB_FAST_INTERVAL:-100ms} timeout=${LAB_TIMEOUT:-80ms}" \
	    "hold_down=${LAB_HOLD_DOWN:-1s}"
}

# to_ms "1000.5ms" | "3.2s" | "850us" | "1.5m" -> integer milliseconds
to_ms() {
	awk -v d="$1" 'BEGIN {
		if (d ~ /us$/) { sub(/us$/, "", d); printf "%d", d / 1000 }
		else if (d ~ /ms$/) { sub(/ms$/, "", d); printf "%d", d }
		else if (d ~ /s$/) { sub(/s$/, "", d); printf "%d", d * 1000 }
		else if (d ~ /m$/) { sub(/m$/, "", d); printf "%d", d * 60000 }
	}'
}

# ---------------------------------------------------------------- 1 steady state

s1() {
	LAB_NODES=3
	lab_up
	local n addr out serial t0
	expect_routes "a b c"
	expect_best a
	lab_route_lines "$FAM" | sed 's/^/    /'
	expect_whoami a

	# Each node is itself: ask each one at its unicast address.
	for n in a b c; do
		addr=$(lab_node_ip"$FAM" "$n")
		out=$(lab_exec cl dig +short +tries=1 +time=1 @"$addr" "$LAB_WHOAMI" TXT)
		[ "$out" = "\"node-$n\"" ] || lab_fail "node $n at $addr says whoami '$out'"
	done
	ok "each node, asked at its unicast address, names itself"

	# Each node's BIRD exports exactly the anycast prefix, nothing else.
	for n in a b c; do
		out=$(lab_bird_cmd "$n" show route export "up$FAM" |
		    awk '$1 ~ /\// { print $1 }')
		[ "$out" = "$PFX" ] || lab_fail "node $n exports {$out} to up$FAM, expected only $PFX"
	done
	ok "every node exports exactly $PFX to the upstream"

	for n in a b c; do
		lab_log_grep "$n" 'announced:' >/dev/null ||
		    lab_fail "anycastd on $n never logged 'announced:'"
	done
	ok "anycastd announced on every node: $(lab_log_grep a 'announced:')"

	# Replication: the secondaries really hold the primary's zone ...
	for n in a b c; do
		serial=$(lab_serial "$n")
		[ "$serial" = 1 ] || lab_fail "node $n serves example.test serial '$serial'"
		out=$(lab_node_dig "$n" +short @127.0.0.1 serial.example.test TXT)
		[ "$out" = '"serial 1 from node a"' ] || lab_fail "node $n: marker '$out'"
	done
	grep -q "transferred serial 1: TSIG 'xfr'" "$LAB_RUN/b/named.log" ||
	    lab_fail "node b's log shows no TSIG transfer of serial 1"
	ok "b and c serve example.test serial 1, transferred from a with TSIG 'xfr'"
	# ... which a gives only to holders of the key.
	out=$(lab_exec b dig +tries=1 +time=2 @"$(lab_node_ip4 a)" example.test AXFR)
	echo "$out" | grep -q 'Transfer failed' ||
	    lab_fail "node a allowed an AXFR without TSIG: $out"
	out=$(lab_exec b dig +tries=1 +time=2 -k "$LAB_RUN/xfr.key" \
	    @"$(lab_node_ip4 a)" example.test AXFR)
	[ "$(echo "$out" | grep -c 'IN[[:space:]]*SOA')" = 2 ] ||
	    lab_fail "AXFR with the TSIG key failed: $out"
	ok "a refuses AXFR without the key and allows it with TSIG 'xfr'"
	# NOTIFY: a new serial on a reaches b and c in seconds.  Their refresh
	# is 3600 s, so only a NOTIFY can explain that.
	t0=$(lab_now_us)
	lab_write_primary_zone 2
	kill -HUP "$(lab_pid named-a)"
	for n in b c; do
		lab_must 10 "node $n to get serial 2" lab_serial_is "$n" 2
	done
	grep -q 'notify from .*serial 2' "$LAB_RUN/b/named.log" ||
	    lab_fail "node b's log shows no NOTIFY for serial 2"
	ok "serial 2 reached b and c by NOTIFY + transfer in $(lab_ms $(( $(lab_now_us) - t0 ))) ms"
}

# ---------------------------------------------------------------- 2 kill -9 named

s2() {
	lab_up
	local t_kill line t_gone sw outage first_new lost sent answered errors
	expect_routes "a b"
	expect_whoami a
	lab_watch_start "$FAM" 1000
	lab_client_start "$FAM" 5000
	sleep 0.5
	lab_log_mark a
	t_kill=$(lab_now_us)
	lab_named_kill a KILL
	lab_say "killed named on a (kill -9)"
	line=$(lab_log_wait a 'withdrawn:' 10) || lab_fail "anycastd on a did not withdraw"
	ok "anycastd on a: $line"
	expect_routes "b"
	expect_whoami b
	sleep 0.5
	lab_client_stop "$FAM"
	lab_watch_stop "$FAM"

	local c=$LAB_RUN/dnsloop.$FAM.out
	t_gone=$(lab_watch_gone a "$FAM" "$t_kill")
	sw=$(grep '^switch from=node-a ' "$c" | head -n1)
	outage=$(lab_kv "$c" switch outage_us 'from=node-a ')
	first_new=$(lab_kv "$c" switch first_new_us 'from=node-a ')
	lost=$(lab_kv "$c" summary lost)
	sent=$(lab_kv "$c" summary sent)
	answered=$(lab_kv "$c" summary answered)
	errors=$(lab_kv "$c" summary errors)
	[ -n "$sw" ] || lab_fail "the client never switched from node a to another node: $(cat "$c")"
	[ -n "$t_gone" ] || lab_fail "lab-birdwatch never saw a's route leave the upstream"

	# For measure.sh's picture (tests/lab/timeline.sh): the client's
	# queries and the story's events, kept past the teardown.
	if [ -n "${LAB_TIMELINE_DIR:-}" ]; then
		cp "$LAB_RUN/dnsloop.$FAM.log" "$LAB_TIMELINE_DIR/client.log"
		{
			echo "$t_kill kill kill -9 named on a"
			echo "$t_gone gone upstream lost a's route (+$(lab_ms $((t_gone - t_kill))) ms)"
			echo "$first_new answer first answer from b (+$(lab_ms $((first_new - t_kill))) ms)"
		} >"$LAB_TIMELINE_DIR/events"
	fi

	lab_say "figures (IPv$FAM, client every 5 ms; $(settings)):"
	lab_say "  kill -9 -> upstream withdrew a's route:   $(lab_ms $((t_gone - t_kill))) ms"
	lab_say "  kill -9 -> first answer from node b:      $(lab_ms $((first_new - t_kill))) ms"
	lab_say "  client-observed outage (last a -> first b): $(lab_ms "$outage") ms"
	lab_say "  queries: sent $sent, answered $answered, lost $lost (ICMP errors seen: $errors)"
	echo "RESULT scenario=2 family=$FAM outage_ms=$(lab_ms "$outage") lost=$lost sent=$sent" \
	    "kill_to_withdraw_ms=$(lab_ms $((t_gone - t_kill)))" \
	    "kill_to_answer_ms=$(lab_ms $((first_new - t_kill))) client_interval_ms=5 $(settings)"

	# Robust bounds only: failover happened, and within seconds.
	[ "$outage" -lt 5000000 ] || lab_fail "outage $(lab_ms "$outage") ms is over 5 s"
	[ $((t_gone - t_kill)) -gt 0 ] && [ $((t_gone - t_kill)) -lt 5000000 ] ||
	    lab_fail "withdrawal at the upstream took $(lab_ms $((t_gone - t_kill))) ms"
	[ "$answered" -gt 0 ] || lab_fail "the client got no answer at all"
	ok "failover from a to b happened within bounds"
}

# ---------------------------------------------------------------- 3 named restarted

s3() {
	# A hold-down clearly longer than rise cycles, so the test shows which
	# one held the node back.
	LAB_HOLD_DOWN=3s
	lab_up
	local t_w t_named t_back held line was_ms
	expect_whoami a
	lab_watch_start "$FAM" 1000
	lab_log_mark a
	lab_named_kill a KILL
	lab_log_wait a 'withdrawn:' 10 >/dev/null || lab_fail "anycastd on a did not withdraw"
	expect_routes "b"
	expect_whoami b
	t_w=$(lab_watch_gone a "$FAM" 0)
	[ -n "$t_w" ] || lab_fail "lab-birdwatch did not see the withdrawal"

	lab_log_mark a
	lab_named_start a
	t_named=$(lab_now_us)
	lab_say "named on a is back and answering, $(lab_ms $((t_named - t_w))) ms after the withdrawal"
	[ $((t_named - t_w)) -lt 2000000 ] ||
	    lab_fail "named took too long to restart to show hold_down (3 s) at work"
	line=$(lab_log_wait a 'announced:' 15) || lab_fail "anycastd on a did not announce again"
	ok "anycastd on a: $line"
	expect_routes "a b"
	lab_watch_stop "$FAM"
	t_back=$(lab_watch_back a "$FAM" "$t_w")
	[ -n "$t_back" ] || lab_fail "lab-birdwatch did not see a's route come back"
	held=$((t_back - t_w))
	lab_say "figures: withdrawn at the upstream for $(lab_ms "$held") ms; named answered after" \
	    "$(lab_ms $((t_named - t_w))) ms; hold_down 3 s, rise ${LAB_RISE:-2}"
	# rise good cycles took well under a second, so only hold_down explains
	# a 3 s absence.  200 ms of slack for observing the withdrawal late.
	[ "$held" -ge 2800000 ] || lab_fail "a came back after $(lab_ms "$held") ms, before hold_down (3 s)"
	[ "$held" -lt 8000000 ] || lab_fail "a came back only after $(lab_ms "$held") ms"
	ok "a stayed withdrawn for the hold-down although named answered long before"
	was_ms=$(to_ms "$(echo "$line" | sed -n 's/.*(was withdrawn for \([^)]*\)).*/\1/p')")
	if [ -n "$was_ms" ]; then
		[ "$was_ms" -ge 3000 ] || lab_fail "anycastd says it was withdrawn for only ${was_ms} ms"
		ok "anycastd's own account: withdrawn for ${was_ms} ms >= hold_down"
	fi
	expect_best a
	expect_whoami a
	if [ "$FAM" = 6 ]; then
		ip -n "$(lab_ns a)" -6 addr show dev anycast0 | grep -q "$LAB_ANY6/48" ||
		    lab_fail "the IPv6 anycast address is missing on a's anycast0 after the cycle"
		ok "a's anycast0 carries $LAB_ANY6/48 again after down/up"
	fi
}

# ---------------------------------------------------------------- 4 named hung

s4() {
	lab_up
	local line
	expect_whoami a
	lab_log_mark a
	lab_named_kill a STOP
	lab_say "named on a stopped (SIGSTOP): it holds its sockets but never answers"
	line=$(lab_log_wait a 'withdrawn:' 10) || lab_fail "anycastd on a did not withdraw"
	ok "anycastd on a: $line"
	echo "$line" | grep -q timeout || lab_fail "withdrawal reason is not a timeout"
	expect_routes "b"
	expect_whoami b
	lab_log_mark a
	lab_named_kill a CONT
	lab_say "named on a continued (SIGCONT)"
	line=$(lab_log_wait a 'announced:' 10) || lab_fail "anycastd on a did not announce again"
	ok "anycastd on a: $line"
	expect_routes "a b"
	expect_best a
	expect_whoami a
}

# ---------------------------------------------------------------- 5 zone broken

s5() {
	# fall 5, confirmed at fast_interval: the restart of named (tens of
	# ms of "refused") cannot account for the withdrawal alone; the
	# SERVFAILs after it must.  With confirm_interval at its default
	# (5ms) the restart alone withdraws a node in about 20 ms, which is
	# right for a real restart but not what this scenario is about.
	LAB_NODES=3 LAB_FALL=5
	LAB_ANYCASTD_EXTRA="confirm_interval = ${LAB_FAST_INTERVAL:-100ms}"
	lab_up
	local t0 line out zone=$LAB_RUN/a/example.test.zone
	expect_routes "a b c"
	expect_whoami a
	lab_watch_start "$FAM" 1000
	t0=$(lab_now_us)
	lab_log_mark a
	cp "$zone" "$zone.good"
	echo 'broken	IN	TXT	"unterminated' >>"$zone"
	lab_say "broke example.test's zone file on a and restarted named there"
	lab_named_kill a TERM
	lab_named_start a
	out=$(lab_node_dig a @127.0.0.1 example.test SOA | grep -o 'status: [A-Z]*')
	[ "$out" = "status: SERVFAIL" ] || lab_fail "named on a answers '$out', expected SERVFAIL"
	ok "named on a runs and answers example.test SOA with SERVFAIL"
	line=$(lab_log_wait a 'withdrawn:' 10) || lab_fail "anycastd on a did not withdraw"
	ok "anycastd on a: $line"
	echo "$line" | grep -q SERVFAIL || lab_fail "withdrawal reason is not SERVFAIL"
	expect_routes "b c"
	expect_whoami b
	# It stays out while named keeps answering SERVFAIL (longer than rise
	# and hold_down would need).
	sleep 2
	lab_routes_are "$FAM" "b c" || lab_fail "a came back while its zone is broken"
	! lab_log_has a 'announced:' || lab_fail "anycastd on a announced with a broken zone"
	ok "a stays withdrawn while its zone answers SERVFAIL"
	[ -z "$(lab_watch_gone b "$FAM" "$t0")" ] || lab_fail "b's route left the upstream"
	[ -z "$(lab_watch_gone c "$FAM" "$t0")" ] || lab_fail "c's route left the upstream"
	ok "b and c stayed announced throughout (watched continuously)"

	lab_log_mark a
	cp "$zone.good" "$zone"
	kill -HUP "$(lab_pid named-a)"
	lab_say "repaired the zone on a and reloaded named (SIGHUP)"
	line=$(lab_log_wait a 'announced:' 10) || lab_fail "anycastd on a did not announce again"
	ok "anycastd on a: $line"
	expect_routes "a b c"
	expect_whoami a
	lab_watch_stop "$FAM"
}

# ---------------------------------------------------------------- 6 every node fails

s6() {
	LAB_NODES=3
	lab_up
	local n out
	expect_routes "a b c"
	expect_whoami a
	for n in a b c; do
		lab_log_mark "$n"
	done
	for n in a b c; do
		lab_named_kill "$n" KILL
	done
	lab_say "killed named on every node"
	for n in a b c; do
		out=$(lab_log_wait "$n" 'withdrawn:' 10) || lab_fail "anycastd on $n did not withdraw"
		ok "anycastd on $n: $out"
	done
	expect_routes ""
	[ -z "$(lab_fib_node "$FAM")" ] || lab_fail "the upstream still forwards $ANY"
	ok "the upstream has no route to $ANY any more"
	out=$(lab_exec cl dig +tries=1 +time=1 @"$ANY" "$LAB_WHOAMI" TXT 2>&1)
	lab_no_answer "$FAM" || lab_fail "the client still gets an answer"
	lab_say "the client gets no answer; dig says: $(echo "$out" | grep -m1 -E 'error|timed out|unreachable|refused|no servers')"
	lab_say "NOTE: today every failing node withdraws, so when all fail the service is dark."
	lab_say "      A future fleet guard would keep the last node(s) announced; this records today's behaviour."
	ok "every node withdrawn; the client gets no answer"

	# And it all comes back.
	for n in a b c; do
		lab_named_start "$n"
	done
	expect_routes "a b c" 15
	expect_whoami a
}

# ---------------------------------------------------------------- 7 anycastd restarted

s7() {
	lab_up
	local sig changes polls gap w=$LAB_RUN/birdwatch.$FAM.out c=$LAB_RUN/dnsloop.$FAM.out
	expect_routes "a b"
	expect_whoami a
	lab_spawn tool-ipmon-a a "$LAB_RUN/a/ip-monitor.log" ip monitor link
	lab_watch_start "$FAM" 200
	lab_client_start "$FAM" 5000
	sleep 0.5
	for sig in TERM KILL; do
		lab_log_mark a
		lab_anycastd_stop a "$sig"
		lab_say "anycastd on a stopped with SIG$sig; anycast0 is $(lab_link_state a)"
		sleep 0.3
		lab_anycastd_start a
		lab_log_wait a 'link is up at start' 5 >/dev/null ||
		    lab_fail "restarted anycastd on a did not find the link up"
		ok "anycastd on a restarted: $(lab_log_grep a 'link is up at start')"
		# Several cycles, well past `fall` at fast_interval.
		sleep 1
		if [ "${LAB_S7_INJECT_FLAP:-0}" = 1 ]; then
			# Self-test of this scenario: a 1 ms flap must make it fail.
			ip -n "$(lab_ns a)" link set dev anycast0 down
			ip -n "$(lab_ns a)" link set dev anycast0 up
			lab_say "self-test: flapped anycast0 on a; this run must FAIL"
		fi
		! lab_log_has a 'withdrawn:' || lab_fail "anycastd on a withdrew after SIG$sig restart"
	done
	lab_client_stop "$FAM"
	lab_watch_stop "$FAM"
	lab_stop tool-ipmon-a

	changes=$(grep -c '^change ' "$w")
	polls=$(lab_kv "$w" summary polls)
	gap=$(lab_kv "$w" summary max_gap_us)
	lab_say "figures: upstream polled $polls times, longest gap between polls $(lab_ms "$gap") ms;" \
	    "client: sent $(lab_kv "$c" summary sent), lost $(lab_kv "$c" summary lost)"
	[ "$polls" -ge 100 ] || lab_fail "lab-birdwatch polled only $polls times"
	[ "$changes" = 1 ] || lab_fail "the upstream's routes changed during the restarts: $(cat "$w")"
	grep '^change ' "$w" | grep -q "na$FAM\*@" || lab_fail "a's route was not the best: $(cat "$w")"
	ok "the upstream kept a's route (same route, same timestamp) at every poll"
	! grep -q anycast0 "$LAB_RUN/a/ip-monitor.log" ||
	    lab_fail "anycast0 changed on a: $(cat "$LAB_RUN/a/ip-monitor.log")"
	ok "anycast0 on a never changed (ip monitor link)"
	! grep -q '^switch ' "$c" || lab_fail "the client was answered by another node: $(grep '^switch ' "$c")"
	[ "$(lab_kv "$c" node answers 'name=node-a')" -gt 0 ] || lab_fail "no answers from a"
	ok "every answer the client got came from node a"
}

case $SCN in
1) s1 ;; 2) s2 ;; 3) s3 ;; 4) s4 ;; 5) s5 ;; 6) s6 ;; 7) s7 ;;
esac
lab_say "PASS: scenario $SCN, IPv$FAM"
exit 0
