#!/bin/bash
# The real systemd test: Debian 12 with systemd 252 as PID 1 in
# systemd-nspawn, anycastd installed from its .deb with apt, next to Debian's
# own bird2 and bind9 packages and units, and anycast0 (an ifb link: this
# kernel has no dummy driver).  It proves, with systemd's own view:
#   A. apt install works offline on a fresh tree, creates the user (in group
#      bird, for BIRD's control socket), and neither enables nor starts it;
#   B. the unit is "active (running)" only after READY=1, `systemctl status`
#      shows STATUS=, the process runs as anycastd with only CAP_NET_ADMIN,
#      and it brings anycast0 up: BIRD exports the IPv4 and IPv6 prefixes;
#   C. systemctl stop named -> withdrawn (the package's named.service.d
#      drain drop-in withdraws before named stops; link down, BIRD exports
#      nothing); start -> announced again; named hung (SIGSTOP) -> the
#      probes withdraw; SIGCONT -> announced;
#   D. kill -STOP anycastd -> watchdog timeout, restart, NRestarts + 1, the
#      link never went down, still announced; the restart time is printed;
#   E. reload with a broken config fails and keeps the same process and the
#      link; SIGHUP with a broken config keeps it too; a good reload works;
#   F. systemctl stop leaves the link up and does not run the fail-safe;
#   G. crash loop (kill -9 until the start limit): the link stays up while
#      systemd restarts, then the unit fails and anycastd-withdraw.service
#      sets anycast0 down; after reset-failed + start it is announced again;
#   H. a broken config never starts (ExecStartPre), and after the start
#      limit the fail-safe withdraws;
#   I. systemd-networkd with the shipped 50-anycast0.network
#      (ActivationPolicy=manual) leaves a drained anycast0 down, while the
#      control with ActivationPolicy=up does bring it up;
#   J. an upgrade (apt install --reinstall) restarts a running agent without
#      a flap and keeps the operator's config.
# BIRD exports to two kernel protocols writing table 100 of the container's
# own network namespace (--private-network): no BGP peer is needed, and
# nothing leaves the container.
#
# Usage: nspawn.sh DEB_DIR CACHE_DIR
#   DEB_DIR holds anycastd_*.deb (built by deb.sh); CACHE_DIR keeps the
#   debootstrap tarball between runs (built by mkroot.sh on first use).
set -euo pipefail

debdir=${1:?usage: nspawn.sh DEB_DIR CACHE_DIR}
cache=${2:?usage: nspawn.sh DEB_DIR CACHE_DIR}
here=$(dirname "$(readlink -f "$0")")

# The container, booted, and the helpers (c, prop, wait_for, expect, ...).
# shellcheck source=tests/debian/container.sh
source "$here/container.sh"

# anycast0 exists before the package, as on a node being converted; the
# postinst applies the package's sysctl.d to it (udev does it for links
# created later; there is no udev in a container).
c ip link add anycast0 type ifb
c ip addr add 198.51.100.1/32 dev anycast0
c ip addr add 2001:db8:53::1/128 dev anycast0 nodad

echo "== A. apt install ./$debname (offline: dependencies are in the tree)"
set +e
# Literally what an operator types.  No network in here: it works because
# every dependency is already in the tree, which is the point of the check.
out=$(c env DEBIAN_FRONTEND=noninteractive sh -c "cd /var/tmp && apt install -y ./$debname" 2>&1)
rc=$?
set -e
echo "$out" | grep -Ev '^\(Reading database|^$' | sed 's/^/   | /'
[[ $rc == 0 ]] || { fail "apt install failed ($rc)"; exit 1; }
expect "user anycastd exists" c id anycastd
expect "group anycast-ops exists" c getent group anycast-ops
expect "anycastd is in group bird (BIRD's control socket)" \
	bash -c "nsenter -t $pid1 -a -- id -Gn anycastd | tr ' ' '\n' | grep -qx bird"
expect "anycastd is in group anycast-ops (it owns the control socket's group)" \
	bash -c "nsenter -t $pid1 -a -- id -Gn anycastd | tr ' ' '\n' | grep -qx anycast-ops"
expect "postinst tells the operator what to do" grep -q 'neither enabled nor started' <<<"$out"
expect "unit installed but disabled" test "$(c systemctl is-enabled anycastd || true)" = disabled
expect "unit not started" test "$(c systemctl is-active anycastd || true)" = inactive
expect "/etc/sudoers.d/anycastd is 0440" test "$(c stat -c %a /etc/sudoers.d/anycastd)" = 440
expect "/etc/anycastd/anycastd.conf is a conffile" \
	bash -c "nsenter -t $pid1 -a -- dpkg-query -W -f='\${Conffiles}' anycastd | grep -q /etc/anycastd/anycastd.conf"
expect "man page installed" c test -f /usr/share/man/man8/anycastd.8.gz
expect "sysctl.d applied: anycast0 keeps its IPv6 addresses when down" \
	test "$(c cat /proc/sys/net/ipv6/conf/anycast0/keep_addr_on_down)" = 1

echo "== setup: bird (direct on anycast0, export to kernel table 100), named"
c sh -c 'cat >/etc/bird/bird.conf' <<'EOF'
router id 192.0.2.53;
protocol device { }
protocol direct anycast { ipv4; ipv6; interface "anycast0"; }
protocol kernel kernel4 { kernel table 100; ipv4 { import none; export all; }; }
protocol kernel kernel6 { kernel table 100; ipv6 { import none; export all; }; }
EOF
c systemctl start bird.service named.service
expect "bird and named active" c systemctl is-active --quiet bird.service named.service
expect "anycast0 starts down (dark until probes pass)" bash -c '! nsenter -t '"$pid1"' -a -- ip -o link show anycast0 | grep -q "[<,]UP[,>]"'
# Debian's named is authoritative for "localhost" out of the box.
good_conf='[agent]
interface     = anycast0
rise          = 2
fall          = 3
interval      = 500ms
fast_interval = 100ms
hold_down     = 2s
control_group = anycast-ops

[bird]
socket        = /run/bird/bird.ctl

[probe soa4]
server        = 127.0.0.1
name          = localhost.
timeout       = 50ms

[probe soa6]
server        = ::1
name          = localhost.
transport     = tcp
timeout       = 50ms
'
broken_conf=${good_conf/rise          = 2/rise          = 0}
put_conf() { c sh -c 'cat >/etc/anycastd/anycastd.conf' <<<"$1"; }
put_conf "$good_conf"
expect "anycastd -n accepts the test config" c anycastd -n

echo "== B. systemctl enable --now anycastd"
c systemd-analyze log-level debug
t0=$(now_ms)
c systemctl enable --now anycastd.service 2>&1 | sed 's/^/   | /'
t_started=$(($(now_ms) - t0))
c systemd-analyze log-level info
mainpid=$(prop anycastd MainPID)
expect "active (running) when systemctl start returns (${t_started} ms)" \
	test "$(prop anycastd ActiveState)/$(prop anycastd SubState)" = active/running
# systemd's own log: the unit left "start" for "running" only on READY=1.
j=$(journal -u anycastd.service)
ready_line=$(grep -n "Got notification message from PID $mainpid (.*READY=1" <<<"$j" | head -n1 | cut -d: -f1)
running_line=$(grep -n 'Changed start -> running' <<<"$j" | head -n1 | cut -d: -f1)
if [[ -n $ready_line && -n $running_line ]] && ((ready_line < running_line)); then
	ok "systemd: READY=1 from PID $mainpid, then 'Changed start -> running'"
	sed -n "${ready_line}p;${running_line}p" <<<"$j" | sed 's/^/   | /'
else
	fail "no READY=1 before 'Changed start -> running' in the journal"
	echo "$j" | tail -n 30
fi
expect "announced after rise good cycles: link up, BIRD exports v4 and v6" wait_for 10 announced
status=$(c systemctl status anycastd --no-pager 2>&1 || true)
echo "$status" | sed -n '1,10p' | sed 's/^/   | /'
expect "systemctl status shows the STATUS= line" grep -Eq 'Status: "announced; 2/2 probes ok' <<<"$status"
procstatus=$(c cat "/proc/$mainpid/status")
grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' <<<"$procstatus" | sed 's/^/   | /'
uid=$(c id -u anycastd)
expect "runs as user anycastd (uid $uid)" grep -Eq "^Uid:[[:space:]]+${uid}[[:space:]]+${uid}[[:space:]]+${uid}[[:space:]]+${uid}\$" <<<"$procstatus"
for cap in CapPrm CapEff CapBnd CapAmb; do
	# CAP_NET_ADMIN is bit 12.
	expect "$cap = CAP_NET_ADMIN only" grep -Eq "^$cap:[[:space:]]+0000000000001000\$" <<<"$procstatus"
done
expect "NoNewPrivs and a seccomp filter" bash -c "grep -q '^NoNewPrivs:.*1' <<<'$procstatus' && grep -q '^Seccomp:.*2' <<<'$procstatus'"

echo "== C1. systemctl stop named: the drain drop-in withdraws first; start: announced"
expect "named.service carries the package's drain drop-in" \
	bash -c "nsenter -t $pid1 -a -- systemctl cat named.service | grep -q anycastd-drain.conf"
t0=$(now_ms)
c systemctl stop named.service
t_named=$(($(now_ms) - t0))
if withdrawn; then
	ok "withdrawn when 'systemctl stop named' returns (${t_named} ms, drain --wait + delay + rndc stop)"
else
	fail "still announced after 'systemctl stop named'"
fi
c birdc show route export kernel4 | sed 's/^/   | /'
expect "the IPv6 address stays on the down link (BIRD exports it not)" \
	bash -c "nsenter -t $pid1 -a -- ip -6 addr show dev anycast0 | grep -q 2001:db8:53::1/128"
t0=$(now_ms)
c systemctl start named.service
if wait_for 20 announced; then
	t_announce=$(($(now_ms) - t0))
	ok "announced again ${t_announce} ms after 'systemctl start named' (the drop-in's undrain, then rise), IPv6 exported again"
else
	fail "not announced within 20 s of starting named"
fi
c birdc show route export kernel6 | sed 's/^/   | /'

echo "== C2. named hung (SIGSTOP, no drop-in involved): the probes withdraw; SIGCONT: announced"
t0=$(now_ms)
c systemctl kill -s STOP named.service
if wait_for 10 withdrawn; then
	t_withdraw=$(($(now_ms) - t0))
	ok "withdrawn by the probes ${t_withdraw} ms after named hung (fall 3, fast_interval 100ms, timeout 50ms)"
else
	fail "not withdrawn within 10 s of named hanging"
fi
expect "journal: the agent says why" bash -c "nsenter -t $pid1 -a -- journalctl -u anycastd -o cat --no-pager | grep -q 'withdrawn: 3 failed cycles, probe soa4: timeout'"
t0=$(now_ms)
c systemctl kill -s CONT named.service
if wait_for 20 announced; then
	ok "announced again $(($(now_ms) - t0)) ms after SIGCONT (hold_down 2s)"
else
	fail "not announced within 20 s of named resuming"
fi
expect "same anycastd process throughout C" test "$(prop anycastd MainPID)" = "$mainpid"
echo "   anycastctl status (root):"
if out=$(c anycastctl status 2>&1); then
	echo "${out//$'\n'/$'\n'   | }" | sed '1s/^/   | /'
else
	fail "anycastctl status: $out"
	journal -u anycastd | grep -i 'control' | sed 's/^/   | /'
fi
# The operators' group, as packaged: control_group = anycast-ops.
c useradd -M -G anycast-ops acd-op
c useradd -M acd-outsider
expect "a member of anycast-ops runs anycastctl status without sudo" \
	bash -c "nsenter -t $pid1 -a -- setpriv --reuid acd-op --regid acd-op --init-groups anycastctl status >/dev/null"
set +e
c setpriv --reuid acd-outsider --regid acd-outsider --init-groups anycastctl status >/dev/null 2>&1
rc=$?
set -e
expect "a non-member is refused (exit $rc: 4 = permission denied)" test "$rc" = 4

echo "== D. kill -STOP anycastd -> watchdog"
nr0=$(prop anycastd NRestarts)
old=$(prop anycastd MainPID)
flapped=0
t0=$(now_ms)
c sh -c "kill -STOP $old"
restarted() {
	link_up || flapped=1
	local m
	m=$(prop anycastd MainPID)
	[[ $m != 0 && $m != "$old" && $(prop anycastd ActiveState) == active ]]
}
if wait_for 40 restarted; then
	t_wd=$(($(now_ms) - t0))
	ok "restarted: SIGSTOP to new MainPID READY in ${t_wd} ms (WatchdogSec=10s, pings every 5 s, RestartSec=1s)"
else
	fail "no watchdog restart within 40 s"
fi
nr1=$(prop anycastd NRestarts)
expect "NRestarts $nr0 -> $nr1" test "$nr1" -gt "$nr0"
expect "journal: Watchdog timeout" bash -c "nsenter -t $pid1 -a -- journalctl -u anycastd -o cat --no-pager | grep -q 'Watchdog timeout'"
expect "the link never went down during the stall and the restart" test "$flapped" = 0
expect "announced afterwards (the new agent adopted the up link)" announced
if wait_for 5 bash -c "nsenter -t $pid1 -a -- systemctl status anycastd --no-pager | grep -q 'Status: \"announced; 2/2'"; then
	ok "status says announced; 2/2 probes ok"
else
	fail "status after the restart"
fi

echo "== E. reload with a broken config"
mainpid=$(prop anycastd MainPID)
nr0=$(prop anycastd NRestarts)
put_conf "$broken_conf"
if c systemctl reload anycastd 2>&1 | sed 's/^/   | /'; [[ ${PIPESTATUS[0]} != 0 ]]; then
	ok "systemctl reload fails visibly"
else
	fail "systemctl reload succeeded with a broken config"
fi
expect "ExecReload's check names the line" bash -c "nsenter -t $pid1 -a -- journalctl -u anycastd -o cat --no-pager | grep -q 'anycastd.conf:[0-9]*: rise'"
c systemctl kill -s HUP --kill-who=main anycastd
sleep 1
expect "SIGHUP with the broken config: daemon keeps the old one" bash -c "nsenter -t $pid1 -a -- journalctl -u anycastd -o cat --no-pager | grep -q 'reload failed, still running the previous configuration'"
expect "still active, same MainPID, no restart" test "$(prop anycastd ActiveState)/$(prop anycastd MainPID)/$(prop anycastd NRestarts)" = "active/$mainpid/$nr0"
expect "still announced" announced
put_conf "$good_conf"
expect "reload with the good config works" c systemctl reload anycastd
expect "same MainPID after the good reload" test "$(prop anycastd MainPID)" = "$mainpid"

echo "== F. systemctl stop: link kept (on_exit = keep), no fail-safe"
c systemctl stop anycastd
sleep 0.5
expect "anycastd inactive (not failed)" test "$(prop anycastd ActiveState)" = inactive
expect "link still up, still exported" announced
expect "anycastd-withdraw.service did not run" test -z "$(prop anycastd-withdraw.service InvocationID)"
c systemctl start anycastd
expect "started again, announced" wait_for 5 announced

echo "== G. crash loop until the start limit -> fail-safe withdraws"
c systemctl reset-failed anycastd
kills=0
up_while_restarting=1
t0=$(now_ms)
while [[ $(prop anycastd ActiveState) != failed ]] && ((kills < 12)); do
	m=$(prop anycastd MainPID)
	if [[ $m != 0 ]]; then
		c sh -c "kill -9 $m"
		kills=$((kills + 1))
	fi
	# Until the unit is failed the node must stay announced.
	for _ in $(seq 1 60); do
		s=$(prop anycastd ActiveState)
		[[ $s == failed ]] && break
		link_up || up_while_restarting=0
		m2=$(prop anycastd MainPID)
		[[ $s == active && $m2 != 0 && $m2 != "$m" ]] && break
		sleep 0.05
	done
done
t_failed=$(($(now_ms) - t0))
expect "unit failed after $kills kills in ${t_failed} ms (Result=$(prop anycastd Result))" test "$(prop anycastd ActiveState)" = failed
expect "link stayed up while systemd was still restarting" test "$up_while_restarting" = 1
if wait_for 10 withdrawn; then
	ok "fail-safe: withdrawn $(($(now_ms) - t0)) ms after the first kill"
else
	fail "still announced after the unit failed for good"
fi
journal -u anycastd-withdraw.service | sed 's/^/   | /'
expect "anycastd-withdraw.service ran and said why" bash -c "nsenter -t $pid1 -a -- journalctl -u anycastd-withdraw -o cat --no-pager | grep -q 'failed for good (signal)'"
c systemctl reset-failed anycastd
c systemctl start anycastd
expect "after reset-failed + start: announced again once probes pass" wait_for 15 announced

echo "== H. a broken config never starts; the start limit then withdraws"
put_conf "$broken_conf"
pid_before=$(prop anycastd MainPID)
c systemctl reset-failed anycastd
t0=$(now_ms)
if c systemctl restart anycastd 2>&1 | sed 's/^/   | /'; [[ ${PIPESTATUS[0]} != 0 ]]; then
	ok "systemctl restart fails"
else
	fail "systemctl restart succeeded with a broken config"
fi
expect "ExecStartPre refused it (anycastd -n: FILE:LINE)" bash -c "nsenter -t $pid1 -a -- journalctl -u anycastd -o cat --no-pager | grep -q 'anycastd.conf:[0-9]*: rise: 0 is out of range'"
expect "the main process never ran with it" bash -c "[ \"\$(nsenter -t $pid1 -a -- systemctl show -p MainPID --value anycastd)\" = 0 ]"
if wait_for 30 bash -c "[ \"\$(nsenter -t $pid1 -a -- systemctl show -p ActiveState --value anycastd)\" = failed ]"; then
	ok "unit failed for good $(($(now_ms) - t0)) ms after the restart (start limit)"
else
	fail "unit did not reach failed"
fi
if wait_for 10 withdrawn; then ok "fail-safe withdrew the node"; else fail "still announced"; fi
put_conf "$good_conf"
c systemctl reset-failed anycastd
c systemctl start anycastd
expect "fixed config: announced again" wait_for 15 announced
[[ $pid_before != 0 ]] || fail "anycastd was not running before H"

echo "== I. systemd-networkd with the shipped example: ActivationPolicy=manual"
# networkd owns anycast0's configuration but never its up/down state.  The
# negative control (ActivationPolicy=up) shows that the check can fail:
# networkd then brings the drained link up and anycastd has to fight it.
behind() { journal -u anycastd | grep -c 'behind our back' || true; }
c install -m 0644 /usr/share/doc/anycastd/examples/50-anycast0.network /etc/systemd/network/
c systemctl start systemd-networkd.service
wait_for 10 bash -c "nsenter -t $pid1 -a -- networkctl list anycast0 --no-legend | grep -Eq 'configured|configuring|unmanaged'" || true
c networkctl list --no-pager 2>&1 | sed 's/^/   | /'
c anycastctl drain --reason networkd-test --wait --timeout 10s >/dev/null
expect "drained: withdrawn" withdrawn
b0=$(behind)
c networkctl reload
c networkctl reconfigure anycast0
sleep 2
expect "manual: networkd left the drained link down (no fight: $b0 -> $(behind) re-asserts)" \
	bash -c "[ $b0 = \$(nsenter -t $pid1 -a -- journalctl -u anycastd -o cat --no-pager | grep -c 'behind our back') ] && ! nsenter -t $pid1 -a -- ip -o link show anycast0 | grep -q '[<,]UP[,>]'"
c sed -i 's/^ActivationPolicy=manual/ActivationPolicy=up/' /etc/systemd/network/50-anycast0.network
c networkctl reload
c networkctl reconfigure anycast0
sleep 2
b1=$(behind)
if ((b1 > b0)); then
	ok "control: with ActivationPolicy=up networkd set the link up behind anycastd's back ($b1 re-asserts)"
else
	fail "control: ActivationPolicy=up did not provoke networkd (the manual check proves nothing)"
fi
expect "anycastd kept the drained node withdrawn anyway" withdrawn
c sed -i 's/^ActivationPolicy=up/ActivationPolicy=manual/' /etc/systemd/network/50-anycast0.network
c networkctl reload
c anycastctl undrain >/dev/null
expect "undrained: announced again" wait_for 15 announced

echo "== J. package upgrade (apt reinstall): restarted, no flap, config kept"
old=$(prop anycastd MainPID)
flapped=0
c env DEBIAN_FRONTEND=noninteractive sh -c "cd /var/tmp && apt install -y --reinstall ./$debname" >"$work/reinstall.log" 2>&1 &
apt_pid=$!
while kill -0 "$apt_pid" 2>/dev/null; do
	link_up || flapped=1
	sleep 0.02
done
if wait "$apt_pid"; then ok "apt install --reinstall"; else fail "apt reinstall"; cat "$work/reinstall.log"; fi
new=$(prop anycastd MainPID)
expect "postinst restarted the running agent (MainPID $old -> $new)" test "$new" != "$old" -a "$new" != 0
expect "the link never went down during the upgrade" test "$flapped" = 0
expect "the operator's config was kept (conffile)" c grep -q '^interval      = 500ms' /etc/anycastd/anycastd.conf
expect "still announced" wait_for 5 announced

echo "== figures"
echo "   systemctl start -> active (READY): ${t_started:-?} ms"
echo "   systemctl stop named (drained):    ${t_named:-?} ms"
echo "   named start -> announced:          ${t_announce:-?} ms (undrain by the drop-in)"
echo "   named hung -> withdrawn (probes):  ${t_withdraw:-?} ms"
echo "   watchdog: SIGSTOP -> new READY:    ${t_wd:-?} ms"
echo "   crash loop -> unit failed:         ${t_failed:-?} ms ($kills kills)"

if ((fails)); then
	echo "$fails failure(s); journal of the container follows"
	c journalctl --no-pager -o short-monotonic -u anycastd -u anycastd-withdraw -n 80 || true
	exit 1
fi
echo "OK: all systemd scenarios passed"
