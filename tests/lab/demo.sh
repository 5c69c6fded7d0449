#!/bin/bash
# anycastd in one command: sudo bash tests/lab/demo.sh
#
# On a Debian 12 machine, as root, from a clone of the repository: installs
# what is missing (apt-get), builds anycastd into ./build, brings up the
# anycast lab (tests/lab/lab.sh: an upstream BGP router, two DNS nodes with
# BIRD, BIND and anycastd, and a client, each in its own network namespace),
# then kills the DNS server on the node the client uses and prints, with
# timestamps, how anycast fails over and comes back.  Everything it starts
# is torn down at the end; it exits 0 only if the whole story happened.
#
# Nothing touches the host's network: all addresses live in the lab's
# namespaces.  Environment: DEMO_BUILD_DIR (default ./build); DEMO_KEEP=1
# keeps the lab up at the end, until Enter, to explore it with birdc and dig.
# 'A && B || fail' is meant: fail unless both hold.
# shellcheck disable=SC2015
set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${DEMO_BUILD_DIR:-$REPO/build}
DEMO_T0=${EPOCHREALTIME/./}

if [ "$(id -u)" != 0 ]; then
	echo "The demo creates network namespaces and runs BGP and DNS daemons: run it as root," >&2
	echo "  sudo bash tests/lab/demo.sh" >&2
	exit 1
fi

if [ -t 1 ]; then
	B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'
else
	B='' D='' G='' R='' N=''
fi

say() { printf '%s\n' "$*"; }
header() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
indent() { sed 's/^/      /'; }

# ------------------------------------------------------------ install

header "1/4  Installing what is missing"
PKGS=(bird2 bind9 bind9-utils bind9-dnsutils iproute2 cmake make gcc libc6-dev
    pkg-config libmnl-dev libc-ares-dev libinih-dev libsystemd-dev gnuplot-nox)
missing=()
for p in "${PKGS[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] ||
	    missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	say "All packages are present: ${PKGS[*]}"
else
	say "apt-get install ${missing[*]}"
	if ! { apt-get update -qq &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "${missing[@]}"; } >/tmp/anycastd-demo-apt.log 2>&1; then
		tail -n 20 /tmp/anycastd-demo-apt.log >&2
		say "${R}apt-get failed; see /tmp/anycastd-demo-apt.log${N}" >&2
		exit 1
	fi
	say "Installed. (On a systemd machine Debian starts bind9's and bird's own services;"
	say " the demo does not use them: it runs its own copies inside namespaces.)"
fi

# ------------------------------------------------------------ build

header "2/4  Building anycastd"
blog=$(mktemp /tmp/anycastd-demo-build.XXXX)
if ! { cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
    cmake --build "$BUILD" -j"$(nproc)" --target anycastd lab-dnsloop lab-birdwatch; } \
    >"$blog" 2>&1; then
	tail -n 30 "$blog" >&2
	say "${R}The build failed; full log: $blog${N}" >&2
	exit 1
fi
rm -f "$blog"
say "Built $BUILD/agent/anycastd ($("$BUILD/agent/anycastd" --version 2>/dev/null))"

# ------------------------------------------------------------ the lab

export ANYCASTD=$BUILD/agent/anycastd
export LAB_TOOLS_DIR=$BUILD/tests/lab
export LAB_QUIET=1
LAB_NODES=2
# shellcheck source=tests/lab/lab.sh
. "$REPO/tests/lab/lab.sh"

header "3/4  The anycast lab"
lab_up

cat <<EOF

  What runs now, each box a network namespace of its own:

                         client  (asks whoami.example.test TXT
                           |      at 198.51.100.1 and 2001:db8:abcd::1)
                           |
                        upstream   a BGP router (BIRD, AS 64496): it learns
                        /      \\   the anycast prefixes from both nodes and
                       /        \\  forwards to the best one (a, then b)
                  node a        node b
     BIRD (AS 65010) announces 198.51.100.0/24 and 2001:db8:abcd::/48
       while the interface anycast0 that carries them is up;
     BIND serves example.test (a is the primary, b a TSIG-secured
       secondary) and whoami.example.test, which names the node;
     anycastd asks BIND a real DNS question (example.test SOA at
       127.0.0.1) every ${LAB_INTERVAL:-200ms}, and sets anycast0 down after
       ${LAB_FALL:-3} failed cycles, up after ${LAB_RISE:-2} good ones
       (and no sooner than hold_down ${LAB_HOLD_DOWN:-1s} after a withdrawal).

  anycast0 is a '$LAB_ANYCAST_KIND' interface here. Logs and sockets: $LAB_RUN

EOF

# Background witnesses, all with exact timestamps: the link on node a, the
# upstream's routes, and a client asking every 5 ms.
lab_spawn tool-ipmon-a a "$LAB_RUN/a/ip-monitor.log" ip -ts monitor link
lab_watch_start 4 1000
lab_watch_start 6 1000

# clock US -> "HH:MM:SS.mmm"
clock() {
	local us=$1
	printf '%s.%03d' "$(date -d "@$((us / 1000000))" +%H:%M:%S)" $(((us / 1000) % 1000))
}
# event US TEXT: a timeline line.
event() {
	local us=$1
	shift
	printf '\n%s%s%s  %s\n' "$B" "$(clock "$us")" "$N" "$*"
}
since() {	# since US_LATER US_EARLIER -> "+123.4 ms"
	printf '+%s ms' "$(lab_ms $(($1 - $2)))"
}
story_fail() {
	printf '\n%sThe story did not happen: %s%s\n' "$R" "$*" "$N" >&2
	lab_fail "$*"
}
upstream_view() {	# the upstream's routes, as birdc shows them
	local fam
	for fam in 4 6; do
		lab_bird_cmd up show route "$(lab_pfx "$fam")" | grep -v -e '^BIRD ' -e '^$'
	done | indent
}
# link_event_us up|down AFTER_US: when ip monitor saw anycast0 go up/down.
link_event_us() {
	local want=$1 after=$2 line ts us flags
	while IFS= read -r line; do
		case $line in *' anycast0: '*) ;; *) continue ;; esac
		ts=${line#[}
		ts=${ts%%]*}
		us=$(date -d "${ts/T/ }" +%s%6N) || continue
		[ "$us" -ge "$after" ] || continue
		flags=${line#*anycast0: <}
		flags=${flags%%>*}
		case ",$flags," in
		*,UP,*) [ "$want" = up ] && { echo "$us"; return; } ;;
		*) [ "$want" = down ] && { echo "$us"; return; } ;;
		esac
	done <"$LAB_RUN/a/ip-monitor.log"
}

say "${B}The story${N} ${D}(times are this machine's clock)${N}"

# 1. both nodes announce
lab_routes_are 4 "a b" && lab_routes_are 6 "a b" || story_fail "the upstream does not have both nodes' routes"
event "$(lab_now_us)" "1. Both nodes announce. The upstream router's BIRD (birdc show route):"
upstream_view
say "      ${D}[na4 ...]/[na6 ...] came over the BGP sessions to node a, [nb4 ...]/[nb6 ...] from b;"
say "      '*' marks the route in use: a's, because the upstream gives it BGP LOCAL_PREF 300 and b's 200"
say "      (the '(100)' is BIRD's own route preference; 'birdc show route all' shows BGP.local_pref).${N}"

# 2. client answered by a
w4=$(lab_whoami 4) w6=$(lab_whoami 6)
[ "$w4" = a ] && [ "$w6" = a ] || story_fail "the client is answered by '$w4'/'$w6', not node a"
event "$(lab_now_us)" "2. The client asks who answers: dig @198.51.100.1 whoami.example.test TXT -> \"node-a\""
say "      (and over IPv6, @2001:db8:abcd::1 -> \"node-a\"). From now on it asks every 5 ms, on both."
lab_client_start 4 5000
LAB_CLIENT_OUT4=$LAB_CLIENT_OUT
lab_spawn tool-dnsloop-6 cl "$LAB_RUN/dnsloop.6.out" "$LAB_DNSLOOP" -s "$LAB_ANY6" \
    -q "$LAB_WHOAMI" -i 5000 -w 1000
sleep 1

# 3. kill named on a
lab_log_mark a
t_kill=$(lab_now_us)
lab_named_kill a KILL
event "$t_kill" "3. ${R}kill -9${N} the DNS server (named) on node a."
say "      Node a's BGP session and BIRD are fine, so BGP alone would keep sending clients"
say "      to a DNS server that no longer exists."

# 4. anycastd withdraws
line=$(lab_log_wait a 'withdrawn:' 10) || story_fail "anycastd on a did not withdraw"
t_down=$(link_event_us down "$t_kill")
[ -n "$t_down" ] || story_fail "anycast0 on a never went down"
event "$t_down" "4. anycastd on node a withdraws ($(since "$t_down" "$t_kill")). Its log says:"
say "      ${G}${line}${N}"
say "      It set anycast0 administratively down over netlink; BIRD's 'direct' protocol saw the"
say "      prefixes go, and BIRD sent BGP withdrawals to the upstream."

# 5. upstream loses a's route
lab_wait 10 "upstream to lose a's routes" eval 'lab_routes_are 4 b && lab_routes_are 6 b' ||
    story_fail "the upstream still has a's route"
t_gone=$(lab_watch_gone a 4 "$t_kill")
t_gone6=$(lab_watch_gone a 6 "$t_kill")
[ -n "$t_gone" ] && [ -n "$t_gone6" ] || story_fail "the route watcher missed the withdrawal"
event "$t_gone" "5. The upstream has lost node a's routes ($(since "$t_gone" "$t_kill"); IPv6 $(since "$t_gone6" "$t_kill")). It now has:"
upstream_view

# 6. client answered by b
lab_wait 10 "client answered by b" eval 'lab_whoami_is 4 b && lab_whoami_is 6 b' ||
    story_fail "the client is not answered by node b"
sleep 0.3
# Stop both clients at the same moment, so their counts compare.
kill -s TERM "$(lab_pid tool-dnsloop-4)" "$(lab_pid tool-dnsloop-6)"
lab_client_stop 4
lab_stop tool-dnsloop-6 TERM 10
c4=$LAB_CLIENT_OUT4 c6=$LAB_RUN/dnsloop.6.out
first_b=$(lab_kv "$c4" switch first_new_us 'from=node-a to=node-b')
out4=$(lab_kv "$c4" switch outage_us 'from=node-a to=node-b')
out6=$(lab_kv "$c6" switch outage_us 'from=node-a to=node-b')
[ -n "$first_b" ] && [ -n "$out4" ] && [ -n "$out6" ] ||
    story_fail "the client never moved from a to b: $(cat "$c4" "$c6")"
lost4=$(lab_kv "$c4" summary lost) sent4=$(lab_kv "$c4" summary sent)
lost6=$(lab_kv "$c6" summary lost) sent6=$(lab_kv "$c6" summary sent)
event "$first_b" "6. The client is answered by ${G}node b${N} ($(since "$first_b" "$t_kill")): dig ... -> \"node-b\""
say "      ${B}Outage seen by the client: $(lab_ms "$out4") ms${N} over IPv4, $(lab_ms "$out6") ms over IPv6"
say "      (last answer from a -> first answer from b); queries lost: $lost4 of $sent4 (IPv4), $lost6 of $sent6 (IPv6)."
say "      ${D}Almost all of it is detection: ${LAB_FALL:-3} failed probe cycles. BGP and forwarding took $(lab_ms $((t_gone - t_down))) ms.${N}"

# 7. named back, a announced again
mv "$c4" "$c4.failover"
mv "$LAB_RUN/dnsloop.4.log" "$LAB_RUN/dnsloop.4.log.failover"
lab_client_start 4 5000
sleep 0.3
lab_log_mark a
t_start=$(lab_now_us)
lab_named_start a
event "$t_start" "7. named is started again on node a."
line=$(lab_log_wait a 'announced:' 15) || story_fail "anycastd on a did not announce again"
t_up=$(link_event_us up "$t_start")
[ -n "$t_up" ] || story_fail "anycast0 on a never came back up"
event "$t_up" "   anycastd on node a announces again ($(since "$t_up" "$t_start")): ${G}${line}${N}"
say "      ${D}It announces only after ${LAB_RISE:-2} good cycles in a row, and never sooner than the hold-down"
say "      (${LAB_HOLD_DOWN:-1s}) after a withdrawal, so a server that flaps cannot drag clients back and forth.${N}"
restored=$(lab_log_grep a 'restored') && say "      ${D}Linux flushed the IPv6 address when the link went down; anycastd put it back:${N}" &&
    say "      ${G}${restored}${N}"
lab_wait 10 "upstream to have a again" eval 'lab_routes_are 4 "a b" && lab_routes_are 6 "a b"' ||
    story_fail "the upstream did not get a's routes back"
[ "$(lab_route_best 4)" = a ] && [ "$(lab_route_best 6)" = a ] || story_fail "a's route is not the best again"
t_back=$(lab_watch_back a 4 "$t_start")
event "${t_back:-$(lab_now_us)}" "   The upstream has node a's routes again, and prefers them:"
upstream_view
lab_wait 10 "client answered by a" eval 'lab_whoami_is 4 a && lab_whoami_is 6 a' ||
    story_fail "the client is not answered by node a again"
sleep 0.3
lab_client_stop 4
first_a=$(lab_kv "$LAB_CLIENT_OUT" switch first_new_us 'from=node-b to=node-a')
lost_back=$(lab_kv "$LAB_CLIENT_OUT" summary lost)
[ -n "$first_a" ] || story_fail "the client never returned to node a"
event "$first_a" "   The client is answered by ${G}node a${N} again; queries lost on the way back: $lost_back."
say "      ${D}Coming back loses nothing: b kept answering until the upstream switched.${N}"

lab_stop tool-ipmon-a
lab_watch_stop 4
lab_watch_stop 6

# The picture of it: every IPv4 query of the story on a timeline
# (tests/lab/timeline.sh), before the lab and its run directory go.
PNG=$BUILD/failover.png
{
	echo "$t_kill kill kill -9 named on a"
	echo "$t_down down anycast0 down on a (+$(lab_ms $((t_down - t_kill))) ms)"
	echo "$t_gone gone upstream lost a's route (+$(lab_ms $((t_gone - t_kill))) ms)"
	echo "$first_b answer first answer from b (+$(lab_ms $((first_b - t_kill))) ms)"
	echo "$t_start start named started again on a"
	echo "$t_up up anycast0 up on a, $(lab_ms $((t_up - t_start))) ms after named started"
	[ -z "$t_back" ] || echo "$t_back back upstream has a's route again"
	echo "$first_a answer first answer from a again"
} >"$LAB_RUN/timeline.events"
if bash "$REPO/tests/lab/timeline.sh" "$PNG" \
    "kill -9 named on node a: the client's view (IPv4, one query every 5 ms)" \
    "$LAB_RUN/timeline.events" "$LAB_RUN/dnsloop.4.log.failover" "$LAB_RUN/dnsloop.4.log" \
    2>"$LAB_RUN/timeline.err"; then
	say ""
	say "      ${B}The picture of this failover:${N} $PNG"
	say "      ${D}(each query a dot on the row of the node that answered it; the lost ones in red)${N}"
else
	say "      ${D}(no picture: $(head -n1 "$LAB_RUN/timeline.err"))${N}"
	PNG=
fi

if [ "${DEMO_KEEP:-0}" = 1 ] && [ -t 0 ]; then
	header "The lab is still up: explore it"
	say "  birdc -s $LAB_RUN/up/bird.ctl show route all        # the upstream"
	say "  birdc -s $LAB_RUN/a/bird.ctl show protocols         # node a"
	say "  ip netns exec $(lab_ns cl) dig @198.51.100.1 whoami.example.test TXT"
	say "  ip -n $(lab_ns a) link set dev anycast0 down           # anycastd puts it back at once"
	say "  cat $LAB_RUN/a/anycastd.log"
	read -r -p "  Press Enter to tear it down. " _
fi

# ------------------------------------------------------------ the fleet

# fleet_story: three nodes in fleet mode (lab.sh LAB_FLEET=1: anycast0-gs,
# an iBGP mesh, anycastd with [fleet] min_healthy 1, confirm 2s).  Run in a
# subshell with a lab of its own, torn down when the subshell exits.
# shellcheck disable=SC2016 # eval'ed conditions, expanded when run
fleet_story() {
	local t0 t_deg t_gone n line min who soa
	LAB_DOWN_DONE=0 LAB_RUN='' LAB_PID=() LAB_NS_LIST=() LAB_LOG_MARK_LINES=()
	LAB_FLEET=1 LAB_NODES=3
	lab_up
	say "  Three nodes now, each with a second interface, anycast0-gs: while a node is"
	say "  ${B}degraded${N} it announces through it with GRACEFUL_SHUTDOWN (65535,0) and a longer AS"
	say "  path, so the upstream uses it last. The nodes tell each other their health over"
	say "  iBGP, and anycastd withdraws a failing node only while at least one other stays healthy."
	lab_watch_start 4 1000

	# One node leaves.
	for n in a b c; do lab_log_mark "$n"; done
	lab_zone_break a
	t0=$LAB_BREAK_US
	event "$t0" "${B}One node leaves.${N} example.test is broken on node a: named answers SERVFAIL."
	lab_log_wait a 'degraded:' 5 >/dev/null || story_fail "a did not degrade"
	lab_wait 5 "a's path to be degraded" eval 'lab_upstream_paths 4 | grep -q "^a as_path=65010,65010,65010 community=(65535,0)"' ||
	    story_fail "the upstream did not get a's degraded path"
	t_deg=$(lab_watch_replaced a 4 "$t0")
	lab_wait 3 "the client to move to b" lab_whoami_is 4 b || story_fail "the client did not move to b"
	event "${t_deg:-$(lab_now_us)}" "   a ${B}degraded${N} ($(since "${t_deg:-$(lab_now_us)}" "$t0")): still announced, as the least preferred path; the client moved to b."
	lab_upstream_paths 4 | indent
	line=$(lab_log_wait a 'withdrawn:' 6) || story_fail "a did not withdraw after confirm"
	lab_wait 3 "2 paths" eval '[ "$(lab_upstream_paths 4 | wc -l)" = 2 ]' || story_fail "a's path did not go"
	t_gone=$(lab_watch_gone a 4 "$t0")
	event "${t_gone:-$(lab_now_us)}" "   a ${B}withdrawn${N} ($(since "${t_gone:-$(lab_now_us)}" "$t0")), b and c having stayed healthy for confirm (2 s):"
	say "      ${G}${line}${N}"
	lab_upstream_paths 4 | indent
	lab_zone_repair a
	lab_log_wait a 'announced:' 10 >/dev/null || story_fail "a did not come back"
	lab_wait 5 "3 paths" eval '[ "$(lab_upstream_paths 4 | wc -l)" = 3 ]' || story_fail "a's path did not come back"
	event "$(lab_now_us)" "   Repaired: a is announced again."

	# All fail, none leaves.
	for n in a b c; do lab_log_mark "$n"; done
	lab_zone_break a b c
	t0=$LAB_BREAK_US
	event "$t0" "${B}All fail, none leaves.${N} The same bad zone on a, b and c at once."
	for n in a b c; do
		lab_log_wait "$n" 'degraded:' 5 >/dev/null || story_fail "$n did not degrade"
	done
	for n in a b c; do
		line=$(lab_log_wait "$n" 'too few healthy peers' 5) || story_fail "$n did not see the fleet short"
	done
	event "$(lab_now_us)" "   All three degraded; each sees the others degraded too, so none withdraws:"
	say "      ${G}${line}${N}"
	sleep 3
	for n in a b c; do
		! lab_log_has "$n" 'withdrawn:' || story_fail "$n withdrew"
	done
	min=$(lab_watch_paths_min 4 "$t0")
	who=$(lab_whoami 4) || story_fail "the client got no answer"
	soa=$(lab_exec cl dig +tries=1 +time=1 @"$LAB_ANY4" "$LAB_ZONE" SOA 2>/dev/null | grep -o 'status: [A-Z]*')
	[ "$min" = 3 ] || story_fail "the upstream had $min paths"
	event "$(lab_now_us)" "   3 s later (confirm is 2 s): the upstream still has ${B}3 paths${N} (fewest seen, polling every 1 ms: $min),"
	say "      all with (65535,0); the client is still answered (whoami by node $who; example.test SOA: ${soa#status: })."
	lab_upstream_paths 4 | indent
	lab_watch_stop 4
}

lab_down
header "4/4  The fleet: one node leaves, all fail and none leaves"
( fleet_story ) || exit 1

header "Summary"
say "  kill -9 named on a -> anycastd withdrew:      $(lab_ms $((t_down - t_kill))) ms  (fall ${LAB_FALL:-3}, interval ${LAB_INTERVAL:-200ms}, fast_interval ${LAB_FAST_INTERVAL:-100ms}, timeout ${LAB_TIMEOUT:-80ms})"
say "  withdrawn -> upstream lost the route:         $(lab_ms $((t_gone - t_down))) ms"
say "  client outage (last a -> first b):            $(lab_ms "$out4") ms IPv4, $(lab_ms "$out6") ms IPv6; lost $lost4 + $lost6 queries at 200/s each"
say "  named back -> a announced (rise + hold-down): $(lab_ms $((t_up - t_start))) ms; lost on the way back: $lost_back"
say "  fleet: one broken node degrades, then leaves after confirm; when all break, all stay (3 paths)"
[ -z "$PNG" ] || say "  the failover as a picture:                    $PNG"
say ""
say "  Try it yourself: ${B}bash tests/lab/measure.sh${N} (medians over 5 runs), or the scenarios with ctest -L lab."
say "  ${G}${B}The story happened.${N} Tearing the lab down (total $(lab_ms $(( ${EPOCHREALTIME/./} - DEMO_T0 )) | cut -d. -f1) ms)."
exit 0
