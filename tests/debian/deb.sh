#!/bin/bash
# Builds the .deb with CPack exactly as documented and checks it:
#  - real dependencies (libmnl0, libc-ares2, libsystemd0, libinih1) declared;
#  - conffiles: /etc/anycastd/anycastd.conf and /etc/sudoers.d/anycastd;
#  - the Debian layout and modes (unit in /lib/systemd/system, sudoers 0440,
#    gzipped man pages, copyright and changelog.Debian.gz);
# Leaves OUT_DIR/anycastd_*.deb for lintian.sh and nspawn.sh (ctest fixture).
#
# Usage: deb.sh BUILD_DIR OUT_DIR
set -euo pipefail

build=$(readlink -f "${1:?usage: deb.sh BUILD_DIR OUT_DIR}")
out=${2:?usage: deb.sh BUILD_DIR OUT_DIR}
here=$(dirname "$(readlink -f "$0")")
command -v cpack >/dev/null || { echo "SKIP: cpack missing"; exit 77; }
command -v dpkg-deb >/dev/null || { echo "SKIP: dpkg-deb missing"; exit 77; }

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
if [[ $prefix != /usr ]]; then
	echo "FAIL: $build is configured with CMAKE_INSTALL_PREFIX=$prefix; the .deb needs /usr"
	exit 1
fi

rm -rf "$out"
mkdir -p "$out"
echo "== cpack -G DEB (from $build)"
(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log"; exit 1; }
rm -rf "$out/_CPack_Packages"
debs=("$out"/anycastd_*.deb)
if [[ ${#debs[@]} != 1 || ! -f ${debs[0]} ]]; then
	echo "FAIL: expected one anycastd_*.deb in $out"
	exit 1
fi
deb=${debs[0]}
echo "   $(basename "$deb"): $(stat -c %s "$deb") bytes"

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

echo "== control"
dpkg-deb -f "$deb" Package Version Architecture Depends Recommends Installed-Size
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libmnl0 libc-ares2 libsystemd0 libinih1 libc6 systemd iproute2 procps; do
	grep -Eq "(^|, )$lib( |,|$)" <<<"$depends" || fail "Depends lacks $lib"
done

echo "== conffiles"
tmp=$(mktemp -d /tmp/anycastd-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -e "$deb" "$tmp/control"
cat "$tmp/control/conffiles"
for f in /etc/anycastd/anycastd.conf /etc/sudoers.d/anycastd; do
	grep -qx "$f" "$tmp/control/conffiles" || fail "$f is not a conffile"
done
for s in postinst prerm postrm; do
	[[ -x $tmp/control/$s ]] || fail "maintainer script $s missing or not executable"
done
# Commands only: the note printed to the operator (a here-document) may
# well say "systemctl enable --now anycastd".
if sed "/<<'NOTE'/,/^NOTE\$/d" "$tmp/control/postinst" |
	grep -Eq 'deb-systemd-helper +(enable|unmask)|deb-systemd-invoke +(start|restart)|systemctl +[^|]*(enable|start)'; then
	fail "postinst enables or starts the service"
fi

echo "== contents"
dpkg-deb -c "$deb" | awk '{print $1, $6}' >"$tmp/contents"
want=(
	"-rwxr-xr-x ./usr/sbin/anycastd"
	"-rw-r--r-- ./lib/systemd/system/anycastd.service"
	"-rw-r--r-- ./lib/systemd/system/anycastd-withdraw.service"
	"-rw-r--r-- ./usr/lib/sysusers.d/anycastd.conf"
	"-rw-r--r-- ./usr/lib/sysctl.d/anycastd.conf"
	"-rw-r--r-- ./etc/anycastd/anycastd.conf"
	"-r--r----- ./etc/sudoers.d/anycastd"
	"-rw-r--r-- ./usr/share/man/man8/anycastd.8.gz"
	"-rw-r--r-- ./usr/share/man/man5/anycastd.conf.5.gz"
	"-rw-r--r-- ./usr/share/doc/anycastd/copyright"
	"-rw-r--r-- ./usr/share/doc/anycastd/changelog.Debian.gz"
	"-rw-r--r-- ./usr/share/doc/anycastd/examples/50-anycast0.netdev"
	"-rw-r--r-- ./usr/share/doc/anycastd/examples/50-anycast0.network"
	"-rw-r--r-- ./usr/share/doc/anycastd/examples/50-anycast0-gs.netdev"
	"-rw-r--r-- ./usr/share/doc/anycastd/examples/50-anycast0-gs.network"
	"-rw-r--r-- ./usr/share/doc/anycastd/examples/anycast-node.conf"
)
for w in "${want[@]}"; do
	grep -qxF -- "$w" "$tmp/contents" || fail "not in the package: $w"
done
for page in "$here"/../../docs/*.[1-8]; do
	name=$(basename "$page")
	grep -q "/man${name##*.}/$name.gz\$" "$tmp/contents" || fail "man page $name not packaged"
done
if grep -Eq ' \./usr/etc|/usr/local' "$tmp/contents"; then
	fail "files under /usr/etc or /usr/local"
fi
dpkg-deb -c "$deb" | awk '$2 != "root/root" {print "FAIL: owner " $2 ": " $6; bad=1} END {exit bad}' ||
	fail "files not owned by root"
sed 's/^/   /' "$tmp/contents"

if ((fails)); then
	echo "$fails failure(s)"
	exit 1
fi
echo "OK: $(basename "$deb"), $(stat -c %s "$deb") bytes"
