#!/bin/bash
# Zone freshness in the lab, with anycastd: fresh_scenarios.sh N
#
# Three nodes behind the upstream, and the hidden primary (lab.sh with
# LAB_PRIMARY=1, tests/lab/primary.sh): every node is a TSIG secondary of
# it for example.test and fresh1..3.test, and anycastd's [freshness] checks
# those four zones against it every LAB_FRESH_INTERVAL (1s), max_lag
# LAB_FRESH_MAX_LAG (3s), max_stale 0.  Node a is the best path.
#
#   N  1  the serial is bumped on the primary: every node follows within
#         seconds (FIGURE per node), every node's anycastd sees the new
#         primary serial and keeps every zone fresh; no node leaves the
#         upstream for max_lag + 2 intervals (lab-birdwatch every 1 ms;
#         positive control: named on c stopped, the watcher sees c go)
#      2  a's TSIG key made wrong (rndc reconfig) and the serial bumped: b
#         and c follow, a does not; a is still announced at max_lag/2, then
#         turns stale and is withdrawn; b and c never leave; RESULT
#         bump->withdrawn.  The key fixed: a follows, is fresh, announced.
#      2k scenario 2 with knotd as a's server (LAB_KNOT_NODES=a, knotc reload)
#      3  the primary stopped: every node says "primary unreachable" (log
#         once, status, metrics), no node leaves for max_lag + 2 intervals,
#         the zones stay fresh (positive control: named on c stopped while
#         the primary is down: c still leaves); the primary back: "primary
#         reachable again", status and metrics agree
#      4  fresh3.test removed from c's named (rndc reconfig): c counts it
#         missing (zones, status, metrics) and, max_stale being 0, leaves,
#         naming the zone; a and b count nothing and never leave; put back:
#         fresh and announced
#      5  the primary's serial set below the nodes' (10 -> 5): every node
#         warns "primary behind", no zone is stale, no node leaves (positive
#         control as in 1)
#
# Assertions read the upstream's BIRD (the nodes it has the prefix from),
# anycastd's log, `anycastctl status` / `zones` and the metrics file.
# Environment: ANYCASTD, ANYCASTCTL, LAB_TOOLS_DIR and lab.sh's tunables.
# Exit 0 pass, 1 fail, 77 skip.
# 'A && B || lab_fail' is meant: fail unless both hold.
# shellcheck disable=SC2015
set -u
LAB_HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$LAB_HERE/lab.sh"

lab_scenario_args "1 2 2k 3 4 5" "" "$@"
export LAB_PRIMARY=1 LAB_NODES=3
: "${LAB_FRESH_INTERVAL:=1s}" "${LAB_FRESH_MAX_LAG:=3s}"
export LAB_FRESH_INTERVAL LAB_FRESH_MAX_LAG
[ "$SCN" != 2k ] || export LAB_KNOT_NODES=a

# ---------------------------------------------------------------- helpers

ok() { lab_say "ok: $*"; }
figure() { lab_say "FIGURE fresh.s$SCN $1=$2${3:+ $3}"; }

to_ms() {	# to_ms 3s | 500ms | 1m -> integer milliseconds
	awk -v d="$1" 'BEGIN {
		if (d ~ /ms$/) { sub(/ms$/, "", d); printf "%d", d }
		else if (d ~ /s$/) { sub(/s$/, "", d); printf "%d", d * 1000 }
		else if (d ~ /m$/) { sub(/m$/, "", d); printf "%d", d * 60000 }
		else printf "%d", d * 1000
	}'
}
IV_MS=$(to_ms "$LAB_FRESH_INTERVAL")
LAG_MS=$(to_ms "$LAB_FRESH_MAX_LAG")
ms_since() { echo $(( ($(lab_now_us) - $1) / 1000 )); }
sleep_until() {	# sleep_until T_US: sleeps until that moment (if still ahead)
	local left=$(( $1 - $(lab_now_us) ))
	[ "$left" -le 0 ] || sleep "$(awk -v u="$left" 'BEGIN { printf "%.3f", u / 1e6 }')"
}

find_anycastctl() {
	: "${ANYCASTCTL:=$(dirname "$ANYCASTD")/anycastctl/anycastctl}"
	[ -x "$ANYCASTCTL" ] || lab_fail "anycastctl not found at $ANYCASTCTL (set ANYCASTCTL=)"
}
actl() { local n=$1; shift; "$ANYCASTCTL" -s "$LAB_RUN/$n/anycastd.sock" "$@"; }

# zone_line NODE ZONE: NODE's `anycastctl zones` line for ZONE, as
# "ZONE STATE LOCAL PRIMARY ..." (the zone printed with or without its dot).
zone_line() {
	actl "$1" zones 2>/dev/null | awk -v z="$2" '{ n = $1; sub(/\.$/, "", n) } n == z'
}
zone_state() { zone_line "$1" "$2" | awk '{ print $2 }'; }
zone_state_is() { [ "$(zone_state "$1" "$2")" = "$3" ]; }
# zones_all NODE STATE [PRIMARY_SERIAL]: every zone of the lab has STATE on
# NODE (and the primary's serial, as NODE's anycastd last saw it).
zones_all() {
	local n=$1 st=$2 ps=${3:-} z l
	for z in $(lab_fresh_zones); do
		l=$(zone_line "$n" "$z")
		[ "$(echo "$l" | awk '{ print $2 }')" = "$st" ] || return 1
		[ -z "$ps" ] || [ "$(echo "$l" | awk '{ print $4 }')" = "$ps" ] || return 1
	done
}
expect_zones() {	# expect_zones NODE STATE [PRIMARY_SERIAL] [SECS]
	lab_wait "${4:-10}" "$1: every zone $2${3:+, primary serial $3}" zones_all "$1" "$2" "${3:-}" ||
	    lab_fail "anycastctl zones on $1: $(actl "$1" zones 2>&1 | tr '\n' ';')"
	ok "$1: every zone $2${3:+ (primary serial $3)}"
}
# status_zones NODE: the "zones:" line of `anycastctl status`.
status_zones() { actl "$1" status 2>/dev/null | grep -m1 '^zones:'; }
status_has() { status_zones "$1" | grep -q -- "$2"; }
expect_status() {	# expect_status NODE REGEX [SECS]
	lab_wait "${3:-10}" "$1's status: /$2/" status_has "$1" "$2" ||
	    lab_fail "status on $1 does not match /$2/: $(status_zones "$1")"
	ok "$1: $(status_zones "$1")"
}
# metric NODE NAME{LABELS}: the value in NODE's metrics file ("" if absent).
metric() {
	awk -v m="$2" '$1 == m { print $2; exit }' "$LAB_RUN/$1/metrics.prom" 2>/dev/null
}
metric_is() { [ "$(metric "$1" "$2")" = "$3" ]; }
expect_metric() {	# expect_metric NODE NAME VALUE [SECS]
	lab_wait "${4:-10}" "$1: $2 $3" metric_is "$1" "$2" "$3" ||
	    lab_fail "$1's metrics: $2 is '$(metric "$1" "$2")', expected $3"
	ok "$1: metric $2 $3"
}

expect_routes() {	# expect_routes "NODES" [SECS]: both families
	local want=$1 secs=${2:-10} f
	for f in 4 6; do
		lab_wait "$secs" "upstream: $(lab_pfx $f) from {$want}" lab_routes_are "$f" "$want" ||
		    lab_fail "upstream has $(lab_pfx $f) from {$(lab_route_nodes "$f")}, expected {$want}"
	done
	ok "upstream has both prefixes from {${want:-nobody}}"
}
# never_left NODE... SINCE_US: the watcher saw none of them leave since then.
never_left() {
	local since=${!#} n t
	for n in "${@:1:$#-1}"; do
		t=$(lab_watch_gone "$n" "$FAM" "$since")
		[ -z "$t" ] || lab_fail "the upstream lost $n's route $(( (t - since) / 1000 )) ms after the mark"
	done
	ok "the upstream never lost a route from {${*:1:$#-1}} (lab-birdwatch every 1 ms)"
}
count_log() { tail -n +"$(( ${LAB_LOG_MARK_LINES[$1]:-0} + 1 ))" "$LAB_RUN/$1/anycastd.log" | grep -c -E "$2"; }

# positive_control NODE: the watcher sees a real failure.  named on NODE is
# stopped (SIGSTOP: probes time out), the upstream loses NODE's route and
# lab-birdwatch records it; SIGCONT brings it back.
positive_control() {
	local n=$1 t0 t
	t0=$(lab_now_us)
	lab_named_kill "$n" STOP
	lab_wait 10 "$n to leave the upstream" lab_route_gone "$n" ||
	    { lab_named_kill "$n" CONT; lab_fail "positive control: $n did not leave with named stopped"; }
	lab_named_kill "$n" CONT
	sleep 0.1
	t=$(lab_watch_gone "$n" "$FAM" "$t0")
	[ -n "$t" ] || lab_fail "positive control: lab-birdwatch did not see $n leave"
	ok "positive control: named on $n stopped, lab-birdwatch saw $n leave after $(( (t - t0) / 1000 )) ms"
	expect_routes "a b c" 15
}
jq_is() { actl "$1" status --json 2>/dev/null | jq -e "$2" >/dev/null 2>&1; }
check_metrics() {	# check_metrics NODE: promtool accepts its metrics file
	local out
	out=$(promtool check metrics <"$LAB_RUN/$1/metrics.prom" 2>&1) ||
	    lab_fail "promtool check metrics on $1's metrics: $out"
	ok "$1: promtool check metrics passes"
}
lab_route_gone() { ! lab_route_nodes "$FAM" | grep -qw "$1"; }

fresh_up() {
	local c
	for c in jq promtool; do
		command -v "$c" >/dev/null || lab_fail "$c is needed (apt-get install jq prometheus)"
	done
	lab_up
	find_anycastctl
	local n
	for n in $(lab_node_names); do
		expect_zones "$n" fresh 1 15
	done
	expect_status a '4 checked, 4 fresh, 0 stale, 0 missing; primary reachable'
	lab_watch_start "$FAM"
	lab_log_marks
}

# follow_times SERIAL T0_US: waits for every node to serve every zone at
# SERIAL; a FIGURE per node, the time from T0 until it did.
follow_times() {
	local serial=$1 t0=$2 n left
	left=$(lab_node_names)
	local deadline=$(( t0 + 10000000 ))
	while [ -n "$left" ]; do
		local still=
		for n in $left; do
			if lab_nodes_serial_is "$serial" "$n"; then
				figure "follow_$n" "$(ms_since "$t0")" ms
			else
				still="$still $n"
			fi
		done
		left=${still# }
		[ -z "$left" ] || [ "$(lab_now_us)" -lt "$deadline" ] ||
		    lab_fail "nodes {$left} did not follow serial $serial within 10 s"
		sleep 0.02
	done
}

# ---------------------------------------------------------------- scenarios

# The primary's ACL: SOA from a node's unicast address answered (AA), from
# the client REFUSED; AXFR without the key refused.
check_acl() {
	local out
	out=$(lab_exec b dig +tries=1 +time=1 +norec @"$LAB_PRIMARY4" "$LAB_ZONE" SOA 2>&1)
	echo "$out" | grep -q 'status: NOERROR' && echo "$out" | grep -q 'flags:.* aa' ||
	    lab_fail "the primary does not answer b's SOA query: $out"
	out=$(lab_exec cl dig +tries=1 +time=1 +norec @"$LAB_PRIMARY4" "$LAB_ZONE" SOA 2>&1)
	echo "$out" | grep -q 'status: REFUSED' || lab_fail "the primary answers the client: $out"
	out=$(lab_exec b dig +tries=1 +time=1 @"$LAB_PRIMARY4" "$LAB_ZONE" AXFR 2>&1)
	echo "$out" | grep -q 'Transfer failed' || lab_fail "the primary gives an AXFR without the key: $out"
	ok "primary's ACL: b's SOA answered (AA), the client's REFUSED, AXFR without the key refused"
}

s1() {
	fresh_up
	local t0 n
	check_acl
	lab_primary_set_serial 2
	t0=$LAB_BUMP_US
	follow_times 2 "$t0"
	for n in a b c; do
		expect_zones "$n" fresh 2 $(( 2 * IV_MS / 1000 + 8 ))
	done
	# A zone wrongly counted stale would fail its node after max_lag:
	# watch that long, and two sweeps more.
	sleep_until $(( t0 + (LAG_MS + 2 * IV_MS) * 1000 ))
	for n in a b c; do
		lab_expect_no_log "$n" 'withdrawn|zones? stale|primary (unreachable|behind)'
	done
	never_left a b c "$t0"
	for n in a b c; do
		expect_metric "$n" 'anycastd_zones{state="stale"}' 0 1
		expect_metric "$n" 'anycastd_zones{state="fresh"}' 4 1
	done
	expect_routes "a b c" 1
	figure watched "$(ms_since "$t0")" ms
	positive_control c
}

# stale_reason_ok LINE: "N zone(s) stale: Z (serial 1 < 2 for D), ..." with
# N >= 1, every Z one of the lab's zones and every D >= max_lag.
stale_reason_ok() {
	local r=${1#*zone* stale: } zs item z d
	zs=" $(lab_fresh_zones) "
	echo "$1" | grep -Eq '[0-9]+ zones? stale: ' || return 1
	r=${r% (was *}
	r=${r%, ...}
	while [ -n "$r" ]; do
		item=${r%%)*}
		r=${r#*)}
		r=${r#, }
		z=${item%% *}
		z=${z%.}
		case $zs in *" $z "*) ;; *) return 1 ;; esac
		echo "$item" | grep -q '(serial 1 < 2 for ' || return 1
		d=${item##* for }
		[ "$(to_ms "$d")" -ge "$LAG_MS" ] || return 1
	done
}

# s2 NODE: scenario 2 (and 2k) on NODE.
s2() {
	local x=a t0 tleave tfix tback l stale n
	fresh_up
	lab_node_break_key "$x"
	ok "$x: wrong TSIG key ($(lab_is_knot "$x" && echo 'knotc reload' || echo 'rndc reconfig'))"
	lab_primary_set_serial 2
	t0=$LAB_BUMP_US
	lab_must 10 "b and c to follow serial 2" lab_nodes_serial_is 2 b c
	ok "b and c serve serial 2 after $(ms_since "$t0") ms"
	lab_nodes_serial_is 1 "$x" || lab_fail "$x follows serial 2 with a wrong key"
	# Stale only after max_lag, counted from when the primary was first
	# seen ahead: half way there, a is still announced and its zones are
	# behind but not stale.
	# (On a machine so slow that max_lag has passed already, the
	# watcher's time of the withdrawal below still says it.)
	sleep_until $(( t0 + LAG_MS * 500 ))
	l=$(zone_line "$x" "$LAB_ZONE")
	if [ "$(ms_since "$t0")" -lt "$LAG_MS" ]; then
		[ -z "$(lab_watch_gone "$x" "$FAM" "$t0")" ] || lab_fail "$x left before max_lag ($(ms_since "$t0") ms after the bump)"
		case $l in *" stale "*)
			[ "$(ms_since "$t0")" -ge "$LAG_MS" ] ||
			    lab_fail "$x: $LAB_ZONE stale before max_lag ($LAB_FRESH_MAX_LAG): $l" ;;
		esac
		ok "$x still announced $(ms_since "$t0") ms after the bump: $l"
	else
		lab_say "(the machine is slow: already $(ms_since "$t0") ms after the bump)"
	fi

	expect_routes "b c" $(( (LAG_MS + 2 * IV_MS) / 1000 + 10 ))
	tleave=$(lab_watch_gone "$x" "$FAM" "$t0")
	[ -n "$tleave" ] || lab_fail "lab-birdwatch did not see $x leave"
	lab_say "RESULT fresh.s$SCN bump_to_withdrawn_ms=$(( (tleave - t0) / 1000 )) max_lag=$LAB_FRESH_MAX_LAG interval=$LAB_FRESH_INTERVAL fall=${LAB_FALL:-3} probe_interval=${LAB_INTERVAL:-200ms} server=$(lab_is_knot "$x" && echo knotd || echo named)"
	[ $(( (tleave - t0) / 1000 )) -ge "$LAG_MS" ] || lab_fail "$x left $(( (tleave - t0) / 1000 )) ms after the bump, before max_lag"
	# The sweep spreads the zones over the interval, so they turn stale
	# one after another, and fall cycles after the first the node leaves:
	# the reason names those stale by then, each behind for max_lag.
	l=$(lab_expect_log "$x" 'withdrawn' 1)
	stale_reason_ok "$l" || lab_fail "the withdrawal does not give stale zones, serials 1 < 2 for at least $LAB_FRESH_MAX_LAG: $l"
	ok "the reason names the stale zones, their serials and how long"
	# Each zone is asked once an interval: the last turns stale up to
	# max_lag + 2 intervals after the bump.
	expect_zones "$x" stale 2 $(( (LAG_MS + 2 * IV_MS) / 1000 + 5 ))
	stale=$(actl "$x" zones --stale 2>/dev/null | wc -l)
	[ "$stale" = 4 ] || lab_fail "anycastctl zones --stale on $x lists $stale lines, expected 4"
	expect_status "$x" '4 checked, 0 fresh, 4 stale, 0 missing; primary reachable' 5
	expect_metric "$x" 'anycastd_zones{state="stale"}' 4 5
	expect_metric "$x" "anycastd_zone_serial_behind{zone=\"$LAB_ZONE.\"}" 1 2
	check_metrics "$x"
	jq_is "$x" '.freshness.stale == 4 and .freshness.failing == true and .freshness.primary_reachable == true' ||
	    lab_fail "status --json on $x: $(actl "$x" status --json 2>&1 | jq -c .freshness)"
	ok "$x: status --json: 4 stale, failing, primary reachable"
	for n in b c; do
		expect_zones "$n" fresh 2 1
		lab_expect_no_log "$n" 'withdrawn|zones? stale'
	done
	never_left b c "$t0"
	lab_must 10 "the client to be answered by b" lab_whoami_is "$FAM" b
	ok "the client is answered by b"

	lab_node_fix_key "$x"
	tfix=$(lab_now_us)
	lab_must 15 "$x to follow serial 2 with the key fixed" lab_nodes_serial_is 2 "$x"
	figure fix_to_serial "$(ms_since "$tfix")" ms
	expect_zones "$x" fresh 2 $(( 2 * IV_MS / 1000 + 8 ))
	expect_routes "a b c" 15
	tback=$(lab_watch_back "$x" "$FAM" "$tfix")
	[ -n "$tback" ] || lab_fail "lab-birdwatch did not see $x come back (the wall clock stepped?)"
	figure fix_to_announced "$(( (tback - tfix) / 1000 ))" ms
	expect_metric "$x" 'anycastd_zones{state="stale"}' 0 5
	# The per-zone gauge exists for stale zones only.
	[ -z "$(metric "$x" "anycastd_zone_serial_behind{zone=\"$LAB_ZONE.\"}")" ] ||
	    lab_fail "$x still exports anycastd_zone_serial_behind for a fresh zone"
	check_metrics "$x"
	never_left b c "$t0"
}

s3() {
	fresh_up
	local t0 n l
	t0=$(lab_now_us)
	lab_primary_stop
	ok "the primary is stopped"
	for n in a b c; do
		l=$(lab_expect_log "$n" 'freshness: primary unreachable' $(( 2 * IV_MS / 1000 + 8 )))
		figure "unreachable_logged_$n" "$(ms_since "$t0")" ms
		expect_status "$n" 'primary unreachable' 2
		expect_metric "$n" anycastd_freshness_primary_up 0 2
		jq_is "$n" '.freshness.primary_reachable == false and .freshness.failing == false and .freshness.fresh == 4' ||
		    lab_fail "status --json on $n: $(actl "$n" status --json 2>&1 | jq -c .freshness)"
	done
	ok "status --json: primary not reachable, not failing, 4 fresh (every node)"
	# A shared failure must not count: watch for max_lag and two sweeps.
	sleep_until $(( t0 + (LAG_MS + 2 * IV_MS) * 1000 ))
	for n in a b c; do
		lab_expect_no_log "$n" 'withdrawn|zones? stale'
		expect_zones "$n" fresh 1 1
		[ "$(count_log "$n" 'freshness: primary unreachable')" = 1 ] ||
		    lab_fail "$n logged 'primary unreachable' $(count_log "$n" 'freshness: primary unreachable') times"
	done
	never_left a b c "$t0"
	expect_routes "a b c" 1
	ok "primary down $(ms_since "$t0") ms: the zones keep their verdicts, every node stays announced"
	# The same watcher still sees a real failure while the primary is down.
	positive_control c
	lab_log_marks
	t0=$(lab_now_us)
	lab_primary_start
	for n in a b c; do
		lab_expect_log "$n" 'freshness: primary reachable again' $(( 2 * IV_MS / 1000 + 8 )) >/dev/null
		figure "reachable_logged_$n" "$(ms_since "$t0")" ms
		expect_status "$n" 'primary reachable' 2
		status_has "$n" unreachable && lab_fail "$n's status still says unreachable"
		expect_metric "$n" anycastd_freshness_primary_up 1 2
		expect_zones "$n" fresh 1 10
	done
}

s4() {
	fresh_up
	local x=c z=fresh3.test d t0 n l t
	d=$LAB_RUN/$x
	cp "$d/named.conf" "$d/named.conf.good"
	awk -v z="$z" '
	    $1 == "zone" && $2 == "\"" z "\"" { skip = 1; next }
	    skip && /^};/ { skip = 0; next }
	    !skip' "$d/named.conf.good" >"$d/named.conf"
	t0=$(lab_now_us)
	lab_rndc "$x" reconfig || lab_fail "rndc reconfig on $x"
	lab_must 5 "$x's named to refuse $z" lab_status_for "$x" "$z" REFUSED
	ok "$z removed from $x's named: REFUSED"
	lab_wait $(( 2 * IV_MS / 1000 + 8 )) "$x: $z missing" zone_state_is "$x" "$z" missing ||
	    lab_fail "$x: $z is '$(zone_line "$x" "$z")', expected missing"
	figure remove_to_missing "$(ms_since "$t0")" ms
	ok "$x: $(zone_line "$x" "$z")"
	expect_status "$x" '4 checked, 3 fresh, 0 stale, 1 missing' 2
	expect_metric "$x" 'anycastd_zones{state="missing"}' 1 2
	for n in a b; do
		expect_zones "$n" fresh 1 1
		expect_metric "$n" 'anycastd_zones{state="missing"}' 0 1
	done
	# A zone the node does not serve counts against it like a stale one
	# (max_stale 0): c leaves, with the zone in the reason; a and b stay.
	expect_routes "a b" 10
	l=$(lab_expect_log "$x" 'withdrawn' 1)
	echo "$l" | grep -Eq "1 zone stale: $z\.? \(missing" || lab_fail "the withdrawal does not name the missing zone: $l"
	t=$(lab_watch_gone "$x" "$FAM" "$t0")
	[ -n "$t" ] || lab_fail "lab-birdwatch did not see $x leave"
	figure remove_to_withdrawn "$(( (t - t0) / 1000 ))" ms
	never_left a b "$t0"
	cp "$d/named.conf.good" "$d/named.conf"
	lab_rndc "$x" reconfig || lab_fail "rndc reconfig on $x"
	lab_must 10 "$x to serve $z again" lab_zone_serial_is "$x" "$z" 1
	expect_zones "$x" fresh 1 $(( 2 * IV_MS / 1000 + 8 ))
	expect_routes "a b c" 15
}
lab_status_for() {	# lab_status_for NODE ZONE RCODE
	lab_node_dig "$1" +norec @127.0.0.1 "$2" SOA 2>/dev/null | grep -q "status: $3,"
}

s5() {
	fresh_up
	local t0 n l
	lab_primary_set_serial 10
	lab_primary_converged 10
	for n in a b c; do
		expect_zones "$n" fresh 10 $(( 2 * IV_MS / 1000 + 8 ))
	done
	lab_log_marks
	lab_primary_restore 5
	t0=$LAB_BUMP_US
	ok "the primary restored from a backup at serial 5 (named restarted, journals gone)"
	for n in a b c; do
		l=$(lab_expect_log "$n" 'freshness: primary behind: ' $(( 2 * IV_MS / 1000 + 8 )))
		figure "behind_logged_$n" "$(ms_since "$t0")" ms
	done
	lab_nodes_serial_is 10 || lab_fail "a node went back to the primary's lower serial"
	ok "every node keeps serial 10 (the primary has 5)"
	sleep_until $(( t0 + (LAG_MS + 2 * IV_MS) * 1000 ))
	for n in a b c; do
		lab_expect_no_log "$n" 'withdrawn|zones? stale'
		expect_metric "$n" 'anycastd_zones{state="stale"}' 0 1
		zone_state_is "$n" "$LAB_ZONE" stale && lab_fail "$n: $(zone_line "$n" "$LAB_ZONE")"
	done
	ok "a: $(zone_line a "$LAB_ZONE")"
	never_left a b c "$t0"
	expect_routes "a b c" 1
	positive_control c
}

case $SCN in
1) s1 ;;
2|2k) s2 ;;
3) s3 ;;
4) s4 ;;
5) s5 ;;
esac
lab_say "PASS: fresh scenario $SCN ($(lab_ts) s)"
