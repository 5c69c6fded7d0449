#!/bin/bash
# Several anycast services on one host, and the journal, in the real
# systemd 252 booted in systemd-nspawn (the tree and the .deb of
# nspawn.sh): anycastd@bind.service watches Debian's named for anycast0,
# anycastd@resolver.service watches Debian's unbound for anycast1.  Proves:
#   A. both instances start from /etc/anycastd/NAME.conf with their own
#      sockets and state (/run/anycastd/NAME/, /var/lib/anycastd/NAME/);
#   B. plain `anycastctl status` refuses to guess and lists them all;
#      `anycastctl -i NAME` talks to one, --all to each;
#   C. named hung: only the bind instance withdraws (anycast1 stays up the
#      whole time); unbound hung: only the resolver instance withdraws
#      (anycast0 stays up); each comes back alone;
#   D. systemctl stop named: the drop-in drains the bind instance and the
#      default one (server_unit named.service), not the resolver's
#      (unbound.service); start: both undrained;
#   E. a reload with a broken config fails (and is journalled);
#   F. anycastd-withdraw@resolver.service sets anycast1 (from the
#      instance's withdraw.env) down, not anycast0; the running agent puts
#      it back (a fought link);
#   H. stopping the plain anycastd.service (the default instance, on
#      anycast2, also drained in D) leaves the instances' sockets alone;
#   I. a crash loop of the resolver instance: OnFailure= runs its own
#      fail-safe, which withdraws anycast1 and leaves anycast0 up;
#   G. journalctl -o json: MESSAGE_ID and the ANYCASTD_* fields of a
#      withdrawal, an announce, a drain, a reload failure and a fought
#      link; `journalctl MESSAGE_ID=<withdrawn>` lists each withdrawal; no
#      transition is logged twice (native entry and stderr line);
#   J. an upgrade (apt install --reinstall) restarts the running instance
#      (the postinst's try-restart of anycastd@*) without a flap, and
#      leaves the failed one failed;
#   K. apt remove stops every instance (prerm); purge removes the
#      instances' enablement links (postrm).
#
# Usage: instances.sh DEB_DIR CACHE_DIR
set -euo pipefail

debdir=${1:?usage: instances.sh DEB_DIR CACHE_DIR}
cache=${2:?usage: instances.sh DEB_DIR CACHE_DIR}
here=$(dirname "$(readlink -f "$0")")

# The container, booted, and the helpers (c, prop, wait_for, expect,
# link_up IF, ...); before_cleanup stops a watcher left running.
watch_pid=
before_cleanup() { [[ -z $watch_pid ]] || kill "$watch_pid" 2>/dev/null; }
# shellcheck source=tests/debian/container.sh
source "$here/container.sh"

down() { ! link_up "$1"; }
t_start=$(now_ms)

c ip link add anycast0 type ifb
c ip link add anycast1 type ifb
c ip link add anycast2 type ifb
c ip addr add 198.51.100.1/32 dev anycast0
c ip addr add 198.51.100.2/32 dev anycast1
c ip addr add 198.51.100.3/32 dev anycast2
echo "   anycast0, anycast1, anycast2: ifb (this kernel has no dummy link type)"

echo "== setup: apt install ./$debname (offline), named, unbound on 127.0.0.1 port 5353"
if ! out=$(c env DEBIAN_FRONTEND=noninteractive sh -c "cd /var/tmp && apt install -y ./$debname" 2>&1); then
	echo "$out" | tail -n 20
	fail "apt install"
	exit 1
fi
expect "anycastd@.service and anycastd-withdraw@.service installed" \
	c test -f /lib/systemd/system/anycastd@.service -a -f /lib/systemd/system/anycastd-withdraw@.service
c sh -c 'cat >/etc/unbound/unbound.conf' <<'EOF'
# The test's resolver: answers resolver.test. from its own data, never
# leaves the container (which has no network anyway).
server:
	interface: 127.0.0.1@5353
	port: 5353
	do-ip6: no
	chroot: ""
	username: "unbound"
	directory: "/etc/unbound"
	pidfile: ""
	do-not-query-localhost: yes
	local-zone: "resolver.test." static
	local-data: "resolver.test. 60 IN A 192.0.2.53"
remote-control:
	control-enable: no
EOF
c systemctl start named.service unbound.service
expect "named and unbound active" c systemctl is-active --quiet named.service unbound.service

conf() { # conf INTERFACE SERVER_UNIT PROBE-LINES
	printf '[agent]\ninterface     = %s\nrise          = 2\nfall          = 3\ninterval      = 200ms\nfast_interval = 100ms\nhold_down     = 0\ncontrol_group = anycast-ops\nserver_unit   = %s\n\n%s\n' "$1" "$2" "$3"
}
bind_conf=$(conf anycast0 named.service '[probe soa]
server  = 127.0.0.1
name    = localhost.
timeout = 50ms')
resolver_conf=$(conf anycast1 unbound.service '[probe rec]
server        = 127.0.0.1
port          = 5353
name          = resolver.test.
type          = A
authoritative = no
timeout       = 50ms')
c sh -c 'cat >/etc/anycastd/bind.conf' <<<"$bind_conf"
# The plain unit too (the default instance), also watching named.
c sh -c 'cat >/etc/anycastd/anycastd.conf' <<<"$(conf anycast2 named.service '[probe soa2]
server  = 127.0.0.1
name    = localhost.
timeout = 50ms')"
c sh -c 'cat >/etc/anycastd/resolver.conf' <<<"$resolver_conf"

echo "== A. systemctl enable --now anycastd@bind anycastd@resolver; start anycastd"
c systemctl enable --now anycastd@bind.service anycastd@resolver.service 2>&1 | sed 's/^/   | /'
c systemctl start anycastd.service
expect "the two instances and the plain unit active" \
	c systemctl is-active --quiet anycastd@bind.service anycastd@resolver.service anycastd.service
expect "anycast0 announced by the bind instance" wait_for 10 link_up anycast0
expect "anycast1 announced by the resolver instance" wait_for 10 link_up anycast1
expect "anycast2 announced by anycastd.service" wait_for 10 link_up anycast2
for i in bind resolver; do
	expect "$i: socket /run/anycastd/$i/anycastd.sock" c test -S /run/anycastd/$i/anycastd.sock
	expect "$i: state /var/lib/anycastd/$i/ (withdraw.env for the fail-safe)" c test -f /var/lib/anycastd/$i/withdraw.env
done
expect "withdraw.env names the resolver's interface" c grep -qx ANYCASTD_INTERFACE=anycast1 /var/lib/anycastd/resolver/withdraw.env

echo "== B. anycastctl without -i lists the instances; -i picks one"
set +e
out=$(c anycastctl status 2>&1)
rc=$?
set -e
awk '{print "   | " $0}' <<<"$out"
expect "plain anycastctl refuses to guess (exit $rc = 2)" test "$rc" = 2
expect "...and lists anycastd.service (the default) on anycast2" \
	grep -Eq '^anycastd\.service +- +anycast2 +named\.service$' <<<"$out"
expect "...and lists anycastd@bind.service on anycast0 (named.service)" \
	grep -Eq '^anycastd@bind\.service +bind +anycast0 +named\.service$' <<<"$out"
expect "...and anycastd@resolver.service on anycast1 (unbound.service)" \
	grep -Eq '^anycastd@resolver\.service +resolver +anycast1 +unbound\.service$' <<<"$out"
shows() { # shows IF PROBE -i NAME | --instance NAME | -s SOCKET
	local out
	out=$(c anycastctl "${@:3}" status) &&
		grep -q "^Interface: *$1 " <<<"$out" && grep -q "^$2 " <<<"$out"
}
expect "anycastctl -i resolver status: anycast1, probe rec" shows anycast1 rec -i resolver
expect "anycastctl --instance bind status: anycast0, probe soa" shows anycast0 soa --instance bind
expect "anycastctl -s /run/anycastd/anycastd.sock status: the default, anycast2" \
	shows anycast2 soa2 -s /run/anycastd/anycastd.sock
out=$(c anycastctl --all status)
expect "anycastctl --all status: all three, each named" \
	test "$(grep -Ec '^anycastd(@bind|@resolver|)\.service:$' <<<"$out")" = 3

# watch IF: records in $work/watch.IF whether IF was ever down (50 ms).
watch_start() {
	: >"$work/watch.$1"
	(while :; do link_up "$1" || echo down >"$work/watch.$1"; sleep 0.05; done) &
	watch_pid=$!
}
watch_stop() { kill "$watch_pid" 2>/dev/null; wait "$watch_pid" 2>/dev/null || true; watch_pid=; }
never_down() { [[ ! -s $work/watch.$1 ]]; }

echo "== C1. named hung: the bind instance withdraws, the resolver's stays"
watch_start anycast1
t0=$(now_ms)
c systemctl kill -s STOP named.service
if wait_for 10 down anycast0; then ok "anycast0 withdrawn $(($(now_ms) - t0)) ms after named hung"; else fail "anycast0 not withdrawn"; fi
expect "anycast2 too (anycastd.service also watches named)" wait_for 10 down anycast2
sleep 0.5
c systemctl kill -s CONT named.service
expect "anycast0 announced again after SIGCONT" wait_for 10 link_up anycast0
expect "anycast2 announced again" wait_for 10 link_up anycast2
watch_stop
expect "anycast1 never went down meanwhile" never_down anycast1

echo "== C2. unbound hung: the resolver instance withdraws, the bind one stays"
watch_start anycast0
t0=$(now_ms)
c systemctl kill -s STOP unbound.service
if wait_for 10 down anycast1; then ok "anycast1 withdrawn $(($(now_ms) - t0)) ms after unbound hung (the positive control of C1)"; else fail "anycast1 not withdrawn"; fi
sleep 0.5
c systemctl kill -s CONT unbound.service
expect "anycast1 announced again after SIGCONT" wait_for 10 link_up anycast1
watch_stop
expect "anycast0 never went down meanwhile (C1 is its positive control)" never_down anycast0

echo "== D. systemctl stop named: the drop-in drains bind and the default, not the resolver"
watch_start anycast1
t0=$(now_ms)
c systemctl stop named.service
t_named=$(($(now_ms) - t0))
expect "anycast0 and anycast2 down when 'systemctl stop named' returns (${t_named} ms)" \
	bash -c "! nsenter -t $pid1 -a -- ip -o link show up | grep -Eq ': anycast[02]:'"
drain_is() { c anycastctl "${@:2}" status | grep -Eq "^Drain: *$1"; }
expect "bind instance drained for named.service" drain_is 'yes.*named.service' -i bind
expect "the default instance drained for named.service" drain_is 'yes.*named.service' -s /run/anycastd/anycastd.sock
expect "resolver instance not drained" drain_is no -i resolver
c journalctl -u named.service -o cat --no-pager | grep 'anycastd@' | sed 's/^/   | /' || true
c systemctl start named.service
expect "named started: bind instance undrained, anycast0 announced" wait_for 10 link_up anycast0
expect "...and the default one, anycast2 announced" wait_for 10 link_up anycast2
watch_stop
expect "anycast1 never went down during named's maintenance" never_down anycast1

echo "== E. a broken config: the reload fails, the agent keeps running"
c sh -c 'cat >/etc/anycastd/resolver.conf' <<<"${resolver_conf/rise          = 2/rise          = 0}"
rmain=$(prop anycastd@resolver.service MainPID)
c systemctl kill -s HUP --kill-who=main anycastd@resolver.service
reload_failed() { journal MESSAGE_ID=ec9b7caf328a48059ed5ab4e933e5565 ANYCASTD_INSTANCE=resolver | grep -q .; }
expect "the reload failed (journalled)" wait_for 10 reload_failed
expect "same resolver process, still active" test "$(prop anycastd@resolver.service MainPID)/$(prop anycastd@resolver.service ActiveState)" = "$rmain/active"
c sh -c 'cat >/etc/anycastd/resolver.conf' <<<"$resolver_conf"
expect "a good reload works" c systemctl reload anycastd@resolver.service

echo "== F. anycastd-withdraw@resolver.service: anycast1 down, anycast0 not"
watch_start anycast0
c systemctl start anycastd-withdraw@resolver.service
c journalctl -u anycastd-withdraw@resolver.service -o cat --no-pager | sed 's/^/   | /'
expect "the fail-safe ran (Result=$(prop anycastd-withdraw@resolver.service Result))" \
	test "$(prop anycastd-withdraw@resolver.service Result)" = success
expect "the running resolver agent put anycast1 back (fought link)" wait_for 5 link_up anycast1
watch_stop
expect "anycast0 untouched" never_down anycast0

echo "== H. systemctl stop anycastd: the instances keep their sockets"
c systemctl stop anycastd.service
expect "anycastd.service inactive" test "$(prop anycastd.service ActiveState)" = inactive
expect "/run/anycastd/bind/anycastd.sock survives (RuntimeDirectoryPreserve=yes)" c test -S /run/anycastd/bind/anycastd.sock
expect "anycastctl -i bind still works" shows anycast0 soa -i bind

echo "== I. the resolver instance in a crash loop: its own fail-safe withdraws anycast1 only"
# RestartSec=100ms for this instance (a runtime drop-in), so that the start
# limit (5 starts in 5 min) comes in about a second instead of 5 to 10;
# debian.nspawn G runs its crash loop with the shipped RestartSec=1s.
c mkdir -p /run/systemd/system/anycastd@resolver.service.d
c sh -c 'printf "[Service]\nRestartSec=100ms\n" >/run/systemd/system/anycastd@resolver.service.d/restart.conf'
c systemctl daemon-reload
watch_start anycast0
kills=0
t0=$(now_ms)
while [[ $(prop anycastd@resolver.service ActiveState) != failed ]] && ((kills < 12)); do
	m=$(prop anycastd@resolver.service MainPID)
	if [[ $m != 0 ]]; then
		c kill -9 "$m"
		kills=$((kills + 1))
	fi
	for _ in $(seq 1 60); do
		st=$(prop anycastd@resolver.service ActiveState)
		m2=$(prop anycastd@resolver.service MainPID)
		[[ $st == failed || ($st == active && $m2 != 0 && $m2 != "$m") ]] && break
		sleep 0.05
	done
done
expect "anycastd@resolver.service failed after $kills kills in $(($(now_ms) - t0)) ms" \
	test "$(prop anycastd@resolver.service ActiveState)" = failed
expect "OnFailure= ran anycastd-withdraw@resolver.service: anycast1 down" wait_for 10 down anycast1
watch_stop
expect "anycast0 untouched by the resolver's fail-safe" never_down anycast0
expect "the bind instance still active" c systemctl is-active --quiet anycastd@bind.service

echo "== G. the journal, read back with journalctl -o json"
c journalctl --no-pager -o json _SYSTEMD_UNIT=anycastd@bind.service + _SYSTEMD_UNIT=anycastd@resolver.service + _SYSTEMD_UNIT=anycastd.service >"$work/journal.json"
echo "   $(wc -l <"$work/journal.json") entries from the two instances"
withdrawn_id=f0f70a3a83c7492dad24d487c89bab2b
n=$(c journalctl --no-pager -o cat MESSAGE_ID=$withdrawn_id | wc -l)
c journalctl --no-pager -o short-monotonic MESSAGE_ID=$withdrawn_id | sed 's/^/   | /'
expect "journalctl MESSAGE_ID=$withdrawn_id lists the 3 withdrawals of C ($n)" test "$n" = 3
if python3 - "$work/journal.json" <<'EOF'; then ok "MESSAGE_ID and fields of withdrawn, announced, drained, undrained, reload-ok, reload-failed, link-fought"; else fail "journal fields"; fi
import json, sys
ids = {
    "withdrawn": "f0f70a3a83c7492dad24d487c89bab2b",
    "announced": "5d32a7bfb54c496e81bf679b28e581ea",
    "drained": "c6275712295e4941902ac773b1373308",
    "undrained": "189fa154b9e747b09bb721677e5f6dc3",
    "reload-ok": "f7c2a01a7b12490cbf3818e911a4cada",
    "reload-failed": "ec9b7caf328a48059ed5ab4e933e5565",
    "link-fought": "24c0238287e14bf6942c9cead762ebab",
}
es = [json.loads(l) for l in open(sys.argv[1])]
bad = 0
def find(kind, inst, **want):
    global bad
    for e in es:
        if e.get("MESSAGE_ID") == ids[kind] and e.get("ANYCASTD_INSTANCE") == inst and \
                all(v(e.get(k, "")) if callable(v) else e.get(k) == v for k, v in want.items()):
            print("   ok: %-13s %-8s %s" % (kind, inst, {k: e.get(k) for k in sorted(e) if k.startswith("ANYCASTD_")}))
            return e
    print("FAIL: no %s entry of %s with %s" % (kind, inst, want)); bad += 1
find("withdrawn", "bind", ANYCASTD_STATE="withdrawn", ANYCASTD_PROBE="soa", ANYCASTD_INTERFACE="anycast0",
     ANYCASTD_EVENT="withdrawn", PRIORITY="5", SYSLOG_IDENTIFIER="anycastd",
     ANYCASTD_REASON=lambda r: r.startswith("3 failed cycles, probe soa: timeout"),
     MESSAGE=lambda m: m.startswith("withdrawn: 3 failed cycles"))
find("withdrawn", "resolver", ANYCASTD_STATE="withdrawn", ANYCASTD_PROBE="rec", ANYCASTD_INTERFACE="anycast1")
find("announced", "bind", ANYCASTD_STATE="announced", ANYCASTD_INTERFACE="anycast0",
     ANYCASTD_REASON=lambda r: r.startswith("2 good cycles"))
find("drained", "bind", ANYCASTD_STATE="withdrawn", ANYCASTD_REASON="named.service", ANYCASTD_INTERFACE="anycast0")
find("undrained", "bind", ANYCASTD_REASON="named.service")
find("drained", None, ANYCASTD_REASON="named.service", ANYCASTD_INTERFACE="anycast2")
find("reload-failed", "resolver", PRIORITY="4", ANYCASTD_REASON=lambda r: "rise" in r and "resolver.conf:" in r)
find("reload-ok", "resolver", ANYCASTD_INTERFACE="anycast1")
find("link-fought", "resolver", ANYCASTD_INTERFACE="anycast1", ANYCASTD_REASON="set down behind our back")
# The drop-in drained only the bind instance.
if any(e.get("MESSAGE_ID") == ids["drained"] and e.get("ANYCASTD_INSTANCE") == "resolver" for e in es):
    print("FAIL: the resolver instance was drained"); bad += 1
# No double logging: every transition's text is in a native entry, never
# also in a stderr line of the unit (the positive control is find() above).
native = [e for e in es if e.get("MESSAGE_ID") in ids.values()]
stream = [e for e in es if e.get("_TRANSPORT") == "stdout"]
dup = [e["MESSAGE"] for e in stream if e.get("MESSAGE", "").startswith(("withdrawn:", "announced:", "drained by", "undrained by")) or "reload failed" in e.get("MESSAGE", "")]
print("   %d native transition entries, %d stderr lines, %d transitions logged twice" % (len(native), len(stream), len(dup)))
if dup or not native or not stream:
    print("FAIL: double logging or nothing logged: %s" % dup[:3]); bad += 1
sys.exit(1 if bad else 0)
EOF

echo "== J. an upgrade (apt install --reinstall): running instances restart, no flap"
bmain=$(prop anycastd@bind.service MainPID)
watch_start anycast0
if out=$(c env DEBIAN_FRONTEND=noninteractive sh -c "cd /var/tmp && apt install -y --reinstall ./$debname" 2>&1); then
	ok "apt install --reinstall"
else
	echo "$out" | tail -n 20
	fail "apt install --reinstall"
fi
expect "the postinst try-restarted anycastd@bind (MainPID $bmain -> $(prop anycastd@bind.service MainPID))" \
	test "$(prop anycastd@bind.service ActiveState)" = active -a "$(prop anycastd@bind.service MainPID)" != "$bmain"
expect "...which announces anycast0 again" wait_for 10 link_up anycast0
watch_stop
expect "anycast0 never went down during the upgrade (on_exit = keep; its positive control is C1)" never_down anycast0
expect "the failed resolver instance and the stopped anycastd.service stay so (try-restart)" \
	test "$(prop anycastd@resolver.service ActiveState)/$(prop anycastd.service ActiveState)" = failed/inactive

echo "== K. apt remove stops every instance; purge forgets their enablement"
c env DEBIAN_FRONTEND=noninteractive apt-get remove -y anycastd >/dev/null 2>&1 || fail "apt-get remove"
expect "no anycastd process left after remove (the prerm stopped anycastd@bind)" \
	bash -c "! nsenter -t $pid1 -a -- pgrep -x anycastd"
links() { c find /etc/systemd/system -name 'anycastd@*.service' -type l; }
expect "after remove the instances are still enabled (a reinstall keeps them)" \
	test "$(links | wc -l)" = 2
c env DEBIAN_FRONTEND=noninteractive apt-get purge -y anycastd >/dev/null 2>&1 || fail "apt-get purge"
expect "after purge: no enablement link of an instance, no /var/lib/anycastd" \
	test "$(links | wc -l)/$(c ls -d /var/lib/anycastd 2>/dev/null || true)" = 0/

echo "== figures"
echo "   systemctl stop named (bind drained): ${t_named:-?} ms"
echo "   whole test: $(($(now_ms) - t_start)) ms after boot"

if ((fails)); then
	echo "$fails failure(s); journal of the container follows"
	c journalctl --no-pager -o short-monotonic -u 'anycastd*' -n 80 || true
	exit 1
fi
echo "OK: two instances, the drop-in and the journal"
