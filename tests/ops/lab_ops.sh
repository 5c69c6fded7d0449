#!/bin/bash
# Operations against the real thing: anycastd, BIRD and BIND in the lab of
# tests/lab/lab.sh (namespaces, eBGP to an upstream, a client).
#
#   lab_ops.sh status       status text + JSON in each state; metrics after a
#                           withdraw/announce cycle; BIRD mismatch warning
#   lab_ops.sh drain        drain/undrain, across an anycastd restart, a
#                           corrupt drain file, a drained node booting with
#                           its link up
#   lab_ops.sh wait         drain --wait against BIRD's real export, and its
#                           timeout when BIRD is stopped
#   lab_ops.sh perm         the socket's group: a user in it may, one
#                           outside may not
#   lab_ops.sh abuse        malformed, oversized, half-open clients while
#                           probing stays on time
#   lab_ops.sh flood        a thousand clients at once, half never reading,
#                           while probing stays on time and a drain gets
#                           through
#   lab_ops.sh maintenance  zero-loss "systemctl restart named" through the
#                           shipped drop-in: >= 200 qps, 0 lost
#
# Environment: ANYCASTD, ANYCASTCTL, LAB_TOOLS_DIR, OPS_TEST_STATUS
# (tests/ops/test_status, for json-check), OPS_TEST_CTL (test_ctl, for
# attack).  Exit 0 pass, 1 fail, 77 skip (not root).
set -u
OPS_HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$OPS_HERE/../lab/lab.sh"

SCN=${1:-}
: "${ANYCASTCTL:?ANYCASTCTL must point to the anycastctl binary}"
: "${OPS_TEST_STATUS:?}" "${OPS_TEST_CTL:?}"
DROPIN=$OPS_HERE/../../systemd/named.service.d/anycastd-drain.conf

ok() { lab_say "ok: $*"; }
sock() { echo "$LAB_RUN/$1/anycastd.sock"; }
actl() { local n=$1; shift; "$ANYCASTCTL" -s "$(sock "$n")" "$@"; }
json() { actl "$1" status --json; }
json_has() {	# json_has NODE FRAGMENT: the status JSON contains it
	json "$1" | grep -qF -- "$2"
}
text_has() {
	actl "$1" status | grep -qF -- "$2"
}
show() {	# show NODE TITLE: prints the status, checks its JSON parses
	lab_say "---- anycastctl status on $1: $2"
	actl "$1" status | sed 's/^/    /'
	json "$1" | "$OPS_TEST_STATUS" json-check ||
	    lab_fail "status --json on $1 is not valid JSON"
}
expect_text() {	# expect_text NODE FRAGMENT [SECS]
	lab_wait "${3:-10}" "status on $1 to show '$2'" text_has "$1" "$2" ||
	    lab_fail "status on $1 lacks '$2': $(actl "$1" status)"
}
expect_json() {
	lab_wait "${3:-10}" "status --json on $1 to have $2" json_has "$1" "$2" ||
	    lab_fail "status --json on $1 lacks $2: $(json "$1")"
}
# run WANT_RC TEXT cmd...: exit code and a fragment of the output.
run() {
	local want=$1 text=$2 out rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	[ "$rc" = "$want" ] && grep -qF -- "$text" <<<"$out" ||
	    lab_fail "$* -> rc $rc (want $want), output: $out"
	ok "rc $rc: $(head -n1 <<<"$out")"
}
metric() {	# metric NODE 'NAME{LABELS}' -> value
	awk -v k="$2" '$1 == k { print $2 }' "$LAB_RUN/$1/metrics.prom"
}
expect_metric() {
	local v
	v=$(metric "$1" "$2")
	[ "$v" = "$3" ] || lab_fail "metric $2 on $1 is '$v', expected $3"
	ok "metric $2 = $3"
}

# The metrics file and a short BIRD grace for every node.
metrics_hook() {
	sed -i "s|^\[agent\]|[agent]\nmetrics_file = $LAB_RUN/$1/metrics.prom|;
	    s|^\[bird\]|[bird]\ngrace = 1s|" "$2"
}
LAB_ANYCASTD_CONF_HOOK=metrics_hook

# ---------------------------------------------------------------- status

s_status() {
	lab_up
	expect_json a '"state":"announced"'
	expect_text a "Mismatch:    no, BIRD agrees" 5
	expect_json a '"name":"up4","state":"up","info":"Established","established":true,"exported":["198.51.100.0/24"]'
	expect_json a '"name":"up6","state":"up","info":"Established","established":true,"exported":["2001:db8:abcd::/48"]'
	show a "announced"
	expect_text a "State:       announced for "
	expect_text a "Reason:      2 good cycles, 1 probe ok"
	expect_text a "Interface:   anycast0 (index "
	expect_text a ") up <UP,"
	expect_text a "198.51.100.1/24 2001:db8:abcd::1/48"
	expect_text a "Health:      good "
	expect_text a "Drain:       no"
	expect_text a "soa          ok "
	expect_json a '"drain":{"drained":false'
	expect_json a '"withdrawn":{"complete":false,"detail":"anycast0 is still up"}'

	lab_named_kill a KILL
	expect_json a '"state":"withdrawn"'
	expect_json a '"agrees":true' 5
	show a "withdrawn after named was killed"
	expect_text a "State:       withdrawn for "
	expect_text a "Reason:      3 failed cycles, probe soa: "
	expect_text a "anycast0 (index "
	expect_text a ") down <"
	expect_text a "soa          refused "
	expect_text a "Transitions: fall 1, rise 1, drain 0, undrain 0"
	expect_json a '"result":"refused"'
	expect_json a '"exported":[]'

	lab_named_start a
	expect_json a '"state":"announced"' 10
	expect_routes_a
	ok "announced again after named came back"
	# Metrics after the withdraw/announce cycle.
	sleep 0.5
	promtool check metrics <"$LAB_RUN/a/metrics.prom" ||
	    lab_fail "promtool rejects $LAB_RUN/a/metrics.prom"
	ok "promtool check metrics accepts the file"
	grep -v '^#' "$LAB_RUN/a/metrics.prom" | grep -Ev 'bucket|_sum|_count' |
	    sed 's/^/    /'
	expect_metric a 'anycastd_state{state="announced"}' 1
	expect_metric a 'anycastd_state{state="withdrawn"}' 0
	expect_metric a 'anycastd_transitions_total{reason="fall"}' 1
	expect_metric a 'anycastd_transitions_total{reason="rise"}' 2
	expect_metric a 'anycastd_drained' 0
	expect_metric a 'anycastd_bird_protocol_up{protocol="up4"}' 1
	expect_metric a 'anycastd_bird_prefix_exported{protocol="up4",prefix="198.51.100.0/24"}' 1
	expect_metric a 'anycastd_bird_prefix_exported{protocol="up6",prefix="2001:db8:abcd::/48"}' 1
	local refused ok_n last now
	refused=$(metric a 'anycastd_probe_results_total{probe="soa",result="refused"}')
	ok_n=$(metric a 'anycastd_probe_results_total{probe="soa",result="ok"}')
	[ "${refused:-0}" -ge 3 ] && [ "${ok_n:-0}" -ge 4 ] ||
	    lab_fail "probe counters: ok=$ok_n refused=$refused"
	ok "probe results counted: ok=$ok_n refused=$refused"
	last=$(metric a anycastd_last_cycle_timestamp_seconds)
	now=$(date +%s)
	[ "${last%.*}" -ge $((now - 2)) ] || lab_fail "last cycle timestamp $last is stale (now $now)"
	ok "last cycle timestamp is current ($last)"

	# BIRD disagrees: the BGP sessions of a go down while it is announced.
	lab_log_mark a
	lab_bird_cmd a disable up4 >/dev/null
	lab_bird_cmd a disable up6 >/dev/null
	line=$(lab_log_wait a 'BIRD disagrees' 10) || lab_fail "no mismatch warning"
	ok "log: $line"
	expect_text a "Mismatch:    YES for "
	expect_json a '"mismatch":true'
	show a "announced, but BIRD exports to no established session"
	sleep 1.5
	[ "$(lab_log_grep a 'BIRD disagrees' | wc -l)" = 1 ] &&
	    [ "$(tail -n +"$(( ${LAB_LOG_MARK_LINES[a]} + 1 ))" "$LAB_RUN/a/anycastd.log" |
	    grep -c 'BIRD disagrees')" = 1 ] || lab_fail "the mismatch was logged more than once"
	ok "the mismatch is logged once"
	sleep 0.5
	expect_metric a anycastd_bird_mismatch 1
	lab_bird_cmd a enable up4 >/dev/null
	lab_bird_cmd a enable up6 >/dev/null
	line=$(lab_log_wait a 'BIRD agrees with anycastd again' 15) ||
	    lab_fail "mismatch never cleared"
	ok "log: $line"

	# Drained: the third state.
	actl a drain --reason "status test" >/dev/null
	expect_json a '"state":"drained"'
	show a "drained"
	expect_text a "State:       drained for "
	expect_text a "Drain:       yes, since "
	expect_text a "by uid 0 pid "
	expect_text a ": status test"
	expect_json a '"drain":{"drained":true,"reason":"status test","uid":0,'

	# BIRD unreachable: status says so, and never hangs.
	lab_stop bird-a TERM
	expect_text a "unreachable" 5
	show a "drained, BIRD stopped"
	expect_json a '"reachable":false'
}

link_down() { [ "$(lab_link_state "$1")" = DOWN ]; }

expect_routes_a() {
	lab_must 10 "upstream to have $LAB_PFX4 from a and b" lab_routes_are 4 "a b"
	lab_must 10 "upstream to have $LAB_PFX6 from a and b" lab_routes_are 6 "a b"
}

# ---------------------------------------------------------------- drain

s_drain() {
	lab_up
	local t
	run 0 "drained (was announced)" actl a drain --reason "kernel upgrade"
	lab_must 5 "upstream to lose a" lab_routes_are 4 "b"
	lab_must 5 "client answered by b" lab_whoami_is 4 b
	ok "drained: upstream has the prefix from b only; client answered by b"
	run 0 "already drained (kernel upgrade)" actl a drain --reason other
	cat "$LAB_RUN/a/state/drain" | sed 's/^/    state file: /'
	grep -qx 'reason kernel upgrade' "$LAB_RUN/a/state/drain" ||
	    lab_fail "drain file lacks the reason"

	# Probes keep passing while drained, but the node stays dark.
	sleep 1
	[ "$(lab_link_state a)" = DOWN ] || lab_fail "a's link is up while drained"
	ok "a stays down while drained although probes pass"

	# Across a restart of anycastd: still drained, never announced.
	lab_watch_start 4 1000
	t=$(lab_now_us)
	lab_log_mark a
	lab_anycastd_stop a
	lab_anycastd_start a
	line=$(lab_log_wait a 'drained since' 5) || lab_fail "restart forgot the drain"
	ok "after restart: $line"
	expect_json a '"state":"drained"'
	expect_json a '"reason":"kernel upgrade"'
	sleep 1.5
	[ -z "$(lab_watch_back a 4 "$t")" ] || lab_fail "a was announced during the restart"
	[ "$(lab_link_state a)" = DOWN ] || lab_fail "a's link came up"
	ok "restart while drained: a never reappeared at the upstream"
	lab_watch_stop 4

	run 0 "undrained: announcing after 2 good cycles" actl a undrain
	[ ! -e "$LAB_RUN/a/state/drain" ] || lab_fail "drain file left after undrain"
	lab_must 5 "upstream to have a again" lab_routes_are 4 "a b"
	lab_must 5 "client back on a" lab_whoami_is 4 a
	# Counters are per process: this one started drained.
	expect_json a '"transitions":{"fall":0,"rise":1,"drain":0,"undrain":1,"guard":0}'
	ok "undrained: a announced again after rise, client back on a"
	# IPv6: the kernel flushed a's IPv6 address when the drain set the
	# link down, under the previous anycastd process; the new one must
	# have restored it from the state directory.
	lab_must 5 "upstream to have $LAB_PFX6 from a" lab_routes_are 6 "a b"
	ok "IPv6 prefix announced again after a restart while drained"
	run 0 "not drained" actl a undrain

	# A corrupt drain file counts as drained, and says why.
	lab_anycastd_stop a
	printf 'version 1\nsince yesterday\n' >"$LAB_RUN/a/state/drain"
	lab_log_mark a
	lab_anycastd_start a
	line=$(lab_log_wait a 'treating the node as drained' 5) ||
	    lab_fail "corrupt drain file not reported"
	ok "log: $line"
	grep -qF "$LAB_RUN/a/state/drain: line 2: bad number" <<<"$line" ||
	    lab_fail "the message does not name the file and the fault"
	lab_must 5 "a down (drained by corrupt file)" link_down a
	lab_must 5 "upstream to lose a" lab_routes_are 4 "b"
	expect_json a '"corrupt":true'
	show a "drained by a corrupt state file"
	run 0 "undrained" actl a undrain
	lab_must 5 "upstream to have a again" lab_routes_are 4 "a b"
	ok "undrain removed the corrupt file"

	# A drained node whose link is up at start: set down at once.
	lab_anycastd_stop a	# on_exit = keep: the link stays up
	[ "$(lab_link_state a)" = UP ] || lab_fail "link not up after stop"
	printf 'version 1\nsince %s\nuid 0\npid 1\nreason offline\n' "$(date +%s)" \
	    >"$LAB_RUN/a/state/drain"
	lab_log_mark a
	lab_anycastd_start a
	lab_must 3 "drained a to set its up link down at start" link_down a
	line=$(lab_log_wait a 'node is drained: setting it down' 3) ||
	    lab_fail "no log line for the forced withdrawal at start"
	ok "log: $line"
	lab_must 5 "upstream to lose a" lab_routes_are 4 "b"
	ok "drained at start with the link up: set down at once"
	run 0 "undrained" actl a undrain
}

# ---------------------------------------------------------------- wait

s_wait() {
	lab_up
	local t0 ms out rc
	t0=$(lab_now_us)
	out=$(actl a drain --reason maintenance --wait --timeout 10s 2>&1); rc=$?
	ms=$(lab_ms $(( $(lab_now_us) - t0 )))
	# The moment --wait returns, node a's BIRD exports nothing: check
	# BIRD itself (birdc) and the upstream.
	local e4 e6
	e4=$(lab_bird_cmd a show route export up4 | awk '$1 ~ /\//')
	e6=$(lab_bird_cmd a show route export up6 | awk '$1 ~ /\//')
	[ "$rc" = 0 ] || lab_fail "drain --wait failed ($rc): $out"
	[ -z "$e4$e6" ] || lab_fail "--wait returned while BIRD still exports: $e4 $e6"
	ok "drain --wait returned after $ms ms: $(tail -n1 <<<"$out")"
	ok "at that moment a's BIRD exports nothing to up4/up6 (birdc agrees)"
	lab_must 2 "upstream without a" lab_routes_are 4 "b"
	lab_say "figure: drain --wait took $ms ms (BIRD polled every 1 s, plus one poll at once on the drain)"
	run 0 "undrained" actl a undrain
	lab_must 5 "a back" lab_routes_are 4 "a b"

	# BIRD stopped: the withdrawal cannot be confirmed -> timeout, exit 5.
	lab_stop bird-a TERM
	t0=$(lab_now_us)
	run 5 "timed out after 2.0s waiting for the withdrawal: BIRD unreachable" \
	    actl a drain --reason "no bird" --wait --timeout 2s
	ms=$(lab_ms $(( $(lab_now_us) - t0 )))
	ok "with BIRD stopped, --wait gave up after $ms ms"
	expect_text a "unreachable"
	run 0 "undrained" actl a undrain
	# Not running at all.
	lab_anycastd_stop a
	run 3 "anycastd is not running (socket $(sock a))" actl a status
	run 3 "anycastd is not running" actl a drain --wait
}

# ---------------------------------------------------------------- perm

OPS_GROUP=ops5lab-ops OPS_IN=ops5lab-in OPS_OUT=ops5lab-out
perm_cleanup() {
	userdel "$OPS_IN" 2>/dev/null; userdel "$OPS_OUT" 2>/dev/null
	groupdel "$OPS_GROUP" 2>/dev/null
	lab_down
}

s_perm() {
	command -v setpriv >/dev/null || lab_skip "setpriv missing"
	perm_cleanup_users() { userdel "$OPS_IN"; userdel "$OPS_OUT"; groupdel "$OPS_GROUP"; } 2>/dev/null
	perm_cleanup_users
	groupadd --system "$OPS_GROUP" || lab_fail "groupadd"
	useradd --system --no-create-home --shell /usr/sbin/nologin -G "$OPS_GROUP" "$OPS_IN"
	useradd --system --no-create-home --shell /usr/sbin/nologin "$OPS_OUT"
	LAB_ANYCASTD_EXTRA="control_group = $OPS_GROUP"
	lab_up
	trap perm_cleanup EXIT
	chmod 0755 "$LAB_RUN" "$LAB_RUN/a"
	lab_say "users: $OPS_IN (in $OPS_GROUP), $OPS_OUT (not); socket $(stat -c '%A %U:%G' "$(sock a)")"
	[ "$(stat -c '%a %G' "$(sock a)")" = "660 $OPS_GROUP" ] || lab_fail "socket mode/group wrong"
	as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups "$@"; }
	run 4 "permission denied on $(sock a)" as "$OPS_OUT" "$ANYCASTCTL" -s "$(sock a)" status
	run 4 "permission denied" as "$OPS_OUT" "$ANYCASTCTL" -s "$(sock a)" drain
	[ "$(lab_link_state a)" = UP ] || lab_fail "a refused drain changed something"
	run 0 "State:       announced" as "$OPS_IN" "$ANYCASTCTL" -s "$(sock a)" status
	lab_log_mark a
	run 0 "drained" as "$OPS_IN" "$ANYCASTCTL" -s "$(sock a)" drain --reason "by ops"
	line=$(lab_log_wait a "drained by uid $(id -u "$OPS_IN") pid [0-9]+: by ops" 5) ||
	    lab_fail "the drain was not logged with the caller's uid"
	ok "log: $line"
	run 0 "undrained" as "$OPS_IN" "$ANYCASTCTL" -s "$(sock a)" undrain
	line=$(lab_log_wait a "undrained by uid $(id -u "$OPS_IN") pid [0-9]+" 5) ||
	    lab_fail "the undrain was not logged with the caller's uid"
	ok "log: $line"

	# A control socket that cannot be set up (no such group) is logged and
	# survived; a reload with the group fixed brings it back.
	local conf=$LAB_RUN/a/anycastd.conf
	lab_anycastd_stop a
	sed -i "s/^control_group = .*/control_group = ops5lab-nosuch/" "$conf"
	lab_log_mark a
	lab_anycastd_start a
	line=$(lab_log_wait a 'running without a control socket' 5) ||
	    lab_fail "no warning about the missing control socket"
	ok "log: $(lab_log_grep a 'group ops5lab-nosuch does not exist')"
	sleep 0.5
	lab_alive anycastd-a || lab_fail "anycastd died without its control socket"
	run 3 "anycastd is not running" "$ANYCASTCTL" -s "$(sock a)" status
	[ "$(lab_route_nodes 4)" = "a b" ] || lab_fail "a was withdrawn"
	ok "anycastd runs on without a control socket; a stays announced"
	sed -i "s/^control_group = .*/control_group = $OPS_GROUP/" "$conf"
	lab_log_mark a
	kill -HUP "$(lab_pid anycastd-a)"
	lab_log_wait a 'reloaded' 5 >/dev/null || lab_fail "no reload"
	lab_must 5 "the control socket back after the reload" test -S "$(sock a)"
	run 0 "State:       announced" as "$OPS_IN" "$ANYCASTCTL" -s "$(sock a)" status
	ok "after the reload the socket is back, mode $(stat -c '%a %G' "$(sock a)")"
}

# ---------------------------------------------------------------- abuse

s_abuse() {
	lab_up
	local c0 c1 n0 n1 secs=6 expect_min out late
	cycles() { json a | sed -n 's/.*"cycles":{"count":\([0-9]*\),.*/\1/p'; }
	c0=$(cycles)
	n0=$(lab_now_us)
	lab_log_mark a
	out=$("$OPS_TEST_CTL" attack "$(sock a)" "$secs") || lab_fail "attack tool failed"
	c1=$(cycles)
	n1=$(lab_now_us)
	[ -n "$c1" ] || lab_fail "status unanswered after the attack"
	ok "attack on a's control socket for ${secs}s: $out"
	# interval 200 ms: about 5 cycles a second.  Bound: half of that.
	expect_min=$(( (n1 - n0) / 400000 ))
	lab_say "figure: $((c1 - c0)) probe cycles in $(lab_ms $((n1 - n0))) ms under attack (interval 200 ms: $(( (n1 - n0) / 200000 )) expected)"
	[ $((c1 - c0)) -ge "$expect_min" ] ||
	    lab_fail "only $((c1 - c0)) cycles, expected >= $expect_min: the loop stalled"
	late=$(json a | sed -n 's/.*"last_age_seconds":\([0-9.]*\),.*/\1/p')
	ok "probing kept its pace; last cycle ${late}s ago"
	! lab_log_has a 'withdrawn:' || lab_fail "a withdrew during the attack"
	[ "$(lab_route_nodes 4)" = "a b" ] || lab_fail "routes changed during the attack"
	ok "no withdrawal, no route change at the upstream"
	grep -q 'rejected=[1-9]' <<<"$out" && grep -q 'busy=[1-9]' <<<"$out" ||
	    lab_fail "the attack was not answered as expected: $out"
	ok "garbage/oversized requests rejected, extra clients told busy"
	expect_text a "State:       announced"
}

# ---------------------------------------------------------------- flood

# A thousand clients at once, in waves, half of which never read their
# reply, while probing runs every 200 ms; a drain, as named's drop-in runs
# it, during the flood.  Probe cycles are timed from outside: anycastd
# renames its metrics file into place after every cycle, and test_ctl
# timestamps each rename (inotify).
s_flood() {
	lab_up
	local m=$LAB_RUN/a/metrics.prom out pid gap n t0 drc dms secs=5
	local iv=200 maxgap=1000
	pid=$(lab_pid anycastd-a)
	[ -n "$pid" ] || lab_fail "no anycastd pid for a"
	# A second anycastd on a's socket fails at once, before touching
	# anything, and a's socket keeps answering.
	out=$(timeout 10 ip netns exec "$(lab_ns a)" "$ANYCASTD" -c "$LAB_RUN/a/anycastd.conf" 2>&1)
	n=$?
	lab_say "a second anycastd on a's socket: exit $n: $(tail -n1 <<<"$out")"
	[ "$n" = 1 ] && grep -q "another anycastd is running there" <<<"$out" ||
	    lab_fail "the second anycastd did not fail cleanly (exit $n): $out"
	! grep -q "cannot open netlink\|adopt\|withdraw" <<<"$out" ||
	    lab_fail "the second anycastd went on past the lock: $out"
	expect_text a "State:       announced"
	ok "a second anycastd refused, a's socket still answers"
	# Positive control: the watcher sees a stalled loop (SIGSTOP 1 s).
	"$OPS_TEST_CTL" cycles "$m" 2000 >"$LAB_RUN/cycles.out" & n=$!
	sleep 0.5; kill -STOP "$pid"; sleep 1; kill -CONT "$pid"
	wait "$n"
	out=$(cat "$LAB_RUN/cycles.out")
	gap=$(sed -n 's/.*maxgap_ms=\([0-9]*\).*/\1/p' <<<"$out")
	lab_say "positive control, anycastd stopped for 1 s: $out"
	[ "${gap:-0}" -ge 900 ] || lab_fail "the cycle watcher missed a 1 s stall ($out)"
	ok "the watcher sees a stalled loop (gap $gap ms)"
	lab_log_mark a
	"$OPS_TEST_CTL" flood "$(sock a)" "$m" "$secs" 1000 >"$LAB_RUN/flood.out" & n=$!
	sleep 1.5
	t0=$(lab_now_us)
	actl a drain --reason named.service >"$LAB_RUN/drain.out" 2>&1
	drc=$?
	dms=$(lab_ms $(( $(lab_now_us) - t0 )))
	wait "$n" || lab_fail "the flood tool failed"
	out=$(cat "$LAB_RUN/flood.out")
	lab_say "figure: $out"
	echo "RESULT flood $out drain_ms=$dms"
	[ "$drc" = 0 ] || lab_fail "the drain during the flood failed ($drc): $(cat "$LAB_RUN/drain.out")"
	lab_say "figure: the drain during the flood answered in $dms ms: $(cat "$LAB_RUN/drain.out")"
	lab_must 5 "a's link down (drained)" link_down a
	ok "a drain got through the flood and withdrew a"
	gap=$(sed -n 's/.*maxgap_ms=\([0-9]*\).*/\1/p' <<<"$out")
	n=$(sed -n 's/.*cycles=\([0-9]*\).*/\1/p' <<<"$out")
	grep -q ' ok=[1-9]' <<<"$out" || lab_fail "no client was served: $out"
	grep -q ' reset=0 ' <<<"$out" || lab_fail "clients were reset instead of told busy: $out"
	grep -q ' other=0 ' <<<"$out" || lab_fail "clients got no reply or a malformed one: $out"
	# Generous: a loop blocked on a client would miss cycles by its
	# deadline (2 s); on time is one every $iv ms.
	[ "${gap:-99999}" -lt "$maxgap" ] ||
	    lab_fail "a probe cycle came $gap ms after the previous one (bound $maxgap ms, interval $iv ms)"
	[ "${n:-0}" -ge $(( secs * 1000 / iv / 2 )) ] ||
	    lab_fail "only $n probe cycles in ${secs}s (interval $iv ms)"
	ok "probing stayed on time: $n cycles, longest gap $gap ms (bound $maxgap ms)"
	run 0 "undrained" actl a undrain --if-reason named.service
}

# ---------------------------------------------------------------- maintenance

# The drop-in's commands, in order: ExecStop= lines (after the reset), then
# named starts, then ExecStartPost=.  /usr/sbin/anycastctl runs against a's
# socket, rndc stop is what named's own unit does (here: SIGTERM to named,
# which is what rndc stop asks for), and ${VAR}s come from Environment=.
dropin_env() {
	sed -n 's/^Environment=//p' "$DROPIN" | tr ' ' '\n' | grep "^$1=" | cut -d= -f2
}
dropin_cmds() {	# dropin_cmds ExecStop|ExecStartPost
	sed -n "s/^$1=-\{0,1\}//p" "$DROPIN" | sed '/^$/d' |
	    sed "s|\${ANYCASTD_DRAIN_TIMEOUT}|$(dropin_env ANYCASTD_DRAIN_TIMEOUT)|;
		 s|\${ANYCASTD_DRAIN_DELAY}|$(dropin_env ANYCASTD_DRAIN_DELAY)|"
}
dropin_run() {	# dropin_run ExecStop|ExecStartPost
	local line rc
	while read -r line; do
		lab_say "  $1: $line"
		case $line in
		/usr/sbin/anycastctl\ *)
			# shellcheck disable=SC2086
			"$ANYCASTCTL" -s "$(sock a)" ${line#/usr/sbin/anycastctl } 2>&1 |
			    sed 's/^/      /'
			rc=${PIPESTATUS[0]}
			[ "$rc" = 0 ] || lab_fail "$line failed ($rc)" ;;
		/usr/sbin/rndc\ stop)
			lab_named_kill a TERM ;;
		/bin/sleep\ *)
			sleep "${line#/bin/sleep }" ;;
		*)
			lab_fail "unexpected command in the drop-in: $line" ;;
		esac
	done < <(dropin_cmds "$1")
}

s_maintenance() {
	lab_up
	local iv=2000 fam sent lost answered t0 c n
	[ -f "$DROPIN" ] || lab_fail "no drop-in at $DROPIN"
	expect_routes_a
	# Linux removes an interface's IPv6 local routes when it goes down
	# (even with keep_addr_on_down), so a query already on its way to
	# the node when anycast0 goes down would be dropped, and named
	# unbinds the address until it is restored.  The IPv6 service address
	# is therefore also put on lo (a /128 that BIRD does not export, as
	# docs/anycastctl.8 recommends); IPv4 needs nothing: its local route
	# survives the link going down.
	if [ "${OPS_NO_LO6:-0}" != 1 ]; then
		for n in $(lab_node_names); do
			ip -n "$(lab_ns "$n")" addr add "$LAB_ANY6/128" dev lo ||
			    lab_fail "cannot add $LAB_ANY6/128 to lo on $n"
		done
		lab_say "IPv6 service address also on lo of every node"
	fi
	lab_client_start 4 "$iv"
	LAB_CLIENT4=$LAB_CLIENT_OUT
	lab_client_start 6 "$iv"
	sleep 1
	t0=$(lab_now_us)
	lab_say "systemctl restart named on a, as the drop-in does it:"
	dropin_run ExecStop
	lab_say "  named on a stopped; starting it"
	lab_named_start a
	dropin_run ExecStartPost
	lab_must 10 "upstream to have a again (v4)" lab_routes_are 4 "a b"
	lab_must 10 "upstream to have a again (v6)" lab_routes_are 6 "a b"
	lab_must 10 "client back on a" lab_whoami_is 4 a
	lab_say "  a announced again; maintenance took $(lab_ms $(( $(lab_now_us) - t0 ))) ms"
	sleep 1
	lab_client_stop 4
	lab_client_stop 6
	local fail=0
	for fam in 4 6; do
		c=$LAB_RUN/dnsloop.$fam.out
		sent=$(lab_kv "$c" summary sent)
		answered=$(lab_kv "$c" summary answered)
		lost=$(lab_kv "$c" summary lost)
		lab_say "figure IPv$fam: client every $((iv / 1000)) ms ($((1000000 / iv)) qps): sent $sent, answered $answered, lost $lost"
		grep '^switch ' "$c" | sed 's/^/    /'
		grep '^node ' "$c" | sed 's/^/    /'
		echo "RESULT maintenance family=$fam qps=$((1000000 / iv)) sent=$sent answered=$answered lost=$lost"
		grep -q '^switch from=node-a to=node-b' "$c" ||
		    lab_fail "IPv$fam: traffic never moved to b during the maintenance"
		grep -q '^switch from=node-b to=node-a' "$c" ||
		    lab_fail "IPv$fam: traffic never came back to a"
		[ "$lost" = 0 ] || fail=1
	done
	[ "$fail" = 0 ] || lab_fail "queries were lost during planned maintenance"
	ok "zero-loss maintenance: 0 queries lost on IPv4 and IPv6"
}

case $SCN in
status|drain|wait|perm|abuse|flood|maintenance) "s_$SCN" ;;
*) echo "usage: $0 status|drain|wait|perm|abuse|flood|maintenance" >&2; exit 2 ;;
esac
lab_say "PASS: ops $SCN"
