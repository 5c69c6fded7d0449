#!/bin/bash
# Captures the fleet*.raw replies of this directory from a real BIRD, byte
# for byte off the control socket: a 3-node fleet lab (tests/lab/lab.sh,
# LAB_FLEET=1, no anycastd), node configs from docs/bird/anycast-node.conf.
# Run as root from the top of a clone: bash tests/ops/bird-replies/capture-fleet.sh
# shellcheck disable=SC2015
set -u
OUT=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$OUT/../../lab/lab.sh"

# capture ROLE NAME COMMAND: one command on a fresh connection, the reply
# (not the greeting) written to NAME.raw exactly as BIRD sent it.
capture() {
	python3 - "$LAB_RUN/$1/bird.ctl" "$OUT/$2.raw" "$3" <<-'PY'
	import re, socket, sys
	def reply(s):
	    buf = b""
	    while True:
	        d = s.recv(65536)
	        if not d:
	            sys.exit("connection closed")
	        buf += d
	        # A reply ends with a line whose 4-digit code is followed by a
	        # space (or nothing): "0000 " or an error like "9001 ...".
	        lines = buf.split(b"\n")
	        if buf.endswith(b"\n") and re.match(rb"^\d{4}( |$)", lines[-2]):
	            return buf
	s = socket.socket(socket.AF_UNIX)
	s.connect(sys.argv[1])
	reply(s)
	s.sendall(sys.argv[3].encode() + b"\n")
	open(sys.argv[2], "wb").write(reply(s))
	PY
	echo "captured $2.raw: $1: $3"
}

both() {	# both ROLE NAME-STEM: fleet4 and fleet6
	capture "$1" "${2/@/4}" "show route table fleet4 all"
	capture "$1" "${2/@/6}" "show route table fleet6 all"
}

export LAB_FLEET=1 LAB_NO_ANYCASTD=1 LAB_NODES=3
lab_up
both b fleet@_healthy			# a, c healthy; b's own anycast route
capture b fleet_nosuch "show route table nosuch all"
capture b fleet4_count "show route table fleet4 count"
lab_gs_up a
lab_must 5 "a's anycast_gs route in fleet4" \
    sh -c "birdc -s '$LAB_RUN/a/bird.ctl' show route table fleet4 protocol anycast_gs | grep -q unicast"
both a fleet@_both			# a: own anycast (primary) and anycast_gs
lab_link_down a
lab_must 10 "b to see a degraded" lab_fleet_health_is b 4 a 0
lab_must 10 "b to see a degraded" lab_fleet_health_is b 6 a 0
both b fleet@_degraded			# a degraded, c healthy
both a fleet@_own_degraded		# a: own anycast_gs, peers healthy
lab_gs_down a
lab_must 10 "b to see no route from a" lab_fleet_health_is b 4 a ""
lab_must 10 "b to see no route from a" lab_fleet_health_is b 6 a ""
both b fleet@_withdrawn			# only c (and b's own)
# A table with nothing in it: stop every session of b and its own links.
lab_link_down b
lab_bird_cmd b disable '"fleet_*"' >/dev/null
lab_must 10 "b's fleet4 to be empty" sh -c "! birdc -s '$LAB_RUN/b/bird.ctl' show route table fleet4 | grep -q unicast"
lab_must 10 "b's fleet6 to be empty" sh -c "! birdc -s '$LAB_RUN/b/bird.ctl' show route table fleet6 | grep -q unicast"
both b fleet@_empty
