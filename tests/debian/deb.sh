#!/bin/bash
# Builds the .deb the Debian way, exactly as documented (debian/, then
# `dpkg-buildpackage -us -uc -b`), from a clean copy of the source tree (the
# files git knows about, or the tree without build directories), and checks
# it:
#  - the version is the project's (debian/changelog = project(VERSION)-N);
#  - real dependencies (libmnl0, libc-ares2, libsystemd0, libinih1) declared;
#  - conffiles: /etc/anycastd/anycastd.conf and /etc/sudoers.d/anycastd;
#  - no unit is enabled or started by the maintainer scripts;
#  - the Debian layout and modes (units in /lib/systemd/system, sudoers 0440,
#    gzipped man pages, copyright and changelog.gz, the alert rules).
# Leaves OUT_DIR/anycastd_*.deb for lintian.sh and nspawn.sh (ctest fixture).
#
# Usage: deb.sh SOURCE_DIR OUT_DIR
set -euo pipefail

src=$(readlink -f "${1:?usage: deb.sh SOURCE_DIR OUT_DIR}")
out=${2:?usage: deb.sh SOURCE_DIR OUT_DIR}
for t in dpkg-buildpackage dpkg-deb dh; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing (packages dpkg-dev, debhelper)"; exit 77; }
done
[[ -f $src/debian/control ]] || { echo "FAIL: $src has no debian/control"; exit 1; }

version=$(sed -n 's/^project(anycastd VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
rm -rf "$out"
mkdir -p "$out"
out=$(readlink -f "$out")
tmp=$(mktemp -d /tmp/anycastd-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The clean tree: what a fresh clone holds (tracked files, and new files
# not yet committed unless .gitignore'd), with their working-tree contents;
# never build directories or an earlier package build's debian/anycastd.
tree=$tmp/anycastd-$version
mkdir -p "$tree"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	how="git ls-files"
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -C "$tree" -xf -
else
	how="copy without build directories"
	tar -C "$src" --exclude='./build*' --exclude=./.git --exclude='./obj-*' \
		--exclude=./debian/anycastd --exclude=./debian/.debhelper \
		--exclude='./debian/*.substvars' --exclude='./debian/files' \
		--exclude='./debian/debhelper-build-stamp' -cf - . | tar -C "$tree" -xf -
fi
echo "== clean tree ($how): $(find "$tree" -type f | wc -l) files in $tree"
if compgen -G "$tree/build*" >/dev/null; then
	echo "FAIL: the clean tree holds a build directory"
	exit 1
fi

echo "== dpkg-buildpackage -us -uc -b"
start=$SECONDS
(cd "$tree" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || {
	tail -n 60 "$out/build.log"
	echo "FAIL: dpkg-buildpackage (log: $out/build.log)"
	exit 1
}
echo "   built in $((SECONDS - start)) s"
mv "$tmp"/*.deb "$tmp"/*.buildinfo "$tmp"/*.changes "$out"/ 2>/dev/null || true
debs=("$out"/anycastd_*.deb)
if [[ ${#debs[@]} != 1 || ! -f ${debs[0]} ]]; then
	echo "FAIL: expected one anycastd_*.deb in $out"
	ls -l "$out"
	exit 1
fi
deb=${debs[0]}
echo "   $(basename "$deb"): $(stat -c %s "$deb") bytes"

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

echo "== control"
dpkg-deb -f "$deb" Package Version Architecture Depends Recommends Installed-Size
# upstream-revision: the revision counts from 0.1.0-1, the CPack package.
[[ $(dpkg-deb -f "$deb" Version) == "$version"-[0-9]* ]] ||
	fail "package version $(dpkg-deb -f "$deb" Version) is not the project's $version-N (debian/changelog)"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libmnl0 libc-ares2 libsystemd0 libinih1 libc6 systemd iproute2 procps passwd; do
	grep -Eq "(^|, )$lib( |,|$)" <<<"$depends" || fail "Depends lacks $lib"
done

echo "== conffiles and maintainer scripts"
dpkg-deb -e "$deb" "$tmp/control"
cat "$tmp/control/conffiles"
for f in /etc/anycastd/anycastd.conf /etc/sudoers.d/anycastd; do
	grep -qx "$f" "$tmp/control/conffiles" || fail "$f is not a conffile"
done
for s in postinst prerm postrm; do
	[[ -x $tmp/control/$s ]] || fail "maintainer script $s missing or not executable"
done
post=$tmp/control/postinst
grep -Eq '^[[:space:]]*systemd-sysusers .*anycastd.conf' "$post" || fail "postinst does not run systemd-sysusers (dh_installsysusers)"
# Commands only: the note printed to the operator (a here-document) may
# well say "systemctl enable --now anycastd".  debhelper's systemd
# snippets may enable a unit only where it was enabled before (the
# --no-enable form guards every enable with "debian-installed"), and may
# only try-restart.
cmds=$(sed "/<<'NOTE'/,/^NOTE\$/d" "$post")
if grep -Eq 'deb-systemd-invoke +(start|restart|enable)|systemctl +[^|]*(enable|start)' <<<"$cmds"; then
	fail "postinst starts the service"
fi
n_enable=$(grep -c 'deb-systemd-helper enable' <<<"$cmds" || true)
n_guard=$(grep -c 'if deb-systemd-helper debian-installed' <<<"$cmds" || true)
((n_enable == n_guard)) || fail "postinst enables a unit unconditionally ($n_enable enables, $n_guard guarded)"
grep -q 'deb-systemd-invoke try-restart' "$post" || fail "postinst does not try-restart a running agent on upgrade"
grep -q 'deb-systemd-invoke stop anycastd.service' "$tmp/control/prerm" || fail "prerm does not stop the agent on remove"

echo "== contents"
dpkg-deb -c "$deb" | awk '{print $1, $6}' >"$tmp/contents"
want=(
	"-rwxr-xr-x ./usr/sbin/anycastd"
	"-rwxr-xr-x ./usr/sbin/anycastctl"
	"-rw-r--r-- ./lib/systemd/system/anycastd.service"
	"-rw-r--r-- ./lib/systemd/system/anycastd-withdraw.service"
	"-rw-r--r-- ./lib/systemd/system/anycastd@.service"
	"-rw-r--r-- ./lib/systemd/system/anycastd-withdraw@.service"
	"-rw-r--r-- ./lib/systemd/system/named.service.d/anycastd-drain.conf"
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
	"-rw-r--r-- ./usr/share/anycastd/prometheus/anycastd.rules.yml"
)
for w in "${want[@]}"; do
	grep -qxF -- "$w" "$tmp/contents" || fail "not in the package: $w"
done
for page in "$src"/docs/*.[1-8]; do
	name=$(basename "$page")
	grep -q "/man${name##*.}/$name.gz\$" "$tmp/contents" || fail "man page $name not packaged"
done
# Every unit the tree installs is in the package (templates included).
for unit in "$src"/systemd/*.service; do
	name=$(basename "$unit")
	grep -qF "./lib/systemd/system/$name" "$tmp/contents" || fail "unit $name not packaged"
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
echo "OK: $(basename "$deb"), $(stat -c %s "$deb") bytes, from $how"
