#!/bin/bash
# The metrics file of a populated status (after a withdraw/announce cycle,
# BIRD exporting the IPv4 prefix only) passes `promtool check metrics` and
# holds the families and values an alert would use.
set -eu
bin=$1
out=$(mktemp /tmp/ops-metrics.XXXXXX)
trap 'rm -f "$out"' EXIT
"$bin" metrics "$out"
if ! command -v promtool >/dev/null; then
	echo "promtool not found (Debian package prometheus)"; exit 77
fi
promtool check metrics < "$out"
echo "promtool check metrics: OK ($(wc -l < "$out") lines)"
fail=0
for want in \
	'anycastd_state{state="announced"} 1' \
	'anycastd_state{state="withdrawn"} 0' \
	'anycastd_state{state="drained"} 0' \
	'anycastd_transitions_total{reason="fall"} 1' \
	'anycastd_transitions_total{reason="rise"} 1' \
	'anycastd_transitions_total{reason="drain"} 0' \
	'anycastd_drained 0' \
	'anycastd_probe_results_total{probe="soa",result="ok"} 2' \
	'anycastd_probe_results_total{probe="soa",result="timeout"} 1' \
	'anycastd_probe_latency_seconds_bucket{probe="soa",le="0.0005"} 2' \
	'anycastd_probe_latency_seconds_bucket{probe="soa",le="+Inf"} 3' \
	'anycastd_probe_latency_seconds_count{probe="soa"} 3' \
	'anycastd_probe_latency_seconds_sum{probe="soa"} 0.500590' \
	'anycastd_bird_reachable 1' \
	'anycastd_bird_protocol_up{protocol="upstream"} 1' \
	'anycastd_bird_protocol_up{protocol="upstream2"} 0' \
	'anycastd_bird_prefix_exported{protocol="upstream",prefix="198.51.100.0/24"} 1' \
	'anycastd_bird_prefix_exported{protocol="upstream",prefix="2001:db8:abcd::/48"} 0' \
	'anycastd_last_cycle_timestamp_seconds 1763765999.800000' \
	'# TYPE anycastd_probe_latency_seconds histogram' \
	; do
	if ! grep -qxF "$want" "$out"; then
		echo "missing: $want"; fail=1
	fi
done
# A label value with a quote is escaped, not cut.
grep -qF 'probe="tcp \"q\""' "$out" || { echo "label not escaped"; fail=1; }

# Something planted where the metrics file goes must not freeze the writer
# (one event loop: a blocked open is a dead daemon).  A FIFO at the old,
# predictable temporary name PATH.tmp.PID, with PID the writer's own (exec
# keeps the shell's pid): the write succeeds and leaves it alone.
fifo=$(mktemp -u /tmp/ops-metrics-fifo.XXXXXX)
trap 'rm -f "$out" "$out".tmp.* "$fifo"' EXIT
rc=0
timeout 10 bash -c 'mkfifo "$1.tmp.$$" && exec "$2" metrics "$1"' _ \
	"$out" "$bin" || rc=$?
if [ $rc != 0 ]; then
	echo "writing beside a planted FIFO: exit $rc (124: it hung)"; fail=1
else
	echo "a FIFO at the old temporary name is ignored: OK"
fi
# A FIFO at the path itself is refused at once (positive control: the
# writer does report a failure).
mkfifo "$fifo"
rc=0
timeout 10 "$bin" metrics "$fifo" || rc=$?
if [ $rc != 1 ]; then
	echo "writing to a FIFO: exit $rc, want 1 (124: it hung)"; fail=1
else
	echo "a FIFO as the metrics file is refused: OK"
fi
exit $fail
