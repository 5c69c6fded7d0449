#!/bin/bash
# The first five minutes of a new user, in a real Debian 12 booted with
# systemd in systemd-nspawn (container.sh): named already serves (Debian's
# bind9, authoritative for "localhost" out of the box), the operator
#   1. runs `apt install ./anycastd_*.deb`;
#   2. creates the anycast interface (dummy where the kernel has it, ifb
#      here: this kernel has no dummy driver);
#   3. edits the shipped example /etc/anycastd/anycastd.conf with a script
#      (the interface, and the probe pointed at a zone this named serves),
#      checks it with `anycastd -n`;
#   4. runs `systemctl enable --now anycastd`.
# Then anycastd must be enabled, active (running), which for Type=notify
# means READY=1 was received, its status must say announced, and
# anycast0, down before, must be up.  Nothing else is configured: no
# BIRD, no test config, only the package's own files and the user's edits.
#
# Usage: firstrun.sh DEB_DIR CACHE_DIR (as nspawn.sh)
set -euo pipefail

debdir=${1:?usage: firstrun.sh DEB_DIR CACHE_DIR}
cache=${2:?usage: firstrun.sh DEB_DIR CACHE_DIR}
here=$(dirname "$(readlink -f "$0")")

# shellcheck source=tests/debian/container.sh
source "$here/container.sh"

echo "== named is running, as on a DNS node"
c systemctl start named.service
expect "named active" c systemctl is-active --quiet named.service

echo "== 1. apt install ./$debname"
set +e
out=$(c env DEBIAN_FRONTEND=noninteractive sh -c "cd /var/tmp && apt install -y ./$debname" 2>&1)
rc=$?
set -e
grep -Ev '^\(Reading database|^$' <<<"$out" | sed 's/^/   | /'
[[ $rc == 0 ]] || { fail "apt install failed ($rc)"; exit 1; }
expect "installed, neither enabled nor started" \
	test "$(c systemctl is-enabled anycastd || true)/$(c systemctl is-active anycastd || true)" = disabled/inactive

echo "== 2. the anycast interface"
if c ip link add anycast0 type dummy 2>/dev/null; then
	echo "   anycast0: dummy"
else
	c ip link add anycast0 type ifb
	echo "   anycast0: ifb (this kernel has no dummy driver)"
fi
c ip addr add 198.51.100.1/32 dev anycast0
expect "anycast0 is down before anycastd runs (the control for 'up' below)" bash -c '! nsenter -t '"$pid1"' -a -- ip -o link show anycast0 | grep -q "[<,]UP[,>]"'

echo "== 3. edit the shipped example config with a script, check it"
conf=/etc/anycastd/anycastd.conf
c cp "$conf" /var/tmp/anycastd.conf.dist
c sed -i -e 's/^interface = .*/interface = anycast0/' \
	-e '/^\[probe soa\]/,/^\[/ s/^name = .*/name = localhost./' "$conf"
c diff -u /var/tmp/anycastd.conf.dist "$conf" | sed 's/^/   | /' || true
expect "the edit changed the probed name" c grep -qx 'name = localhost.' "$conf"
if out=$(c anycastd -n 2>&1); then
	ok "anycastd -n accepts the edited example${out:+: $out}"
else
	fail "anycastd -n: $out"
fi

echo "== 4. systemctl enable --now anycastd"
t0=$(now_ms)
c systemctl enable --now anycastd 2>&1 | sed 's/^/   | /'
t_active=$(($(now_ms) - t0))
expect "enabled" test "$(c systemctl is-enabled anycastd || true)" = enabled
# Type=notify: systemd moves the unit from "activating (start)" to
# "active (running)" only when the daemon has sent READY=1.
expect "active (running) when 'systemctl enable --now' returned (${t_active} ms): READY=1 received" \
	test "$(prop anycastd ActiveState)/$(prop anycastd SubState)" = active/running
expect "Type=notify" test "$(prop anycastd Type)" = notify
announced_status() { prop anycastd StatusText | grep -q '^announced'; }
if wait_for 15 announced_status; then
	ok "announced $(($(now_ms) - t0)) ms after 'systemctl enable --now' (rise 2, interval 1s): $(prop anycastd StatusText)"
else
	fail "not announced within 15 s: $(prop anycastd StatusText)"
fi
expect "anycast0 is up" link_up
if out=$(c anycastctl status 2>&1); then
	while IFS= read -r l; do echo "   | $l"; done <<<"$out"
	expect "anycastctl status says announced" grep -q 'announced' <<<"$out"
else
	fail "anycastctl status: $out"
fi
journal -u anycastd | tail -n 5 | sed 's/^/   | /'

if ((fails)); then
	echo "$fails failure(s)"
	c journalctl --no-pager -o short-monotonic -u anycastd -n 40 || true
	exit 1
fi
echo "OK: installed, configured from the example and running in $(($(now_ms) - t0)) ms"
