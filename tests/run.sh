#!/usr/bin/env bash
# Runs every test of anycastd: installs what is missing (Debian 12, as root),
# builds with warnings as errors, runs the whole ctest suite, then rebuilds
# with AddressSanitizer + UndefinedBehaviorSanitizer and runs the suite that
# exercises the daemon's code again, runs the libFuzzer harnesses for a
# bounded count, then the static analysers.
# Usage, as root, from the top of the source tree: bash tests/run.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: run as root (the tests create network namespaces)" >&2
	exit 1
fi

# Debian 12 packages the build and the tests need.
pkgs=(build-essential cmake pkg-config git
	libmnl-dev libc-ares-dev libinih-dev libsystemd-dev
	bind9 bind9-dnsutils bird2 knot knot-dnsutils iproute2 procps psmisc
	systemd-container debootstrap sudo lintian dpkg-dev fakeroot file
	groff-base man-db prometheus cppcheck clang-tidy util-linux
	xz-utils ca-certificates python3 exabgp gnuplot-nox
	nsd unbound pdns-server pdns-backend-bind knot-resolver
	clang libclang-rt-14-dev llvm-14 valgrind debhelper python3-yaml strace)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "== installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# The DNS servers' packages would start their daemons on the host:
	# every test starts its own, in its own namespace.  policy-rc.d
	# (exit 101) tells invoke-rc.d not to start anything.
	policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy=1
	fi
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
	[ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
fi

echo "== build (warnings are errors)"
cmake -S . -B build -DWERROR=ON -DCMAKE_INSTALL_PREFIX=/usr
cmake --build build -j"$jobs"

echo "== tests"
(cd build && ctest --output-on-failure --timeout 900)

echo "== fuzz harnesses (clang, libFuzzer + ASan + UBSan), bounded runs"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DFUZZ=ON \
	-DCMAKE_BUILD_TYPE=Debug -DWERROR=ON
cmake --build build-fuzz -j"$jobs" --target fuzz
(cd build-fuzz && ctest --output-on-failure --timeout 600 -L fuzz)

echo "== build with ASan + UBSan"
cmake -S . -B build-san -DWERROR=ON -DSANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-san -j"$jobs"
echo "== tests under ASan + UBSan (unit, daemon integration, lab)"
(cd build-san && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --output-on-failure --timeout 900 -L 'unit|integration|lab')

echo "== static analysis"
bash tests/lint.sh build

echo "== all tests passed"
