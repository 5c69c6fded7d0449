#!/bin/bash
# lintian on the .deb that deb.sh built: every tag (errors, warnings, info,
# pedantic) must be listed with its justification in lintian-allowed next to
# this script; anything else fails.
#
# Usage: lintian.sh DEB_DIR
set -euo pipefail

debdir=${1:?usage: lintian.sh DEB_DIR}
here=$(dirname "$(readlink -f "$0")")
command -v lintian >/dev/null || { echo "SKIP: lintian not installed"; exit 77; }
debs=("$debdir"/anycastd_*.deb)
[[ -f ${debs[0]} ]] || { echo "FAIL: no anycastd_*.deb in $debdir (run debian.deb first)"; exit 1; }
deb=${debs[0]}
tmp=$(mktemp -d /tmp/anycastd-lintian.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

echo "== lintian --pedantic --info"
lintian --pedantic --info --display-info --no-tag-display-limit "$deb" \
	>"$tmp/out" 2>&1 || true
grep -E '^[EWIPX]: ' "$tmp/out" | sort -u >"$tmp/tags" || true
if [[ ! -s $tmp/tags ]]; then
	echo "   no tags at all"
fi
while read -r line; do
	tag=$(awk '{print $3}' <<<"$line")
	why=$(sed -n "s/^${tag}[[:space:]]\{1,\}//p" "$here/lintian-allowed" | head -n1)
	if [[ -n $why ]]; then
		echo "   allowed: $line"
		echo "            because $why"
	else
		fail "lintian: $line"
	fi
done <"$tmp/tags"
if grep -Eq '^(internal error|.*[Ee]rror:.*lintian)' "$tmp/out"; then
	cat "$tmp/out"
	fail "lintian itself failed"
fi


if ((fails)); then
	echo "$fails failure(s)"
	exit 1
fi
echo "OK: lintian on $(basename "$deb"): $(wc -l <"$tmp/tags") tag(s), all justified"
