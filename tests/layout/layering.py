#!/usr/bin/env python3
"""The build keeps the direction of dependencies: a leaf (probe, netlink, the
BIRD client, systemd) must not see an agent header, and anycastctl sees only
the protocol header and the base.

For each leaf, take the real compile command of one of its sources from
compile_commands.json and compile, in its place, a one-line file that
includes an agent header: it must fail.  As a positive control the same
command must compile a file that includes a header the leaf may use; without
that, a broken command line would look like enforcement.

usage: layering.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

build, top = sys.argv[1], os.path.realpath(sys.argv[2])

# leaf source -> (a header it may include, headers it must not see)
AGENT = ["conf.h", "agent.h", "health.h", "status.h", "ctl.h"]
LEAVES = {
    "probe/probe.c": ("loop.h", AGENT),
    "netlink/link.c": ("loop.h", AGENT + ["probe.h"]),
    "agent/bird/client.c": ("loop.h", AGENT + ["probe.h", "dns.h"]),  # <link.h> is glibc's
    "systemd/notify.c": ("notify.h", AGENT + ["loop.h", "probe.h"]),
    "agent/anycastctl/anycastctl.c": ("ctl_proto.h", AGENT + ["bird.h"]),
}

with open(os.path.join(build, "compile_commands.json")) as f:
    cmds = {os.path.realpath(e["file"]): e for e in json.load(f)}

failures = 0


def compile_with(entry, src, text):
    """Compile text with entry's flags, as if it were src; True if it built."""
    args = shlex.split(entry["command"]) if "command" in entry else entry["arguments"]
    with tempfile.TemporaryDirectory() as d:
        probe_src = os.path.join(d, "t.c")
        with open(probe_src, "w") as f:
            f.write(text)
        out = []
        skip = False
        for a in args:
            if skip:
                skip = False
                continue
            if a == "-o":
                skip = True
                continue
            if os.path.realpath(os.path.join(entry["directory"], a)) == src:
                a = probe_src
            out.append(a)
        out += ["-o", os.path.join(d, "t.o")]
        r = subprocess.run(out, cwd=entry["directory"], capture_output=True)
        return r.returncode == 0


for rel, (allowed, forbidden) in LEAVES.items():
    src = os.path.join(top, rel)
    entry = cmds.get(src)
    if entry is None:
        print(f"FAIL: {rel} is not in compile_commands.json")
        failures += 1
        continue
    if not compile_with(entry, src, f'#include "{allowed}"\nint x;\n'):
        print(f"FAIL: {rel}: control: #include \"{allowed}\" does not build")
        failures += 1
        continue
    for h in forbidden:
        if compile_with(entry, src, f'#include "{h}"\nint x;\n'):
            print(f"FAIL: {rel} can include \"{h}\"")
            failures += 1
        else:
            print(f"ok: {rel} cannot include \"{h}\"")
    print(f"ok: {rel} can include \"{allowed}\" (control)")

print(f"{failures} failures")
sys.exit(1 if failures else 0)
