#!/bin/bash
# The fleet with real BIRD, without anycastd: fleet.sh 4|6
#
# Three nodes in fleet mode (lab.sh, LAB_FLEET=1): BIRD built from
# docs/bird/anycast-node.conf, anycast0 and anycast0-gs, an iBGP full mesh
# carrying each node's health community.  The lab sets the links itself, as
# anycastd would, and shows what BIRD does with them:
#   (a) 3 nodes announced: the upstream has 3 plain paths; every node's
#       fleet table has both peers with (65010,1).
#   (b) a degraded (anycast0-gs up, then anycast0 down): the upstream still
#       has 3 paths, a's with (65535,0) and the prepend, and never lost a's
#       path on the way (lab-birdwatch, and the upstream's route log); the
#       peers see a with (65010,0).
#   (c) a withdrawn (anycast0-gs down too): the upstream has 2 paths, the
#       peers have no route from a.  This is also the positive control: the
#       same watcher must see a's path go.
# It prints the time from anycast0 down to the degraded path at the upstream
# and to the peers' fleet tables ("RESULT" line); anycastd's [fleet] confirm
# must exceed the latter plus its BIRD poll interval.
# 'A && B || lab_fail' is meant: fail unless both hold.
# shellcheck disable=SC2015
set -u
LAB_HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$LAB_HERE/lab.sh"

[ $# -eq 1 ] && { [ "$1" = 4 ] || [ "$1" = 6 ]; } || { echo "usage: $0 4|6" >&2; exit 2; }
FAM=$1
PFX=$(lab_pfx "$FAM")
PREPEND=${LAB_GS_PREPEND:-2}
AS=$LAB_NODE_AS
GS_PATH=$AS
for _ in $(seq "$PREPEND"); do GS_PATH="$GS_PATH,$AS"; done

ok() { lab_say "ok: $*"; }

paths() { lab_upstream_paths "$FAM"; }
npaths() { paths | wc -l; }
path_of() { paths | awk -v n="$1" '{ p = $1; sub(/\*$/, "", p) } p == n'; }
path_is() {	# path_is NODE AS_PATH COMMUNITY
	path_of "$1" | grep -q " as_path=$2 community=$3\$"
}
show_paths() { paths | sed 's/^/    upstream: /'; }
show_fleet() {
	local n
	for n in $(lab_node_names); do
		lab_fleet_table "$n" "$FAM" | sed "s/^/    $n fleet$FAM: /"
	done
}
peers_see() {	# peers_see HEALTH: b and c see a with HEALTH ("" = no route)
	lab_fleet_health_is b "$FAM" a "$1" && lab_fleet_health_is c "$FAM" a "$1"
}

export LAB_FLEET=1 LAB_NO_ANYCASTD=1 LAB_NODES=3
lab_up

# ---- (a) announced
lab_say "(a) every node announced"
show_paths
show_fleet
[ "$(npaths)" = 3 ] || lab_fail "upstream has $(npaths) paths for $PFX, expected 3"
for n in a b c; do
	path_is "$n" "$AS" - || lab_fail "upstream's path from $n is not plain: '$(path_of "$n")'"
done
ok "upstream has 3 plain paths (as_path $AS, no community)"
for n in a b c; do
	for m in a b c; do
		[ "$m" = "$n" ] && continue
		lab_fleet_health_is "$n" "$FAM" "$m" 1 ||
		    lab_fail "$n's fleet$FAM: $m has health '$(lab_fleet_health "$n" "$FAM" "$m")', expected 1"
	done
	[ "$(lab_fleet_table "$n" "$FAM" | grep -c '^fleet_')" = 2 ] ||
	    lab_fail "$n's fleet$FAM does not hold exactly 2 peer routes"
done
ok "every node's fleet$FAM has its 2 peers with ($AS,1)"

# ---- (b) degraded
lab_say "(b) a degraded: anycast0-gs up, then anycast0 down"
lab_watch_start "$FAM"
lab_fleet_watch_start b "$FAM"
lab_fleet_watch_start c "$FAM"
up_log_from=$(( $(wc -l <"$LAB_RUN/up/bird.log") + 1 ))
lab_gs_up a
lab_must 5 "a's BIRD to have the anycast_gs route" \
    sh -c "birdc -s '$LAB_RUN/a/bird.ctl' show route '$PFX' protocol anycast_gs | grep -q unicast"
sleep 0.3
path_is a "$AS" - || lab_fail "anycast0-gs up alone changed a's path: '$(path_of a)'"
lab_fleet_health_is b "$FAM" a 1 || lab_fail "anycast0-gs up alone changed a's health at b"
ok "anycast0-gs up while anycast0 is up changes nothing (upstream path plain, peers see 1)"

t_down=$(lab_now_us)
lab_link_down a
lab_must 10 "upstream's path from a to be degraded" path_is a "$GS_PATH" "(65535,0)"
lab_must 10 "b and c to see a with ($AS,0)" peers_see 0
sleep 0.3
t_end=$(lab_now_us)
show_paths
show_fleet
[ "$(npaths)" = 3 ] || lab_fail "upstream has $(npaths) paths while a is degraded, expected 3"
ok "upstream has 3 paths; a's: as_path $GS_PATH, community (65535,0)"
ok "b and c see a with ($AS,0)"

gone=$(lab_watch_gone a "$FAM" "$t_down")
[ -z "$gone" ] || lab_fail "the upstream lost a's path during the degrade (at +$(lab_ms $(( gone - t_down )))ms)"
min=$(lab_watch_paths_min "$FAM" "$t_down" "$t_end")
t_up=$(awk -v after="$t_down" '$1 == "change" && $2 >= after { print $2; exit }' "$LAB_RUN/birdwatch.$FAM.out")
[ -n "$t_up" ] || lab_fail "lab-birdwatch saw no change of a's route at the degrade"
[ "$min" = 3 ] || lab_fail "the upstream had $min paths at some point during the degrade"
ok "lab-birdwatch (1 ms polls): never fewer than 3 paths, a's replaced in place"
# Event-based: every import or withdrawal at the upstream is logged.
removed=$(tail -n +"$up_log_from" "$LAB_RUN/up/bird.log" | grep -E "na$FAM.* (removed|filtered out)" || true)
[ -z "$removed" ] || lab_fail "the upstream's log shows a withdrawal from a: $removed"
tail -n +"$up_log_from" "$LAB_RUN/up/bird.log" | grep -E "na$FAM" | sed 's/^/    upstream log: /'
ok "the upstream's route log shows no withdrawal from a, only a replace"
t_b=$(lab_fleet_watch_first b "$FAM" "$t_down")
t_c=$(lab_fleet_watch_first c "$FAM" "$t_down")
[ -n "$t_b" ] && [ -n "$t_c" ] || lab_fail "the fleet watchers saw no change at b or c"
# The peers never saw a withdrawn either: a's route was replaced in place.
for m in b c; do
	lost=$(awk -v after="$t_down" -v before="$t_end" -v p="fleet_a$FAM" '
	    $1 == "change" && $2 >= after && $2 < before && index($NF, p "@") == 0 &&
	    index($NF, p "*@") == 0 { print $2; exit }' "$LAB_RUN/fleetwatch.$m.$FAM.out")
	[ -z "$lost" ] || lab_fail "$m's fleet$FAM lost a's route during the degrade"
done
ok "b's and c's fleet$FAM never lost a's route during the degrade (1 ms polls)"

# ---- (c) withdrawn: also the positive control of (b)'s watcher
lab_say "(c) a withdrawn: anycast0-gs down too"
t_gs=$(lab_now_us)
lab_gs_down a
lab_must 10 "upstream to have 2 paths" test "$(npaths)" = 2
lab_must 10 "b and c to have no route from a" peers_see ""
show_paths
show_fleet
path_of a | grep -q . && lab_fail "upstream still has a path from a"
ok "upstream has 2 paths (b, c); b and c have no route from a"
sleep 0.2
gone=$(lab_watch_gone a "$FAM" "$t_gs")
[ -n "$gone" ] || lab_fail "positive control: lab-birdwatch did not see a's path go"
min=$(lab_watch_paths_min "$FAM" "$t_gs")
[ "$min" = 2 ] || lab_fail "positive control: fewest paths seen after the withdrawal is '$min', expected 2"
tail -n +"$up_log_from" "$LAB_RUN/up/bird.log" | grep -Eq "na$FAM.* removed" ||
    lab_fail "positive control: the upstream's log shows no withdrawal from a"
ok "positive control: the watcher saw a's path go (+$(lab_ms $(( gone - t_gs )))ms) and the log a withdrawal"
t_cb=$(lab_fleet_watch_first b "$FAM" "$t_gs")
[ -n "$(awk -v after="$t_gs" -v p="fleet_a$FAM" '$1 == "change" && $2 >= after &&
    index($NF, p) == 0 { print $2; exit }' "$LAB_RUN/fleetwatch.b.$FAM.out")" ] ||
    lab_fail "positive control: b's fleet watcher did not see a's route go"
lab_watch_stop "$FAM"
lab_fleet_watch_stop b "$FAM"
lab_fleet_watch_stop c "$FAM"

# ---- back to announced
lab_link_up a
lab_must 10 "upstream's path from a to be plain again" path_is a "$AS" -
lab_must 10 "b and c to see a with ($AS,1)" peers_see 1
ok "a announced again: plain path upstream, ($AS,1) at b and c"

lab_say "RESULT family=ipv$FAM degrade_to_upstream_ms=$(lab_ms $(( t_up - t_down )))" \
    "degrade_to_fleet_b_ms=$(lab_ms $(( t_b - t_down ))) degrade_to_fleet_c_ms=$(lab_ms $(( t_c - t_down )))" \
    "withdraw_to_upstream_ms=$(lab_ms $(( gone - t_gs ))) withdraw_to_fleet_b_ms=$(lab_ms $(( ${t_cb:-$t_gs} - t_gs )))" \
    "(watchers poll every 1 ms)"
lab_say "PASS fleet_bird v$FAM"
