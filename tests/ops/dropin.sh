#!/bin/bash
# The named.service drop-in: systemd-analyze verify merges it into Debian's
# named.service without a word (it only warns on typos, so stderr must be
# empty), and a copy with a typo must draw a warning, proving the drop-in
# was read at all.  Its commands are run for real in lab_ops.sh maintenance.
set -u
dropin=$1
unit=/lib/systemd/system/named.service
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing"; exit 77; }
[ -f "$unit" ] || { echo "no $unit (package bind9)"; exit 77; }
d=$(mktemp -d /tmp/ops-dropin.XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/named.service.d"
cp "$unit" "$d/"
cp "$dropin" "$d/named.service.d/"
out=$(SYSTEMD_UNIT_PATH=$d: systemd-analyze verify named.service 2>&1); rc=$?
if [ "$rc" != 0 ] || [ -n "$out" ]; then
	echo "FAIL: systemd-analyze verify (rc $rc): $out"; exit 1
fi
echo "ok: systemd-analyze verify named.service with the drop-in: clean"
echo "ExecStopp=/bin/true" >>"$d/named.service.d/$(basename "$dropin")"
out=$(SYSTEMD_UNIT_PATH=$d: systemd-analyze verify named.service 2>&1)
grep -q "Unknown key 'ExecStopp'" <<<"$out" ||
    { echo "FAIL: the drop-in was not read by systemd-analyze: $out"; exit 1; }
echo "ok: a typo in the drop-in is reported, so it was read"
# The order that makes it zero-loss: drain, delay, then named's own stop.
grep -n '^ExecStop' "$dropin"
mapfile -t stops < <(sed -n 's/^ExecStop=//p' "$dropin")
[ "${stops[0]}" = "" ] && [[ ${stops[1]} == -/usr/sbin/anycastctl\ --server-unit\ named.service\ drain\ *--wait* ]] &&
    [[ ${stops[2]} == /bin/sleep\ * ]] && [ "${stops[3]}" = "/usr/sbin/rndc stop" ] ||
    { echo "FAIL: ExecStop= order is not reset, drain --wait, sleep, rndc stop"; exit 1; }
grep -q '^ExecStartPost=-/usr/sbin/anycastctl --server-unit named.service undrain --if-reason named.service$' "$dropin" ||
    { echo "FAIL: no ExecStartPost undrain --if-reason"; exit 1; }
echo "ok: ExecStop= reset, drain --wait, delay, rndc stop; undrain after start"
