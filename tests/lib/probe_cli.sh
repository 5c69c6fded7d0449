# What the probe_cli tests against real servers share (servers.sh,
# probe_live.sh).  Sourced, not run, before anything is created: it defines
# functions, sets pids=() fails=0 checks=0 and the EXIT trap, which deletes
# the namespace ns (its name carries $$) and the directory tmp once the
# caller has set them.  cli is probe_cli; check_prefix, if set, goes before
# each check's name.

pids=()
fails=0
checks=0
check_prefix=${check_prefix:-}

skip() {
	echo "SKIP: $*"
	exit 77
}

# Each PID in pids leads a process group of its own (start), so the whole
# group is stopped: a daemon that forks workers (nsd) leaves none behind.
teardown() {
	local p
	[ -n "${ns:-}" ] || return 0
	for p in "${pids[@]}"; do
		kill -CONT -- "-$p" 2>/dev/null
		kill -KILL -- "-$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	[ -z "${tmp:-}" ] || rm -rf "$tmp"
	echo "teardown: killed process groups [${pids[*]}], deleted netns $ns," \
	    "removed $tmp"
}
trap teardown EXIT
trap 'exit 1' INT TERM

in_ns() {
	ip netns exec "$ns" "$@"
}

# start LOG CMD...: runs CMD in the namespace as the leader of a session of
# its own.  In a non-interactive shell the background child is no
# process-group leader, so setsid(1) calls setsid() and execs without
# forking, and "ip netns exec" execs too: $! (in started) is the daemon's
# PID and its process group, which check_pid can confirm.
start() {
	local log=$1
	shift
	setsid ip netns exec "$ns" "$@" >"$log" 2>&1 &
	started=$!
	pids+=("$started")
}

# forget PID: after the test reaped it, so teardown never signals a PID
# the kernel may have reused.
forget() {
	local p keep=()
	for p in "${pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	pids=("${keep[@]}")
}

check_pid() {
	local pid=$1 name=$2 comm
	comm=$(cat "/proc/$pid/comm" 2>/dev/null)
	if [ "$comm" != "$name" ]; then
		echo "FAIL: PID $pid is \"$comm\", not $name"
		exit 1
	fi
}

# wait_ok WHAT LOG T0 ARGS...: polls with probe_cli until the server answers
# as ARGS want; prints how long that took after T0 (date +%s%N), its start.
# Never answering is fatal, with LOG.
wait_ok() {
	local what=$1 log=$2 t0=$3
	shift 3
	for _ in $(seq 1 200); do
		if in_ns "$cli" -T 100 "$@" >/dev/null 2>&1; then
			echo "$what answered $((($(date +%s%N) - t0) / 1000000)) ms" \
			    "after its start"
			return 0
		fi
		sleep 0.05
	done
	echo "FAIL: $what never answered probe_cli $*; its log:"
	sed 's/^/     /' "$log"
	exit 1
}

# check WHAT RC REGEX ARGS...: runs probe_cli ARGS in the namespace; passes
# when it exits RC and some output line matches REGEX.  The output stays in
# last_out.
check() {
	local what=$1 want_rc=$2 want=$3 out rc line
	shift 3
	checks=$((checks + 1))
	out=$(in_ns "$cli" "$@" 2>&1)
	rc=$?
	last_out=$out
	if [ "$rc" -eq "$want_rc" ] && grep -Eq -- "$want" <<<"$out"; then
		echo "ok   $check_prefix$what: $out"
	else
		echo "FAIL $check_prefix$what: probe_cli $* exited $rc with:"
		while IFS= read -r line; do
			echo "     $line"
		done <<<"$out"
		echo "     wanted exit $want_rc and a line matching /$want/"
		fails=$((fails + 1))
	fi
}

# summary [WHAT]: the count, and the script's status.
summary() {
	echo "$((checks - fails)) of $checks checks passed${1:+ ($1)}"
	[ "$fails" -eq 0 ]
}
