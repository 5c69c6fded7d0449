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
exit $fail
