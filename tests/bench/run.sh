#!/usr/bin/env bash
# Benchmark: anycastd against the seed's dig+ip shell loop and ExaBGP's
# healthcheck, side by side, each in its own network namespace with its own
# named on 127.0.0.1:53 and its own anycast0.  See README.md.
#
#   run.sh [--short]
#
# Environment (defaults in brackets; --short changes the starred ones):
#   BENCH_INTERVAL      check interval of all three checkers [1s]; ms or s
#   BENCH_TRIALS*       kill -9 trials per checker [20; short 3]
#   BENCH_STOP_TRIALS*  SIGSTOP trials per checker [5; short 1]
#   BENCH_CPU_SECONDS*  seconds of healthy checking for CPU and RSS [30; short 5]
#   BENCH_CPU_INTERVAL  interval during the CPU part [100ms]
#   BENCH_PARALLEL      1: the three checkers' trials run at the same time,
#                       0: one checker after the other [1]
#   BENCH_CHECKERS      which checkers ["anycastd shell exabgp"]
#   BENCH_OUT           results directory [mktemp /tmp/anycastd-bench-XXXX]
#   BENCH_ANYCASTD_EXTRA        lines added to anycastd's [agent] section
#   BENCH_ANYCASTD_PROBE_EXTRA  lines added to its [probe soa] section
#                       (both go through printf %b, so "\n" separates lines)
#   BENCH_ANYCASTD_TIMEOUT      its probe timeout [100ms; half the fast_interval below 200ms]
#   BENCH_ANYCASTD_FAST         its fast_interval [= the interval; never longer]
#   ANYCASTD, ANYCASTCTL, LINKWATCH   binaries [from ./build]
#   BENCH_PYTHON        the interpreter that has Debian's exabgp [/usr/bin/python3]
#
# Exit status: 0 with the table printed; 1 if the script broke or a checker
# never detected a failure in a phase; 77 if it cannot run here (not root,
# named or dig missing).  Timings never fail it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/lib/named.sh
. "$here/../lib/named.sh"
short=0
case ${1:-} in
--short) short=1 ;;
"") ;;
-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
*) echo "usage: $0 [--short]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root to create network namespaces"
	exit 77
fi
for t in named dig ip awk; do
	command -v "$t" >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done

ANYCASTD=${ANYCASTD:-$top/build/agent/anycastd}
ANYCASTCTL=${ANYCASTCTL:-$top/build/agent/anycastctl/anycastctl}
LINKWATCH=${LINKWATCH:-$top/build/tests/bench/bench-linkwatch}
UDPFLOOR=${UDPFLOOR:-$top/build/tests/bench/bench-udpfloor}
PY=${BENCH_PYTHON:-/usr/bin/python3}
for b in "$ANYCASTD" "$ANYCASTCTL" "$LINKWATCH"; do
	[ -x "$b" ] || { echo "FAIL: $b is not built"; exit 1; }
done

# Durations: "100ms", "1s", "1" (seconds) -> milliseconds.
to_ms() {
	case $1 in
	*ms) echo $(( ${1%ms} )) ;;
	*s) echo $(( ${1%s} * 1000 )) ;;
	*) echo $(( $1 * 1000 )) ;;
	esac
}
# Milliseconds -> seconds with a decimal point, for sleep and exabgp.
ms_to_s() { printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )); }

interval_ms=$(to_ms "${BENCH_INTERVAL:-1s}")
cpu_interval_ms=$(to_ms "${BENCH_CPU_INTERVAL:-100ms}")
if [ "$short" -eq 1 ]; then
	trials=${BENCH_TRIALS:-3} stop_trials=${BENCH_STOP_TRIALS:-1}
	cpu_secs=${BENCH_CPU_SECONDS:-5}
else
	trials=${BENCH_TRIALS:-20} stop_trials=${BENCH_STOP_TRIALS:-5}
	cpu_secs=${BENCH_CPU_SECONDS:-30}
fi
parallel=${BENCH_PARALLEL:-1}
read -r -a checkers <<< "${BENCH_CHECKERS:-anycastd shell exabgp}"
rise=2 fall=3
zone=svc.test
hz=$(getconf CLK_TCK)

out=${BENCH_OUT:-$(mktemp -d /tmp/anycastd-bench-XXXX)}
mkdir -p "$out"
chmod 755 "$out"
t0=$(date +%s%N)
log() { printf '[%7.3fs] %s\n' "$(( $(date +%s%N) - t0 ))e-9" "$*"; }
fail() { log "FAIL: $*"; exit 1; }

# ExaBGP is optional: without it the other two still run and the table says so.
has_exabgp() { "$PY" -c 'import exabgp.application.healthcheck' 2>/dev/null; }
ck=()
for c in "${checkers[@]}"; do
	case $c in
	anycastd | shell) ck+=("$c") ;;
	exabgp)
		if has_exabgp; then
			ck+=("$c")
		else
			log "exabgp: not importable by $PY (apt-get install --no-install-recommends exabgp); skipped"
		fi ;;
	*) fail "unknown checker $c" ;;
	esac
done
checkers=("${ck[@]}")
[ "${#checkers[@]}" -gt 0 ] || fail "no checker to run"

# --- teardown ---------------------------------------------------------------

declare -A ns_of checker_pid named_pid
bg_pids=()
tag=acb$$
cleanup() {
	local rc=$? c p
	set +e
	trap - EXIT INT TERM
	# Quiet: bash would report every job killed here.
	exec 2>/dev/null
	for p in "${bg_pids[@]}" "${checker_pid[@]}" "${named_pid[@]}"; do
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done
	# Whatever else runs in our namespaces (named started by a trial
	# subshell, a dig of ExaBGP's in its own process group): by PID.
	for c in "${!ns_of[@]}"; do
		for p in $(ip netns pids "${ns_of[$c]}" 2>/dev/null); do
			kill -CONT "$p" 2>/dev/null
			kill -KILL "$p" 2>/dev/null
		done
	done
	wait 2>/dev/null
	for c in "${!ns_of[@]}"; do
		ip netns del "${ns_of[$c]}" 2>/dev/null
	done
	if [ "$rc" -eq 1 ]; then
		for f in "$out"/*/checker*.log "$out"/*/named.log; do
			[ -s "$f" ] || continue
			echo "---- $f (last 15 lines)"
			tail -n 15 "$f"
		done
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- namespaces, anycast0, named --------------------------------------------

kind=
make_node() {
	local c=$1 ns=$tag$1 dir=$out/$1
	ns_of[$c]=$ns
	mkdir -p "$dir"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	if ip -n "$ns" link add anycast0 type dummy 2>/dev/null; then
		kind=dummy
	else
		ip -n "$ns" link add anycast0 type ifb
		kind=ifb
	fi
	ip -n "$ns" addr add 198.51.100.1/24 dev anycast0
	cat > "$dir/svc.db" <<'EOT'
$TTL 60
@	SOA	ns hostmaster 1 60 60 600 60
@	NS	ns
ns	A	127.0.0.1
EOT
	{
		named_options "$dir" "127.0.0.1;" "none;"
		echo "zone \"$zone\" { type primary; file \"$dir/svc.db\"; };"
	} > "$dir/named.conf"
}

# start_named C: in the background, PID in named_pid[C].  Never through a
# function run with &: $! would be a subshell (FACTS.md).  ip netns exec
# execs named, so $! is named.
start_named() {
	ip netns exec "${ns_of[$1]}" named -g -u root -c "$out/$1/named.conf" \
		>>"$out/$1/named.log" 2>&1 &
	named_pid[$1]=$!
}
stop_named() {
	local p=${named_pid[$1]:-}
	[ -n "$p" ] || return 0
	kill -CONT "$p" 2>/dev/null || true
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	named_pid[$1]=
}

# --- the checkers -----------------------------------------------------------

anycastd_timeout() {
	if [ -n "${BENCH_ANYCASTD_TIMEOUT:-}" ]; then
		echo "$BENCH_ANYCASTD_TIMEOUT"
	elif [ "$1" -ge 200 ]; then
		echo 100ms
	else
		echo "$(( $1 / 2 ))ms"
	fi
}
# fast_interval: BENCH_ANYCASTD_FAST where it is not longer than the
# interval (anycastd refuses that), else the interval.
anycastd_fast() {
	local f=$1
	[ -z "${BENCH_ANYCASTD_FAST:-}" ] || f=$(to_ms "$BENCH_ANYCASTD_FAST")
	[ "$f" -le "$1" ] || f=$1
	echo "$f"
}
dig_args=(dig +norec +time=1 +tries=1 @127.0.0.1 "$zone" SOA)
dig_cmd="${dig_args[*]}"

# start_checker C INTERVAL_MS LOGNAME: started by the main shell, so it is
# our child (ExaBGP's loop stops when its parent is PID 1).
start_checker() {
	local c=$1 ms=$2 dir=$out/$1 ns=${ns_of[$1]} lg=$out/$1/$3
	local s
	s=$(ms_to_s "$ms")
	: > "$lg"
	case $c in
	anycastd)
		mkdir -p "$dir/state"
		{
			printf '[agent]\ninterface = anycast0\nrise = %s\nfall = %s\n' "$rise" "$fall"
			printf 'interval = %sms\nfast_interval = %sms\nhold_down = 0\n' \
				"$ms" "$(anycastd_fast "$ms")"
			printf 'on_exit = keep\ncontrol_socket = %s\nstate_dir = %s\n' \
				"$dir/anycastd.sock" "$dir/state"
			[ -z "${BENCH_ANYCASTD_EXTRA:-}" ] || printf '%b\n' "$BENCH_ANYCASTD_EXTRA"
			printf '\n[probe soa]\nserver = 127.0.0.1\nname = %s.\ntype = SOA\n' "$zone"
			printf 'transport = udp\ntimeout = %s\n' "$(anycastd_timeout "$(anycastd_fast "$ms")")"
			[ -z "${BENCH_ANYCASTD_PROBE_EXTRA:-}" ] || printf '%b\n' "$BENCH_ANYCASTD_PROBE_EXTRA"
		} > "$dir/anycastd.conf"
		"$ANYCASTD" -n -c "$dir/anycastd.conf" >"$dir/conf-check.log" 2>&1 ||
			fail "anycastd rejects $dir/anycastd.conf: $(cat "$dir/conf-check.log")"
		ip netns exec "$ns" "$ANYCASTD" -c "$dir/anycastd.conf" >"$lg" 2>&1 &
		;;
	shell)
		ip netns exec "$ns" bash "$here/shellcheck.sh" anycast0 "$s" "$rise" "$fall" "$zone" \
			>"$lg" 2>&1 &
		;;
	exabgp)
		# --no-ack: it would wait on stdin after every line.  --ip and
		# --no-ip-setup: announce a fixed address, do not touch lo.
		# --no-syslog: there is no /dev/log here.  Its stdout gets one
		# "announce route" line per cycle, which the CPU part counts.
		ip netns exec "$ns" "$PY" -m exabgp healthcheck --no-syslog --no-ack \
			--name bench --cmd "$dig_cmd" --rise "$rise" --fall "$fall" \
			--interval "$s" --fast-interval "$s" --timeout 1 \
			--ip 198.51.100.1/32 --no-ip-setup \
			--up-execute "ip link set anycast0 up" \
			--down-execute "ip link set anycast0 down" >"$lg" 2>&1 &
		;;
	esac
	checker_pid[$c]=$!
	sleep 0.2
	kill -0 "${checker_pid[$c]}" 2>/dev/null || fail "$c exited at start: $(tail -n 5 "$lg")"
}
stop_checker() {
	local p=${checker_pid[$1]:-}
	[ -n "$p" ] || return 0
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	checker_pid[$1]=
	# Children it left (ExaBGP runs its check in its own process group).
	for p in $(ip netns pids "${ns_of[$1]}"); do
		[ "$p" = "${named_pid[$1]:-}" ] || kill -KILL "$p" 2>/dev/null || true
	done
	ip -n "${ns_of[$1]}" link set anycast0 down
}

# --- detection trials -------------------------------------------------------

# trials C SIG N FILE: N times: named up, wait until C has set anycast0 up,
# wait one interval plus a random fraction of one (so the signal lands at a
# random phase of C's cycle), then bench-linkwatch sends SIG to named and
# times anycast0 going down.  One line per trial in FILE: microseconds, or
# "timeout".  Runs in a subshell when parallel, so named's PID stays local.
trials() {
	local c=$1 sig=$2 n=$3 file=$4 ns=${ns_of[$1]} i r rc pid settle
	local limit=$(( (fall + 1) * (interval_ms + 1000) * 2 + 5000 ))
	for (( i = 1; i <= n; i++ )); do
		start_named "$c"
		pid=${named_pid[$c]}
		r=$("$LINKWATCH" -n "$ns" -i anycast0 -u -t 60000) ||
			fail "$c: anycast0 not up 60 s after named started ($r)"
		settle=$(( interval_ms + RANDOM % interval_ms ))
		sleep "$(ms_to_s "$settle")"
		rc=0
		r=$("$LINKWATCH" -n "$ns" -i anycast0 -p "$pid" -s "$sig" -t "$limit") || rc=$?
		case $r in
		down\ *) echo "${r#down }" >> "$file" ;;
		timeout\ *) echo timeout >> "$file" ;;
		notup\ *) log "$c: link went down by itself before SIG$sig, trial $i not counted" ;;
		*) fail "$c: bench-linkwatch: '$r' (exit $rc)" ;;
		esac
		stop_named "$c"
		log "$c SIG$sig trial $i/$n: ${r% *} $(( ${r#* } / 1000 )) ms"
	done
}

run_phase() {
	local sig=$1 n=$2 name=$3 c p
	log "phase $name: $n trials per checker, $([ "$parallel" = 1 ] && echo 'checkers in parallel' || echo 'one checker at a time')"
	for c in "${checkers[@]}"; do
		: > "$out/$c.$name.txt"
	done
	if [ "$parallel" = 1 ]; then
		local pids=()
		for c in "${checkers[@]}"; do
			trials "$c" "$sig" "$n" "$out/$c.$name.txt" &
			pids+=("$!")
			bg_pids+=("$!")
		done
		for p in "${pids[@]}"; do
			wait "$p" || fail "a trial loop failed"
		done
		bg_pids=()
	else
		for c in "${checkers[@]}"; do
			trials "$c" "$sig" "$n" "$out/$c.$name.txt"
		done
	fi
}

# --- CPU and memory ---------------------------------------------------------

# cpu_sample PID: "SELF_NS CHILD_TICKS SELF_TICKS".  The process's own CPU
# comes from schedstat (nanoseconds, every thread); its reaped children's
# (dig, sh, ip, sleep) only exist in ticks (cutime + cstime of /proc/PID/stat).
cpu_sample() {
	local p=$1 ns=0 f a
	for f in /proc/"$p"/task/*/schedstat; do
		read -r a _ < "$f"
		ns=$(( ns + a ))
	done
	awk -v ns="$ns" '{ sub(/^.*\) /, ""); print ns, $14 + $15, $12 + $13 }' "/proc/$p/stat"
}
cycles_of() {
	case $1 in
	anycastd)
		ip netns exec "${ns_of[$1]}" "$ANYCASTCTL" -s "$out/$1/anycastd.sock" status |
			awk '/^Cycles:/ { sub(",", "", $2); print $2 }' ;;
	shell) grep -c '^cycle ' "$out/$1/checker-cpu.log" ;;
	exabgp) grep -c '^announce route' "$out/$1/checker-cpu.log" ;;
	esac
}
measure_cpu() {
	local c=$1 p a0 a1 n0 n1 r
	start_named "$c"
	start_checker "$c" "$cpu_interval_ms" checker-cpu.log
	p=${checker_pid[$c]}
	r=$("$LINKWATCH" -n "${ns_of[$c]}" -i anycast0 -u -t 60000) ||
		fail "$c: anycast0 not up for the CPU part ($r)"
	sleep 1
	n0=$(cycles_of "$c")
	a0=$(cpu_sample "$p")
	sleep "$cpu_secs"
	a1=$(cpu_sample "$p")
	n1=$(cycles_of "$c")
	awk '/^VmRSS|^VmHWM/ { printf "%s %s ", $1, $2 }' "/proc/$p/status" > "$out/$c.mem.txt"
	echo >> "$out/$c.mem.txt"
	# self_ns child_ticks self_ticks at start, then at the end, then cycles.
	echo "$a0 $a1 $(( n1 - n0 )) $hz" > "$out/$c.cpu.txt"
	stop_checker "$c"
	log "$c: $(( n1 - n0 )) cycles in ${cpu_secs}s: $(awk '{ printf "%.3f ms/cycle (self %.3f, children %.3f)", (($4-$1)/1e6 + ($5-$2)*1000/$8) / $7, ($4-$1)/1e6/$7, ($5-$2)*1000/$8/$7 }' "$out/$c.cpu.txt"), $(cat "$out/$c.mem.txt")"
}

# --- the run ----------------------------------------------------------------

for c in "${checkers[@]}"; do
	make_node "$c"
done
log "results in $out; anycast0 is $kind in every namespace$([ "$kind" = ifb ] && echo ' (the kernel has no dummy driver)')"
log "checkers: ${checkers[*]}; interval $(ms_to_s "$interval_ms")s for all, rise $rise, fall $fall"
log "anycastd: fast_interval $(anycastd_fast "$interval_ms")ms ($(anycastd_fast "$cpu_interval_ms")ms in the CPU part), probe timeout $(anycastd_timeout "$(anycastd_fast "$interval_ms")"); shell loop and ExaBGP: dig +time=1 (1 s, dig's least), ExaBGP --timeout 1"
[ -z "${BENCH_ANYCASTD_EXTRA:-}${BENCH_ANYCASTD_PROBE_EXTRA:-}" ] ||
	log "anycastd extra: [agent] '${BENCH_ANYCASTD_EXTRA:-}' [probe] '${BENCH_ANYCASTD_PROBE_EXTRA:-}'"
if has_exabgp; then
	log "exabgp: $("$PY" -c 'import exabgp.version as v; print(v.version)' 2>/dev/null || echo '?') ($PY -m exabgp healthcheck)"
fi
{
	echo "interval_ms=$interval_ms cpu_interval_ms=$cpu_interval_ms trials=$trials stop_trials=$stop_trials"
	echo "cpu_secs=$cpu_secs parallel=$parallel kind=$kind checkers=${checkers[*]}"
	echo "anycastd_timeout=$(anycastd_timeout "$(anycastd_fast "$interval_ms")") anycastd_fast_ms=$(anycastd_fast "$interval_ms")"
	echo "anycastd_extra=${BENCH_ANYCASTD_EXTRA:-} anycastd_probe_extra=${BENCH_ANYCASTD_PROBE_EXTRA:-}"
	echo "kernel=$(uname -r) cpus=$(nproc)"
} > "$out/params.txt"

for c in "${checkers[@]}"; do
	start_checker "$c" "$interval_ms" checker.log
done
run_phase KILL "$trials" kill
run_phase STOP "$stop_trials" stop
for c in "${checkers[@]}"; do
	stop_checker "$c"
done

log "phase cpu: each checker alone, named healthy, interval $(ms_to_s "$cpu_interval_ms")s, ${cpu_secs}s"
for c in "${checkers[@]}"; do
	measure_cpu "$c"
	if [ "$c" = anycastd ] && [ -x "$UDPFLOOR" ]; then
		# The floor, in the same namespace against the same named.
		ip netns exec "${ns_of[$c]}" "$UDPFLOOR" \
			$(( cpu_secs * 1000 / cpu_interval_ms )) \
			$(( cpu_interval_ms * 1000 )) "$zone" >"$out/floor.txt" 2>&1 ||
			log "udpfloor failed: $(cat "$out/floor.txt")"
	fi
	if [ "$c" = shell ] && [ -x /usr/bin/time ]; then
		# One dig's peak RSS (the forked part of a dig loop); its CPU is
		# below /usr/bin/time's 10 ms resolution, see the children figure.
		/usr/bin/time -f '%M' -o "$out/dig.time.txt" \
			ip netns exec "${ns_of[$c]}" "${dig_args[@]}" >/dev/null 2>&1 || true
	fi
	stop_named "$c"
done

# --- the table ----------------------------------------------------------------

# stats FILE: "n min median p99 timeouts" in ms (nearest-rank p99: with
# fewer than 100 samples it is the maximum).
stats() {
	grep -v timeout "$1" | sort -n | awk -v to="$(grep -c timeout "$1" || true)" '
		{ v[NR] = $1 / 1000 }
		END {
			n = NR
			if (n == 0) { print 0, "-", "-", "-", to; exit }
			med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			k = int(0.99 * n); if (k < 0.99 * n) k++
			printf "%d %.1f %.1f %.1f %d\n", n, v[1], med, v[k], to
		}'
}
# CDF files for the plot: ms, fraction of trials detected by then.
for c in "${checkers[@]}"; do
	grep -v timeout "$out/$c.kill.txt" | sort -n |
		awk -v n="$(wc -l < "$out/$c.kill.txt")" 'NR == 1 { printf "%.3f 0\n", $1 / 1000 } { printf "%.3f %.4f\n", $1 / 1000, NR / n }' \
		> "$out/$c.kill.cdf"
done

dig_peak=
[ -s "$out/dig.time.txt" ] && dig_peak=$(awk '{ print $1 }' "$out/dig.time.txt")
: > "$out/summary.tsv"
missing=()
for c in "${checkers[@]}"; do
	read -r kn kmin kmed kp99 kto <<< "$(stats "$out/$c.kill.txt")"
	read -r sn _ smed _ sto <<< "$(stats "$out/$c.stop.txt")"
	cpu=$(awk '{ printf "%.3f", (($4-$1)/1e6 + ($5-$2)*1000/$8) / ($7 > 0 ? $7 : 1) }' "$out/$c.cpu.txt")
	rss=$(awk '{ for (i = 1; i < NF; i++) if ($i == "VmHWM:") print $(i + 1) }' "$out/$c.mem.txt")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$kn" "$kto" "$kmin" "$kmed" "$kp99" \
		"$sn" "$sto" "$smed" "$cpu" "$rss" >> "$out/summary.tsv"
	[ "$kn" -gt 0 ] || missing+=("$c never detected kill -9")
	[ "$sn" -gt 0 ] || missing+=("$c never detected SIGSTOP")
done

{
	echo
	echo "interval $(ms_to_s "$interval_ms")s (CPU part $(ms_to_s "$cpu_interval_ms")s), rise $rise, fall $fall; $trials kill -9 and $stop_trials SIGSTOP trials per checker, $([ "$parallel" = 1 ] && echo 'the checkers in parallel' || echo 'one checker at a time'); anycast0 is $kind"
	echo "(xN) = ratio to anycastd; times from kill() to the kernel's IFF_UP-cleared notification; RSS = VmHWM of the checker process"
	awk -F'\t' -v dig="$dig_peak" '
		function r(v, b) { return (v == "-" || b == "-" || b + 0 == 0) ? "" : sprintf(" (x%.1f)", v / b) }
		function ms(v) { return v == "-" ? "-" : v " ms" }
		NR == 1 && $1 == "anycastd" { for (i = 1; i <= NF; i++) base[i] = $i }
		{ rows[NR] = $0 }
		END {
			printf "%-9s | %-19s | %-19s | %-19s | %-19s | %-20s | %s\n", "checker", "kill -9 min", "median", "p99", "SIGSTOP median", "CPU ms/cycle", "RSS"
			printf "%s\n", "----------+---------------------+---------------------+---------------------+---------------------+----------------------+------------------"
			for (j = 1; j <= NR; j++) {
				split(rows[j], f, "\t")
				extra = (f[1] != "anycastd" && dig != "") ? sprintf(" +dig %.1f MB", dig / 1024) : ""
				to = (f[3] > 0 ? sprintf(" [%d timeouts]", f[3]) : "")
				printf "%-9s | %-19s | %-19s | %-19s | %-19s | %-20s | %.1f MB%s%s\n", f[1],
					ms(f[4]) r(f[4], base[4]), ms(f[5]) r(f[5], base[5]), ms(f[6]) r(f[6], base[6]),
					ms(f[9]) r(f[9], base[9]), f[10] r(f[10], base[10]),
					f[11] / 1024, r(f[11], base[11]), extra to
			}
		}' "$out/summary.tsv"
	echo "p99 is nearest-rank: with fewer than 100 trials it is the slowest trial"
	for c in "${checkers[@]}"; do
		awk -v c="$c" -v t="$cpu_secs" '{ printf "CPU of %s: %d cycles in %d s, self %.3f ms/cycle (schedstat), children %.3f ms/cycle (ticks of 1/%d s)\n", c, $7, t, ($4-$1)/1e6/($7>0?$7:1), ($5-$2)*1000/$8/($7>0?$7:1), $8 }' "$out/$c.cpu.txt"
	done
	if [ -s "$out/floor.txt" ] && [ -s "$out/anycastd.cpu.txt" ]; then
		f=$(sed -n 's/^floor_us_per_cycle=\([0-9.]*\).*/\1/p' "$out/floor.txt")
		awk -v f="$f" '{ a = (($4-$1)/1e6 + ($5-$2)*1000/$8) / ($7 > 0 ? $7 : 1) * 1000
			printf "floor (udpfloor: one UDP query per cycle, nothing else, same interval and named): %.1f us/cycle; anycastd %.1f us/cycle = %.2fx the floor\n", f, a, (f > 0 ? a / f : 0) }' "$out/anycastd.cpu.txt"
	fi
	if [ -n "$dig_peak" ]; then
		awk '{ printf "one dig (forked every cycle by shell and exabgp): peak RSS %.1f MB\n", $1 / 1024 }' "$out/dig.time.txt"
	fi
} | tee "$out/table.txt"

if command -v gnuplot >/dev/null; then
	list=
	for c in "${checkers[@]}"; do
		[ -s "$out/$c.kill.cdf" ] && list="$list $c"
	done
	if gnuplot -e "dir='$out'; png='$out/kill9-detection.png'; checkers='${list# }'; subtitle='interval $(ms_to_s "$interval_ms")s, rise $rise, fall $fall, $trials trials'" \
		"$here/plot.gp" 2>"$out/gnuplot.log"; then
		log "plot: $out/kill9-detection.png"
	else
		log "gnuplot failed: $(cat "$out/gnuplot.log")"
	fi
else
	log "no gnuplot (apt-get install --no-install-recommends gnuplot-nox): no PNG"
fi
log "raw samples (us) in $out/*.kill.txt, *.stop.txt; CPU in *.cpu.txt; table in $out/table.txt"

if [ "${#missing[@]}" -gt 0 ]; then
	fail "$(IFS=';'; echo "${missing[*]}")"
fi
log "done"
