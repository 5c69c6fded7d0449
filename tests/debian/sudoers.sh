#!/bin/bash
# The sudoers drop-in grants group anycast-ops exactly the listed commands.
#
# 1. visudo -cf accepts the file.
# 2. In a private mount namespace (nothing on the host changes), with an
#    overlay over /etc and a tmpfs on /run/bird, we make a world with two
#    test users: one in anycast-ops, one not.  Then:
#    - `sudo -l -U member` lists exactly the expected commands, nothing more;
#    - `sudo -l -U member CMD` allows each wanted command and refuses each
#      dangerous variant (birdc configure, interactive birdc, extra arguments,
#      a second BIRD command after a newline, ";" shell syntax, other paths;
#      for anycastctl: -s SOCKET, an instance name that is a path or an
#      option, --all with anything but status, zones and sweep options out
#      of order or unknown);
#    - the non-member gets nothing;
#    - end to end: the member really runs `sudo -n birdc show status` against a
#      real BIRD on /run/bird/bird.ctl (BIRD with only `protocol device`, so it
#      touches no routes), and `sudo -n birdc configure` is refused.
#
# Usage: sudoers.sh SUDOERS_FILE
set -euo pipefail

file=${1:?usage: sudoers.sh SUDOERS_FILE}
file=$(readlink -f "$file")

if [[ $(id -u) != 0 ]]; then
	echo "SKIP: needs root (unshare -m, bind mounts, sudo -l -U)"
	exit 77
fi
for t in visudo sudo unshare runuser; do
	command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done

echo "== visudo -cf $file"
visudo -cf "$file"

if [[ ${1-} != --inner ]] && [[ -z ${ANYCASTD_SUDOERS_INNER-} ]]; then
	tmp=$(mktemp -d /tmp/anycastd-sudoers.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	echo "== private mount namespace, fixtures in $tmp"
	ANYCASTD_SUDOERS_INNER=$tmp unshare -m --propagation private "$0" "$file"
	exit $?
fi

tmp=$ANYCASTD_SUDOERS_INNER
member=acd-sudo-member
outsider=acd-sudo-outsider
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# A private overlay over /etc: passwd, group, shadow and sudoers are
# changed in its upper layer only.  (Bind mounts over single files are not
# enough: a useradd elsewhere on the host renames a new /etc/passwd into
# place, and Linux then detaches mounts on the old file in every namespace.)
mkdir -p "$tmp/etc-up" "$tmp/etc-work"
mount -t overlay anycastd-sudoers-test \
	-o "lowerdir=/etc,upperdir=$tmp/etc-up,workdir=$tmp/etc-work" /etc
if [[ $(findmnt -n -o FSTYPE /etc) != overlay ]]; then
	echo "FAIL: could not overlay /etc in the private namespace"
	exit 1
fi
# Two fresh users; the real ones stay so that root still works.
grep -q '^anycast-ops:' /etc/group || echo "anycast-ops:x:64990:" >>/etc/group
sed -i "s/^\(anycast-ops:[^:]*:[^:]*:\)\(.*\)$/\1\2,$member/; s/^\(anycast-ops:[^:]*:[^:]*:\),/\1/" /etc/group
echo "$member:x:64991:64991::/nonexistent:/bin/sh" >>/etc/passwd
echo "$outsider:x:64992:64992::/nonexistent:/bin/sh" >>/etc/passwd
echo "$member:x:64991:" >>/etc/group
echo "$outsider:x:64992:" >>/etc/group
echo "$member:*:19000:0:99999:7:::" >>/etc/shadow
echo "$outsider:*:19000:0:99999:7:::" >>/etc/shadow

# sudo -l CMD resolves CMD on disk: until anycastctl is installed here, an
# overlay over /usr/sbin (private to this namespace) provides a stub.
if [[ ! -x /usr/sbin/anycastctl ]]; then
	mkdir -p "$tmp/sbin-up" "$tmp/sbin-work"
	printf '#!/bin/sh\necho anycastctl stub "$@"\n' >"$tmp/sbin-up/anycastctl"
	chmod 0755 "$tmp/sbin-up/anycastctl"
	mount -t overlay anycastd-sudoers-test \
		-o "lowerdir=/usr/sbin,upperdir=$tmp/sbin-up,workdir=$tmp/sbin-work" /usr/sbin
fi

# A sudoers like Debian's default, with only our drop-in included.
rm -f /etc/sudoers.d/*
install -m 0440 "$file" /etc/sudoers.d/anycastd
cat >/etc/sudoers <<'EOF'
Defaults	env_reset
Defaults	secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults	use_pty
root	ALL=(ALL:ALL) ALL
@includedir /etc/sudoers.d
EOF
chmod 0440 /etc/sudoers
visudo -c >/dev/null || fail "visudo -c with the drop-in included"
id "$member"

echo "== sudo -l -U $member (what the drop-in grants)"
listing=$(sudo -l -U "$member")
echo "$listing"
# The commands, one per line: sudo prints "(root) NOPASSWD: NOEXEC: a, b, ..."
# and every command starts with "/", so split at ", /" (regexes hold commas).
got=$(echo "$listing" | sed -n '/may run the following commands/,$p' | tail -n +2 |
	sed 's/^[[:space:]]*([^)]*)[[:space:]]*//; :tag; s/^[A-Z]*: //; t tag' |
	sed 's/, \//\n\//g' | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | grep -v '^$' | sort)
# The grant, written out here independently of the file: a change to the
# drop-in must be a deliberate change to this list too.
want=$(sort <<'EOF'
/usr/sbin/birdc show status
/usr/sbin/birdc show protocols
/usr/sbin/birdc show protocols all
/usr/sbin/birdc ^show protocols all [A-Za-z_][A-Za-z0-9_]*$
/usr/sbin/birdc show interfaces
/usr/sbin/birdc show route
/usr/sbin/birdc show route count
/usr/sbin/birdc ^show route for [0-9A-Fa-f.:/]+$
/usr/sbin/birdc ^show route protocol [A-Za-z_][A-Za-z0-9_]*$
/usr/sbin/birdc ^show route (table [A-Za-z_][A-Za-z0-9_]* )?export [A-Za-z_][A-Za-z0-9_]*(\.ipv[46])?$
/usr/sbin/anycastctl ^((-i|--instance) [A-Za-z0-9_][A-Za-z0-9_.-]{0,63} |--all )?status( --json)?$
/usr/sbin/anycastctl ^((-i|--instance) [A-Za-z0-9_][A-Za-z0-9_.-]{0,63} )?drain( --reason [A-Za-z0-9_.:,/+-]{1,64})?( --wait( --timeout [0-9]{1,5}(ms|s|m)?)?)?$
/usr/sbin/anycastctl ^((-i|--instance) [A-Za-z0-9_][A-Za-z0-9_.-]{0,63} )?undrain$
/usr/sbin/anycastctl ^((-i|--instance) [A-Za-z0-9_][A-Za-z0-9_.-]{0,63} )?zones( --stale)?( --json)?$
/usr/sbin/anycastctl ^((-i|--instance) [A-Za-z0-9_][A-Za-z0-9_.-]{0,63} )?sweep( --wait)?$
EOF
)
echo "-- expected: $(echo "$want" | wc -l) commands; listed: $(echo "$got" | wc -l)"
if [[ $got != "$want" ]]; then
	fail "sudo -l lists other commands than the drop-in must grant"
	diff <(echo "$want") <(echo "$got") || true
fi
grep -Eq 'NOPASSWD: NOEXEC:|NOEXEC: NOPASSWD:' <<<"$listing" || fail "NOPASSWD and NOEXEC tags missing"

# The longest instance name anycastd accepts, and one more character.
name64=$(printf 'n%.0s' $(seq 1 64))
allowed=(
	"/usr/sbin/birdc show status"
	"/usr/sbin/birdc show protocols"
	"/usr/sbin/birdc show protocols all"
	"/usr/sbin/birdc show protocols all bgp_up1"
	"/usr/sbin/birdc show interfaces"
	"/usr/sbin/birdc show route"
	"/usr/sbin/birdc show route count"
	"/usr/sbin/birdc show route for 198.51.100.1"
	"/usr/sbin/birdc show route for 2001:db8::/48"
	"/usr/sbin/birdc show route protocol direct1"
	"/usr/sbin/birdc show route export up1"
	"/usr/sbin/birdc show route export up1.ipv6"
	"/usr/sbin/birdc show route table master4 export up1"
	"/usr/sbin/anycastctl status"
	"/usr/sbin/anycastctl status --json"
	"/usr/sbin/anycastctl drain"
	"/usr/sbin/anycastctl drain --wait"
	"/usr/sbin/anycastctl drain --reason kernel-upgrade"
	"/usr/sbin/anycastctl drain --reason CHG-1234 --wait --timeout 30s"
	"/usr/sbin/anycastctl undrain"
	# One agent of several (anycastd@NAME.service), and all of them.
	"/usr/sbin/anycastctl -i bind status"
	"/usr/sbin/anycastctl -i resolver status --json"
	"/usr/sbin/anycastctl --instance bind status"
	"/usr/sbin/anycastctl -i auth_2.example-net status"
	"/usr/sbin/anycastctl -i $name64 status"
	"/usr/sbin/anycastctl --all status"
	"/usr/sbin/anycastctl --all status --json"
	"/usr/sbin/anycastctl -i bind drain"
	"/usr/sbin/anycastctl -i bind drain --reason CHG-1234 --wait --timeout 30s"
	"/usr/sbin/anycastctl --instance resolver drain --wait"
	"/usr/sbin/anycastctl -i bind undrain"
	"/usr/sbin/anycastctl --instance resolver undrain"
	# The zones: a read-only listing, and an immediate sweep.
	"/usr/sbin/anycastctl zones"
	"/usr/sbin/anycastctl zones --stale"
	"/usr/sbin/anycastctl zones --json"
	"/usr/sbin/anycastctl zones --stale --json"
	"/usr/sbin/anycastctl -i bind zones --stale --json"
	"/usr/sbin/anycastctl --instance bind zones"
	"/usr/sbin/anycastctl sweep"
	"/usr/sbin/anycastctl sweep --wait"
	"/usr/sbin/anycastctl -i bind sweep --wait"
)
nl=$'\n'
refused=(
	"/usr/sbin/birdc"
	"/usr/sbin/birdc configure"
	"/usr/sbin/birdc configure soft"
	"/usr/sbin/birdc down"
	"/usr/sbin/birdc disable up1"
	"/usr/sbin/birdc restart all"
	"/usr/sbin/birdc reload up1"
	"/usr/sbin/birdc debug all all"
	"/usr/sbin/birdc dump resources"
	"/usr/sbin/birdc eval 1"
	"/usr/sbin/birdc -s /tmp/other.ctl show status"
	"/usr/sbin/birdc -l show status"
	"/usr/sbin/birdc show status all"
	"/usr/sbin/birdc show route export up1 all"
	"/usr/sbin/birdc show route export up1;configure"
	"/usr/sbin/birdc show route export up1${nl}configure"
	"/usr/sbin/birdc show protocols all up1${nl}down"
	"/usr/sbin/birdc show route for 1.2.3.4${nl}down"
	"/usr/sbin/birdc show route; configure"
	"/usr/sbin/birdc show route && configure"
	"/usr/sbin/birdc show route table master4 export up1 export up2"
	"/usr/sbin/birdc show route filter { print 1; }"
	"/usr/bin/birdc show status"
	"/usr/sbin/bird"
	"/usr/sbin/anycastctl"
	"/usr/sbin/anycastctl status --socket /tmp/x"
	"/usr/sbin/anycastctl drain --reason two words"
	"/usr/sbin/anycastctl drain --reason x --socket /tmp/x"
	"/usr/sbin/anycastctl drain --reason x${nl}undrain"
	"/usr/sbin/anycastctl undrain --socket /tmp/x"
	"/usr/sbin/anycastctl -s /tmp/x status"
	"/usr/sbin/anycastctl -s /tmp/x drain"
	"/usr/sbin/anycastctl undrain --if-reason named.service"
	"/usr/sbin/anycastctl drain --wait --timeout 30s --reason x"
	# -i: one instance name, never a path, an option, nothing empty or long.
	"/usr/sbin/anycastctl -i ../x status"
	"/usr/sbin/anycastctl -i .. status"
	"/usr/sbin/anycastctl -i .hidden status"
	"/usr/sbin/anycastctl -i /run/x status"
	"/usr/sbin/anycastctl -i a/b status"
	"/usr/sbin/anycastctl -i -s status"
	"/usr/sbin/anycastctl -i --all status"
	"/usr/sbin/anycastctl -i ${name64}x status"
	"/usr/sbin/anycastctl -i b\\ind status"
	"/usr/sbin/anycastctl -i bind${nl}undrain status"
	"/usr/sbin/anycastctl -i bind"
	"/usr/sbin/anycastctl -i bind -i resolver status"
	"/usr/sbin/anycastctl -i bind -s /tmp/x status"
	"/usr/sbin/anycastctl -i bind --all status"
	"/usr/sbin/anycastctl -ibind status"
	"/usr/sbin/anycastctl -i bind status --socket /tmp/x"
	"/usr/sbin/anycastctl -i bind status --json extra"
	"/usr/sbin/anycastctl -i bind drain --reason two words"
	"/usr/sbin/anycastctl -i bind undrain --if-reason named.service"
	"/usr/sbin/anycastctl -i bind undrain extra"
	"/usr/sbin/anycastctl status -i bind"
	"/usr/sbin/anycastctl drain -i bind"
	# --all for status only; --server-unit never.
	"/usr/sbin/anycastctl --all"
	"/usr/sbin/anycastctl --all drain"
	"/usr/sbin/anycastctl --all undrain"
	"/usr/sbin/anycastctl --all zones"
	"/usr/sbin/anycastctl --all sweep"
	"/usr/sbin/anycastctl --all --all status"
	"/usr/sbin/anycastctl --all -i bind status"
	"/usr/sbin/anycastctl --all status extra"
	"/usr/sbin/anycastctl --server-unit named.service status"
	"/usr/sbin/anycastctl --server-unit named.service drain"
	# zones and sweep: their own options, in the order shown, nothing more.
	"/usr/sbin/anycastctl zones --json --stale"
	"/usr/sbin/anycastctl zones --stale --stale"
	"/usr/sbin/anycastctl zones example.com"
	"/usr/sbin/anycastctl zones --stale extra"
	"/usr/sbin/anycastctl zones --wait"
	"/usr/sbin/anycastctl zones${nl}drain"
	"/usr/sbin/anycastctl -s /tmp/x zones"
	"/usr/sbin/anycastctl -i ../x zones"
	"/usr/sbin/anycastctl sweep --wait --timeout 30s"
	"/usr/sbin/anycastctl sweep --json"
	"/usr/sbin/anycastctl sweep example.com"
	"/usr/sbin/anycastctl sweep --wait extra"
	"/usr/sbin/anycastctl sweep --wait${nl}undrain"
	"/usr/sbin/anycastctl -i ../x sweep"
	"/usr/sbin/anycastctl -s /tmp/x sweep"
	"/usr/sbin/anycastd"
	"/usr/sbin/ip link set anycast0 down"
	"/bin/sh"
	"/usr/bin/sudoedit /etc/sudoers"
)
check() { # expect(0 allowed|1 refused) command-string
	local expect=$1 cmd=$2 rc=0 args
	# The first word is the program; the rest is one or more arguments.
	# Split on spaces only, so that an embedded newline stays in its argument.
	IFS=' ' read -r -d '' -a args <<<"$cmd" || true
	args[-1]=${args[-1]%$'\n'}
	sudo -l -U "$member" "${args[@]}" >/dev/null 2>&1 || rc=$?
	if [[ $expect == 0 && $rc != 0 ]]; then
		fail "refused but should be allowed: $(printf %q "$cmd")"
	elif [[ $expect == 1 && $rc == 0 ]]; then
		fail "ALLOWED but must be refused: $(printf %q "$cmd")"
	fi
}
echo "== ${#allowed[@]} commands that must be allowed"
for c in "${allowed[@]}"; do check 0 "$c"; done
echo "== ${#refused[@]} commands that must be refused"
for c in "${refused[@]}"; do check 1 "$c"; done

echo "== $outsider (not in anycast-ops) gets nothing"
if sudo -l -U "$outsider" /usr/sbin/birdc show status >/dev/null 2>&1; then
	fail "$outsider may run birdc"
fi
sudo -l -U "$outsider" | grep -q "not allowed to run sudo" || fail "$outsider has sudo rights"

# End to end, if BIRD is installed: the member runs the real birdc via sudo.
if command -v bird >/dev/null && command -v birdc >/dev/null; then
	echo "== end to end: $member runs birdc through sudo against a real BIRD"
	mkdir -p /run/bird
	mount -t tmpfs -o mode=0755 anycastd-sudoers-test /run/bird
	printf 'router id 192.0.2.9;\nprotocol device {}\n' >"$tmp/bird.conf"
	# In the foreground, so that $! is BIRD itself and the trap always
	# finds it (a daemonized BIRD writes its pid file a moment later).
	bird -f -c "$tmp/bird.conf" -s /run/bird/bird.ctl &
	birdpid=$!
	trap 'kill "$birdpid" 2>/dev/null || true' EXIT
	for _ in $(seq 1 50); do
		[[ -S /run/bird/bird.ctl ]] && break
		sleep 0.1
	done
	out=$(runuser -u "$member" -- sudo -n /usr/sbin/birdc show status 2>&1) ||
		fail "sudo birdc show status failed: $out"
	echo "   ${out//$'\n'/$'\n'   }"
	grep -q 'Router ID is 192.0.2.9' <<<"$out" || fail "birdc show status did not reach BIRD"
	if out=$(runuser -u "$member" -- sudo -n /usr/sbin/birdc configure 2>&1); then
		fail "sudo birdc configure ran: $out"
	else
		echo "   refused as expected: $(head -n1 <<<"$out")"
	fi
	kill "$birdpid"
	wait "$birdpid" 2>/dev/null || true
else
	echo "== end to end skipped: bird2 not installed"
fi

if ((fails)); then
	echo "$fails failure(s)"
	exit 1
fi
echo "OK: the drop-in grants exactly $(echo "$want" | wc -l) commands to anycast-ops"
