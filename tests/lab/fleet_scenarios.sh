#!/bin/bash
# The fleet guard in the lab, with anycastd: fleet_scenarios.sh N 4|6
#
# Three nodes in fleet mode (lab.sh, LAB_FLEET=1): BIRD from
# docs/bird/anycast-node.conf, anycast0 and anycast0-gs, the iBGP mesh, and
# anycastd with [agent] graceful_interface = anycast0-gs and [fleet]
# (min_healthy 1, confirm 2s, [bird] poll 200ms).  The upstream treats
# GRACEFUL_SHUTDOWN as RFC 8326 says (LOCAL_PREF 0), so a degraded node is
# the least preferred path.  A zone is "broken" by loading example.test
# from a file with a syntax error (named keeps running, SOA gets SERVFAIL).
#
#   N  1 one node's zone broken: degraded (65535,0 + prepend upstream, the
#        client moves), withdrawn after confirm, 2 paths; repaired: back
#      2 every zone broken at once: all degraded, none withdraws, the
#        upstream never has fewer than 3 paths (watched; positive control:
#        drain --force of one node, the watcher sees 2)
#      3 named killed on 2 of 3: both withdraw; then on the third: it
#        degrades and stays announced, the other two stay out (refused)
#      4 zones broken one after another: the first two leave, the last one
#        stays, and the first two come back as degraded; never 0 paths
#      5 everything repaired: every node announced again after rise
#      6 one node's iBGP sessions cut (birdc disable "fleet_*" on it) while
#        its zone breaks: unknown = hold stays degraded; reloaded with
#        unknown = withdraw: withdrawn
#      7 drain with the graceful link, clients at 200 queries/s on both
#        families: 0 lost, the community seen before the withdrawal; drain
#        without --force refused while the other two are degraded
#      8 anycastctl status, --json and the metrics in the fleet's states
#
# Each asserts on the upstream's BIRD (paths, communities, AS paths), the
# nodes' fleet tables, anycastd's state and log, and the client.  FIGURE
# lines carry the measured times.  Environment: ANYCASTD, ANYCASTCTL,
# LAB_TOOLS_DIR, and lab.sh's tunables.  Exit 0 pass, 1 fail, 77 skip.
# 'A && B || lab_fail' is meant: fail unless both hold.
# shellcheck disable=SC2015
set -u
LAB_HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$LAB_HERE/lab.sh"

lab_scenario_args "1 2 3 4 5 6 7 8" "4 6" "$@"
AS=$LAB_NODE_AS
GS_PATH=$AS
for _ in $(seq "${LAB_GS_PREPEND:-2}"); do GS_PATH="$GS_PATH,$AS"; done

export LAB_FLEET=1 LAB_NODES=3
: "${LAB_FLEET_CONFIRM:=2s}" "${LAB_GRACEFUL_TIME:=1s}"
export LAB_FLEET_CONFIRM LAB_GRACEFUL_TIME

# ---------------------------------------------------------------- helpers

ok() { lab_say "ok: $*"; }
figure() {	# figure NAME VALUE [UNIT]
	lab_say "FIGURE fleet.s$SCN.v$FAM $1=$2${3:+ $3}"
}

# to_ms "1000.5ms" | "3.2s" | "850us" -> integer milliseconds
to_ms() {
	awk -v d="$1" 'BEGIN {
		if (d ~ /us$/) { sub(/us$/, "", d); printf "%d", d / 1000 }
		else if (d ~ /ms$/) { sub(/ms$/, "", d); printf "%d", d }
		else if (d ~ /s$/) { sub(/s$/, "", d); printf "%d", d * 1000 }
		else if (d ~ /m$/) { sub(/m$/, "", d); printf "%d", d * 60000 }
	}'
}
CONFIRM_MS=$(to_ms "$LAB_FLEET_CONFIRM")
GRACEFUL_MS=$(to_ms "$LAB_GRACEFUL_TIME")

find_anycastctl() {
	: "${ANYCASTCTL:=$(dirname "$ANYCASTD")/anycastctl/anycastctl}"
	[ -x "$ANYCASTCTL" ] || lab_fail "anycastctl not found at $ANYCASTCTL (set ANYCASTCTL=)"
}
actl() { local n=$1; shift; "$ANYCASTCTL" -s "$LAB_RUN/$n/anycastd.sock" "$@"; }
# jq_is NODE EXPR: EXPR holds on NODE's `anycastctl status --json`.
jq_is() { actl "$1" status --json 2>/dev/null | jq -e "$2" >/dev/null 2>&1; }
jget() { actl "$1" status --json 2>/dev/null | jq -r "$2"; }

paths() { lab_upstream_paths "$FAM"; }
npaths() { paths | wc -l; }
npaths_is() { [ "$(npaths)" = "$1" ]; }
path_of() { paths | awk -v n="$1" '{ p = $1; sub(/\*$/, "", p) } p == n'; }
path_plain() { path_of "$1" | grep -q " as_path=$AS community=-\$"; }
path_degraded() { path_of "$1" | grep -q " as_path=$GS_PATH community=(65535,0)\$"; }
no_path() { ! path_of "$1" | grep -q .; }
show_paths() { paths | sed 's/^/    upstream: /'; }
show_fleet() {
	local n
	for n in a b c; do
		lab_fleet_table "$n" "$FAM" | sed "s/^/    $n fleet$FAM: /"
	done
}

gs_state() {	# gs_state NODE -> UP / DOWN (anycast0-gs)
	if ip -n "$(lab_ns "$1")" link show "$LAB_GS" 2>/dev/null |
	    head -n1 | grep -q '<[^>]*\bUP\b'; then
		echo UP
	else
		echo DOWN
	fi
}
links_are() {	# links_are NODE ANYCAST0 ANYCAST0-GS (UP/DOWN)
	[ "$(lab_link_state "$1")" = "$2" ] && [ "$(gs_state "$1")" = "$3" ]
}

# node_is NODE STATE [DECISION]: anycastd's state (and the fleet policy's
# decision key) in its JSON status.
node_is() {
	local e=".state == \"$2\""
	[ -z "${3:-}" ] || e="$e and .fleet.decision == \"$3\""
	jq_is "$1" "$e"
}
# expect_node NODE STATE [DECISION] [SECS]: waits for it, checks the links.
expect_node() {
	local n=$1 st=$2 dec=${3:-} secs=${4:-10} m g
	lab_wait "$secs" "$n: $st${dec:+ ($dec)}" node_is "$n" "$st" "$dec" ||
	    lab_fail "$n is $(jget "$n" .state) ($(jget "$n" .fleet.decision)), expected $st${dec:+ ($dec)}"
	case $st in
	announced) m=UP g=DOWN ;;
	degraded) m=DOWN g=UP ;;
	*) m=DOWN g=DOWN ;;
	esac
	links_are "$n" "$m" "$g" ||
	    lab_fail "$n is $st but anycast0 is $(lab_link_state "$n"), $LAB_GS $(gs_state "$n")"
	ok "$n is $st${dec:+ ($dec)}: anycast0 $m, $LAB_GS $g"
}

# fleet_is NODE "PEER=H ...": NODE's fleet table has each PEER with health
# H (1, 0, or empty: no route).
# shellcheck disable=SC2317 # called through lab_wait
fleet_is() {
	local n=$1 kv
	for kv in $2; do
		lab_fleet_health_is "$n" "$FAM" "${kv%%=*}" "${kv#*=}" || return 1
	done
}
expect_fleet() {	# expect_fleet NODE "PEER=H ..." [SECS]
	lab_wait "${3:-5}" "$1's fleet$FAM: $2" fleet_is "$1" "$2" ||
	    lab_fail "$1's fleet$FAM is not {$2}: $(lab_fleet_table "$1" "$FAM" | tr '\n' ';')"
	ok "$1's fleet$FAM: $2"
}

was_ms() {	# was_ms LINE -> the "(was X for D)" duration in ms
	to_ms "$(echo "$1" | sed -n 's/.*(was [a-z]* for \([^)]*\)).*/\1/p')"
}

# watch_replaced NODE AFTER_US: lab-birdwatch saw NODE's path replaced in
# place (the degrade) at this time (lab.sh).
watch_replaced() { lab_watch_replaced "$1" "$FAM" "$2"; }

# A poller of the upstream's paths with their communities (birdc every
# 20 ms): "T_US NODE as_path=... community=..." lines in pathpoll.FAM.out.
pathpoll_start() {
	local out=$LAB_RUN/pathpoll.$FAM.out
	# shellcheck disable=SC2016 # the script is for the inner bash
	lab_spawn_host "tool-pathpoll-$FAM" "$out" bash -c '
	    while :; do
		t=${EPOCHREALTIME/./}
		birdc -s "$1" show route "$2" all 2>/dev/null | awk -v t="$t" "
		    / unicast \\[n[a-i][46] / { s = \$0; sub(/.* unicast \\[n/, \"\", s); node = substr(s, 1, 1); print t, node, \"route\" }
		    /BGP\\.community:/ { print t, node, \"gs\" }"
		echo "$t poll"
		sleep 0.02
	    done' pathpoll "$LAB_RUN/up/bird.ctl" "$PFX"
	lab_must 5 "the path poller to run" grep -q poll "$out"
}
pathpoll_first_gs() {	# pathpoll_first_gs NODE AFTER_US: first poll seeing NODE with a community
	awk -v n="$1" -v after="$2" '$1 >= after && $2 == n && $3 == "gs" { print $1; exit }' \
	    "$LAB_RUN/pathpoll.$FAM.out"
}

fleet_up() {
	lab_up
	find_anycastctl
	command -v jq >/dev/null || lab_fail "jq is needed (apt-get install jq)"
	local n
	for n in a b c; do
		expect_node "$n" announced healthy
		lab_must 10 "$n to count 2 healthy peers" jq_is "$n" '.fleet.healthy_peers == 2'
	done
	show_paths
	npaths_is 3 && path_plain a && path_plain b && path_plain c ||
	    lab_fail "the upstream does not have 3 plain paths"
	ok "3 nodes announced: 3 plain paths upstream, every node counts 2 healthy peers"
}

# ---------------------------------------------------------------- 1

s1() {
	fleet_up
	local t_break t_deg t_gone line ms
	lab_watch_start "$FAM"
	lab_log_marks
	lab_zone_break a
	t_break=$LAB_BREAK_US
	lab_say "broke example.test on a (SERVFAIL)"
	line=$(lab_expect_log a '^anycastd: degraded:')
	echo "$line" | grep -q 'rcode SERVFAIL' || lab_fail "a degraded for another reason: $line"
	echo "$line" | grep -q 'fleet guard: degraded, confirming that the peers stay healthy; 2 healthy peers' ||
	    lab_fail "a's degrade does not say the guard is confirming with 2 healthy peers: $line"
	lab_must 5 "the upstream to have a's degraded path" path_degraded a
	show_paths
	npaths_is 3 && path_plain b && path_plain c || lab_fail "the upstream lost a path at the degrade"
	ok "upstream: 3 paths, a's with as_path $GS_PATH and (65535,0), b's and c's plain"
	expect_node a degraded confirming 1
	expect_fleet b "a=0 c=1"
	expect_fleet c "a=0 b=1"
	lab_must 3 "the client to move off a" lab_whoami_is "$FAM" b
	ok "the client moved to b (a's path has LOCAL_PREF 0 now)"

	line=$(lab_expect_log a '^anycastd: withdrawn:' $(( CONFIRM_MS / 1000 + 5 )))
	echo "$line" | grep -q 'fleet guard: withdrawn, enough healthy peers; 2 healthy peers' ||
	    lab_fail "a's withdrawal does not give the guard's reason: $line"
	ms=$(was_ms "$line")
	[ "$ms" -ge "$CONFIRM_MS" ] || lab_fail "a withdrew after $ms ms degraded, before confirm ($CONFIRM_MS ms)"
	lab_must 5 "the upstream to have 2 paths" npaths_is 2
	no_path a && path_plain b && path_plain c || lab_fail "the upstream's paths are not b's and c's, plain"
	show_paths
	ok "a withdrawn after ${ms} ms degraded (confirm $CONFIRM_MS ms): 2 plain paths upstream"
	expect_node a withdrawn left
	expect_fleet b "a= c=1"
	expect_fleet c "a= b=1"
	show_fleet
	expect_whoami b
	for n in b c; do
		lab_expect_no_log "$n" '^anycastd: (degraded|withdrawn):'
	done
	ok "b and c stayed announced"
	lab_watch_stop "$FAM"
	t_deg=$(watch_replaced a "$t_break")
	t_gone=$(lab_watch_gone a "$FAM" "$t_break")
	[ -n "$t_deg" ] && [ -n "$t_gone" ] || lab_fail "lab-birdwatch missed the degrade or the withdrawal"
	[ "$(lab_watch_paths_min "$FAM" "$t_break" "$t_gone")" = 3 ] ||
	    lab_fail "the upstream had fewer than 3 paths before the withdrawal"
	figure break_to_upstream_degraded_ms "$(lab_ms $(( t_deg - t_break )))" "(zone broken -> upstream has a's (65535,0) path; fall 3)"
	figure break_to_upstream_withdrawn_ms "$(lab_ms $(( t_gone - t_break )))"
	figure degraded_to_withdrawn_ms "$(lab_ms $(( t_gone - t_deg )))" "(confirm $CONFIRM_MS ms)"

	lab_log_marks
	lab_zone_repair a
	line=$(lab_expect_log a '^anycastd: announced:')
	expect_node a announced healthy
	lab_must 5 "the upstream to have 3 plain paths" eval 'npaths_is 3 && path_plain a'
	expect_fleet b "a=1 c=1"
	expect_whoami a
}

expect_whoami() {
	lab_must 5 "client answered by $1" lab_whoami_is "$FAM" "$1"
	ok "client querying $ANY is answered by node $1"
}

# ---------------------------------------------------------------- 2

s2() {
	fleet_up
	local t_break t_pc n line min min_pc rc out
	lab_watch_start "$FAM"
	lab_log_marks
	lab_zone_break a b c
	t_break=$LAB_BREAK_US
	lab_say "broke example.test on a, b and c at once (the same bad zone everywhere)"
	for n in a b c; do
		line=$(lab_expect_log "$n" '^anycastd: degraded:')
		echo "$line" | grep -q 'rcode SERVFAIL' || lab_fail "$n degraded for another reason"
	done
	for n in a b c; do
		expect_node "$n" degraded short 5
		lab_must 5 "$n to count 0 healthy peers" jq_is "$n" '.fleet.healthy_peers == 0'
	done
	expect_fleet a "b=0 c=0"
	expect_fleet b "a=0 c=0"
	expect_fleet c "a=0 b=0"
	lab_log_has a 'the whole fleet is degraded' || lab_log_has b 'the whole fleet is degraded' ||
	    lab_log_has c 'the whole fleet is degraded' || lab_fail "no node logged 'the whole fleet is degraded'"
	# Well past confirm, counted from the last degrade.
	sleep $(( CONFIRM_MS / 1000 + 2 ))
	for n in a b c; do
		lab_expect_no_log "$n" '^anycastd: withdrawn:'
		node_is "$n" degraded short || lab_fail "$n is no longer degraded (short)"
	done
	ok "no node withdrew $(( CONFIRM_MS / 1000 + 2 )) s after confirm"
	show_paths
	npaths_is 3 && path_degraded a && path_degraded b && path_degraded c ||
	    lab_fail "the upstream does not have 3 degraded paths"
	ok "upstream: 3 paths, every one with (65535,0) and as_path $GS_PATH"
	n=$(lab_whoami "$FAM" 1) || lab_fail "the client gets no answer"
	out=$(lab_exec cl dig -"$FAM" +tries=1 +time=1 @"$ANY" "$LAB_ZONE" SOA 2>&1 | grep -o 'status: [A-Z]*')
	ok "the client is answered: whoami by node $n; $LAB_ZONE SOA $out"
	for n in a b c; do
		[ -n "$(watch_replaced "$n" "$t_break")" ] || lab_fail "the watcher did not see $n's path replaced"
	done
	ok "the watcher saw each path replaced in place"

	# A plain drain would take away one of the paths the guard keeps.
	out=$(actl c drain --reason "should be refused" 2>&1)
	rc=$?
	[ "$rc" = 1 ] && echo "$out" | grep -q 'draining would leave 0 other healthy nodes.*--force' ||
	    lab_fail "drain without --force on degraded c in a short fleet: exit $rc: $out"
	node_is c degraded short || lab_fail "the refused drain changed c"
	ok "drain without --force refused on c (degraded, the fleet is short): exit 1"

	# Positive control: one node really goes, the same watcher must see 2.
	t_pc=$(lab_now_us)
	out=$(actl c drain --force --reason "positive control" --wait --timeout 10s 2>&1)
	rc=$?
	[ "$rc" = 0 ] || lab_fail "drain --force on c: exit $rc: $out"
	ok "c drained with --force: $out"
	lab_must 5 "the upstream to have 2 paths" npaths_is 2
	sleep 0.2
	lab_watch_stop "$FAM"
	min=$(lab_watch_paths_min "$FAM" "$t_break" "$t_pc")
	min_pc=$(lab_watch_paths_min "$FAM" "$t_pc")
	[ "$min_pc" = 2 ] || lab_fail "positive control: the watcher saw at least '$min_pc' paths after c's drain, expected 2"
	ok "positive control: the watcher saw c's path go (2 paths)"
	[ "$min" = 3 ] || lab_fail "the upstream had $min paths during the fleet-wide failure"
	ok "the upstream never had fewer than 3 paths while every zone was broken (1 ms polls)"
	figure min_upstream_paths "$min" "(all 3 zones broken; must be 3)"
	actl c undrain >/dev/null
}

# ---------------------------------------------------------------- 3

s3() {
	fleet_up
	local n line out rc
	lab_log_marks
	lab_named_kill a KILL
	lab_named_kill b KILL
	lab_say "killed named on a and b"
	for n in a b; do
		line=$(lab_expect_log "$n" '^anycastd: withdrawn:' $(( CONFIRM_MS / 1000 + 5 )))
		echo "$line" | grep -q 'fleet guard: withdrawn, enough healthy peers' ||
		    lab_fail "$n withdrew for another reason: $line"
		expect_node "$n" withdrawn left
	done
	lab_must 5 "the upstream to have c's path only" eval 'npaths_is 1 && path_plain c'
	show_paths
	expect_fleet c "a= b="
	expect_whoami c
	ok "a and b withdrawn (c healthy); the upstream has c's plain path"

	lab_log_marks
	lab_named_kill c KILL
	lab_say "killed named on c, the last node"
	line=$(lab_expect_log c '^anycastd: degraded:')
	echo "$line" | grep -q 'too few healthy peers' || lab_fail "c's degrade does not say the fleet is short: $line"
	expect_node c degraded short
	lab_must 5 "the upstream to have c's degraded path" eval 'npaths_is 1 && path_degraded c'
	for n in a b; do
		lab_wait 5 "$n: stays_out" node_is "$n" withdrawn stays_out ||
		    lab_fail "$n is $(jget "$n" .state) ($(jget "$n" .fleet.decision)), expected withdrawn (stays_out)"
		lab_expect_log "$n" "fleet is short, but this node's server refuses" >/dev/null
	done
	ok "a and b stay out: the fleet is short, but their servers refuse"
	sleep $(( CONFIRM_MS / 1000 + 1 ))
	lab_expect_no_log c '^anycastd: withdrawn:'
	npaths_is 1 && path_degraded c || lab_fail "c's degraded path is gone"
	show_paths
	ok "c, the last node, stays announced (degraded) $(( CONFIRM_MS / 1000 + 1 )) s past confirm"
	out=$(actl c drain --reason "should be refused" 2>&1)
	rc=$?
	[ "$rc" = 1 ] && echo "$out" | grep -q 'draining would leave 0 other healthy nodes.*--force' ||
	    lab_fail "drain without --force on the last node: exit $rc: $out"
	npaths_is 1 && path_degraded c || lab_fail "the refused drain took c's path away"
	ok "drain without --force refused on the last node: $out"
}

# ---------------------------------------------------------------- 4

# stagger: zones broken on a, then b, then c, each once the previous one
# has withdrawn (a few seconds apart).  Sets T_START, T_C.
stagger() {
	local n line
	lab_watch_start "$FAM"
	T_START=$(lab_now_us)
	for n in a b; do
		lab_log_marks
		lab_zone_break "$n"
		lab_say "broke example.test on $n"
		line=$(lab_expect_log "$n" '^anycastd: withdrawn:' $(( CONFIRM_MS / 1000 + 5 )))
		echo "$line" | grep -q 'enough healthy peers' || lab_fail "$n withdrew for another reason: $line"
		expect_node "$n" withdrawn left
		sleep 0.5
	done
	lab_must 5 "the upstream to have c's path only" eval 'npaths_is 1 && path_plain c'
	ok "a and b left while c was healthy; the upstream has c's plain path"
	lab_log_marks
	lab_zone_break c
	T_C=$LAB_BREAK_US
	lab_say "broke example.test on c, the last healthy node"
	line=$(lab_expect_log c '^anycastd: degraded:')
	echo "$line" | grep -q 'too few healthy peers' || lab_fail "c's degrade does not say the fleet is short: $line"
	for n in a b; do
		line=$(lab_expect_log "$n" '^anycastd: degraded: fleet guard: back as degraded')
	done
	for n in a b c; do
		expect_node "$n" degraded
	done
	# "readmitted" is the decision of the step that brings a node back;
	# the next step finds it degraded in a short fleet: "short".
	for n in a b; do
		lab_wait 3 "$n: degraded (short)" node_is "$n" degraded short ||
		    lab_fail "$n is $(jget "$n" .state) ($(jget "$n" .fleet.decision)), expected degraded (short)"
	done
	lab_must 5 "the upstream to have 3 degraded paths" \
	    eval 'npaths_is 3 && path_degraded a && path_degraded b && path_degraded c'
	show_paths
	ok "a and b re-admitted as degraded: 3 degraded paths upstream"
}

s4() {
	fleet_up
	local min t_a t_b t_cd
	stagger
	sleep $(( CONFIRM_MS / 1000 + 1 ))
	for n in a b c; do
		node_is "$n" degraded || lab_fail "$n left again"
	done
	ok "all three stay degraded past confirm"
	lab_watch_stop "$FAM"
	min=$(lab_watch_paths_min "$FAM" "$T_START")
	[ -n "$min" ] && [ "$min" -ge 1 ] || lab_fail "the upstream had $min paths"
	[ "$min" = 1 ] || lab_fail "the watcher never saw the fleet down to 1 path (got $min): it saw nothing"
	ok "the upstream never had 0 paths (fewest: $min, while only c was left)"
	t_cd=$(watch_replaced c "$T_C")
	t_a=$(lab_watch_back a "$FAM" "$T_C")
	t_b=$(lab_watch_back b "$FAM" "$T_C")
	figure min_upstream_paths "$min" "(staggered failures; must be >= 1)"
	figure last_break_to_upstream_degraded_ms "$(lab_ms $(( t_cd - T_C )))"
	figure last_break_to_readmitted_a_ms "$(lab_ms $(( t_a - T_C )))"
	figure last_break_to_readmitted_b_ms "$(lab_ms $(( t_b - T_C )))"
}

# ---------------------------------------------------------------- 5

s5() {
	fleet_up
	local n line t_r good
	stagger
	lab_watch_stop "$FAM"
	lab_log_marks
	lab_zone_repair a b c
	t_r=$LAB_REPAIR_US
	lab_say "repaired example.test on a, b and c"
	for n in a b c; do
		line=$(lab_expect_log "$n" '^anycastd: announced:')
		# At least rise; more when the hold-down (counted from the
		# degrade) was still running at the repair.
		good=$(echo "$line" | sed -n 's/.*announced: \([0-9]*\) good cycles.*/\1/p')
		[ -n "$good" ] && [ "$good" -ge "${LAB_RISE:-2}" ] || lab_fail "$n announced without rise: $line"
		expect_node "$n" announced healthy
	done
	lab_must 5 "the upstream to have 3 plain paths" \
	    eval 'npaths_is 3 && path_plain a && path_plain b && path_plain c'
	show_paths
	expect_fleet a "b=1 c=1"
	expect_fleet b "a=1 c=1"
	expect_fleet c "a=1 b=1"
	for n in a b c; do
		lab_must 5 "$n to count 2 healthy peers" jq_is "$n" '.fleet.healthy_peers == 2'
		if [ "$FAM" = 6 ]; then
			ip -n "$(lab_ns "$n")" -6 addr show dev anycast0 | grep -q "$LAB_ANY6/48" ||
			    lab_fail "$n's anycast0 lost $LAB_ANY6/48"
		fi
	done
	expect_whoami a
	figure repair_to_all_announced_ms "$(lab_ms $(( $(lab_now_us) - t_r )))" "(upper bound; rise ${LAB_RISE:-2})"
	ok "every node announced again; the client is back on a"
}

# ---------------------------------------------------------------- 6

s6() {
	fleet_up
	local line out t0 f=$LAB_RUN/a/anycastd.conf
	out=$(lab_bird_cmd a disable '"fleet_*"' 2>&1) || lab_fail "birdc disable: $out"
	lab_say "cut a's iBGP sessions: birdc disable \"fleet_*\" on a"
	lab_must 5 "a's fleet view to be unknown" \
	    jq_is a '.fleet.known == false and .fleet.unknown_reason == "every fleet session is down"'
	ok "a: fleet view unknown ($(jget a .fleet.unknown_reason))"
	expect_fleet b "a= c=1"
	node_is a announced healthy || lab_fail "a changed state when its sessions went down"

	lab_log_marks
	lab_zone_break a
	t0=$LAB_BREAK_US
	line=$(lab_expect_log a '^anycastd: degraded:')
	echo "$line" | grep -q 'fleet view unknown, staying announced (degraded)' ||
	    lab_fail "a's degrade does not say the fleet view is unknown: $line"
	expect_node a degraded hold
	sleep $(( CONFIRM_MS / 1000 + 1 ))
	lab_expect_no_log a '^anycastd: withdrawn:'
	node_is a degraded hold || lab_fail "a left the hold"
	npaths_is 3 && path_degraded a || lab_fail "the upstream does not have a's degraded path"
	show_paths
	ok "unknown = hold: a stays degraded $(( CONFIRM_MS / 1000 + 1 )) s past confirm"
	figure hold_break_to_degraded_ms "$(lab_ms $(( $(jget a '.since * 1000000 | floor') - t0 )))" "(anycastd's own clock)"

	lab_log_marks
	sed -i 's/^unknown *=.*/unknown       = withdraw/' "$f"
	kill -s HUP "$(lab_pid anycastd-a)"
	lab_say "a reloaded with [fleet] unknown = withdraw"
	line=$(lab_expect_log a '^anycastd: withdrawn:')
	echo "$line" | grep -q 'unknown = withdraw' || lab_fail "a withdrew for another reason: $line"
	expect_node a withdrawn unknown
	lab_must 5 "the upstream to have 2 paths" eval 'npaths_is 2 && no_path a'
	show_paths
	ok "unknown = withdraw: a withdrawn"

	# From announced, with unknown = withdraw: straight out.
	lab_log_marks
	lab_zone_repair a
	lab_expect_log a '^anycastd: announced:' >/dev/null
	expect_node a announced healthy
	lab_must 5 "a's plain path upstream" path_plain a
	lab_log_marks
	lab_zone_break a
	line=$(lab_expect_log a '^anycastd: withdrawn:')
	echo "$line" | grep -q 'SERVFAIL' || lab_fail "a withdrew for another reason: $line"
	expect_node a withdrawn unknown
	lab_must 5 "the upstream to have 2 paths" eval 'npaths_is 2 && no_path a'
	ok "a broken again with the view unknown and unknown = withdraw: withdrawn at once ($line)"

	out=$(lab_bird_cmd a enable '"fleet_*"' 2>&1) || lab_fail "birdc enable: $out"
	lab_must 15 "a's fleet view to be known again" jq_is a '.fleet.known == true and .fleet.healthy_peers == 2'
	expect_fleet b "a= c=1"
	ok "sessions back: a sees 2 healthy peers and stays withdrawn"
}

# ---------------------------------------------------------------- 7

s7() {
	fleet_up
	local n out rc t_drain t_done t_deg t_gone t_gs f4 f6 lost4 lost6 sent4 sent6
	# (a) refused while b and c are degraded.
	lab_log_marks
	lab_zone_break b c
	for n in b c; do
		expect_node "$n" degraded "" 5
	done
	lab_must 5 "a to count 0 healthy peers" jq_is a '.fleet.healthy_peers == 0'
	out=$(actl a drain --reason "should be refused" 2>&1)
	rc=$?
	[ "$rc" = 1 ] || lab_fail "drain without --force: exit $rc, expected 1: $out"
	echo "$out" | grep -q 'draining would leave 0 other healthy nodes.*--force' ||
	    lab_fail "drain's refusal says: $out"
	ok "drain refused (exit 1) while b and c are degraded: $out"
	node_is a announced healthy && ! [ -e "$LAB_RUN/a/state/drain" ] ||
	    lab_fail "the refused drain changed a"
	ok "a still announced, not drained"
	lab_zone_repair b c
	for n in b c; do
		expect_node "$n" announced healthy 10
	done
	lab_must 5 "a to count 2 healthy peers" jq_is a '.fleet.healthy_peers == 2'

	# (b) the drain, under load.
	lab_watch_start "$FAM"
	pathpoll_start
	lab_client_start 4 5000
	f4=$LAB_CLIENT_OUT
	lab_client_start 6 5000
	f6=$LAB_CLIENT_OUT
	sleep 1
	lab_log_marks
	t_drain=$(lab_now_us)
	out=$(actl a drain --reason "fleet lab drain" --wait --timeout 10s 2>&1)
	rc=$?
	t_done=$(lab_now_us)
	[ "$rc" = 0 ] || lab_fail "drain --wait: exit $rc: $out"
	ok "anycastctl drain --wait returned after $(lab_ms $(( t_done - t_drain ))) ms: $out"
	# drain --wait returns once a's own BIRD exports nothing; the upstream
	# learns it from BGP's UPDATE a moment later (a race of milliseconds,
	# seen lost once in CI at load).  Zero loss is what the clients prove.
	lab_wait 1 "the upstream to drop a's path" no_path a ||
	    lab_fail "the upstream still had a's path 1 s after drain --wait returned"
	t_upgone=$(lab_now_us)
	ok "the upstream had dropped a's path $(lab_ms $(( t_upgone - t_done ))) ms after drain --wait returned"
	expect_node a drained drained
	sleep 0.5
	kill -s TERM "$(lab_pid tool-dnsloop-4)" "$(lab_pid tool-dnsloop-6)"
	lab_client_stop 4
	lab_client_stop 6
	lab_stop "tool-pathpoll-$FAM"
	lab_watch_stop "$FAM"
	t_deg=$(watch_replaced a "$t_drain")
	t_gone=$(lab_watch_gone a "$FAM" "$t_drain")
	t_gs=$(pathpoll_first_gs a "$t_drain")
	[ -n "$t_deg" ] && [ -n "$t_gone" ] || lab_fail "lab-birdwatch missed the degrade or the withdrawal"
	[ -n "$t_gs" ] || lab_fail "the path poller never saw a's path with (65535,0)"
	[ "$t_gs" -lt "$t_gone" ] || lab_fail "the community was first seen after the withdrawal"
	[ $(( t_gone - t_deg )) -ge $(( GRACEFUL_MS * 1000 - 50000 )) ] ||
	    lab_fail "a was degraded for $(lab_ms $(( t_gone - t_deg ))) ms only (graceful_time $GRACEFUL_MS ms)"
	[ "$(lab_watch_paths_min "$FAM" "$t_drain" "$t_gone")" = 3 ] ||
	    lab_fail "the upstream had fewer than 3 paths before a's withdrawal"
	ok "the upstream saw a's path with (65535,0) $(lab_ms $(( t_gone - t_gs ))) ms before it went (replaced in place at +$(lab_ms $(( t_deg - t_drain ))) ms)"
	lost4=$(lab_kv "$f4" summary lost) sent4=$(lab_kv "$f4" summary sent)
	lost6=$(lab_kv "$f6" summary lost) sent6=$(lab_kv "$f6" summary sent)
	grep -q '^switch from=node-a to=node-b' "$f4" && grep -q '^switch from=node-a to=node-b' "$f6" ||
	    lab_fail "a client did not move from a to b: $(cat "$f4" "$f6")"
	figure drain_to_upstream_degraded_ms "$(lab_ms $(( t_deg - t_drain )))"
	figure drain_to_upstream_withdrawn_ms "$(lab_ms $(( t_gone - t_drain )))" "(graceful_time $GRACEFUL_MS ms)"
	figure drain_lost_v4 "$lost4" "of $sent4 (200/s)"
	figure drain_lost_v6 "$lost6" "of $sent6 (200/s)"
	[ "$lost4" = 0 ] && [ "$lost6" = 0 ] || lab_fail "queries lost during the drain: IPv4 $lost4, IPv6 $lost6"
	ok "0 queries lost (IPv4 $sent4 sent, IPv6 $sent6 sent); both clients moved to b"
	out=$(actl a undrain 2>&1) || lab_fail "undrain: $out"
	expect_node a announced healthy
	lab_must 5 "a's plain path back" path_plain a
}

# ---------------------------------------------------------------- 8

# shellcheck disable=SC2317 # called through lab_wait
met() { grep -qxF "$2" "$LAB_RUN/$1/metrics.prom"; }
expect_met() {	# expect_met NODE "LINE"...
	local n=$1 l
	shift
	for l in "$@"; do
		lab_wait 3 "$n's metrics: $l" met "$n" "$l" ||
		    lab_fail "$n's metrics lack '$l': $(grep -E 'anycastd_(state|fleet|graceful)' "$LAB_RUN/$n/metrics.prom" | grep -v '^#' | tr '\n' ';')"
	done
	ok "$n's metrics: $*"
}
expect_text() {	# expect_text NODE REGEX...: anycastctl status matches each
	local n=$1 re out
	shift
	out=$(actl "$n" status) || lab_fail "anycastctl status on $n failed"
	for re in "$@"; do
		echo "$out" | grep -Eq "$re" || lab_fail "$n's status lacks /$re/: $out"
	done
	ok "$n's status: $*"
}
expect_json() {	# expect_json NODE EXPR
	jq_is "$1" "$2" || lab_fail "$n's status --json: not ($2): $(actl "$1" status --json | jq -c .fleet)"
	ok "$1's status --json: $2"
}
promcheck() {
	local n out
	command -v promtool >/dev/null || return 0
	for n in "$@"; do
		out=$(promtool check metrics <"$LAB_RUN/$n/metrics.prom" 2>&1) ||
		    lab_fail "promtool check metrics on $n's metrics: $out"
	done
	ok "promtool check metrics: clean on $*"
}

s8() {
	fleet_up
	local out
	# Announced.
	expect_text a '^Graceful: +anycast0-gs down' '^Fleet: +2 healthy peers \(min_healthy 1\)$' \
	    '^  fleet_b4 +announced' '^  fleet_c6 +announced'
	expect_json a '.state == "announced" and .fleet.guard == true and .fleet.decision == "healthy"
	    and .fleet.known == true and .fleet.unknown_reason == null and .fleet.healthy_peers == 2
	    and .fleet.min_healthy == 1 and (.fleet.peers | length) == 4
	    and ([.fleet.peers[] | select(.healthy and .health == "announced")] | length) == 4
	    and ([.fleet.peers[].name] | sort) == ["fleet_b4", "fleet_b6", "fleet_c4", "fleet_c6"]
	    and (.fleet.peers[0].age_seconds > 0) and .fleet.graceful_interface.name == "anycast0-gs"'
	expect_met a 'anycastd_state{state="announced"} 1' 'anycastd_state{state="degraded"} 0' \
	    'anycastd_fleet_known 1' 'anycastd_fleet_healthy_peers 2' 'anycastd_fleet_min_healthy 1' \
	    'anycastd_fleet_decision{decision="healthy"} 1' 'anycastd_graceful_link_up 0' \
	    'anycastd_fleet_peer_healthy{peer="fleet_b4",health="announced"} 1'
	promcheck a b c

	# a degraded, confirming; what b sees of it.
	lab_log_marks
	lab_zone_break a
	expect_node a degraded confirming
	expect_text a '^State: +degraded' '^Graceful: +anycast0-gs up' \
	    '^Fleet: +2 healthy peers \(min_healthy 1\); fleet guard: degraded, confirming'
	expect_json a '.state == "degraded" and .fleet.decision == "confirming" and .fleet.healthy_peers == 2'
	expect_met a 'anycastd_state{state="degraded"} 1' 'anycastd_graceful_link_up 1' \
	    'anycastd_link_up 0' 'anycastd_fleet_decision{decision="confirming"} 1'
	lab_must 3 "b to see a degraded" jq_is b '.fleet.healthy_peers == 1 and
	    ([.fleet.peers[] | select(.name == "fleet_a'"$FAM"'")][0] | .health == "degraded" and .healthy == false)'
	expect_text b '^Fleet: +1 healthy peer \(min_healthy 1\)$' "^  fleet_a$FAM +degraded"
	expect_met b 'anycastd_fleet_healthy_peers 1' \
	    "anycastd_fleet_peer_healthy{peer=\"fleet_a$FAM\",health=\"degraded\"} 0"

	# a withdrawn by the guard.
	expect_node a withdrawn left $(( CONFIRM_MS / 1000 + 5 ))
	expect_text a '^State: +withdrawn' '^Graceful: +anycast0-gs down' 'fleet guard: withdrawn, enough healthy peers'
	expect_json a '.state == "withdrawn" and .fleet.decision == "left"'
	expect_met a 'anycastd_state{state="withdrawn"} 1' 'anycastd_graceful_link_up 0' \
	    'anycastd_fleet_decision{decision="left"} 1'
	lab_must 3 "b to see no route from a" jq_is b \
	    '[.fleet.peers[] | select(.name == "fleet_a'"$FAM"'")][0] | .health == "withdrawn" and .healthy == false'
	expect_met b "anycastd_fleet_peer_healthy{peer=\"fleet_a$FAM\",health=\"withdrawn\"} 0"

	# b and c broken too: a re-admitted, b and c short.
	lab_log_marks
	lab_zone_break b c
	lab_expect_log a '^anycastd: degraded: fleet guard: back as degraded' >/dev/null
	expect_node a degraded short
	expect_node b degraded short
	expect_text b '^Fleet: +0 healthy peers \(min_healthy 1\); fleet guard: staying announced \(degraded\), too few healthy peers'
	expect_json b '.fleet.healthy_peers == 0 and .fleet.decision == "short"'
	expect_met b 'anycastd_fleet_healthy_peers 0' 'anycastd_state{state="degraded"} 1' \
	    'anycastd_fleet_decision{decision="short"} 1'
	expect_met a 'anycastd_fleet_decision{decision="short"} 1' 'anycastd_fleet_healthy_peers 0'

	# c's view unknown.
	out=$(lab_bird_cmd c disable '"fleet_*"' 2>&1) || lab_fail "birdc disable: $out"
	lab_must 5 "c's view to be unknown" jq_is c '.fleet.known == false'
	expect_node c degraded hold
	expect_text c '^Fleet: +unknown \(every fleet session is down\); fleet guard: fleet view unknown'
	expect_json c '.fleet.unknown_reason == "every fleet session is down" and .fleet.decision == "hold"'
	expect_met c 'anycastd_fleet_known 0' 'anycastd_fleet_decision{decision="hold"} 1'

	# Drained (forced: the fleet is short).
	out=$(actl b drain --force --reason "status check" --wait --timeout 10s 2>&1) ||
	    lab_fail "drain --force on b: $out"
	expect_node b drained drained
	expect_text b '^State: +drained' '^Drain: +yes'
	expect_met b 'anycastd_state{state="drained"} 1' 'anycastd_drained 1' \
	    'anycastd_fleet_decision{decision="drained"} 1'
	promcheck a b c
}

case $SCN in
1) s1 ;; 2) s2 ;; 3) s3 ;; 4) s4 ;; 5) s5 ;; 6) s6 ;; 7) s7 ;; 8) s8 ;;
esac
lab_say "PASS: fleet scenario $SCN, IPv$FAM"
exit 0
