#!/bin/bash
# The container every systemd test here runs in, sourced by nspawn.sh,
# firstrun.sh and instances.sh (not run on its own): Debian 12 from
# mkroot.sh's cached tree (an overlay over it, so that a run copies
# nothing), booted with systemd as PID 1 in systemd-nspawn
# (--private-network), the .deb in /var/tmp, a trap that stops the
# container and removes exactly what it left behind; then the helpers the
# tests share (c runs a command inside, prop reads a unit property,
# wait_for polls, expect counts failures, link_up [IF] reads a link's state,
# announced/withdrawn read anycast0 and BIRD's kernel export).
#
# The sourcing script sets debdir (holds anycastd_*.deb), cache (keeps the
# tarball) and here (this directory) first, under set -euo pipefail.  It
# gets pid1, work, deb, debname, fails and the helpers.  If it defines a
# function before_cleanup, the trap runs it first (to stop its own
# background watchers before the container goes away).
# shellcheck disable=SC2154,SC2034 # debdir, cache, here come from the caller; debname and the helpers go to it
if [[ $(id -u) != 0 ]]; then
	echo "SKIP: needs root (systemd-nspawn)"
	exit 77
fi
for t in systemd-nspawn debootstrap nsenter tar; do
	command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
# Without a host systemd (CI here, FACTS.md) nspawn needs --keep-unit and
# runs in our cgroup; under a host systemd it gets a transient scope of its
# own, which systemd removes when the container stops.
host_systemd=0
nspawn_unit=(--keep-unit)
if [[ -d /run/systemd/system ]]; then
	host_systemd=1
	nspawn_unit=()
	echo "   host runs systemd: nspawn allocates its own scope"
fi
debs=("$debdir"/anycastd_*.deb)
[[ -f ${debs[0]} ]] || { echo "FAIL: no anycastd_*.deb in $debdir (run debian.deb first)"; exit 1; }
deb=${debs[0]}

# The cache name carries a hash of mkroot.sh, so a new package list builds
# a new tree.
tarball=$cache/bookworm-$(sha256sum "$here/mkroot.sh" | cut -c1-12).tar
bash "$here/mkroot.sh" "$tarball"
work=$(mktemp -d /var/tmp/anycastd-nspawn.XXXXXX)
machine=anycastd-nspawn-$$
cgname=anycastd-nspawn-$$
nspawn_pid=
pid1=

cleanup() {
	local rc=$?
	set +e
	declare -F before_cleanup >/dev/null && before_cleanup
	if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
		echo "== cleanup: stopping container $machine (nspawn pid $nspawn_pid)"
		kill -TERM "$nspawn_pid"
		for _ in $(seq 1 100); do
			kill -0 "$nspawn_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$nspawn_pid" 2>/dev/null && kill -KILL "$nspawn_pid"
		wait "$nspawn_pid" 2>/dev/null
	fi
	# Whatever still lives in our own cgroup is the container's (nspawn
	# killed early can orphan its PID 1): kill exactly those processes.
	# Then remove the cgroups nspawn leaves (payload/, supervisor/) and its
	# /run/systemd/nspawn entries; all of it is ours, nothing else is touched.
	for h in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified /sys/fs/cgroup; do
		[[ -d $h/$cgname ]] || continue
		for _ in 1 2 3 4 5; do
			pids=$(find "$h/$cgname" -name cgroup.procs -exec cat {} + 2>/dev/null)
			[[ -z $pids ]] && break
			echo "   killing leftover container processes: $pids"
			# shellcheck disable=SC2086 # one PID per word
			kill -KILL $pids 2>/dev/null
			sleep 0.2
		done
		find "$h/$cgname" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "/run/systemd/nspawn/propagate/$machine"
	lockname=$(cat "$work/lockname" 2>/dev/null)
	[[ -n $lockname ]] && rm -f "/run/systemd/nspawn/locks/$lockname"
	rmdir /run/systemd/nspawn/propagate /run/systemd/nspawn/locks \
		/run/systemd/nspawn 2>/dev/null
	rm -rf "$work"
	echo "== cleanup done (container, cgroup $cgname, $work)"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The tree: the tarball unpacked once next to it (tarball.d), and then
# only read: each run boots an overlay whose upper layer holds what that
# run changes, where unpacking and removing 280 MB per run cost 10 to 25 s
# on a loaded machine.  Concurrent runs (other checkouts) share the tree;
# the first one unpacks it, under a lock.  Where overlayfs cannot have its
# upper layer in /var/tmp (itself an overlay, say), each run unpacks a copy.
mkdir "$work/root" "$work/upper" "$work/ovl" "$work/empty"
tree=${tarball%.tar}.d
ovl_opts="lowerdir=$tree,upperdir=$work/upper,workdir=$work/ovl"
if unshare -m --propagation private mount -t overlay anycastd-nspawn \
	-o "lowerdir=$work/empty,upperdir=$work/upper,workdir=$work/ovl" "$work/root" 2>/dev/null; then
	if [[ ! -d $tree ]]; then
		(
			flock 9
			if [[ ! -d $tree ]]; then
				rm -rf "$tree.new"
				mkdir "$tree.new"
				tar -C "$tree.new" -xf "$tarball"
				mv "$tree.new" "$tree"
			fi
		) 9>"$tarball.lock"
	fi
	echo "== tree: $tree, overlay on $work/root"
	# The .deb goes into the upper layer, in directories with the tree's
	# modes (an upper directory's mode is the merged one's).
	for d in var var/tmp; do
		install -d -m "$(stat -c %a "$tree/$d")" "$work/upper/$d"
	done
	install -m 0644 "$deb" "$work/upper/var/tmp/"
else
	ovl_opts=
	echo "== tree: $tarball -> $work/root (a copy: no overlayfs in /var/tmp)"
	tar -C "$work/root" -xf "$tarball"
	install -m 0644 "$deb" "$work/root/var/tmp/"
fi
debname=$(basename "$deb")

echo "== boot: systemd-nspawn -M $machine --boot --private-network"
(
	# nspawn without a host systemd creates its cgroups under the caller's;
	# give it a cgroup of its own so that cleanup is exact.
	if ((!host_systemd)); then
		for h in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
			if [[ -d $h ]]; then
				mkdir -p "$h/$cgname"
				echo "$BASHPID" >"$h/$cgname/cgroup.procs"
			fi
		done
		if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
			mkdir -p "/sys/fs/cgroup/$cgname"
			echo "$BASHPID" >"/sys/fs/cgroup/$cgname/cgroup.procs"
		fi
	fi
	# The overlay is mounted in a mount namespace of nspawn's own, so it
	# goes away with nspawn, however the test ends.  nspawn's lock file
	# for the tree (in /run/systemd/nspawn/locks) is named after the
	# inode of the root nspawn sees, which only this namespace sees.
	# shellcheck disable=SC2016 # $1, $2 and $@ are the inner bash's
	exec unshare -m --propagation private bash -c '
		if [[ -n $1 ]]; then mount -t overlay anycastd-nspawn -o "$1" "$2/root" || exit 1; fi
		stat -c inode-%d:%i "$2/root" >"$2/lockname" && shift 2 && exec systemd-nspawn "$@"' \
		_ "$ovl_opts" "$work" -D "$work/root" -M "$machine" --boot --register=no \
		"${nspawn_unit[@]}" --private-network --console=read-only
) >"$work/console.log" 2>&1 &
nspawn_pid=$!
# The container's PID 1 is the child of nspawn that is PID 1 in a PID
# namespace of its own.  Before nspawn runs, the processes that start it
# have short-lived children too (mkdir, mount, stat): taking the first
# child of ours once took one of them, and the boot then seemed to hang.
for _ in $(seq 1 100); do
	for p in $(ps -o pid= --ppid "$nspawn_pid" 2>/dev/null || true); do
		if [[ $(awk '$1 == "NSpid:" {print $NF}' "/proc/$p/status" 2>/dev/null) == 1 ]]; then
			pid1=$p
			break
		fi
	done
	[[ -n $pid1 ]] && break
	sleep 0.1
done
[[ -n $pid1 ]] || { echo "FAIL: container did not start"; cat "$work/console.log"; exit 1; }

c() { nsenter -t "$pid1" -a -- "$@"; }
prop() { c systemctl show -p "$2" --value "$1"; }
now_ms() { date +%s%3N; }
link_up() { c ip -o link show "${1:-anycast0}" | grep -q '[<,]UP[,>]'; } # link_up [IF]
exported4() { c birdc show route export kernel4 | grep -q '^198\.51\.100\.1/32'; }
exported6() { c birdc show route export kernel6 | grep -q '^2001:db8:53::1/128'; }
announced() { link_up anycast0 && exported4 && exported6; }
withdrawn() { ! link_up anycast0 && ! exported4 && ! exported6; }
# wait_for SECONDS COMMAND...: polls every 50 ms.
wait_for() {
	local end=$(($(now_ms) + $1 * 1000))
	shift
	until "$@"; do
		(($(now_ms) < end)) || return 1
		sleep 0.05
	done
}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "   ok: $*"; }
expect() { # expect "what" COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
journal() { c journalctl --no-pager -o cat "$@"; }

state=
# PID 1 needs a moment before its private socket exists; on a loaded
# machine (load 10 on 2 cores) the boot took more than 10 s once.
booted() {
	state=$(c systemctl is-system-running --wait 2>/dev/null || true)
	[[ -n $state && $state != offline ]]
}
wait_for 60 booted || true
echo "   PID 1 = $pid1 (host view), system: $state"
[[ $state == running || $state == degraded ]] || { fail "container did not boot ($state)"; cat "$work/console.log"; exit 1; }
