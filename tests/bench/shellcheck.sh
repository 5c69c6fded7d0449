#!/usr/bin/env bash
# The shell-loop peer: the seed's health check, the kind published in anycast
# DNS guides.  Every INTERVAL it forks `dig`, counts consecutive failures and
# successes, and forks `ip link set IFACE down` after FALL failures or
# `ip link set IFACE up` after RISE successes.  Run it as root inside the
# node's network namespace (no sudo: the guides' `sudo ip` is one more fork).
#
# Usage: shellcheck.sh IFACE INTERVAL_SECONDS RISE FALL ZONE [SERVER]
#
# The guides' loop sleeps INTERVAL after each check (so a cycle is the dig's
# time plus INTERVAL), and so does this one.  The link is assumed down at
# start, as the bench creates it.  One line per cycle goes to stdout, which
# the bench counts; it is a builtin write, no fork.
set -u

iface=${1:?iface} interval=${2:?interval} rise=${3:?rise} fall=${4:?fall}
zone=${5:?zone} server=${6:-127.0.0.1}
state=down good=0 bad=0 n=0

while :; do
	n=$((n + 1))
	# A reply counts only with rcode NOERROR (dig exits 0 on SERVFAIL or
	# REFUSED too); the match is a bash pattern, no grep forked.
	if out=$(dig +norec +time=1 +tries=1 @"$server" "$zone" SOA 2>&1) &&
		[[ $out == *"status: NOERROR"* ]]; then
		bad=0 good=$((good + 1))
		if [ "$state" = down ] && [ "$good" -ge "$rise" ]; then
			ip link set "$iface" up && state=up
		fi
	else
		good=0 bad=$((bad + 1))
		if [ "$state" = up ] && [ "$bad" -ge "$fall" ]; then
			ip link set "$iface" down && state=down
		fi
	fi
	echo "cycle $n $state"
	sleep "$interval"
done
