# shellcheck shell=bash
# shellcheck disable=SC2154 # run, agent_log: set by the caller
# What the namespace tests (tests/integration/core.sh, tests/fault/fault.sh)
# share about the anycastd they run: its config and its log.  Source it
# after tests/lib/netns.sh; it uses $run, wait_for, log and fail.
#
# agent_conf [KEY=VALUE...]: writes $run/anycastd.conf.  The caller's
# defaults go first (AGENT_DEFAULTS=(fall=2 hold=0)), then the scenario's
# overrides; the last value of a key wins.  Keys:
#   [agent]  iface rise fall interval fast confirm hold on_exit state
#            metrics=yes (metrics_file $run/anycastd.prom)
#   [probe]  server port name type transport timeout
#   [bird]   bird=yes (socket $run/bird.ctl, 198.51.100.0/24, grace 3s)
agent_conf() {
	local iface=anycast0 rise=2 fall=3 interval=100ms fast=100ms
	local confirm=5ms hold=1s on_exit=keep state=$run metrics=no
	local server=127.0.0.1 port=53 name=svc.test. type=SOA transport=udp
	local timeout=50ms bird=no kv
	for kv in "${AGENT_DEFAULTS[@]}" "$@"; do
		case $kv in
		iface=*) iface=${kv#*=} ;; rise=*) rise=${kv#*=} ;;
		fall=*) fall=${kv#*=} ;; interval=*) interval=${kv#*=} ;;
		fast=*) fast=${kv#*=} ;; confirm=*) confirm=${kv#*=} ;;
		hold=*) hold=${kv#*=} ;; on_exit=*) on_exit=${kv#*=} ;;
		state=*) state=${kv#*=} ;; metrics=*) metrics=${kv#*=} ;;
		server=*) server=${kv#*=} ;; port=*) port=${kv#*=} ;;
		name=*) name=${kv#*=} ;; type=*) type=${kv#*=} ;;
		transport=*) transport=${kv#*=} ;; timeout=*) timeout=${kv#*=} ;;
		bird=*) bird=${kv#*=} ;;
		*) fail "agent_conf: $kv" ;;
		esac
	done
	{
		cat <<-EOT
		[agent]
		interface = $iface
		rise = $rise
		fall = $fall
		interval = $interval
		fast_interval = $fast
		confirm_interval = $confirm
		hold_down = $hold
		on_exit = $on_exit
		control_socket = $run/anycastd.sock
		state_dir = $state
		EOT
		[ "$metrics" != yes ] || echo "metrics_file = $run/anycastd.prom"
		cat <<-EOT

		[probe soa]
		server = $server
		port = $port
		name = $name
		type = $type
		transport = $transport
		timeout = $timeout
		EOT
		[ "$bird" != yes ] || printf '\n[bird]\nsocket = %s\nprefixes = 198.51.100.0/24\ngrace = 3s\n' "$run/bird.ctl"
	} >"$run/anycastd.conf"
}

agent_said() { grep -q -- "$1" "$agent_log"; }
# expect_log TEXT [SECONDS]: waits until anycastd's log has TEXT.
expect_log() {
	wait_for "${2:-5}" agent_said "$1" || fail "anycastd never logged '$1'"
	log "anycastd: $(grep -- "$1" "$agent_log" | tail -n 1 | sed 's/^anycastd: //')"
}
