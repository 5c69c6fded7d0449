#!/bin/bash
# Writes the golden configs that sit at the config's limits, from the limits
# in agent/conf.h, so that they follow a change of CONF_MAX_PROBES or
# CONF_MAX_PREFIXES:
#   valid/max_probes.conf          exactly CONF_MAX_PROBES probes
#   invalid/too_many_probes.conf   two more; each extra header is an error
#   invalid/too_many_prefixes.conf one prefix more than CONF_MAX_PREFIXES
# run_golden.sh fails when the committed files differ from what this writes.
# After changing a limit: run this, then `UPDATE=1 run_golden.sh BINARY` for
# the .ok and .err files, and review the diff.
#
# usage: gen_limits.sh [DIR]   (default: the directory of this script)
set -euo pipefail
here=$(cd "$(dirname -- "$0")" && pwd)
out=${1:-$here}
hdr=$here/../../agent/conf.h

limit() {
	local v
	v=$(sed -n "s/^#define[[:space:]]*$1[[:space:]]*\([0-9][0-9]*\).*/\1/p" "$hdr")
	[ -n "$v" ] || { echo "$0: no $1 in $hdr" >&2; exit 1; }
	echo "$v"
}
max_probes=$(limit CONF_MAX_PROBES)
max_prefixes=$(limit CONF_MAX_PREFIXES)
mkdir -p -- "$out/valid" "$out/invalid"

# probes N: N probe sections, each with its own server address and zone.
probes() {
	local i
	for ((i = 1; i <= $1; i++)); do
		printf '\n[probe p%04d]\nserver = 127.0.%d.%d\nname = zone%d.example.\n' \
		    "$i" $((i / 256)) $((i % 256)) "$i"
	done
}

{
	echo "# The most probes a config may hold (CONF_MAX_PROBES, $max_probes)."
	echo "# Written by gen_limits.sh."
	printf '[agent]\ninterface = anycast0\n'
	probes "$max_probes"
} >"$out/valid/max_probes.conf"

{
	echo "# CONF_MAX_PROBES ($max_probes) and two more: each extra header is"
	echo "# reported.  Written by gen_limits.sh."
	printf '[agent]\ninterface = anycast0\n'
	probes $((max_probes + 2))
} >"$out/invalid/too_many_probes.conf"

# Continuation lines of eight prefixes each keep every line under inih's
# 200 bytes.
{
	echo "# One prefix more than CONF_MAX_PREFIXES ($max_prefixes)."
	echo "# Written by gen_limits.sh."
	printf '[agent]\ninterface = anycast0\n\n[bird]\nsocket = /run/bird/bird.ctl\nprefixes ='
	for ((i = 1; i <= max_prefixes + 1; i++)); do
		((i % 8 == 1 && i > 1)) && printf '\n   '
		printf ' 10.%d.%d.0/24' $((i / 256)) $((i % 256))
	done
	printf '\n\n[probe soa]\nserver = 127.0.0.1\nname = example.com.\n'
} >"$out/invalid/too_many_prefixes.conf"
