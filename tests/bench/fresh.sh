#!/bin/bash
# Freshness at scale (issue 9): one named with N generated zones serving as
# both the local server (127.0.0.1) and the primary (10.53.0.2), and
# anycastd checking every zone against both every INTERVAL.  Prints the
# agent's CPU (% of one core, from /proc/PID/stat over ROUNDS periodic
# rounds; /proc/PID/schedstat, which /proc/PID/stat's utime + stime
# count in ticks), its peak RSS (VmHWM), the same two figures for a baseline
# anycastd in the same run with the same probe and no [freshness], and the
# times of immediate full sweeps against the local server alone
# (`anycastctl sweep --wait`, the daemon's own measure, and the client's).
# A benchmark: it asserts nothing but that the run worked (every zone
# fresh, every sweep done).
#
#   sudo bash tests/bench/fresh.sh ANYCASTD ANYCASTCTL [NZONES [INTERVAL [ROUNDS [SWEEPS]]]]
#   defaults: 10000 zones, 30s, 3 rounds, 5 sweeps
set -u
bin=${1:?anycastd} ctl=${2:?anycastctl}
n=${3:-10000} iv=${4:-30} rounds=${5:-3} sweeps=${6:-5}
iv=${iv%s}
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root"
	exit 77
fi
ns=acdfb$$
d=$(mktemp -d /tmp/anycastd-freshbench.XXXXXX)
chmod 755 "$d"
npid= apid= bpid=
trap 'kill -KILL $apid $bpid $npid 2>/dev/null; wait 2>/dev/null; ip netns del $ns 2>/dev/null; rm -rf "$d"' EXIT
t0=$(date +%s%N)
log() { printf '[%7.1fs] %s\n' "$(( ($(date +%s%N) - t0) / 1000000 ))e-3" "$*"; }
die() { log "FAIL: $*"; tail -n 20 "$d"/*.log; exit 1; }

ip netns add $ns
ip -n $ns link set lo up
ip -n $ns addr add 10.53.0.2/32 dev lo
for i in 0 1; do
	ip -n $ns link add anycast$i type dummy 2>/dev/null || ip -n $ns link add anycast$i type ifb
	ip -n $ns link set anycast$i up
done

# One small zone file, relative names only, shared by every zone.
cat > "$d/zone.db" <<'Z'
$TTL 3600
@	SOA	ns hostmaster 2026120101 3600 600 604800 60
@	NS	ns
ns	A	127.0.0.1
Z
{
	cat <<C
options { directory "$d"; pid-file none; listen-on { 127.0.0.1; 10.53.0.2; };
	listen-on-v6 { none; }; recursion no; notify no; dnssec-validation no; };
controls { };
C
	for ((i = 0; i < n; i++)); do
		printf 'zone "z%05d.bench" { type primary; file "zone.db"; };\n' $i
	done
} > "$d/named.conf"
for ((i = 0; i < n; i++)); do printf 'z%05d.bench\n' $i; done > "$d/zones.list"
log "named: loading $n zones"
ip netns exec $ns named -g -n 1 -u root -c "$d/named.conf" > "$d/named.log" 2>&1 &
npid=$!
last=$(printf 'z%05d.bench' $((n - 1)))
for ((k = 0; k < 600; k++)); do
	ip netns exec $ns dig +short +norec +time=1 +tries=1 @10.53.0.2 "$last" SOA 2>/dev/null |
		grep -q 2026120101 && break
	sleep 0.5
done
[ $k -lt 600 ] || die "named did not load"
log "named: $n zones loaded, RSS $(awk '/VmRSS/ { print $2, $3 }' /proc/$npid/status)"

conf() {	# conf NAME IFINDEX WITH_FRESHNESS
	cat <<C
[agent]
interface = anycast$2
interval = 1s
control_socket = $d/$1.sock
state_dir = $d/$1
metrics_file = $d/$1.prom

[probe soa]
server = 127.0.0.1
name = z00000.bench
C
	[ "$3" = 1 ] && cat <<C

[freshness]
primary = 10.53.0.2
zones_file = $d/zones.list
interval = ${iv}s
max_lag = 5m
C
}
mkdir -p "$d/fresh" "$d/base"
conf fresh 0 1 > "$d/fresh.conf"
conf base 1 0 > "$d/base.conf"
ip netns exec $ns "$bin" -d -c "$d/fresh.conf" > "$d/fresh.log" 2>&1 &
apid=$!
ip netns exec $ns "$bin" -c "$d/base.conf" > "$d/base.log" 2>&1 &
bpid=$!
sleep 0.5
kill -0 $apid && kill -0 $bpid || die "anycastd did not start"

# CPU time in ns: schedstat's first field (stat's utime + stime count in
# 10 ms ticks, too coarse for 1% over a few rounds).
ticks() { awk '{ print $1 }' /proc/$1/schedstat; }
hwm() { awk '/VmHWM/ { print $2 }' /proc/$1/status; }
fresh_n() { awk '$1 == "anycastd_zones{state=\"fresh\"}" { print $2 }' "$d/fresh.prom" 2>/dev/null; }

# The first round makes every zone fresh; measure over the next ones.
log "waiting for the first round (${iv}s) to make $n zones fresh"
for ((k = 0; k < iv * 2 + 20; k++)); do
	[ "$(fresh_n)" = "$n" ] && break
	sleep 1
done
[ "$(fresh_n)" = "$n" ] || die "only $(fresh_n) of $n zones fresh: $(ip netns exec $ns "$ctl" -s "$d/fresh.sock" status | grep -A3 zones:)"
log "all $n zones fresh; measuring CPU over $rounds rounds ($((rounds * iv)) s)"
a0=$(ticks $apid) b0=$(ticks $bpid) s0=$(date +%s%N)
sleep $((rounds * iv))
a1=$(ticks $apid) b1=$(ticks $bpid) s1=$(date +%s%N)
el=$(( (s1 - s0) / 1000000 ))
cpu() { awk -v t="$1" -v ms="$el" 'BEGIN { printf "%.3f", t / 1e6 / ms * 100 }'; }
acpu=$(cpu $((a1 - a0))) bcpu=$(cpu $((b1 - b0)))
ip netns exec $ns "$ctl" -s "$d/fresh.sock" status | grep -A2 '^zones:'

log "immediate sweeps against the local server: $sweeps"
durs=() walls=()
for ((k = 0; k < sweeps; k++)); do
	w0=$(date +%s%N)
	out=$(ip netns exec $ns "$ctl" -s "$d/fresh.sock" sweep --wait --timeout 30s) || die "sweep: $out"
	w1=$(date +%s%N)
	durs+=("$(echo "$out" | sed 's/.* done in \([0-9.]*\)s/\1/')")
	walls+=("$(awk -v ns=$((w1 - w0)) 'BEGIN { printf "%.3f", ns / 1e9 }')")
	sleep 0.5
done
[ "$(fresh_n)" = "$n" ] || die "zones not fresh after the sweeps"
med() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ahwm=$(hwm $apid) bhwm=$(hwm $bpid)

echo
echo "freshness benchmark: $n zones, interval ${iv}s, one named as local server and primary"
printf '%-34s %12s %12s %10s\n' "" "freshness" "baseline" "ratio"
printf '%-34s %12s %12s %10s\n' "CPU, % of one core ($rounds rounds)" "$acpu" "$bcpu" \
	"$(awk -v a="$acpu" -v b="$bcpu" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')"
printf '%-34s %12s %12s %10s\n' "peak RSS (VmHWM), MiB" \
	"$(awk -v k="$ahwm" 'BEGIN { printf "%.1f", k / 1024 }')" \
	"$(awk -v k="$bhwm" 'BEGIN { printf "%.1f", k / 1024 }')" \
	"$(awk -v a="$ahwm" -v b="$bhwm" 'BEGIN { printf "%.1fx", a / b }')"
echo "full local sweep (anycastctl sweep --wait), s: daemon $(med "${durs[@]}") median of ${durs[*]}"
echo "                                         client $(med "${walls[@]}") median of ${walls[*]}"
echo "targets: CPU <= 1% of one core, RSS <= 16 MiB, full local sweep <= 1 s"
