#!/usr/bin/env bash
# cppcheck and clang-tidy over our C sources; any finding fails.
# Two clang-tidy checks are off: insecureAPI flags every memcpy/memset, and
# valist.Uninitialized is a false positive of clang 14 on va_list forwarding.
# Usage: tests/lint.sh BUILD_DIR   (BUILD_DIR has compile_commands.json)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
cd "$top"
mapfile -t srcs < <(git ls-files 'agent/*.c' 'probe/*.c' 'netlink/*.c' 'systemd/*.c')
mapfile -t tsrcs < <(git ls-files 'tests/*.c')

echo "cppcheck: $(( ${#srcs[@]} + ${#tsrcs[@]} )) files"
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
	--inline-suppr -D_GNU_SOURCE -Iagent -Iagent/base -Iagent/bird -Iagent/proto -Iprobe -Inetlink -Isystemd \
	--suppress=missingIncludeSystem "${srcs[@]}" "${tsrcs[@]}"

# clang-tidy reads the code that ships.  Test programs craft unterminated
# buffers and odd packets on purpose, which its bugprone checks would flag.
echo "clang-tidy: ${#srcs[@]} files"
out=$(clang-tidy -p "$build" --quiet \
	--checks='-*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-valist.Uninitialized,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition,cert-err34-c' \
	--warnings-as-errors='*' "${srcs[@]}" 2>&1) || { echo "$out"; exit 1; }
echo "lint clean"
