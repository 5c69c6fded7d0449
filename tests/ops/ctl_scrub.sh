#!/bin/bash
# anycastctl prints nothing raw from the socket (issue 11, defect 7): a fake
# server (python3) answers status, an error and drain --wait with ESC, OSC,
# a C1 CSI (as UTF-8 and bare) and invalid UTF-8.  anycastctl's output must
# hold none of them, and must still show the printable text around them
# (the positive control: the reply did get through).
set -u
ctl=$1
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
dir=$(mktemp -d /tmp/ctl-scrub.$$.XXXXXX)
sock=$dir/anycastd.sock
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
python3 - "$sock" <<'PY' &
import os, socket, sys
bad = b'\x1b[2J\x1b]0;owned\x07\xc2\x9b31m\x9b1m\xff\x7f'
replies = {
    b'status': b'anycastd/1 200 ok\nState: ok ' + bad + b' end\nline two\n',
    b'undrain': b'anycastd/1 409 conflict' + bad + b'\nnope ' + bad + b' end\n',
    b'withdrawn': b'anycastd/1 200 ok\nyes drained gone ' + bad + b' end\n',
    b'drain': b'anycastd/1 200 ok\ndrained ' + bad + b' end\n',
}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(8)
while True:
    c, _ = s.accept()
    req = b''
    while not req.endswith(b'\n'):
        d = c.recv(4096)
        if not d:
            break
        req += d
    words = req.split()
    c.sendall(replies.get(words[1] if len(words) > 1 else b'', b'x\n'))
    c.close()
PY
spid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.02; done
echo "fake anycastd on $sock (pid $spid)"

fail=0
check() {	# check WANT_TEXT CMD...
	local want=$1 out
	shift
	out=$("$@" 2>&1)
	if ! iconv -f UTF-8 -t UTF-8 <<<"$out" >/dev/null 2>&1 ||
	    LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]\\|\xc2[\x80-\x9f]' <<<"$out"; then
		echo "FAIL: $*: a control character or invalid UTF-8 got through:"
		printf '%s\n' "$out" | od -c | head -8
		fail=1
	elif ! grep -qF -- "$want" <<<"$out"; then
		echo "FAIL: $*: lacks \"$want\": $out"; fail=1
	else
		echo "  ok  $*: $(head -1 <<<"$out")"
	fi
}
check "State: ok ?[2J?]0;owned???31m?1m?? end" "$ctl" -s "$sock" status
check "nope ?[2J?]0;owned???31m?1m?? end (409 conflict?[2J" "$ctl" -s "$sock" undrain
check "withdrawn: gone ?[2J" "$ctl" -s "$sock" drain --wait --timeout 2s
exit $fail
