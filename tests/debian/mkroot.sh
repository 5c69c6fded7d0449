#!/bin/bash
# Build (once) and cache a minimal Debian 12 tree for the systemd-nspawn tests:
# systemd as PID 1, Debian's own bird2, bind9 and unbound (the resolver of the
# two-instance test) with their units, and the
# shared libraries anycastd needs, so that the .deb installs with no network
# (the container runs with --private-network and cannot download anything).
#
# Usage: mkroot.sh TARBALL
# The tarball name should carry a hash of PACKAGES (see run.sh) so that a
# change to the list builds a new cache instead of reusing a stale one.
set -euo pipefail

out=${1:?usage: mkroot.sh TARBALL}
PACKAGES=systemd,systemd-sysv,dbus,iproute2,procps,bird2,bind9,unbound,libmnl0,libc-ares2,libinih1

if [[ -s $out ]]; then
	echo "mkroot: using cached $out"
	exit 0
fi

# The mirror this machine already uses (deb822 or one-line format).
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*debian\/\{0,1\}\)[[:space:]]*$/\1/p' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1 || true)
if [[ -z $mirror ]]; then
	mirror=$(awk '$1=="deb" && $3 ~ /^bookworm$/ {print $2; exit}' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d /var/tmp/anycastd-mkroot.XXXXXX)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

echo "mkroot: debootstrap bookworm from $mirror into $tmp/root ($PACKAGES)"
start=$SECONDS
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$tmp/root" "$mirror" \
	>"$tmp/debootstrap.log" 2>&1 || { tail -n 30 "$tmp/debootstrap.log"; exit 1; }

# Keep the tree small and quiet: no downloaded archives, no units that would
# only slow the boot or need a network the container does not have.
rm -f "$tmp"/root/var/cache/apt/archives/*.deb
echo anycastd-test >"$tmp/root/etc/hostname"
# Debian's packages enable bird, named and unbound; the tests configure and
# start them themselves so that a failed start is visible in their output
# (and unbound, enabled, would take port 53 from named).
chroot "$tmp/root" systemctl disable bird.service named.service unbound.service \
	unbound-resolvconf.service >/dev/null 2>&1 || true
chroot "$tmp/root" systemctl mask systemd-networkd-wait-online.service \
	apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service >/dev/null 2>&1 || true

tar -C "$tmp/root" --numeric-owner -cf "$out.part" .
mv "$out.part" "$out"
echo "mkroot: cached $out ($(du -h "$out" | cut -f1)) in $((SECONDS - start)) s"
