# shellcheck shell=bash
# The anycast lab: a library to source from bash.
#
# It builds, inside network namespaces that exist only for this run, the
# topology an anycast DNS operator runs in production, with the real daemons:
#
#            client  (203.0.113.2, 2001:db8:0:ff::2)
#               |
#            upstream  BIRD2, AS 64496: eBGP to every node, installs the
#               |      best route into its kernel table and forwards
#        +------+------+------ ...
#        |             |
#      node a        node b        (node c, ...: LAB_NODES, default 2)
#      BIRD2 AS 65010: device + direct on anycast0 + eBGP, exports only
#                      198.51.100.0/24 and 2001:db8:abcd::/48
#      named: example.test (a: primary; b, c: TSIG secondaries of a over
#             the unicast link addresses, AXFR + NOTIFY) and its own
#             whoami.example.test (TXT "node-X": who answered)
#      anycastd: probes 127.0.0.1, sets anycast0 down/up
#      anycast0: dummy, or ifb where the kernel has no dummy driver,
#                198.51.100.1/24 and 2001:db8:abcd::1/48
#
# Addressing (documentation ranges, inside our namespaces only):
#   node i (1-based) <-> upstream: 192.0.2.(4i)/30, upstream .4i+1, node .4i+2
#                                   2001:db8:0:i::/64, upstream ::1, node ::2
#   client <-> upstream:            203.0.113.0/24 (.1 upstream, .2 client)
#                                   2001:db8:0:ff::/64 (::1, ::2)
#
# Which node does the client reach?  Every node announces the same prefix
# with the same AS path, so BGP would fall back to router-id tie-breaking.
# To make "the best path" deterministic and explainable, the upstream sets
# LOCAL_PREF per peer on import: node a 300, b 200, c 100.  So a is
# preferred, then b, then c -- like a primary site and backups.
#
# Why per-node `whoami` is its own zone: example.test is replicated by AXFR,
# so every node serves byte-identical data; a record that differs per node
# cannot live in it.  Each node therefore serves a small zone of its own,
# whoami.example.test, delegated from example.test (NS ns.example.test), with
# TXT "node-X" at its apex.  `dig whoami.example.test TXT` names the node
# that answered, and the replicated example.test stays truly replicated (the
# lab checks serials and a marker record on every node, and that a NOTIFY
# moves a new serial to the secondaries).
#
# Usage (see scenario.sh and demo.sh):
#   source tests/lab/lab.sh
#   LAB_NODES=3 lab_up          # builds everything, waits for convergence
#   lab_route_nodes 4           # -> "a b c": nodes the upstream has 198.51.100.0/24 from
#   lab_whoami 6                # -> "a": who answers the client on 2001:db8:abcd::1
#   lab_named_kill a KILL; lab_named_start a
#   lab_down                    # also runs from the EXIT trap
#
# Everything a run starts lives under one run directory (printed at start):
# per node a directory with bird.conf/.ctl/.log, named.conf/.log, zone files,
# anycastd.conf/.log/.sock, and pids/NAME.pid for every process.
#
# Tunables (environment, read by lab_up):
#   LAB_NODES (2)           number of nodes, 1..9 (a..i)
#   ANYCASTD                path to the anycastd binary (default ./build/agent/anycastd)
#   LAB_NO_ANYCASTD=1       do not run anycastd; the lab sets anycast0 up itself
#   LAB_RISE (2) LAB_FALL (3) LAB_INTERVAL (200ms) LAB_FAST_INTERVAL (100ms)
#   LAB_TIMEOUT (80ms) LAB_HOLD_DOWN (1s) LAB_ON_EXIT (keep)
#   LAB_ANYCASTD_EXTRA      extra lines appended to the [agent] section
#   LAB_ANYCASTD_CONF_HOOK  name of a function called as HOOK NODE CONFFILE
#                           after the config is written (to add sections)
#   LAB_KEEP_ADDR_ON_DOWN (0)  set net.ipv6.conf.anycast0.keep_addr_on_down
#   LAB_KEEP=1              keep the run directory even on success
#   LAB_QUIET=1             less chatter from lab_log
#   LAB_TOOLS_DIR           where lab-dnsloop and lab-birdwatch were built
#   LAB_RUN_BASE            parent of the run directory (default: /tmp, or
#                           /var/cache/bind where AppArmor confines named)
#   LAB_FLEET=1             fleet mode (off by default): every node also has
#                           anycast0-gs (same addresses, starts down), the
#                           nodes share a "fleet" bridge (192.0.2.192/26,
#                           2001:db8:0:fe::/64) for an iBGP full mesh, and
#                           each node's bird.conf is generated from
#                           docs/bird/anycast-node.conf.  See "fleet" below.
#   LAB_GS_PREPEND (2)      fleet mode: the template's @PREPEND@
#   LAB_GRACEFUL_TIME (1s) LAB_BIRD_POLL (200ms) LAB_FLEET_CONFIRM (2s)
#   LAB_FLEET_MIN_HEALTHY (1) LAB_FLEET_UNKNOWN (hold) LAB_FLEET_GUARD (1)
#                           fleet mode: anycastd's graceful link and [fleet]
#   LAB_UP_HONOR_GS (1)     fleet mode: the upstream sets LOCAL_PREF 0 on
#                           GRACEFUL_SHUTDOWN (65535,0), as RFC 8326 asks
#   LAB_PRIMARY=1           a hidden primary (off by default): namespace "pr"
#                           behind the upstream (192.0.2.130, 2001:db8:0:80::2),
#                           never announced, serves example.test and
#                           LAB_PRIMARY_ZONES to every node over TSIG (AXFR/
#                           IXFR, NOTIFY); every node is its secondary, with
#                           rndc, and anycastd gets [freshness] and a metrics
#                           file.  See "hidden primary" below.
#   LAB_PRIMARY_ZONES (fresh1.test fresh2.test fresh3.test)
#   LAB_FRESH_INTERVAL (1s) LAB_FRESH_MAX_LAG (3s) LAB_FRESH_MAX_STALE (0)
#   LAB_FRESH_TIMEOUT (500ms)  the [freshness] settings; LAB_FRESHNESS=0
#                           leaves the section out
#   LAB_KNOT_NODES          primary mode: nodes (e.g. "a") whose DNS server
#                           is knotd instead of named

LAB_SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

LAB_ZONE=example.test
LAB_WHOAMI=whoami.example.test
LAB_ANY4=198.51.100.1
LAB_ANY6=2001:db8:abcd::1
LAB_PFX4=198.51.100.0/24
LAB_PFX6=2001:db8:abcd::/48
LAB_UP_AS=64496
LAB_NODE_AS=65010

declare -gA LAB_PID=()		# name -> pid of every process we started
declare -ga LAB_NS_LIST=()	# every namespace we created
LAB_RUN=
LAB_T0=
LAB_ANYCAST_KIND=
LAB_DOWN_DONE=0
LAB_FAILED=0

# ---------------------------------------------------------------- output

lab_now_us() {
	local t=${EPOCHREALTIME/./}
	echo "$t"
}

lab_ts() {
	local now=${EPOCHREALTIME/./}
	local rel=$(( now - ${LAB_T0:-$now} ))
	printf '%d.%03d' $((rel / 1000000)) $(((rel / 1000) % 1000))
}

lab_log() {
	[ "${LAB_QUIET:-0}" = 1 ] && return 0
	printf '[lab %8ss] %s\n' "$(lab_ts)" "$*"
}

lab_say() {
	printf '[lab %8ss] %s\n' "$(lab_ts)" "$*"
}

lab_fail() {
	LAB_FAILED=1
	printf '[lab %8ss] FAIL: %s\n' "$(lab_ts)" "$*" >&2
	exit 1
}

lab_skip() {
	printf 'SKIP: %s\n' "$*"
	exit 77
}

# lab_scenario_args SCENARIOS FAMILIES ARG...: a scenario script's
# arguments, N (one of the words in SCENARIOS) and, where FAMILIES is not
# empty, the address family (one of its words; else 4).  Sets SCN, FAM and
# the family's PFX and ANY; anything else prints the usage and exits 2.
lab_scenario_args() {
	local scns=" $1 " fams=$2 want=2
	shift 2
	[ -n "$fams" ] || want=1
	if [ $# -ne "$want" ] || [[ $scns != *" $1 "* ]] ||
	    { [ -n "$fams" ] && [[ " $fams " != *" $2 "* ]]; }; then
		scns=${scns# } scns=${scns% }
		echo "usage: $0 ${scns// /|}${fams:+ ${fams// /|}}" >&2
		exit 2
	fi
	SCN=$1
	FAM=${2:-4}
	PFX=$(lab_pfx "$FAM")
	ANY=$(lab_any "$FAM")
}

# lab_measure_args [RUNS]: a measuring script's argument (RUNS, 5 unless
# given) in runs; it needs root, and exports ANYCASTD (default
# ./build/agent/anycastd).
lab_measure_args() {
	runs=${1:-5}
	[ "$runs" -ge 1 ] 2>/dev/null || { echo "usage: $0 [RUNS]" >&2; exit 2; }
	[ "$(id -u)" = 0 ] ||
	    { echo "$(basename "$0") needs root (network namespaces)" >&2; exit 77; }
	: "${ANYCASTD:=./build/agent/anycastd}"
	export ANYCASTD
}

# ---------------------------------------------------------------- naming

lab_node_names() {
	local names=(a b c d e f g h i)
	echo "${names[@]:0:$LAB_NODES}"
}

lab_node_index() {	# a -> 1
	local c=$1
	printf '%d' $(( $(printf '%d' "'$c") - 96 ))
}

lab_ns() {		# lab_ns up|cl|a|b|... -> namespace name
	echo "${LAB_PREFIX}-$1"
}

lab_node_ip4() { echo "192.0.2.$(( 4 * $(lab_node_index "$1") + 2 ))"; }
lab_up_ip4() { echo "192.0.2.$(( 4 * $(lab_node_index "$1") + 1 ))"; }
lab_node_ip6() { echo "2001:db8:0:$(lab_node_index "$1")::2"; }
lab_up_ip6() { echo "2001:db8:0:$(lab_node_index "$1")::1"; }
lab_node_pref() { echo $(( 400 - 100 * $(lab_node_index "$1") )); }

lab_any() {		# lab_any 4|6 -> anycast address
	if [ "$1" = 6 ]; then echo "$LAB_ANY6"; else echo "$LAB_ANY4"; fi
}

lab_pfx() {
	if [ "$1" = 6 ]; then echo "$LAB_PFX6"; else echo "$LAB_PFX4"; fi
}

lab_exec() {		# lab_exec NSROLE cmd...
	local role=$1
	shift
	ip netns exec "$(lab_ns "$role")" "$@"
}

# ---------------------------------------------------------------- processes

# lab_spawn NAME ROLE LOG cmd...: runs cmd in namespace ROLE in the
# background, stdout+stderr to LOG, and records its exact PID.  `ip netns
# exec` execs the command, so $! is the daemon itself, not a wrapper.
lab_spawn() {
	local name=$1 role=$2 log=$3
	shift 3
	ip netns exec "$(lab_ns "$role")" "$@" >>"$log" 2>&1 </dev/null &
	LAB_PID[$name]=$!
	echo "$!" >"$LAB_RUN/pids/$name.pid"
}

# lab_spawn_host NAME LOG cmd...: same, in the host namespace (our tools).
lab_spawn_host() {
	local name=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 </dev/null &
	LAB_PID[$name]=$!
	echo "$!" >"$LAB_RUN/pids/$name.pid"
}

lab_pid() {
	echo "${LAB_PID[$1]:-}"
}

lab_alive() {		# lab_alive NAME: the tracked process exists (zombies count as dead)
	local pid=${LAB_PID[$1]:-}
	[ -n "$pid" ] || return 1
	[ -e "/proc/$pid" ] || return 1
	local st
	st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "$st" != Z ]
}

# lab_stop NAME [SIGNAL] [TIMEOUT_S]: signals exactly the tracked PID and
# waits for it to exit; escalates to KILL after the timeout.  Forgets it.
lab_stop() {
	local name=$1 sig=${2:-TERM} tmo=${3:-5}
	local pid=${LAB_PID[$name]:-}
	[ -n "$pid" ] || return 0
	kill -s "$sig" "$pid" 2>/dev/null || true
	# KILL cannot be caught: reap the child at once.  Left to the polling
	# below, bash would reap it during a `sleep` and print a job message
	# ("line N: PID Killed  ip netns exec ...") in the middle of the story.
	[ "$sig" != KILL ] || wait "$pid" 2>/dev/null || true
	# A stopped process does not act on TERM until continued.
	[ "$sig" = KILL ] || kill -s CONT "$pid" 2>/dev/null || true
	local deadline=$(( $(lab_now_us) + tmo * 1000000 ))
	while lab_alive "$name"; do
		if [ "$(lab_now_us)" -gt "$deadline" ]; then
			lab_say "$name (pid $pid) ignored SIG$sig for ${tmo}s, sending KILL"
			kill -s KILL "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			deadline=$(( $(lab_now_us) + 5000000 ))
		fi
		sleep 0.01
	done
	wait "$pid" 2>/dev/null || true
	unset 'LAB_PID[$name]'
	rm -f "$LAB_RUN/pids/$name.pid"
}

# ---------------------------------------------------------------- waiting

# lab_wait SECONDS DESCRIPTION cmd...: polls cmd every 20 ms until it
# succeeds; returns 1 (after saying what it waited for) on timeout.
lab_wait() {
	local secs=$1 desc=$2
	shift 2
	local deadline=$(( $(lab_now_us) + ${secs%.*} * 1000000 ))
	while :; do
		if "$@"; then
			return 0
		fi
		if [ "$(lab_now_us)" -gt "$deadline" ]; then
			lab_say "timed out after ${secs}s waiting for: $desc"
			return 1
		fi
		sleep 0.02
	done
}

lab_must() {		# lab_must SECONDS DESCRIPTION cmd...: lab_wait or fail
	lab_wait "$@" || lab_fail "$2"
}

# ---------------------------------------------------------------- views

# lab_bird_cmd ROLE COMMAND...: birdc against that namespace's BIRD socket.
# birdc runs in the host namespace: the control socket is a file.
lab_bird_cmd() {
	local role=$1
	shift
	birdc -s "$LAB_RUN/$role/bird.ctl" "$@"
}

# lab_route_nodes 4|6: the nodes (sorted, space-separated) from which the
# upstream currently has the anycast prefix, read from its BIRD.  birdc
# exits 0 even when there is no route, so the output is parsed.
lab_route_nodes() {
	lab_bird_cmd up show route "$(lab_pfx "$1")" 2>/dev/null |
	    sed -n 's/.*unicast \[n\([a-i]\)[46] .*/\1/p' | sort | tr '\n' ' ' |
	    sed 's/ $//'
}

# lab_route_best 4|6: the node whose route the upstream prefers ("" if none).
lab_route_best() {
	lab_bird_cmd up show route "$(lab_pfx "$1")" 2>/dev/null |
	    sed -n 's/.*unicast \[n\([a-i]\)[46] [^]]*\] \* .*/\1/p' | head -n1
}

# lab_route_lines 4|6: the upstream's `show route` lines, for humans.
lab_route_lines() {
	lab_bird_cmd up show route "$(lab_pfx "$1")" all 2>/dev/null |
	    grep -v -e '^BIRD ' -e '^$'
}

# lab_fib_node 4|6: the node the upstream's kernel forwards the prefix to.
lab_fib_node() {
	local fam=$1 via n
	via=$(ip -n "$(lab_ns up)" -"$fam" route get "$(lab_any "$fam")" 2>/dev/null |
	    sed -n 's/.* via \([^ ]*\) .*/\1/p')
	[ -n "$via" ] || return 0
	for n in $(lab_node_names); do
		if [ "$via" = "$(lab_node_ip"$fam" "$n")" ]; then
			echo "$n"
			return 0
		fi
	done
}

# lab_whoami 4|6 [TIMEOUT_S]: asks, from the client, whoami.example.test TXT
# at the anycast address; prints the node letter, or nothing if no answer.
lab_whoami() {
	local fam=$1 tmo=${2:-1} out
	out=$(lab_exec cl dig -"$fam" +short +tries=1 +time="$tmo" \
	    @"$(lab_any "$fam")" "$LAB_WHOAMI" TXT 2>/dev/null)
	case $out in
	'"node-'?'"') echo "${out:6:1}" ;;
	*) return 1 ;;
	esac
}

# lab_node_dig NODE ARGS...: dig run inside a node (e.g. at 127.0.0.1).
lab_node_dig() {
	local n=$1
	shift
	lab_exec "$n" dig +tries=1 +time=1 "$@"
}

lab_serial() {		# lab_serial NODE: example.test serial seen at NODE's 127.0.0.1
	lab_node_dig "$1" +short @127.0.0.1 "$LAB_ZONE" SOA 2>/dev/null |
	    awk 'NF == 7 { print $3 }'
}

lab_link_state() {	# lab_link_state NODE -> UP / DOWN
	if ip -n "$(lab_ns "$1")" link show anycast0 2>/dev/null |
	    head -n1 | grep -q '<[^>]*\bUP\b'; then
		echo UP
	else
		echo DOWN
	fi
}

# Predicates for lab_wait.
lab_routes_are() {	# lab_routes_are 4|6 "a b"
	[ "$(lab_route_nodes "$1")" = "$2" ]
}
lab_whoami_is() {	# lab_whoami_is 4|6 a
	[ "$(lab_whoami "$1" 1)" = "$2" ]
}
lab_no_answer() {	# the client gets no answer at all
	! lab_whoami "$1" 1 >/dev/null
}
lab_serial_is() {
	[ "$(lab_serial "$1")" = "$2" ]
}
lab_bgp_established() {	# every upstream session to every node is up
	local n out
	out=$(lab_bird_cmd up show protocols 2>/dev/null) || return 1
	for n in $(lab_node_names); do
		echo "$out" | grep -Eq "^n${n}4 .*Established" || return 1
		echo "$out" | grep -Eq "^n${n}6 .*Established" || return 1
	done
}
lab_named_answers() {	# lab_named_answers NODE: SOA at 127.0.0.1 answers NOERROR
	lab_node_dig "$1" @127.0.0.1 "$LAB_ZONE" SOA 2>/dev/null |
	    grep -q 'status: NOERROR'
}

# lab_log_wait NODE REGEX SECONDS: waits until anycastd's log on NODE has a
# new line matching REGEX (after the mark set by lab_log_mark), prints it.
lab_log_mark() {
	LAB_LOG_MARK_LINES[$1]=$(wc -l <"$LAB_RUN/$1/anycastd.log")
}
declare -gA LAB_LOG_MARK_LINES=()
lab_log_grep() {
	local n=$1 re=$2 from=$(( ${LAB_LOG_MARK_LINES[$1]:-0} + 1 ))
	tail -n +"$from" "$LAB_RUN/$n/anycastd.log" | grep -E -m1 "$re"
}
lab_log_has() {
	lab_log_grep "$1" "$2" >/dev/null
}
lab_log_wait() {
	local n=$1 re=$2 secs=$3
	lab_wait "$secs" "anycastd log on $n to match /$re/" \
	    lab_log_has "$n" "$re" || return 1
	lab_log_grep "$n" "$re"
}
# lab_log_marks: lab_log_mark on every node.
lab_log_marks() {
	local n
	for n in $(lab_node_names); do lab_log_mark "$n"; done
}
# lab_expect_log NODE REGEX [SECS]: the first line since the mark matching
# REGEX, waited for up to SECS (10), printed; said on stderr; else a failure.
lab_expect_log() {
	local l
	l=$(lab_log_wait "$1" "$2" "${3:-10}") || lab_fail "anycastd on $1 did not log /$2/"
	lab_say "ok: $1 logged: $l" >&2
	echo "$l"
}
# lab_expect_no_log NODE REGEX: a failure if a line since the mark matches.
lab_expect_no_log() {
	local l
	l=$(lab_log_grep "$1" "$2") && lab_fail "anycastd on $1 logged: $l"
	return 0
}

# ---------------------------------------------------------------- watchers

# lab_watch_start 4|6 [INTERVAL_US]: lab-birdwatch on the upstream's control
# socket, recording every change of its routes for the anycast prefix.
lab_watch_start() {
	local fam=$1 iv=${2:-1000}
	LAB_WATCH_OUT=$LAB_RUN/birdwatch.$fam.out
	lab_spawn_host "tool-birdwatch-$fam" "$LAB_WATCH_OUT" \
	    "$LAB_BIRDWATCH" -s "$LAB_RUN/up/bird.ctl" -n "$(lab_pfx "$fam")" -i "$iv"
	lab_must 5 "lab-birdwatch to read the upstream's routes" \
	    grep -q '^change ' "$LAB_WATCH_OUT"
}

lab_watch_stop() {	# lab_watch_stop 4|6: stops it; its summary is in the file
	lab_stop "tool-birdwatch-$1" TERM 5
}

# lab_watch_gone NODE 4|6 AFTER_US: time (us) of the first change after
# AFTER_US at which the upstream had no route from NODE; empty if none.
lab_watch_gone() {
	local n=$1 fam=$2 after=$3
	awk -v after="$after" -v p="n$n$fam" '
	    $1 == "change" && $2 >= after {
		found = 0
		k = split($4, r, ",")
		for (i = 1; i <= k; i++) {
			split(r[i], f, "@"); sub(/\*$/, "", f[1])
			if (f[1] == p) found = 1
		}
		if (!found) { print $2; exit }
	    }' "$LAB_RUN/birdwatch.$fam.out"
}

# lab_watch_back NODE 4|6 AFTER_US: first change after AFTER_US with NODE.
lab_watch_back() {
	local n=$1 fam=$2 after=$3
	awk -v after="$after" -v p="n$n$fam" '
	    $1 == "change" && $2 >= after {
		k = split($4, r, ",")
		for (i = 1; i <= k; i++) {
			split(r[i], f, "@"); sub(/\*$/, "", f[1])
			if (f[1] == p) { print $2; exit }
		}
	    }' "$LAB_RUN/birdwatch.$fam.out"
}

# lab_client_start 4|6 [INTERVAL_US]: lab-dnsloop in the client namespace,
# asking whoami.example.test TXT at the anycast address every 5 ms.
lab_client_start() {
	local fam=$1 iv=${2:-5000}
	LAB_CLIENT_OUT=$LAB_RUN/dnsloop.$fam.out
	lab_spawn "tool-dnsloop-$fam" cl "$LAB_CLIENT_OUT" \
	    "$LAB_DNSLOOP" -s "$(lab_any "$fam")" -q "$LAB_WHOAMI" -i "$iv" \
	    -w 1000 -l "$LAB_RUN/dnsloop.$fam.log"
}

lab_client_stop() {	# lab_client_stop 4|6: stops it and waits for its report
	lab_stop "tool-dnsloop-$1" TERM 10
	grep -q '^summary ' "$LAB_RUN/dnsloop.$1.out" ||
	    lab_fail "lab-dnsloop wrote no summary"
}

# lab_kv FILE LINE-TYPE KEY [FILTER-REGEX]: a key=value from the tools'
# report lines, e.g. lab_kv dnsloop.4.out summary lost.
lab_kv() {
	local file=$1 type=$2 key=$3 filt=${4:-.}
	awk -v t="$type" -v k="$key" -v f="$filt" '
	    $1 == t && $0 ~ f {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == k) { print substr($i, length(k) + 2); exit }
		}
	    }' "$file"
}

lab_ms() {		# lab_ms MICROSECONDS -> "123.4"
	local us=$1
	[ -n "$us" ] || { echo "?"; return; }
	local sign=
	if [ "$us" -lt 0 ]; then sign=-; us=$(( -us )); fi
	printf '%s%d.%d' "$sign" $((us / 1000)) $(((us % 1000) / 100))
}

# ---------------------------------------------------------------- requirements

lab_find_anycastd() {
	if [ "${LAB_NO_ANYCASTD:-0}" = 1 ]; then
		return 0
	fi
	: "${ANYCASTD:=./build/agent/anycastd}"
	[ -x "$ANYCASTD" ] || lab_fail "anycastd binary not found at $ANYCASTD (build it, or set ANYCASTD=)"
	ANYCASTD=$(readlink -f "$ANYCASTD")
}

# The helper tools, built by CMake next to this file's build dir; compiled
# here with cc if this is a run without a build tree.
lab_find_tools() {
	local t
	for t in dnsloop birdwatch; do
		local var="LAB_${t^^}"
		if [ -n "${LAB_TOOLS_DIR:-}" ] && [ -x "$LAB_TOOLS_DIR/lab-$t" ]; then
			printf -v "$var" '%s' "$LAB_TOOLS_DIR/lab-$t"
		elif [ -x "./build/tests/lab/lab-$t" ]; then
			printf -v "$var" '%s' "$(readlink -f "./build/tests/lab/lab-$t")"
		else
			cc -std=c17 -O2 -Wall -Wextra -D_GNU_SOURCE -o "$LAB_RUN/lab-$t" \
			    "$LAB_SRC_DIR/$t.c" || lab_fail "cannot compile $LAB_SRC_DIR/$t.c"
			printf -v "$var" '%s' "$LAB_RUN/lab-$t"
		fi
	done
}

lab_require() {
	[ "$(id -u)" = 0 ] || lab_skip "the lab needs root (network namespaces, CAP_NET_ADMIN)"
	local c missing=
	for c in ip bird birdc named dig tsig-keygen named-checkconf awk sed \
	    $([ "${LAB_PRIMARY:-0}" != 1 ] || echo rndc) \
	    $([ -z "${LAB_KNOT_NODES:-}" ] || echo knotd knotc); do
		command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
	done
	[ -z "$missing" ] || lab_fail "missing commands:$missing (apt-get install bird2 bind9 bind9-dnsutils iproute2)"
	local probe="anycastd-lab-probe-$$"
	ip netns add "$probe" 2>/dev/null ||
	    lab_skip "this machine cannot create network namespaces (ip netns add failed)"
	ip netns del "$probe"
}

# ---------------------------------------------------------------- config writers

lab_write_upstream_bird() {
	local f=$LAB_RUN/up/bird.conf n
	{
		cat <<-EOF
		# upstream router, AS $LAB_UP_AS (generated by tests/lab/lab.sh)
		router id 192.0.2.1;
		log "$LAB_RUN/up/bird.log" all;
		timeformat route iso long ms;
		timeformat protocol iso long ms;
		timeformat log iso long ms;

		protocol device { }

		# Install the best route for the anycast prefixes, so this router
		# really forwards the client's packets to the chosen node.
		protocol kernel kern4 { ipv4 { import none; export all; }; }
		protocol kernel kern6 { ipv6 { import none; export all; }; }

		# Short timers: the default hold time is 240 s, so a node whose BIRD
		# dies or hangs would attract traffic for 4 minutes; 3 s (keepalive
		# 1 s) makes that failure visible quickly in a lab.  They do not
		# speed up anycastd's withdrawals, which are BGP UPDATEs sent at
		# once.  The short connect delay and retry only make the lab come up
		# fast: BIRD would otherwise wait 5 s before the first connect.
		template bgp node {
		  local as $LAB_UP_AS;
		  $(lab_upstream_debug)
		  hold time 3;
		  keepalive time 1;
		  connect delay time 1;
		  connect retry time 1;
		  error wait time 1, 5;
		}
		EOF
		for n in $(lab_node_names); do
			cat <<-EOF

			# node $n: LOCAL_PREF $(lab_node_pref "$n") (a > b > c: a deterministic best path)
			protocol bgp n${n}4 from node {
			  local $(lab_up_ip4 "$n");
			  neighbor $(lab_node_ip4 "$n") as $LAB_NODE_AS;
			  ipv4 {
			    import filter {
			      if net = $LAB_PFX4 then { bgp_local_pref = $(lab_node_pref "$n"); $(lab_upstream_gs) accept; }
			      reject;
			    };
			    export none;
			  };
			}
			protocol bgp n${n}6 from node {
			  local $(lab_up_ip6 "$n");
			  neighbor $(lab_node_ip6 "$n") as $LAB_NODE_AS;
			  ipv6 {
			    import filter {
			      if net = $LAB_PFX6 then { bgp_local_pref = $(lab_node_pref "$n"); $(lab_upstream_gs) accept; }
			      reject;
			    };
			    export none;
			  };
			}
			EOF
		done
	} >"$f"
}

lab_write_node_bird() {
	local n=$1 f=$LAB_RUN/$1/bird.conf
	cat >"$f" <<-EOF
	# node $n, AS $LAB_NODE_AS (generated by tests/lab/lab.sh)
	router id $(lab_node_ip4 "$n");
	log "$LAB_RUN/$n/bird.log" all;
	timeformat route iso long ms;
	timeformat protocol iso long ms;
	timeformat log iso long ms;

	# Without this BIRD knows no interfaces and direct exports nothing.
	protocol device { }

	# The anycast prefixes come from anycast0's addresses: while the link
	# is administratively up they exist, when anycastd sets it down they
	# are withdrawn.  Only anycast0, so nothing else leaks.
	protocol direct anycast {
	  ipv4;
	  ipv6;
	  interface "anycast0";
	}

	# Same short timers as the upstream, for the same reason.
	template bgp upstream {
	  local as $LAB_NODE_AS;
	  hold time 3;
	  keepalive time 1;
	  connect delay time 1;
	  connect retry time 1;
	  error wait time 1, 5;
	}

	# One session per family, over that family's link addresses, so each
	# next hop is simply this node's address on the link.  Export only the
	# anycast prefixes, and only as learned from anycast0 (not, say, the
	# IPv6 link-local fe80::/64 that direct also sees there).
	protocol bgp up4 from upstream {
	  local $(lab_node_ip4 "$n");
	  neighbor $(lab_up_ip4 "$n") as $LAB_UP_AS;
	  ipv4 {
	    import none;
	    export where proto = "anycast" && net = $LAB_PFX4;
	  };
	}
	protocol bgp up6 from upstream {
	  local $(lab_node_ip6 "$n");
	  neighbor $(lab_up_ip6 "$n") as $LAB_UP_AS;
	  ipv6 {
	    import none;
	    export where proto = "anycast" && net = $LAB_PFX6;
	  };
	}
	EOF
}

lab_write_zones() {
	local n=$1 d=$LAB_RUN/$1
	cat >"$d/whoami.zone" <<-EOF
	; whoami.example.test on node $n only: never transferred.
	\$TTL 0
	@	SOA	ns.example.test. hostmaster.example.test. 1 3600 600 86400 0
	@	NS	ns.example.test.
	@	TXT	"node-$n"
	EOF
	if [ "$n" = a ] && [ "${LAB_PRIMARY:-0}" != 1 ]; then
		lab_write_primary_zone 1
	fi
}

# lab_write_primary_zone SERIAL: example.test on node a (the primary).
lab_write_primary_zone() {
	local serial=$1
	cat >"$LAB_RUN/a/example.test.zone" <<-EOF
	; example.test, primary on node a, replicated to the other nodes.
	\$TTL 60
	@	SOA	ns.example.test. hostmaster.example.test. $serial 3600 600 86400 60
	@	NS	ns.example.test.
	ns	A	$LAB_ANY4
	ns	AAAA	$LAB_ANY6
	; Each node serves its own whoami zone: delegate it.
	whoami	NS	ns.example.test.
	; Replication marker: a secondary answering this has the transfer.
	serial	TXT	"serial $serial from node a"
	www	A	198.51.100.80
	www	AAAA	2001:db8:abcd::80
	EOF
}

# lab_named_options DIR ADDR4 ADDR6: the options block every named of the
# lab shares (its files under DIR, authoritative only, on port 53 of
# loopback and of the addresses given, each ending in ';'); the server's
# own statements come from stdin.
lab_named_options() {
	local d=$1
	cat <<-EOF
	options {
	  directory "$d/named";
	  pid-file "$d/named.pid";
	  session-keyfile "$d/named/session.key";
	  managed-keys-directory "$d/named";
	  listen-on port 53 { 127.0.0.1; $2 };
	  listen-on-v6 port 53 { ::1; $3 };
	  recursion no;
	  dnssec-validation no;
	  minimal-responses yes;
	EOF
	cat
	echo "};"
}

lab_write_named() {
	local n=$1 d=$LAB_RUN/$1 m notify=
	if [ "${LAB_PRIMARY:-0}" = 1 ]; then
		if lab_is_knot "$n"; then
			lab_write_knot "$n"
		else
			lab_write_named_secondary "$n"
		fi
		return
	fi
	mkdir -p "$d/named"
	for m in $(lab_node_names); do
		[ "$m" = a ] || notify="$notify $(lab_node_ip4 "$m") key xfr;"
	done
	{
		cat <<-EOF
		// node $n (generated by tests/lab/lab.sh)
		include "$LAB_RUN/xfr.key";
		EOF
		lab_named_options "$d" "$LAB_ANY4; $(lab_node_ip4 "$n");" \
		    "$LAB_ANY6; $(lab_node_ip6 "$n");" <<-EOF
		  allow-transfer { none; };
		  notify no;
		EOF
		cat <<-EOF
		// No rndc: an empty controls block stops named reading /etc/bind/rndc.key.
		controls { };
		zone "$LAB_WHOAMI" { type primary; file "$d/whoami.zone"; };
		EOF
		if [ "$n" = a ]; then
			cat <<-EOF
			zone "$LAB_ZONE" {
			  type primary;
			  file "$d/example.test.zone";
			  // Transfers only to holders of the TSIG key, and NOTIFY the
			  // secondaries at their unicast addresses, signed.
			  allow-transfer { key xfr; };
			  notify explicit;
			  also-notify {$notify };
			  // BIND waits 5 s between two rounds of NOTIFY by default;
			  // the lab changes serials right after start-up.
			  notify-delay 0;
			};
			EOF
		else
			cat <<-EOF
			zone "$LAB_ZONE" {
			  type secondary;
			  file "$d/named/example.test.db";
			  masterfile-format text;
			  primaries { $(lab_node_ip4 a) key xfr; };
			  // A failed refresh is retried within seconds instead of
			  // BIND's default 500 s, so a lab whose first transfer
			  // lost a race still converges.  Refresh stays at the
			  // SOA's 3600 s: new serials arrive by NOTIFY.
			  min-retry-time 1;
			  max-retry-time 2;
			};
			EOF
		fi
	} >"$d/named.conf"
	named-checkconf "$d/named.conf" || lab_fail "named-checkconf $d/named.conf"
}

lab_write_anycastd() {
	local n=$1 d=$LAB_RUN/$1
	mkdir -p "$d/state"
	{
		cat <<-EOF
		# anycastd on node $n (generated by tests/lab/lab.sh)
		[agent]
		interface     = anycast0
		rise          = ${LAB_RISE:-2}
		fall          = ${LAB_FALL:-3}
		interval      = ${LAB_INTERVAL:-200ms}
		fast_interval = ${LAB_FAST_INTERVAL:-100ms}
		hold_down     = ${LAB_HOLD_DOWN:-1s}
		on_exit       = ${LAB_ON_EXIT:-keep}
		control_socket = $d/anycastd.sock
		state_dir     = $d/state
		EOF
		[ "${LAB_FLEET:-0}" != 1 ] || lab_fleet_anycastd_agent "$n"
		if [ "${LAB_PRIMARY:-0}" = 1 ] && [ "${LAB_FLEET:-0}" != 1 ]; then
			echo "metrics_file  = $d/metrics.prom"
		fi
		[ -z "${LAB_ANYCASTD_EXTRA:-}" ] || printf '%s\n' "$LAB_ANYCASTD_EXTRA"
		cat <<-EOF

		[bird]
		socket        = $d/bird.ctl
		prefixes      = $LAB_PFX4 $LAB_PFX6
		EOF
		[ "${LAB_FLEET:-0}" != 1 ] || lab_fleet_anycastd_fleet
		cat <<-EOF

		[probe soa]
		server        = 127.0.0.1
		name          = $LAB_ZONE.
		type          = SOA
		timeout       = ${LAB_TIMEOUT:-80ms}
		EOF
		[ "${LAB_PRIMARY:-0}" != 1 ] || lab_primary_anycastd "$n"
	} >"$d/anycastd.conf"
	if [ -n "${LAB_ANYCASTD_CONF_HOOK:-}" ]; then
		"$LAB_ANYCASTD_CONF_HOOK" "$n" "$d/anycastd.conf"
	fi
}

# ---------------------------------------------------------------- daemons

lab_bird_start() {	# lab_bird_start ROLE
	local r=$1
	rm -f "$LAB_RUN/$r/bird.ctl"
	lab_spawn "bird-$r" "$r" "$LAB_RUN/$r/bird.out" \
	    bird -f -c "$LAB_RUN/$r/bird.conf" -s "$LAB_RUN/$r/bird.ctl" \
	    -P "$LAB_RUN/$r/bird.pid"
	lab_must 10 "BIRD on $r to open its control socket" \
	    test -S "$LAB_RUN/$r/bird.ctl"
}

# On a node of LAB_KNOT_NODES it starts knotd instead (still tracked as
# "named-NODE": the node's DNS server, whichever it is).
lab_named_start() {	# lab_named_start NODE: starts named, waits until it answers
	local n=$1
	if lab_is_knot "$n"; then
		lab_spawn "named-$n" "$n" "$LAB_RUN/$n/knot.log" \
		    knotd -c "$LAB_RUN/$n/knot.conf"
	else
		lab_spawn "named-$n" "$n" "$LAB_RUN/$n/named.log" \
		    named -g -n 1 -c "$LAB_RUN/$n/named.conf"
	fi
	lab_must 15 "named on $n to answer at 127.0.0.1" lab_named_up "$n"
}

lab_named_up() {	# any answer at all from named on 127.0.0.1 (zone may still be loading)
	lab_node_dig "$1" @127.0.0.1 "$LAB_WHOAMI" TXT 2>/dev/null | grep -q 'status: NOERROR'
}

# lab_named_kill NODE [SIGNAL]: KILL/TERM forget the process; STOP/CONT keep it.
lab_named_kill() {
	local n=$1 sig=${2:-KILL} pid
	pid=$(lab_pid "named-$n")
	[ -n "$pid" ] || lab_fail "named on $n is not running"
	case $sig in
	STOP|CONT)
		kill -s "$sig" "$pid"
		;;
	*)
		lab_stop "named-$n" "$sig"
		;;
	esac
}

lab_anycastd_start() {	# lab_anycastd_start NODE [extra args]
	local n=$1
	shift
	[ "${LAB_NO_ANYCASTD:-0}" = 1 ] && return 0
	lab_spawn "anycastd-$n" "$n" "$LAB_RUN/$n/anycastd.log" \
	    "$ANYCASTD" -c "$LAB_RUN/$n/anycastd.conf" "$@"
}

lab_anycastd_stop() {	# lab_anycastd_stop NODE [SIGNAL]
	lab_stop "anycastd-$1" "${2:-TERM}"
}

# ---------------------------------------------------------------- topology

lab_ns_add() {		# lab_ns_add ROLE
	local ns
	ns=$(lab_ns "$1")
	ip netns add "$ns" || lab_fail "ip netns add $ns"
	LAB_NS_LIST+=("$ns")
	ip -n "$ns" link set lo up
	# No duplicate address detection: addresses are usable at once, and
	# nothing else shares these links.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 >/dev/null
}

lab_topology() {
	local n up cl nsn
	up=$(lab_ns up)
	cl=$(lab_ns cl)
	lab_ns_add up
	lab_ns_add cl
	ip netns exec "$up" sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1 >/dev/null

	ip -n "$up" link add cl type veth peer name upstream netns "$cl"
	ip -n "$up" addr add 203.0.113.1/24 dev cl
	ip -n "$up" addr add 2001:db8:0:ff::1/64 dev cl nodad
	ip -n "$cl" addr add 203.0.113.2/24 dev upstream
	ip -n "$cl" addr add 2001:db8:0:ff::2/64 dev upstream nodad
	ip -n "$up" link set dev cl up
	ip -n "$cl" link set dev upstream up
	ip -n "$cl" route add default via 203.0.113.1
	ip -n "$cl" -6 route add default via 2001:db8:0:ff::1

	for n in $(lab_node_names); do
		nsn=$(lab_ns "$n")
		lab_ns_add "$n"
		ip -n "$up" link add "n$n" type veth peer name upstream netns "$nsn"
		ip -n "$up" addr add "$(lab_up_ip4 "$n")/30" dev "n$n"
		ip -n "$up" addr add "$(lab_up_ip6 "$n")/64" dev "n$n" nodad
		ip -n "$nsn" addr add "$(lab_node_ip4 "$n")/30" dev upstream
		ip -n "$nsn" addr add "$(lab_node_ip6 "$n")/64" dev upstream nodad
		ip -n "$up" link set dev "n$n" up
		ip -n "$nsn" link set dev upstream up
		# Replies to the client and zone transfers between nodes go
		# through the upstream; BIRD on the nodes imports nothing.
		ip -n "$nsn" route add default via "$(lab_up_ip4 "$n")"
		ip -n "$nsn" -6 route add default via "$(lab_up_ip6 "$n")"

		if ip -n "$nsn" link add anycast0 type dummy 2>/dev/null; then
			LAB_ANYCAST_KIND=dummy
		else
			ip -n "$nsn" link add anycast0 type ifb ||
			    lab_fail "cannot create anycast0 (neither dummy nor ifb)"
			LAB_ANYCAST_KIND=ifb
		fi
		if [ "${LAB_KEEP_ADDR_ON_DOWN:-0}" = 1 ]; then
			ip netns exec "$nsn" sysctl -qw \
			    net.ipv6.conf.anycast0.keep_addr_on_down=1 >/dev/null
		fi
		ip -n "$nsn" addr add "$LAB_ANY4/24" dev anycast0
		ip -n "$nsn" addr add "${LAB_ANY6}/48" dev anycast0 nodad
		if [ "${LAB_FLEET:-0}" = 1 ]; then
			lab_fleet_gs_add "$n"
		fi
		# anycast0 starts down: the node is dark until anycastd has
		# seen named answer `rise` times, as after a real boot.
		if [ "${LAB_NO_ANYCASTD:-0}" = 1 ]; then
			ip -n "$nsn" link set dev anycast0 up
		fi
	done
	if [ "${LAB_FLEET:-0}" = 1 ]; then
		lab_fleet_mesh
	fi
	if [ "${LAB_PRIMARY:-0}" = 1 ]; then
		lab_primary_topology
	fi
	lab_log "anycast0 is a '$LAB_ANYCAST_KIND' link$([ "$LAB_ANYCAST_KIND" = ifb ] && echo ' (this kernel has no dummy driver)')"
}

# ---------------------------------------------------------------- fleet
#
# LAB_FLEET=1 adds what a fleet of nodes needs to tell each other their
# health over BGP (docs/bird/README.md):
#
#   node X: anycast0     198.51.100.1/24 2001:db8:abcd::1/48  (announced)
#           anycast0-gs  the same addresses, starts down      (degraded)
#           fleet        192.0.2.(192+i)/26, 2001:db8:0:fe::i/64
#   fleet namespace ("fl"): bridge br0 joining every node's "fleet" link
#
# The mesh has a namespace of its own so the upstream is not on the iBGP
# path.  Each node's bird.conf is docs/bird/anycast-node.conf with its
# placeholders filled in (the shipped template is the tested one), plus a
# log file.  The upstream keeps the lab's own config, with route debugging
# on: its bird.log records every import and withdrawal of a node's route.
# Session names on a node: up4/up6 (upstream), fleet_X4/fleet_X6 (peer X).

LAB_GS=anycast0-gs
LAB_TEMPLATE=${LAB_TEMPLATE:-$LAB_SRC_DIR/../../docs/bird/anycast-node.conf}

lab_mesh_ip4() { echo "192.0.2.$(( 192 + $(lab_node_index "$1") ))"; }
lab_mesh_ip6() { echo "2001:db8:0:fe::$(lab_node_index "$1")"; }

lab_upstream_debug() {	# the line the upstream's node template gets in fleet mode
	[ "${LAB_FLEET:-0}" = 1 ] || return 0
	echo 'debug { states, routes };'
}

# lab_upstream_gs: in fleet mode the upstream acts on GRACEFUL_SHUTDOWN as
# RFC 8326 asks of a receiver: LOCAL_PREF 0, so a degraded node's path is
# the least preferred and the client moves off it (without this, the lab's
# per-node LOCAL_PREF would keep a degraded a the best path).
# LAB_UP_HONOR_GS=0 turns it off.
lab_upstream_gs() {
	[ "${LAB_FLEET:-0}" = 1 ] && [ "${LAB_UP_HONOR_GS:-1}" = 1 ] || return 0
	echo 'if (65535, 0) ~ bgp_community then bgp_local_pref = 0;'
}

# anycastd in fleet mode: the graceful link, the fleet guard, a metrics
# file, and a faster BIRD poll.  Tunables: LAB_GRACEFUL_TIME (1s),
# LAB_BIRD_POLL (200ms), LAB_FLEET_CONFIRM (2s), LAB_FLEET_MIN_HEALTHY (1),
# LAB_FLEET_UNKNOWN (hold).  LAB_FLEET_GUARD=0 leaves [fleet] out.
lab_fleet_anycastd_agent() {	# lines for [agent]
	cat <<-EOF
	graceful_interface = $LAB_GS
	graceful_time = ${LAB_GRACEFUL_TIME:-1s}
	metrics_file  = $LAB_RUN/$1/metrics.prom
	EOF
}
lab_fleet_anycastd_fleet() {	# the end of [bird], and [fleet]
	echo "poll          = ${LAB_BIRD_POLL:-200ms}"
	[ "${LAB_FLEET_GUARD:-1}" = 1 ] || return 0
	cat <<-EOF

	[fleet]
	asn           = $LAB_NODE_AS
	peers         = fleet_*
	tables        = fleet4 fleet6
	min_healthy   = ${LAB_FLEET_MIN_HEALTHY:-1}
	confirm       = ${LAB_FLEET_CONFIRM:-2s}
	unknown       = ${LAB_FLEET_UNKNOWN:-hold}
	EOF
}

# lab_zone_break NODE [NODE...]: example.test answers SERVFAIL on each
# NODE, without a restart of named (a restart would first refuse queries
# for a moment, and a refusing server is another story): named.conf is
# switched to a primary example.test from a zone file with a syntax error,
# then every named is sent SIGHUP at once.  named keeps running, the zone
# fails to load, and example.test SOA gets SERVFAIL.  Waits for that.
# Sets LAB_BREAK_US to the time the signals were sent.
lab_zone_break() {
	local n d
	for n in "$@"; do
		d=$LAB_RUN/$n
		[ -f "$d/named.conf.good" ] || cp "$d/named.conf" "$d/named.conf.good"
		cat >"$d/broken.zone" <<-EOF
		\$TTL 60
		@	SOA	ns.example.test. hostmaster.example.test. 99 3600 600 86400 60
		@	NS	ns.example.test.
		broken	IN	TXT	"unterminated
		EOF
		awk -v f="$d/broken.zone" -v z="$LAB_ZONE" '
		    $1 == "zone" && $2 == "\"" z "\"" {
			printf "zone \"%s\" { type primary; file \"%s\"; };\n", z, f
			skip = 1; next
		    }
		    skip && /^};/ { skip = 0; next }
		    !skip' "$d/named.conf.good" >"$d/named.conf"
	done
	# shellcheck disable=SC2034 # for the caller
	LAB_BREAK_US=$(lab_now_us)
	for n in "$@"; do
		kill -s HUP "$(lab_pid "named-$n")"
	done
	for n in "$@"; do
		lab_must 10 "named on $n to answer $LAB_ZONE SOA with SERVFAIL" \
		    lab_named_status_is "$n" SERVFAIL
	done
}

# lab_zone_repair NODE [NODE...]: the good named.conf back, SIGHUP; waits
# for NOERROR.  Sets LAB_REPAIR_US.
lab_zone_repair() {
	local n
	for n in "$@"; do
		cp "$LAB_RUN/$n/named.conf.good" "$LAB_RUN/$n/named.conf"
	done
	# shellcheck disable=SC2034 # for the caller
	LAB_REPAIR_US=$(lab_now_us)
	for n in "$@"; do
		kill -s HUP "$(lab_pid "named-$n")"
	done
	for n in "$@"; do
		lab_must 15 "named on $n to answer $LAB_ZONE SOA with NOERROR" \
		    lab_named_status_is "$n" NOERROR
	done
}

lab_named_status_is() {	# lab_named_status_is NODE RCODE: example.test SOA at 127.0.0.1
	lab_node_dig "$1" @127.0.0.1 "$LAB_ZONE" SOA 2>/dev/null |
	    grep -q "status: $2,"
}

# lab_fleet_gs_add NODE: anycast0-gs, of anycast0's kind, with its addresses.
lab_fleet_gs_add() {
	local nsn
	nsn=$(lab_ns "$1")
	ip -n "$nsn" link add "$LAB_GS" type "$LAB_ANYCAST_KIND" ||
	    lab_fail "cannot create $LAB_GS ($LAB_ANYCAST_KIND) on $1"
	if [ "${LAB_KEEP_ADDR_ON_DOWN:-0}" = 1 ]; then
		ip netns exec "$nsn" sysctl -qw \
		    "net.ipv6.conf.$LAB_GS.keep_addr_on_down=1" >/dev/null
	fi
	ip -n "$nsn" addr add "$LAB_ANY4/24" dev "$LAB_GS"
	ip -n "$nsn" addr add "$LAB_ANY6/48" dev "$LAB_GS" nodad
}

lab_fleet_mesh() {	# the bridge and every node's link to it
	local fl n nsn
	lab_ns_add fl
	fl=$(lab_ns fl)
	ip -n "$fl" link add br0 type bridge
	ip -n "$fl" link set br0 up
	for n in $(lab_node_names); do
		nsn=$(lab_ns "$n")
		ip -n "$fl" link add "n$n" type veth peer name fleet netns "$nsn"
		ip -n "$fl" link set "n$n" master br0 up
		ip -n "$nsn" addr add "$(lab_mesh_ip4 "$n")/26" dev fleet
		ip -n "$nsn" addr add "$(lab_mesh_ip6 "$n")/64" dev fleet nodad
		ip -n "$nsn" link set fleet up
	done
	lab_log "fleet mesh: bridge br0 in $fl; anycast0-gs ($LAB_ANYCAST_KIND) on every node, down"
}

# lab_write_fleet_bird NODE: bird.conf from the template.  Placeholders are
# replaced by awk, and the block between "@BEGIN FLEET PEER@" and
# "@END FLEET PEER@" is written once per other node.  A placeholder left
# over, or a config BIRD rejects, fails the run.
lab_write_fleet_bird() {
	local n=$1 f=$LAB_RUN/$1/bird.conf m peers=
	[ -r "$LAB_TEMPLATE" ] || lab_fail "no BIRD template at $LAB_TEMPLATE"
	for m in $(lab_node_names); do
		[ "$m" = "$n" ] || peers="$peers $m:$(lab_mesh_ip4 "$m"):$(lab_mesh_ip6 "$m")"
	done
	{
		echo "# node $n (generated by tests/lab/lab.sh from docs/bird/anycast-node.conf)"
		echo "log \"$LAB_RUN/$n/bird.log\" all;"
		awk -v rid="$(lab_node_ip4 "$n")" -v as="$LAB_NODE_AS" \
		    -v prepend="${LAB_GS_PREPEND:-2}" -v a4="$LAB_PFX4" -v a6="$LAB_PFX6" \
		    -v up4="$(lab_up_ip4 "$n")" -v up6="$(lab_up_ip6 "$n")" \
		    -v upas="$LAB_UP_AS" -v peers="$peers" '
		    function subst(s) {
			gsub(/@ROUTER_ID@/, rid, s); gsub(/@LOCAL_AS@/, as, s)
			gsub(/@PREPEND@/, prepend, s); gsub(/@ANYCAST4@/, a4, s)
			gsub(/@ANYCAST6@/, a6, s); gsub(/@UPSTREAM4@/, up4, s)
			gsub(/@UPSTREAM6@/, up6, s); gsub(/@UPSTREAM_AS@/, upas, s)
			return s
		    }
		    /@BEGIN FLEET PEER@/ { inblock = 1; nb = 0; next }
		    /@END FLEET PEER@/ {
			inblock = 0
			np = split(peers, pl, " ")
			for (i = 1; i <= np; i++) {
				split(pl[i], pf, ":")
				# IPv6 addresses contain ":": the rest is the v6 address.
				v6 = substr(pl[i], length(pf[1]) + length(pf[2]) + 3)
				for (j = 1; j <= nb; j++) {
					l = block[j]
					gsub(/@PEER@/, pf[1], l); gsub(/@PEER4@/, pf[2], l)
					gsub(/@PEER6@/, v6, l)
					print subst(l)
				}
			}
			next
		    }
		    inblock { block[++nb] = $0; next }
		    { print subst($0) }' "$LAB_TEMPLATE"
	} >"$f"
	if grep -v '^[[:space:]]*#' "$f" | grep '@[A-Z0-9_]*@'; then
		lab_fail "placeholders left in $f"
	fi
	bird -p -c "$f" || lab_fail "BIRD rejects $f"
}

# lab_link_up NODE [IF] / lab_link_down NODE [IF]: sets anycast0 (or IF) up
# or down by hand, as anycastd would.  Linux flushes IPv6 addresses on down,
# so up adds the IPv6 anycast address again first (replace: idempotent).
lab_link_up() {
	local nsn ifn=${2:-anycast0}
	nsn=$(lab_ns "$1")
	ip -n "$nsn" addr replace "$LAB_ANY6/48" dev "$ifn" nodad
	ip -n "$nsn" link set dev "$ifn" up
}
lab_link_down() {
	ip -n "$(lab_ns "$1")" link set dev "${2:-anycast0}" down
}
lab_gs_up() { lab_link_up "$1" "$LAB_GS"; }
lab_gs_down() { lab_link_down "$1" "$LAB_GS"; }

# lab_upstream_paths 4|6: the upstream's paths for the anycast prefix, one
# line per path: "NODE[*] as_path=A,B,.. community=(x,y),.." ("*" marks
# the best, community "-" when there is none).  `wc -l` counts them.
lab_upstream_paths() {
	lab_bird_cmd up show route "$(lab_pfx "$1")" all 2>/dev/null | awk '
	    function flush() {
		if (node != "")
			printf "%s as_path=%s community=%s\n", node, path, comm
		node = ""
	    }
	    / unicast \[n[a-i][46] / {
		flush()
		s = $0; sub(/.* unicast \[n/, "", s)
		node = substr(s, 1, 1) (($0 ~ /\] \* /) ? "*" : "")
		path = "-"; comm = "-"
	    }
	    /BGP\.as_path:/ { s = $0; sub(/.*BGP\.as_path: */, "", s); gsub(/ +/, ",", s); path = s }
	    /BGP\.community:/ { s = $0; sub(/.*BGP\.community: */, "", s); gsub(/ +/, ",", s); comm = s }
	    END { flush() }'
}

# lab_fleet_table NODE 4|6: what NODE's fleet4/fleet6 holds for the anycast
# prefix, one line per route: "PROTO[*] community=...", PROTO being
# fleet_X4/6 for peer X, or anycast/anycast_gs for the node's own (piped).
lab_fleet_table() {
	lab_bird_cmd "$1" show route "$(lab_pfx "$2")" table "fleet$2" all 2>/dev/null | awk '
	    function flush() {
		if (proto != "") printf "%s community=%s\n", proto, comm
		proto = ""
	    }
	    / unicast \[/ {
		flush()
		s = $0; sub(/.* unicast \[/, "", s); sub(/ .*/, "", s)
		proto = s (($0 ~ /\] \* /) ? "*" : ""); comm = "-"
	    }
	    /BGP\.community:/ { s = $0; sub(/.*BGP\.community: */, "", s); gsub(/ +/, ",", s); comm = s }
	    END { flush() }'
}

# lab_fleet_health NODE 4|6 PEER: the health values PEER announces to NODE
# ("1", "0", or nothing), from (LAB_NODE_AS,h) on the fleet_PEER route.
lab_fleet_health() {
	lab_fleet_table "$1" "$2" | awk -v p="fleet_$3$2" -v as="$LAB_NODE_AS" '
	    { sub(/\*$/, "", $1) }
	    $1 == p {
		n = split(substr($2, 11), c, ",")
		for (i = 1; i + 1 <= n; i += 2) {
			a = c[i]; v = c[i + 1]; sub(/^\(/, "", a); sub(/\)$/, "", v)
			if (a == as) print v
		}
	    }' | sort -u | tr '\n' ' ' | sed 's/ $//'
}
lab_fleet_health_is() {	# lab_fleet_health_is NODE 4|6 PEER "1"|"0"|""
	[ "$(lab_fleet_health "$1" "$2" "$3")" = "$4" ]
}

lab_fleet_established() {	# every fleet session on every node is up
	local n m out
	for n in $(lab_node_names); do
		out=$(lab_bird_cmd "$n" show protocols 2>/dev/null) || return 1
		for m in $(lab_node_names); do
			[ "$m" != "$n" ] || continue
			echo "$out" | grep -Eq "^fleet_${m}4 .*Established" || return 1
			echo "$out" | grep -Eq "^fleet_${m}6 .*Established" || return 1
		done
	done
}

lab_fleet_converge() {	# lab_up in fleet mode: mesh up, every health known
	local n m fam
	lab_must 20 "fleet iBGP full mesh Established" lab_fleet_established
	for n in $(lab_node_names); do
		for m in $(lab_node_names); do
			[ "$m" != "$n" ] || continue
			for fam in 4 6; do
				lab_must 10 "node $n to see $m healthy in fleet$fam" \
				    lab_fleet_health_is "$n" "$fam" "$m" 1
			done
		done
	done
	lab_log "fleet: full mesh up, every node sees every other healthy"
}

# lab_watch_paths_min 4|6 AFTER_US [BEFORE_US]: the fewest paths the
# upstream had in any change lab-birdwatch saw between the two times
# (empty if it saw none).
lab_watch_paths_min() {
	awk -v after="$2" -v before="${3:-0}" '
	    $1 == "change" && $2 >= after && (before == 0 || $2 < before) {
		k = ($NF == "-") ? 0 : split($NF, r, ",")
		if (min == "" || k < min) min = k
	    }
	    END { print min }' "$LAB_RUN/birdwatch.$1.out"
}

# lab_watch_replaced NODE 4|6 AFTER_US: first change lab-birdwatch saw
# after AFTER_US where NODE's route is there with another stamp than before
# AFTER_US (replaced in place: the degrade); empty if none, or if the route
# went first.  Stamps within 5 ms are the same route.
lab_watch_replaced() {
	awk -v after="$3" -v p="n$1$2" '
	    function ms(s,   t, a) {
		t = substr(s, length(s) - 11); split(t, a, /[:.]/)
		return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 + a[4]
	    }
	    function stamp(list,   k, r, i, f) {
		k = split(list, r, ",")
		for (i = 1; i <= k; i++) {
			split(r[i], f, "@"); sub(/\*$/, "", f[1])
			if (f[1] == p) return f[2]
		}
		return ""
	    }
	    $1 != "change" { next }
	    $2 < after { base = stamp($4); next }
	    {
		s = stamp($4)
		if (s == "") exit
		if (base != "" && (ms(s) - ms(base) > 5 || ms(base) - ms(s) > 5)) { print $2; exit }
	    }' "$LAB_RUN/birdwatch.$2.out"
}

# lab_fleet_watch_start NODE 4|6: lab-birdwatch on NODE's fleet table
# (the "prefix" it polls is "PFX table fleetN", so the route list is the
# last field of its change lines).
lab_fleet_watch_start() {
	local n=$1 fam=$2 out=$LAB_RUN/fleetwatch.$1.$2.out
	lab_spawn_host "tool-fleetwatch-$n-$fam" "$out" \
	    "$LAB_BIRDWATCH" -s "$LAB_RUN/$n/bird.ctl" \
	    -n "$(lab_pfx "$fam") table fleet$fam" -i 1000
	lab_must 5 "lab-birdwatch to read $n's fleet$fam" grep -q '^change ' "$out"
}
lab_fleet_watch_stop() { lab_stop "tool-fleetwatch-$1-$2" TERM 5; }

# lab_fleet_watch_first NODE 4|6 AFTER_US: time of the first change after
# AFTER_US in NODE's fleet table.
lab_fleet_watch_first() {
	awk -v after="$3" '$1 == "change" && $2 >= after { print $2; exit }' \
	    "$LAB_RUN/fleetwatch.$1.$2.out"
}

# ---------------------------------------------------------------- up / down

lab_up() {
	: "${LAB_NODES:=2}"
	if [ "$LAB_NODES" -lt 1 ] || [ "$LAB_NODES" -gt 9 ]; then
		lab_fail "LAB_NODES must be 1..9"
	fi
	LAB_T0=${EPOCHREALTIME/./}
	lab_require
	lab_find_anycastd
	LAB_PREFIX="alab$$"
	LAB_RUN=$(mktemp -d "$(lab_run_base)/anycastd-lab.$$.XXXX")
	mkdir -p "$LAB_RUN/pids"
	trap lab_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	lab_reap_stale
	lab_say "run directory: $LAB_RUN  (namespaces $LAB_PREFIX-*)"
	case $LAB_RUN in
	/var/cache/bind/*) lab_say "(under /var/cache/bind: AppArmor confines named to it here)" ;;
	esac
	lab_find_tools

	local n
	mkdir -p "$LAB_RUN/up"
	for n in $(lab_node_names); do
		mkdir -p "$LAB_RUN/$n"
	done
	tsig-keygen -a hmac-sha256 xfr >"$LAB_RUN/xfr.key"
	[ "${LAB_PRIMARY:-0}" != 1 ] || lab_primary_keys

	lab_topology
	lab_log "namespaces: $(printf '%s ' "${LAB_NS_LIST[@]}")"

	lab_write_upstream_bird
	lab_bird_start up
	for n in $(lab_node_names); do
		if [ "${LAB_FLEET:-0}" = 1 ]; then
			lab_write_fleet_bird "$n"
		else
			lab_write_node_bird "$n"
		fi
		lab_write_zones "$n"
		lab_write_named "$n"
		lab_bird_start "$n"
	done
	lab_log "BIRD running on upstream and $LAB_NODES node(s)"

	# The primary first, so the secondaries' first transfer succeeds.
	[ "${LAB_PRIMARY:-0}" != 1 ] || lab_primary_start
	for n in $(lab_node_names); do
		lab_named_start "$n"
	done
	if [ "${LAB_PRIMARY:-0}" = 1 ]; then
		lab_primary_converged 1
	else
		for n in $(lab_node_names); do
			lab_must 15 "node $n to serve $LAB_ZONE serial 1" lab_serial_is "$n" 1
		done
		lab_log "named: example.test serial 1 on every node (a primary, others by AXFR)"
	fi

	for n in $(lab_node_names); do
		lab_write_anycastd "$n"
		lab_anycastd_start "$n"
	done
	[ "${LAB_NO_ANYCASTD:-0}" = 1 ] || lab_log "anycastd started on every node ($ANYCASTD)"

	lab_must 20 "BGP sessions upstream <-> every node Established" lab_bgp_established
	local all
	all=$(lab_node_names)
	lab_must 20 "upstream to have $LAB_PFX4 from: $all" lab_routes_are 4 "$all"
	lab_must 20 "upstream to have $LAB_PFX6 from: $all" lab_routes_are 6 "$all"
	if [ "${LAB_FLEET:-0}" = 1 ]; then
		lab_fleet_converge
	fi
	lab_must 10 "client answered over IPv4" lab_whoami_is 4 a
	lab_must 10 "client answered over IPv6" lab_whoami_is 6 a
	lab_say "lab up: $LAB_NODES nodes announce both prefixes; client answered by node a"
}

# Teardown: every process we started (exact PIDs), then anything left in our
# namespaces (they are ours alone), then the namespaces.  Safe to call twice.
lab_down() {
	local rc=$? name pid ns f bad=0
	[ "$LAB_DOWN_DONE" = 1 ] && return 0
	LAB_DOWN_DONE=1
	trap - EXIT INT TERM
	[ -n "$LAB_RUN" ] || return "$rc"
	[ "$rc" = 0 ] || LAB_FAILED=1
	# A daemon we did not stop on purpose must still be running: a crash
	# of anycastd (or of named, or BIRD) fails the run even if every
	# assertion passed.
	for name in "${!LAB_PID[@]}"; do
		case $name in tool-*) continue ;; esac
		if ! lab_alive "$name"; then
			wait "${LAB_PID[$name]}" 2>/dev/null
			lab_say "FAIL: $name (pid ${LAB_PID[$name]}) died on its own (status $?)"
			unset 'LAB_PID[$name]'
			bad=1
		fi
	done
	[ "$bad" = 0 ] || LAB_FAILED=1
	if [ "$LAB_FAILED" = 1 ] && [ "${LAB_QUIET_FAIL:-0}" != 1 ]; then
		lab_dump_logs >&2
	fi
	# Tools and anycastd first (so they see daemons go away last), then
	# named and BIRD.
	for name in "${!LAB_PID[@]}"; do
		case $name in anycastd-*|tool-*) lab_stop "$name" TERM 3 ;; esac
	done
	for name in "${!LAB_PID[@]}"; do
		lab_stop "$name" TERM 5
	done
	for ns in "${LAB_NS_LIST[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			lab_say "stray process in $ns: pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)); killing it"
			kill -s KILL "$pid" 2>/dev/null || true
		done
	done
	for ns in "${LAB_NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null || lab_say "could not delete namespace $ns"
	done
	LAB_NS_LIST=()
	# With a sanitizer build (-DSANITIZE=ON), anycastd reports at exit.
	for f in "$LAB_RUN"/*/anycastd.log; do
		[ -f "$f" ] || continue
		if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$f"; then
			lab_say "FAIL: sanitizer report in $f:"
			grep -E -A5 'AddressSanitizer|LeakSanitizer|runtime error:' "$f" | head -n 30
			LAB_FAILED=1
			bad=1
		fi
	done
	if [ "$LAB_FAILED" = 1 ] || [ "${LAB_KEEP:-0}" = 1 ]; then
		lab_say "torn down; logs kept in $LAB_RUN"
	else
		rm -rf "$LAB_RUN"
		lab_log "torn down; run directory removed"
	fi
	# From the EXIT trap only `exit` changes the script's status.
	if [ "$bad" = 1 ] && [ "$rc" = 0 ]; then
		exit 1
	fi
	return "$rc"
}

# lab_run_base: where the run directory goes.  Normally $TMPDIR or /tmp.
# But Debian's bind9 ships an AppArmor profile for /usr/sbin/named, enforced
# wherever AppArmor is on (a default Debian 12 install): it lets named read
# and write under /var/cache/bind, not /tmp, and it would even cut named off
# from a log file it inherits there.  Under that profile the whole run
# directory goes to /var/cache/bind, so every file named touches is allowed.
lab_run_base() {
	if [ -n "${LAB_RUN_BASE:-}" ]; then
		echo "$LAB_RUN_BASE"
	elif grep -qs '^named (enforce)' /sys/kernel/security/apparmor/profiles &&
	    [ -d /var/cache/bind ]; then
		echo /var/cache/bind
	else
		echo "${TMPDIR:-/tmp}"
	fi
}

# lab_reap_stale: namespaces named alab<PID>-* whose lab process is gone
# were left by a run killed with SIGKILL (a ctest timeout, for one), which no
# trap survives.  They hold only that run's daemons: kill those, delete them.
lab_reap_stale() {
	local ns owner p
	for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^alab[0-9]+-/ { print $1 }'); do
		owner=${ns#alab}
		owner=${owner%%-*}
		if [ "$owner" != "$$" ] && kill -0 "$owner" 2>/dev/null; then
			continue	# a lab running right now
		fi
		lab_say "removing stale namespace $ns (left by lab run $owner, which is gone)"
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -s KILL "$p" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
}

lab_dump_logs() {
	local f
	echo "----- last lines of the lab's logs ($LAB_RUN) -----"
	for f in "$LAB_RUN"/*/anycastd.log "$LAB_RUN"/*/bird.log "$LAB_RUN"/*/named.log \
	    "$LAB_RUN"/*/knot.log; do
		[ -f "$f" ] || continue
		echo "== $f"
		tail -n 15 "$f"
	done
	echo "----- upstream view -----"
	lab_route_lines 4 2>/dev/null
	lab_route_lines 6 2>/dev/null
	echo "-----"
}

# The hidden primary (LAB_PRIMARY=1) and knotd nodes (LAB_KNOT_NODES).
# shellcheck source=tests/lab/primary.sh
. "$LAB_SRC_DIR/primary.sh"
