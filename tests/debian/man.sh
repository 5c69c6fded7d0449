#!/bin/bash
# Renders each man page the way man(1) and lintian do and fails on any
# warning: groff -ww (all warnings) and man --warnings, both to UTF-8.
# Usage: man.sh PAGE...
set -euo pipefail
(($#)) || { echo "usage: man.sh PAGE..."; exit 2; }
command -v groff >/dev/null || { echo "SKIP: groff not installed"; exit 77; }
export LC_ALL=C.UTF-8 MANWIDTH=80
fails=0
for page in "$@"; do
	out=$(groff -t -man -Tutf8 -ww -z "$page" 2>&1) || out+=$'\n'"groff exit $?"
	if command -v man >/dev/null; then
		out+=$(MANROFFSEQ="" man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null | sed "s/^/man: /")
	fi
	lines=$(groff -t -man -Tutf8 "$page" 2>/dev/null | wc -l)
	if [[ -n $out ]]; then
		echo "FAIL $page:"
		echo "$out"
		fails=$((fails + 1))
	elif ((lines < 20)); then
		echo "FAIL $page: renders to only $lines lines"
		fails=$((fails + 1))
	else
		echo "ok   $page ($lines lines, no warnings)"
	fi
done
exit $((fails > 0))
