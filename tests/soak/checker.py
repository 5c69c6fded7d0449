#!/usr/bin/env python3
"""The soak's invariant checker: an independent watcher of one lab node.

It shares no code with anycastd and asks it nothing.  It sees the world
the way an operator's monitoring would:
  - the node's anycast0 admin state, from rtnetlink events in the node's
    namespace (a dump at start and after any ENOBUFS);
  - the node's named, with its own SOA query to 127.0.0.1 every 100 ms;
  - the upstream's BIRD: which nodes it has the IPv4 anycast prefix from;
  - a client in the client namespace asking whoami every 20 ms;
  - anycastd's fd count and RSS from /proc, and its log's line rate;
  - the injector's event file (drained or not, agent or BIRD restarting),
    which is the only thing it is told.

It asserts the invariants continuously and prints each violation at the
moment it sees it (a line starting "VIOLATION").  On SIGTERM it prints a
summary and exits 0; the caller counts the violations.

Usage: checker.py CONFIG.json   (written by soak.sh)
"""

import ctypes
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def now():
    return time.monotonic()


def in_netns(name, fn):
    """Runs fn with this thread in namespace NAME: sockets it creates stay
    in that namespace after we switch back."""
    self_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
    ns_fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(ns_fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns " + name)
        return fn()
    finally:
        libc.setns(self_fd, CLONE_NEWNET)
        os.close(ns_fd)
        os.close(self_fd)


# ------------------------------------------------------------------ DNS

def dns_query(qid, name, qtype):
    hdr = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)  # RD=0
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.strip(".").split("."))
    return hdr + q + b"\0" + struct.pack("!HH", qtype, 1)


def dns_reply(data):
    """-> (id, rcode, aa, ancount) or None"""
    if len(data) < 12:
        return None
    qid, flags, _qd, an, _ns, _ar = struct.unpack("!HHHHHH", data[:12])
    if not flags & 0x8000:
        return None
    return qid, flags & 0xF, bool(flags & 0x0400), an


def whoami_txt(data):
    """The node letter from a whoami TXT reply "node-X", or None."""
    i = data.find(b"node-")
    if i < 0 or i + 5 >= len(data):
        return None
    return chr(data[i + 5])


class Prober:
    """One UDP query in flight at a time, every `every` seconds.  A reply
    within `good_s` is a good sample; none within `bad_s`, or a bad answer,
    is a bad sample; in between is neither (a slow server is not a failure
    worth a violation, nor health worth one)."""

    def __init__(self, sock, dst, name, qtype, every, good_s, bad_s, want_aa):
        self.sock, self.dst = sock, dst
        self.name, self.qtype = name, qtype
        self.every, self.good_s, self.bad_s = every, good_s, bad_s
        self.want_aa = want_aa
        self.qid = random.randrange(65536)
        self.sent = None
        self.next = now()
        self.last_data = None

    def due(self):
        return self.sent + self.bad_s if self.sent else self.next

    def tick(self, t, on_sample):
        if self.sent is not None and t - self.sent >= self.bad_s:
            self.sent = None
            on_sample(t, "bad")
        if self.sent is None and t >= self.next:
            self.qid = (self.qid + 1) & 0xFFFF
            try:
                self.sock.send(dns_query(self.qid, self.name, self.qtype))
                self.sent = t
            except OSError:
                on_sample(t, "bad")
            self.next = t + self.every

    def readable(self, t, on_sample):
        while True:
            try:
                data = self.sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # ECONNREFUSED from an earlier query: nothing listens.
                if self.sent is not None:
                    self.sent = None
                    on_sample(t, "bad")
                continue
            r = dns_reply(data)
            if r is None or self.sent is None or r[0] != self.qid:
                continue
            dt = t - self.sent
            self.sent = None
            ok = r[1] == 0 and r[3] > 0 and (r[2] or not self.want_aa)
            self.last_data = data
            if not ok:
                on_sample(t, "bad")
            elif dt <= self.good_s:
                on_sample(t, "good")
            else:
                on_sample(t, "slow")


# ------------------------------------------------------------- netlink

RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
NLMSG_ERROR, NLMSG_DONE = 2, 3
IFLA_IFNAME = 3
IFF_UP = 1


class LinkWatch:
    def __init__(self, ns, ifname):
        self.ifname = ifname
        self.up = None
        self.resyncs = 0

        def mk():
            s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_NONBLOCK, 0)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            s.bind((0, 1))  # RTMGRP_LINK
            return s
        self.sock = in_netns(ns, mk)
        self.dump()

    def dump(self):
        req = struct.pack("=IHHII", 32, RTM_GETLINK, 0x301, 1, 0) + \
            struct.pack("=BxHiII", 0, 0, 0, 0, 0)
        self.sock.send(req)

    def readable(self, on_change):
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno == 105:  # ENOBUFS: we lost events; ask again
                    self.resyncs += 1
                    self.dump()
                    continue
                raise
            off = 0
            while off + 16 <= len(data):
                ln, typ, _fl, _seq, _pid = struct.unpack_from("=IHHII", data, off)
                if ln < 16:
                    break
                if typ in (RTM_NEWLINK, RTM_DELLINK) and ln >= 32:
                    _fam, _t, _idx, flags, _ch = struct.unpack_from("=BxHiII", data, off + 16)
                    name = None
                    a = off + 32
                    while a + 4 <= off + ln:
                        alen, atyp = struct.unpack_from("=HH", data, a)
                        if alen < 4:
                            break
                        if atyp == IFLA_IFNAME:
                            name = data[a + 4:a + alen].split(b"\0")[0].decode()
                        a += (alen + 3) & ~3
                    if name == self.ifname:
                        up = typ == RTM_NEWLINK and bool(flags & IFF_UP)
                        if up != self.up:
                            self.up = up
                            on_change(up)
                off += (ln + 3) & ~3


# ---------------------------------------------------------------- BIRD

class BirdRoutes:
    """Polls `show route for PREFIX` on the upstream's control socket."""

    def __init__(self, path, prefix, every):
        self.path, self.prefix, self.every = path, prefix, every
        self.next = now()
        self.nodes = None  # set of node letters

    def poll(self):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(1.0)
            s.connect(self.path)
            buf = b""
            while b"\n" not in buf:
                buf += s.recv(4096)
            s.sendall(("show route for %s\n" % self.prefix).encode())
            buf = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
                lines = buf.split(b"\n")
                if any(len(l) >= 5 and l[:4].isdigit() and l[4:5] == b" "
                       for l in lines[:-1]):
                    break
            s.close()
        except OSError:
            return None
        nodes = set()
        for l in buf.decode(errors="replace").split("\n"):
            i = l.find("unicast [n")
            if i >= 0 and len(l) > i + 11 and l[i + 11] in "46":
                nodes.add(l[i + 10])
        return nodes


# ---------------------------------------------------------------- main

class Checker:
    def __init__(self, cfg):
        self.cfg = cfg
        self.node = cfg["node"]
        self.violations = []
        self.t0 = now()
        # What the injector tells us (events file), and when it last did.
        self.drained = False
        self.drain_change = self.t0
        self.agent_down = False
        self.agent_change = self.t0
        self.bird_change = self.t0 - 3600
        self.bird_down = False
        # The node's named as we see it.
        self.named = None  # "good" / "bad" / "slow"
        self.named_since = self.t0  # start of the current good/bad streak
        # anycast0
        self.link_up = None
        self.link_since = self.t0
        # upstream's route via our node
        self.route = None
        self.route_since = self.t0
        # client
        self.last_answer = self.t0
        self.answers = 0
        self.who = {}
        self.max_outage = 0.0
        # what fired already (one violation per episode, not per sample)
        self.open = {}
        self.samples = []  # (t, pid, fds, rss_kib)
        self.log_lines = []
        self.log_pos = 0
        self.worst_log_rate = 0
        self.stamp = {}

    def rel(self, t):
        return t - self.t0

    def violate(self, key, msg):
        if self.open.get(key):
            return
        self.open[key] = True
        line = "VIOLATION %.3fs %s: %s" % (self.rel(now()), key, msg)
        self.violations.append(line)
        print(line, flush=True)

    def clear(self, key):
        self.open[key] = False

    # --- inputs

    def on_named(self, t, s):
        if s == "slow":
            # Neither healthy nor failed: breaks both streaks.
            self.named, self.named_since = "slow", t
            return
        if s != self.named:
            self.named, self.named_since = s, t

    def on_link(self, up):
        t = now()
        self.link_up, self.link_since = up, t
        print("%.3fs link %s" % (self.rel(t), "up" if up else "down"), flush=True)

    def on_client(self, t, s):
        if s == "good" or s == "slow":
            gap = t - self.last_answer
            self.max_outage = max(self.max_outage, gap)
            self.last_answer = t
            self.answers += 1
            who = whoami_txt(self.client.last_data or b"")
            if who:
                self.who[who] = self.who.get(who, 0) + 1

    def read_events(self):
        try:
            with open(self.cfg["events"]) as f:
                f.seek(self.stamp.get("ev", 0))
                lines = f.readlines()
                self.stamp["ev"] = f.tell()
        except OSError:
            return
        for l in lines:
            w = l.split()
            if not w:
                continue
            t = now()
            ev = w[0]
            if ev == "drain":
                self.drained, self.drain_change = True, t
            elif ev == "undrain":
                self.drained, self.drain_change = False, t
            elif ev == "agent_down":
                self.agent_down, self.agent_change = True, t
            elif ev == "agent_up":
                self.agent_down, self.agent_change = False, t
            elif ev == "bird_down":
                self.bird_down, self.bird_change = True, t
            elif ev == "bird_up":
                self.bird_down, self.bird_change = False, t

    def sample_proc(self, t):
        try:
            pid = int(open(self.cfg["agent_pidfile"]).read())
            fds = len(os.listdir("/proc/%d/fd" % pid))
            rss = 0
            for l in open("/proc/%d/status" % pid):
                if l.startswith("VmRSS:"):
                    rss = int(l.split()[1])
            self.samples.append((t, pid, fds, rss))
        except (OSError, ValueError):
            pass

    def read_log(self, t):
        try:
            with open(self.cfg["agent_log"], "rb") as f:
                f.seek(self.log_pos)
                data = f.read()
                self.log_pos = f.tell()
        except OSError:
            return
        n = data.count(b"\n")
        self.log_lines.append((t, n))
        w = self.cfg["log_window_s"]
        while self.log_lines and self.log_lines[0][0] < t - w:
            self.log_lines.pop(0)
        rate = sum(c for _, c in self.log_lines)
        self.worst_log_rate = max(self.worst_log_rate, rate)
        if rate > self.cfg["log_max_lines"]:
            self.violate("log_flood", "%d log lines in %ss (at most %d)" %
                         (rate, w, self.cfg["log_max_lines"]))
        else:
            self.clear("log_flood")

    # --- the invariants, evaluated every tick

    def check(self, t):
        c = self.cfg
        agent_ok = not self.agent_down and t - self.agent_change > c["agent_settle_s"]
        # 1. never announced while named has failed for longer than the
        #    detection bound.
        if (self.link_up and self.named == "bad" and agent_ok and
                t - self.named_since > c["detect_s"] and
                t - self.link_since > c["detect_s"]):
            self.violate("announced_while_failed",
                         "anycast0 up while named failed for %.1fs (bound %.1fs)" %
                         (t - self.named_since, c["detect_s"]))
        elif not (self.link_up and self.named == "bad"):
            self.clear("announced_while_failed")
        # 2. never withdrawn while healthy and undrained for longer than
        #    the recovery bound.
        healthy_for = t - max(self.named_since, self.drain_change, self.agent_change)
        if (self.link_up is False and self.named == "good" and not self.drained and
                agent_ok and healthy_for > c["recover_s"] and
                t - self.link_since > c["recover_s"]):
            self.violate("withdrawn_while_healthy",
                         "anycast0 down while named healthy and undrained for %.1fs "
                         "(bound %.1fs)" % (healthy_for, c["recover_s"]))
        elif not (self.link_up is False and self.named == "good"):
            self.clear("withdrawn_while_healthy")
        # 3. BGP follows the link: the upstream has no route from us while
        #    anycast0 has been down for longer than the convergence bound.
        if (self.route and self.link_up is False and
                t - self.link_since > c["converge_s"] and
                t - self.route_since > c["converge_s"]):
            self.violate("route_while_down",
                         "the upstream still has the prefix from node %s, anycast0 "
                         "down for %.1fs" % (self.node, t - self.link_since))
        elif not (self.route and self.link_up is False):
            self.clear("route_while_down")
        # and has it while anycast0 is up, BIRD is up and settled.
        bird_ok = not self.bird_down and t - self.bird_change > c["bird_settle_s"]
        if (self.route is False and self.link_up and bird_ok and
                t - self.link_since > c["converge_s"] and
                t - self.route_since > c["converge_s"]):
            self.violate("no_route_while_up",
                         "the upstream has no route from node %s, anycast0 up for %.1fs" %
                         (self.node, t - self.link_since))
        elif not (self.route is False and self.link_up):
            self.clear("no_route_while_up")
        # 4. never announced while drained (an operator's drain holds
        #    against a hand-set link too).
        if (self.link_up and self.drained and agent_ok and
                t - self.drain_change > c["converge_s"] and
                t - self.link_since > c["converge_s"]):
            self.violate("announced_while_drained",
                         "anycast0 up while drained for %.1fs" % (t - self.drain_change))
        elif not (self.link_up and self.drained):
            self.clear("announced_while_drained")
        # 5. the client is answered: another node is always healthy.
        if t - self.last_answer > c["outage_s"]:
            self.violate("client_outage", "the client had no answer for %.1fs" %
                         (t - self.last_answer))
        else:
            self.clear("client_outage")

    def final_checks(self):
        """fd count and RSS flat over each incarnation long enough to say."""
        by_pid = {}
        for t, pid, fds, rss in self.samples:
            by_pid.setdefault(pid, []).append((t, fds, rss))
        longest = None
        for pid, s in by_pid.items():
            warm = [x for x in s if x[0] - s[0][0] >= self.cfg["warmup_s"]]
            if len(warm) < 2 or warm[-1][0] - warm[0][0] < self.cfg["flat_min_s"]:
                continue
            if longest is None or warm[-1][0] - warm[0][0] > longest[2][-1][0] - longest[2][0][0]:
                longest = (pid, s, warm)
            f0, f1 = warm[0][1], max(x[1] for x in warm)
            r0, r1 = warm[0][2], max(x[2] for x in warm)
            if f1 > f0 + self.cfg["fd_slack"]:
                self.violate("fd_growth_%d" % pid, "pid %d: fds %d -> %d" % (pid, f0, f1))
            if r1 > r0 + self.cfg["rss_slack_kib"]:
                self.violate("rss_growth_%d" % pid, "pid %d: RSS %d -> %d KiB" % (pid, r0, r1))
        return by_pid, longest

    def run(self):
        c = self.cfg
        self.link = LinkWatch(c["node_ns"], c["interface"])
        mk = lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK)
        ns_sock = in_netns(c["node_ns"], mk)
        ns_sock.connect(("127.0.0.1", 53))
        self.probe = Prober(ns_sock, ("127.0.0.1", 53), c["zone"], 6, 0.1,
                            c["good_s"], c["bad_s"], True)
        cl_sock = in_netns(c["client_ns"], mk)
        cl_sock.connect((c["anycast"], 53))
        self.client = Prober(cl_sock, (c["anycast"], 53), c["whoami"], 16, 0.02,
                             0.5, 0.5, False)
        bird = BirdRoutes(c["upstream_ctl"], c["prefix"], 0.25)
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        signal.signal(signal.SIGINT, lambda *_: stop.append(1))
        next_proc = next_log = next_ev = now()
        while not stop:
            t = now()
            wake = min(self.probe.due(), self.client.due(), bird.next, next_ev) - t
            try:
                r, _, _ = select.select([self.link.sock, ns_sock, cl_sock], [], [],
                                        max(0.0, min(wake, 0.05)))
            except InterruptedError:
                continue
            t = now()
            if self.link.sock in r:
                self.link.readable(self.on_link)
            if ns_sock in r:
                self.probe.readable(t, self.on_named)
            if cl_sock in r:
                self.client.readable(t, self.on_client)
            self.probe.tick(t, self.on_named)
            self.client.tick(t, self.on_client)
            if t >= bird.next:
                nodes = bird.poll()
                bird.next = now() + bird.every
                if nodes is not None:
                    have = self.node in nodes
                    if have != self.route:
                        self.route, self.route_since = have, now()
            if t >= next_ev:
                self.read_events()
                next_ev = t + 0.05
            if t >= next_proc:
                self.sample_proc(t)
                next_proc = t + 2.0
            if t >= next_log:
                self.read_log(t)
                next_log = t + 1.0
            self.check(now())
        by_pid, longest = self.final_checks()
        s = self.samples
        print("checker: ran %.0fs; client answers %d (%s), longest outage %.2fs; "
              "worst log rate %d lines/%ss; netlink resyncs %d" %
              (now() - self.t0, self.answers,
               " ".join("%s=%d" % kv for kv in sorted(self.who.items())),
               self.max_outage, self.worst_log_rate, c["log_window_s"],
               self.link.resyncs), flush=True)
        if s:
            print("checker: anycastd fds %d -> %d, RSS %d -> %d KiB (first sample "
                  "of the first process, last of the last; %d processes)" %
                  (s[0][2], s[-1][2], s[0][3], s[-1][3], len(by_pid)), flush=True)
        if longest:
            pid, _, w = longest
            print("checker: longest-lived anycastd pid %d over %.0fs: fds %d -> %d, "
                  "RSS %d -> %d KiB" % (pid, w[-1][0] - w[0][0], w[0][1], w[-1][1],
                                        w[0][2], w[-1][2]), flush=True)
        print("checker: violations %d" % len(self.violations), flush=True)


def main():
    cfg = json.load(open(sys.argv[1]))
    Checker(cfg).run()


if __name__ == "__main__":
    main()
