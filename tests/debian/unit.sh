#!/bin/bash
# The systemd units as installed: `cmake --install` into a staging root, then
#  - systemd-analyze verify --root=STAGE prints nothing and exits 0 (it checks
#    that ExecStart= binaries exist in the root, so the real install is used;
#    system programs the units call, such as /bin/kill and /sbin/ip, get
#    stubs in the root if the host has them, and the host's own units such as
#    sysinit.target are copied in so that dependencies resolve);
#  - systemd-analyze security --offline=true: exposure <= 1.7 for each unit,
#    the templates (anycastd@.service, anycastd-withdraw@.service) included;
#  - the design rules of the unit that no tool checks (Wants= not Requires=,
#    no withdrawing ExecStopPost=, OnFailure= fail-safe, ...), and that the
#    template anycastd@.service is anycastd.service line for line except
#    for what an instance changes.
#
# Usage: unit.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: unit.sh BUILD_DIR}
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }

stage=$(mktemp -d /tmp/anycastd-unit.XXXXXX)
trap 'rm -rf "$stage"' EXIT
echo "== staging install into $stage"
DESTDIR=$stage cmake --install "$build" --prefix /usr >/dev/null
units=("$stage"/lib/systemd/system/anycastd*.service)
[[ -e ${units[0]} ]] || { echo "FAIL: no unit installed in /lib/systemd/system"; exit 1; }
[[ -x $stage/usr/sbin/anycastd ]] || { echo "FAIL: /usr/sbin/anycastd not installed"; exit 1; }

mkdir -p "$stage/usr/lib/systemd"
cp -a /lib/systemd/system "$stage/usr/lib/systemd/" 2>/dev/null || true
for u in "${units[@]}"; do
	sed -n 's/^Exec[A-Za-z]*=[-+@:!]*\(\/[^ ]*\).*/\1/p' "$u"
done | sort -u | while read -r prog; do
	[[ -e $stage$prog ]] && continue
	if [[ -x $prog ]]; then
		mkdir -p "$stage$(dirname "$prog")"
		printf '#!/bin/sh\nexit 0\n' >"$stage$prog"
		chmod 0755 "$stage$prog"
		echo "   stub for system program $prog"
	else
		echo "FAIL: units call $prog, which is neither installed nor on this system"
		exit 1
	fi
done

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

echo "== systemd-analyze verify --root"
set +e
out=$(MANPATH=$stage/usr/share/man systemd-analyze verify --root="$stage" "${units[@]}" 2>&1)
rc=$?
set -e
if [[ $rc != 0 || -n $out ]]; then
	fail "systemd-analyze verify (exit $rc) printed:"
	echo "$out"
else
	echo "   clean: ${units[*]##*/}"
fi

echo "== systemd-analyze security --offline=true (exposure <= 1.7)"
for u in "${units[@]}"; do
	set +e
	out=$(systemd-analyze security --offline=true --root="$stage" --threshold=17 \
		--no-pager "$u" 2>&1)
	rc=$?
	set -e
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
	echo "   ${u##*/}: exposure $score"
	if [[ $rc != 0 || -z $score ]]; then
		fail "${u##*/}: exposure ${score:-unknown} is above 1.7 (exit $rc)"
		grep '✗' <<<"$out" || echo "$out"
	fi
done

echo "== design rules of anycastd.service"
unit=$stage/lib/systemd/system/anycastd.service
has() { grep -Eq "^$1\$" "$unit" || fail "anycastd.service lacks: $1"; }
hasnt() { if grep -Eq "^$1" "$unit"; then fail "anycastd.service must not have: $1"; fi; }
has 'Type=notify'
has 'NotifyAccess=main'
has 'WatchdogSec=[0-9]+s'
has 'Restart=on-failure'
has 'ExecStartPre=/usr/sbin/anycastd -n'
# shellcheck disable=SC2016 # a literal $MAINPID, matched as text
has 'ExecReload=/bin/kill -HUP \$MAINPID'
has 'Wants=bird.service named.service'
has 'After=.*bird.service.*'
# Before, not After, named: the drain drop-in orders named after anycastd.
has 'Before=named.service'
hasnt 'After=.*named.service'
has 'User=anycastd'
has 'AmbientCapabilities=CAP_NET_ADMIN'
has 'CapabilityBoundingSet=CAP_NET_ADMIN'
has 'NoNewPrivileges=yes'
has 'ProtectSystem=strict'
has 'RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6'
has 'RuntimeDirectory=anycastd'
has 'StateDirectory=anycastd'
has 'ConfigurationDirectory=anycastd'
has 'OnFailure=anycastd-withdraw.service'
has 'StartLimitBurst=[0-9]+'
# anycastd must outlive a dead named, and a restart must not withdraw.
hasnt 'Requires='
hasnt 'BindsTo='
hasnt 'PartOf='
hasnt 'ExecStopPost='
hasnt 'ExecStop='
# Watchdog restarts must be able to reach the start limit: each takes at
# least WatchdogSec, so StartLimitBurst of them must fit the interval.
wd=$(sed -n 's/^WatchdogSec=\([0-9]*\)s$/\1/p' "$unit")
burst=$(sed -n 's/^StartLimitBurst=\([0-9]*\)$/\1/p' "$unit")
interval=$(sed -n 's/^StartLimitIntervalSec=\([0-9]*\)min$/\1/p' "$unit")
if [[ -n $wd && -n $burst && -n $interval ]]; then
	if ((wd * burst >= interval * 60)); then
		fail "$burst watchdog restarts of ${wd}s do not fit StartLimitIntervalSec=${interval}min"
	fi
else
	fail "cannot read WatchdogSec/StartLimitBurst/StartLimitIntervalSec=Nmin"
fi
echo "== anycastd@.service: anycastd.service except for the instance"
tmpl=$stage/lib/systemd/system/anycastd@.service
wtmpl=$stage/lib/systemd/system/anycastd-withdraw@.service
[[ -f $tmpl && -f $wtmpl ]] || fail "anycastd@.service or anycastd-withdraw@.service not installed"
# Settings only (no comments), with the instance's changes undone: what is
# left must be the plain unit's, so the hardening cannot drift apart.
settings() { grep -Ev '^(#|$)' "$1"; }
undo='s/ -i %i//; s/anycastd-withdraw@%i.service/anycastd-withdraw.service/;
	s/^RuntimeDirectory=anycastd\/%i$/RuntimeDirectory=anycastd/;
	s/^StateDirectory=anycastd\/%i$/StateDirectory=anycastd/;
	s/^Description=anycast DNS health agent, instance %i$/Description=anycast DNS health agent/;
	s/^Wants=bird.service$/Wants=bird.service named.service/;
	s/^Before=named.service unbound.service$/Before=named.service/'
if ! d=$(diff <(settings "$unit" | grep -v '^RuntimeDirectoryPreserve=') \
	<(settings "$tmpl" | sed "$undo")); then
	fail "anycastd@.service differs from anycastd.service beyond the instance:"
	echo "$d"
fi
for re in 'ExecStart=/usr/sbin/anycastd -i %i' 'ExecStartPre=/usr/sbin/anycastd -i %i -n' \
	'OnFailure=anycastd-withdraw@%i.service' 'RuntimeDirectory=anycastd/%i' \
	'StateDirectory=anycastd/%i' 'Wants=bird.service'; do
	grep -qx "$re" "$tmpl" || fail "anycastd@.service lacks: $re"
done
grep -q '^Wants=.*named' "$tmpl" && fail "anycastd@.service must not want named (a resolver instance)"
# stopping anycastd.service must not remove the instances' sockets
grep -qx 'RuntimeDirectoryPreserve=yes' "$unit" ||
	fail "anycastd.service lacks RuntimeDirectoryPreserve=yes (its stop would remove /run/anycastd/NAME/)"
if ! d=$(diff <(settings "$stage/lib/systemd/system/anycastd-withdraw.service" | grep -v '^Environment=ANYCASTD_INTERFACE=') \
	<(settings "$wtmpl" | grep -v '^EnvironmentFile=' | sed 's/anycastd@%i/anycastd/g')); then
	fail "anycastd-withdraw@.service differs from anycastd-withdraw.service beyond the instance:"
	echo "$d"
fi
grep -qx 'EnvironmentFile=/var/lib/anycastd/%i/withdraw.env' "$wtmpl" ||
	fail "anycastd-withdraw@.service does not read the interface from the instance's state"
echo "   checked"

sysusers=$stage/usr/lib/sysusers.d/anycastd.conf
grep -Eq '^u anycastd ' "$sysusers" || fail "sysusers.d does not create user anycastd"
grep -Eq '^g anycast-ops ' "$sysusers" || fail "sysusers.d does not create group anycast-ops"
grep -Eq "^m anycastd anycast-ops" "$sysusers" || fail "sysusers.d does not put anycastd into anycast-ops"
perm=$(stat -c %a "$stage/etc/sudoers.d/anycastd")
[[ $perm == 440 ]] || fail "/etc/sudoers.d/anycastd has mode $perm, not 0440"

if ((fails)); then
	echo "$fails failure(s)"
	exit 1
fi
echo "OK"
