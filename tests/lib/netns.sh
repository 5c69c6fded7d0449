# The namespace scaffolding the integration, fault and freshness tests
# share.  Sourced, not run:
#
#   ns=acdNAME$$ run=$(mktemp -d ...)	# the caller names both first
#   . "$(dirname "$0")/../lib/netns.sh"
#   cleanup() { netns_kill $pids; ip netns del "$ns"; netns_dump_logs ...; }
#   netns_setup [v4only]	# the namespace, lo and anycast0, printed
#
# It defines functions and sets t0 (for log) and failed=1 (the caller sets
# failed=0 once everything passed, so the logs are printed only on failure);
# it runs nothing.  Names carry $$ in the caller, so parallel runs never meet.

t0=$(date +%s%N)
failed=1

log() { printf '[%7.3fs] %s\n' "$(( $(date +%s%N) - t0 ))e-9" "$*"; }
fail() {
	log "FAIL: $*"
	exit 1
}

# Never start a background daemon through inns: $! would be the PID of a
# subshell, not of the daemon (FACTS.md).
inns() { ip netns exec "$ns" "$@"; }

# netns_setup [v4only]: the namespace with lo up and anycast0 (below).
netns_setup() {
	ip netns add "$ns"
	inns ip link set lo up
	make_anycast0 "$@"
	log "run directory $run, namespace $ns, anycast0 is $kind (no dummy driver => ifb)"
}

# make_anycast0 [v4only]: anycast0 as dummy where the kernel has it, else
# ifb (this kernel has no dummy), with 198.51.100.1/24 and, unless v4only,
# 2001:db8:abcd::1/48, created down; sets kind.  Again after a test
# deleted it.
make_anycast0() {
	if inns ip link add anycast0 type dummy 2>/dev/null; then
		kind=dummy
	else
		inns ip link add anycast0 type ifb
		kind=ifb
	fi
	inns ip addr add 198.51.100.1/24 dev anycast0
	[ "${1:-}" = v4only ] ||
		inns ip -6 addr add 2001:db8:abcd::1/48 dev anycast0 nodad
}

link_is_up() { inns ip -o link show dev anycast0 2>/dev/null | grep -Eq '[<,]UP[,>]'; }
is_down() { ! link_is_up; }
link_state() { if link_is_up; then echo up; else echo down; fi; }

# wait_for SECONDS COMMAND...: poll every 10 ms until COMMAND succeeds.
# A caller that runs anycastd under valgrind sets tmul (4): every limit is
# that many times longer (a bound, never a figure).
wait_for() {
	local limit=$(( $1 * ${tmul:-1} )); shift
	local end=$(( $(date +%s%N) + limit * 1000000000 ))
	while ! "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.01
	done
}
now_ms() { local t=${EPOCHREALTIME/./}; echo $(( t / 1000 )); }

# netns_kill PID...: resumes (a test may have stopped one) and kills each,
# then reaps them all.  Empty arguments are fine.
netns_kill() {
	local p
	for p in "$@"; do
		[ -n "$p" ] || continue
		kill -CONT "$p" 2>/dev/null || true
		kill -KILL "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}

# netns_dump_logs FILE...: the last 40 lines of each that exists, if the
# test failed.
netns_dump_logs() {
	local f
	[ "$failed" -ne 0 ] || return 0
	for f in "$@"; do
		[ -f "$f" ] || continue
		echo "---- $f (last 40 lines)"
		tail -n 40 "$f"
	done
}
