#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Integration tests of the yard binary: yard on a real PMD, the Linux kernel as its peer.

    yard_integration.py --yard BUILD/app/yard --source SRCDIR CASE

Each CASE creates its own network namespace (yt-<case>-<pid>), starts yard inside it (so
net_tap's interface appears there), configures the kernel side, runs its checks, and always
cleans up - yard stopped (SIGTERM, then SIGKILL), the namespace deleted (with its taps and
veths), EAL's runtime directory removed - on success, on failure, on a timeout, and when
meson sends SIGTERM. Every external command runs with a timeout.

Counters are read over DPDK telemetry (the socket of yard's --file-prefix); one case checks
that Debian's dpdk-telemetry.py reads yard's commands too.

Needs root (namespaces, taps, raw sockets): without it the case is skipped (exit 77).
Tools: ip (iproute2), ping (iputils-ping), arping (iputils-arping), python3-scapy for the
malformed frames; scripts/setup.sh installs them.

The malformed-frame sender is this same script, run inside the namespace; it reads
"KIND N" lines and answers "sent KIND" once the frames are out:
    yard_integration.py --inject IFACE DST_MAC SRC_MAC
"""

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
KERNEL_ADDR = "198.18.0.1"
YARD_ADDR = "198.18.0.2"
# ping's -W: how long it waits for the last replies before it gives up. A reply is on time for
# these tests however late it comes (yard's counters tell loss apart): on a CI machine whose
# cores are both taken, the kernel can sit on a reply for more than 2 s, which read as a loss.
PING_WAIT = "10"
AFP_KERNEL_ADDR = "198.18.1.1"
AFP_YARD_ADDR = "198.18.1.2"
DPDK_RUN = "/var/run/dpdk"


class Failure(Exception):
    """A check failed; the message says which and why."""


class Skipped(Exception):
    """The machine cannot run this case (not a yard failure): meson counts it skipped."""


class Stop(Exception):
    """SIGTERM/SIGINT from meson or the user: clean up and leave."""


def on_signal(signum, frame):
    raise Stop("signal %d" % signum)


def log(msg):
    print("# " + msg, flush=True)


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def run(cmd, timeout=30, ok=True, ns=None, capture=True):
    """Run cmd (a list); inside namespace ns if given. Returns CompletedProcess."""
    if ns is not None:
        cmd = ["ip", "netns", "exec", ns] + cmd
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=capture, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure("timed out after %ss: %s" % (timeout, " ".join(cmd)))
    if ok and p.returncode != 0:
        raise Failure("%s exited %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout or "",
                                              p.stderr or ""))
    return p


class Telemetry:
    """A minimal client of DPDK's telemetry socket (what dpdk-telemetry.py speaks)."""

    def __init__(self, prefix):
        self.path = os.path.join(DPDK_RUN, prefix, "dpdk_telemetry.v2")
        self.sock = None

    def connect(self, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                s.settimeout(5)
                s.connect(self.path)
                hello = json.loads(s.recv(16384).decode())
                self.maxlen = hello.get("max_output_len", 16384)
                self.sock = s
                return
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise Failure("no telemetry socket at %s" % self.path)
                time.sleep(0.2)

    def get(self, cmd):
        if self.sock is None:
            self.connect()
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.maxlen).decode())
        check(cmd.split(",")[0] in reply, "telemetry %s: unexpected answer %s" % (cmd, reply))
        return reply[cmd.split(",")[0]]

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class Yard:
    """yard running in a namespace, its log in a file."""

    def __init__(self, binary, ns, config, prefix, workdir):
        self.binary = binary
        self.ns = ns
        self.config = config
        self.prefix = prefix
        self.logpath = os.path.join(workdir, "yard-%s.log" % prefix)
        self.proc = None
        self.tel = Telemetry(prefix)

    def start(self, timeout=30):
        self.logf = open(self.logpath, "w")
        cmd = ["ip", "netns", "exec", self.ns, self.binary, "--config", self.config, "--",
               "--file-prefix", self.prefix]
        log("start: " + " ".join(cmd))
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "yard: running on" in self.log():
                self.tel.connect()
                return
            if self.proc.poll() is not None:
                raise Failure("yard exited %d while starting:\n%s" % (self.proc.returncode,
                                                                      self.log()))
            time.sleep(0.1)
        raise Failure("yard did not start within %ss:\n%s" % (timeout, self.log()))

    def get(self, cmd):
        """A telemetry command's answer; a yard that died meanwhile is a failure that says so."""
        try:
            return self.tel.get(cmd)
        except (OSError, ValueError) as e:
            time.sleep(0.5)
            status = self.proc.poll() if self.proc is not None else None
            raise Failure("telemetry %s failed (%s); yard %s:\n%s" %
                          (cmd, e, "is still running" if status is None else
                           "exited with status %s" % status, self.log()[-2000:]))

    def log(self):
        try:
            with open(self.logpath) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signal yard and wait; returns its exit status (SIGKILL after timeout)."""
        self.tel.close()
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise Failure("yard did not stop within %ss of %s:\n%s" %
                          (timeout, signal.Signals(sig).name, self.log()[-3000:]))
        finally:
            self.logf.close()

    def stop_clean(self, sig=signal.SIGTERM):
        """Stop and check the clean-stop contract: exit 0, every mempool back to 0 in use."""
        rc = self.stop(sig)
        out = self.log()
        check(rc == 0, "yard exited %s after %s:\n%s" % (rc, signal.Signals(sig).name,
                                                         out[-3000:]))
        check("yard: mempools: 0 in use" in out,
              "no 'mempools: 0 in use' line at stop:\n" + out[-3000:])
        check("yard: stopped cleanly" in out, "no 'stopped cleanly' line:\n" + out[-3000:])

    def kill(self):
        self.tel.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class Case:
    """One test: its namespace, its yard(s), its clean-up."""

    def __init__(self, args, name):
        self.args = args
        self.name = name
        tag = "%s-%d" % (name.replace("_", "-")[:12], os.getpid())
        self.ns = "yt-" + tag
        self.prefix = "yt-" + tag
        self.workdir = tempfile.mkdtemp(prefix="yard-it-%s-" % name)
        self.yards = []
        self.procs = []  # helpers started in the namespace, killed at clean-up
        self.more_ns = []  # namespaces besides ns (netns()), removed at clean-up

    def __enter__(self):
        run(["ip", "netns", "add", self.ns])
        run(["ip", "-n", self.ns, "link", "set", "lo", "up"])
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)  # the helper and what it started
                p.wait(timeout=10)
        for y in self.yards:
            try:
                y.kill()
            except Exception as e:  # keep cleaning up
                log("clean-up: %s" % e)
        for ns in self.more_ns + [self.ns]:
            run(["ip", "netns", "del", ns], ok=False)
        for y in self.yards:
            shutil.rmtree(os.path.join(DPDK_RUN, y.prefix), ignore_errors=True)
        # On hugepages EAL leaves a few pages in <prefix>map_* files when yard exits.
        for m in hugetlbfs_mounts():
            for f in os.listdir(m):
                if f.startswith(self.prefix):
                    try:
                        os.unlink(os.path.join(m, f))
                    except OSError:
                        pass
        if exc[0] is None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            log("logs kept in %s" % self.workdir)
        return False

    def netns(self, suffix):
        """Another namespace of this case (its name: ns + suffix), removed at clean-up."""
        ns = self.ns + suffix
        run(["ip", "netns", "add", ns])
        self.more_ns.append(ns)
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        return ns

    def config(self, text, name="yard.ini"):
        path = os.path.join(self.workdir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def source_config(self, name):
        return os.path.join(self.args.source, "config", name)

    def yard(self, config, suffix=""):
        y = Yard(self.args.yard, self.ns, config, self.prefix + suffix, self.workdir)
        self.yards.append(y)
        y.start()
        return y

    def tap_up(self, iface="yard0", addr=KERNEL_ADDR):
        run(["ip", "-n", self.ns, "addr", "add", addr + "/24", "dev", iface])
        run(["ip", "-n", self.ns, "link", "set", iface, "up"])
        # The kernel's IPv6 chatter would only be counted as drops; keep the counters quiet.
        run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % iface], ns=self.ns, ok=False)

    def ping(self, dst=YARD_ADDR, count=5, size=None, flood=False, interval=0.2,
             timeout=60):
        cmd = ["ping", "-n", "-q", "-c", str(count), "-W", PING_WAIT]
        if size is not None:
            cmd += ["-s", str(size)]
        if flood:
            cmd += ["-f"]
        elif interval is not None:
            cmd += ["-i", str(interval)]
        p = run(cmd + [dst], timeout=timeout, ok=False, ns=self.ns)
        m = re.search(r"(\d+) packets transmitted, (\d+) received", p.stdout)
        check(m is not None, "ping printed no statistics:\n%s%s" % (p.stdout, p.stderr))
        sent, got = int(m.group(1)), int(m.group(2))
        log("ping %s%s%s: %d sent, %d received" % (dst, " -s %d" % size if size else "",
                                                  " -f" if flood else "", sent, got))
        return sent, got

    def expect_ping(self, **kw):
        sent, got = self.ping(**kw)
        if sent == kw.get("count", 5) and got == sent:
            return
        seen = []  # where it was lost: what each running yard counted
        for y in self.yards:
            if y.proc is not None and y.proc.poll() is None:
                try:
                    icmp = counters(y, "icmp")
                    seen.append("echo requests %s, replies %s; %s" % (
                        icmp.get("rx_echo_requests"), icmp.get("tx_echo_replies"), drops(y)))
                except Exception as e:  # the failure is the ping's; say why this is missing
                    seen.append("counters unreadable: %s" % e)
        raise Failure("ping %s: %d sent, %d received: expected no loss; yard: %s" %
                      (kw, sent, got, "; ".join(seen) or "not running"))


def counters(y, what):
    d = y.get("/yard/%s" % what)
    return d["all"] if "all" in d else d


def drops(y):
    """Every non-zero drop counter of arp, ip and icmp: what a failure message needs."""
    out = {}
    for module in ("arp", "ip", "icmp"):
        for k, v in counters(y, module).items():
            if v and (k.startswith("drop") or k.startswith("frag_") or k.startswith("sib") or
                      k.startswith("entries") or k.startswith("tx_held")):
                out["%s.%s" % (module, k)] = v
    return out


def delta(before, after):
    return {k: after[k] - before.get(k, 0) for k in after if isinstance(after[k], int)}


# ---- the cases ----------------------------------------------------------------------------

def case_ping(c):
    """ping, fragmented ping (-s 3000): every echo answered, fragments reassembled and sent."""
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    ip0, icmp0 = counters(y, "ip"), counters(y, "icmp")
    c.expect_ping(count=5)
    c.expect_ping(count=5, size=3000)
    ip, icmp = delta(ip0, counters(y, "ip")), delta(icmp0, counters(y, "icmp"))
    check(icmp["rx_echo_requests"] == 10 and icmp["tx_echo_replies"] == 10,
          "icmp counters: %s" % icmp)
    check(ip["frag_reassembled"] == 5, "5 fragmented requests reassembled: %s" % ip)
    check(ip["tx_fragmented"] == 5, "5 replies fragmented: %s" % ip)
    check(ip["tx_fragments"] >= 15, "3000-byte replies in >= 3 fragments each: %s" % ip)
    y.stop_clean()


def case_flood(c):
    """ping -f -c 10000 with no loss; then a fragmented flood."""
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=10000, flood=True, timeout=120)
    c.expect_ping(count=1000, size=3000, flood=True, timeout=120)
    icmp = counters(y, "icmp")
    check(icmp["tx_echo_replies"] >= 11000, "icmp: %s" % icmp)
    y.stop_clean()


def case_arping(c):
    """arping gets an answer to every request; yard counts them."""
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    arp0 = counters(y, "arp")
    p = run(["arping", "-c", "3", "-w", "10", "-I", "yard0", YARD_ADDR], ns=c.ns, timeout=20,
            ok=False)
    m = re.search(r"Received (\d+) response", p.stdout)
    check(p.returncode == 0 and m is not None and int(m.group(1)) == 3,
          "arping: 3 responses expected:\n%s%s" % (p.stdout, p.stderr))
    mac = y.get("/yard/ports,0")["mac"].upper()
    check(mac in p.stdout.upper(), "arping's replies come from yard's MAC %s:\n%s" %
          (mac, p.stdout))
    arp = delta(arp0, counters(y, "arp"))
    check(arp["rx_requests_for_us"] >= 3 and arp["tx_replies"] >= 3, "arp: %s" % arp)
    y.stop_clean()


ARP_CLAIM = r"""
import sys
from scapy.all import ARP, Ether, sendp
iface, fake = sys.argv[1], sys.argv[2]
# Another host (a MAC that is not the kernel's) claims yard's address, twice: an announcement
# and an is-at reply, as a misconfigured host would send them.
sendp([Ether(dst="ff:ff:ff:ff:ff:ff", src=fake) /
       ARP(op=1, hwsrc=fake, psrc=sys.argv[3], pdst=sys.argv[3]),
       Ether(dst="ff:ff:ff:ff:ff:ff", src=fake) /
       ARP(op=2, hwsrc=fake, psrc=sys.argv[3], pdst=sys.argv[4])], iface=iface, verbose=False)
print("sent")
"""


def case_arp_defend(c):
    """
    A host claiming yard's address (scapy, from another MAC): yard defends it with one
    gratuitous announcement from its own MAC (tshark sees sender and target both 198.18.0.2),
    not two, counts both claims (drop_dup_addr) and keeps answering pings at its address.
    """
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    mac = y.get("/yard/ports,0")["mac"].lower()
    arp0 = counters(y, "arp")
    with tshark_capture(c, "arp and ether src %s" % mac, "defend.pcapng") as pcap:
        p = run([sys.executable, "-c", ARP_CLAIM, "yard0", "02:de:ad:00:00:01", YARD_ADDR,
                 KERNEL_ADDR], ns=c.ns, timeout=60)
        check(p.stdout.strip() == "sent", "scapy: %s%s" % (p.stdout, p.stderr))
        time.sleep(1)
    p = run(["tshark", "-n", "-r", pcap, "-T", "fields", "-e", "arp.opcode", "-e",
             "arp.src.hw_mac", "-e", "arp.src.proto_ipv4", "-e", "arp.dst.proto_ipv4"])
    check(p.stdout.split() == ["1", mac, YARD_ADDR, YARD_ADDR],
          "one announcement of %s at %s: %r" % (YARD_ADDR, mac, p.stdout))
    arp = delta(arp0, counters(y, "arp"))
    check(arp["drop_dup_addr"] == 2 and arp["tx_defended"] == 1, "arp: %s" % arp)
    c.expect_ping(count=2)
    y.stop_clean()


def arp_timeout_ini(c, ms):
    """default.ini's text with [arp] timeout_ms = ms."""
    with open(c.source_config("default.ini")) as f:
        text = f.read()
    want = "[arp]\ntimeout_ms = %d\n" % ms
    text = text.replace("[arp]\ntimeout_ms = 60000\n", want)
    check(want in text, "default.ini no longer has [arp] timeout_ms = 60000")
    return text


def case_arp_ageing(c):
    """A learned entry goes stale after timeout_ms and is removed after as long again."""
    y = c.yard(c.config(arp_timeout_ini(c, 400)))
    c.tap_up()
    c.expect_ping(count=1)
    arp = counters(y, "arp")
    check(arp["entries_learned"] >= 1, "the kernel's address was learned: %s" % arp)
    learned = arp["entries_learned"]
    # Quiet for several timeouts: REACHABLE -> STALE -> removed.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        arp = counters(y, "arp")
        if arp["entries_expired"] >= 1:
            break
        time.sleep(0.2)
    check(arp["entries_stale"] >= 1, "an entry went stale: %s" % arp)
    check(arp["entries_expired"] >= 1, "an entry was removed by ageing: %s" % arp)
    # And it comes back: yard learns the kernel again and answers.
    c.expect_ping(count=2)
    arp = counters(y, "arp")
    check(arp["entries_learned"] > learned or arp["tx_requests"] >= 1,
          "the neighbour was resolved again: %s" % arp)
    y.stop_clean()


def case_arp_probe(c):
    """
    A stale entry in use is probed unicast (RFC 1122 2.3.2.1): past [arp] timeout_ms, yard's
    echo reply to the kernel draws an ARP request to the kernel's MAC (target MAC zero), not
    a broadcast one; the kernel answers it and the entry is confirmed.
    """
    y = c.yard(c.config(arp_timeout_ini(c, 2000)))
    c.tap_up()
    kmac = run(["cat", "/sys/class/net/yard0/address"], ns=c.ns).stdout.strip().lower()
    mac = y.get("/yard/ports,0")["mac"].lower()
    # The capture first: the entry is stale from 2 s after the first ping, removed at 4 s.
    with tshark_capture(c, "arp and ether src %s" % mac, "probe.pcapng") as pcap:
        c.expect_ping(count=1)
        time.sleep(2.5)
        arp0 = counters(y, "arp")
        c.expect_ping(count=1)
        time.sleep(0.5)
    arp = delta(arp0, counters(y, "arp"))
    p = run(["tshark", "-n", "-r", pcap, "-Y", "arp.opcode == 1", "-T", "fields", "-e",
             "eth.dst", "-e", "arp.dst.hw_mac", "-e", "arp.dst.proto_ipv4"])
    rows = [line.split() for line in p.stdout.splitlines() if line.strip()]
    check([kmac, "00:00:00:00:00:00", KERNEL_ADDR] in rows,
          "a request for %s to %s: %r" % (KERNEL_ADDR, kmac, rows))
    check(["ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", KERNEL_ADDR] not in rows,
          "no broadcast request for the kernel: %r" % rows)
    check(arp["tx_ucast_probes"] >= 1 and arp["rx_replies"] >= 1 and
          arp["entries_updated"] >= 1, "probed and confirmed: %s" % arp)
    y.stop_clean()


# Each malformed frame kind: (name, module, counter it must bump, frames sent).
MALFORMED = [
    ("bad_ip_checksum", "ip", "drop_bad_cksum", 3),
    ("short_ihl", "ip", "drop_bad_ihl", 3),
    ("bad_total_length", "ip", "drop_bad_len", 3),
    ("truncated_ip_header", "ip", "drop_too_short", 3),
    ("bad_version", "ip", "drop_bad_version", 3),
    ("ttl_zero", "ip", "drop_ttl_zero", 3),
    ("bad_option", "ip", "drop_bad_options", 3),
    ("bad_source", "ip", "drop_bad_src", 3),
    ("not_for_us", "ip", "drop_not_for_us", 3),
    ("tiny_fragment", "ip", "frag_tiny", 3),
    ("misaligned_fragment", "ip", "frag_bad_align", 3),
    ("bad_icmp_checksum", "icmp", "drop_bad_cksum", 3),
    ("bad_arp_hw", "arp", "drop_bad_hw", 3),
    ("bad_arp_len", "arp", "drop_bad_len", 3),
    ("bad_arp_op", "arp", "drop_bad_op", 3),
    ("truncated_arp", "arp", "drop_bad_len", 3),
    ("vlan", "arp", "drop_vlan", 3),
]


def case_malformed(c):
    """Every malformed frame is dropped and counted by its reason; ping keeps answering."""
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    port = y.get("/yard/ports,0")
    kmac = run(["cat", "/sys/class/net/yard0/address"], ns=c.ns).stdout.strip()
    # One sender for every kind (scapy is slow to import), inside the namespace.
    sender = subprocess.Popen(["ip", "netns", "exec", c.ns, sys.executable,
                               os.path.abspath(__file__), "--inject", "yard0", port["mac"],
                               kmac], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def send(kind, n):
        sender.stdin.write("%s %d\n" % (kind, n))
        sender.stdin.flush()
        line = sender.stdout.readline().strip()
        check(line == "sent %s" % kind, "frame sender: %r" % line)

    # A steady ping across the whole injection: it must lose nothing.
    pinger = subprocess.Popen(["ip", "netns", "exec", c.ns, "ping", "-n", "-q", "-i", "0.05",
                               "-c", "100", "-W", PING_WAIT, YARD_ADDR], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        send("nothing", 0)  # scapy loaded: the sender is ready
        for name, module, counter, n in MALFORMED:
            before = counters(y, module)
            send(name, n)
            after = before
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                after = counters(y, module)
                if after[counter] - before[counter] >= n:
                    break
                time.sleep(0.02)
            d = delta(before, after)
            check(d[counter] == n, "%s: %s %s went up by %d, expected %d (changes: %s)" %
                  (name, module, counter, d[counter], n,
                   {k: v for k, v in d.items() if v}))
            log("%s: %d dropped, counted %s %s" % (name, n, module, counter))
        # Overlapping fragments: ip drops the whole datagram (RFC 5722; frag_overlap, or
        # frag_invalid where reassembly is rte_ip_frag's) or lets it time out (frag_timeout):
        # nothing is delivered and the drop is counted.
        before_ip, before_icmp = counters(y, "ip"), counters(y, "icmp")
        send("overlapping_fragments", 1)
        time.sleep(2.5)  # past frag_timeout_ms (2000)
        d_ip = delta(before_ip, counters(y, "ip"))
        d_icmp = delta(before_icmp, counters(y, "icmp"))
        check(d_ip["frag_rx"] >= 3, "overlapping fragments received: %s" % d_ip)
        dropped = sum(d_ip.get(k, 0) for k in ("frag_overlap", "frag_invalid", "frag_timeout"))
        check(dropped >= 1 and d_ip["frag_reassembled"] == 0,
              "overlapping fragments dropped and counted, none reassembled: %s" %
              {k: v for k, v in d_ip.items() if v})
        log("overlapping_fragments: dropped and counted (%s)" %
            {k: v for k, v in d_ip.items() if v and k.startswith("frag_")})
        # The only echo requests are the pinger's.
        check(d_icmp["rx_echo_requests"] == d_icmp["tx_echo_replies"],
              "icmp: %s" % {k: v for k, v in d_icmp.items() if v})
    finally:
        sender.stdin.close()
        try:
            sender.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sender.kill()
        try:
            out, _ = pinger.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            pinger.kill()
            out, _ = pinger.communicate()
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    check(m is not None and m.group(1) == m.group(2) == "100",
          "ping during the malformed frames lost replies:\n" + out)
    c.expect_ping(count=3)
    y.stop_clean()


def case_af_packet(c):
    """
    A second PMD: net_af_packet on a veth pair passes the same ping test. DPDK 22.11's
    af_packet lets the kernel reassemble fragments (PACKET_FANOUT_FLAG_DEFRAG), so yard
    receives whole datagrams: -s 1800 (fragmented by the kernel, reassembled by it, answered
    with fragments by yard) must be answered; -s 3000 reassembles past one RX buffer and
    arrives truncated, so it must be answered or else dropped and counted (drop_bad_len).
    """
    run(["ip", "-n", c.ns, "link", "add", "ytveth0", "type", "veth", "peer", "name",
         "ytveth1"])
    for i in ("ytveth0", "ytveth1"):
        run(["ip", "-n", c.ns, "link", "set", i, "up"])
        run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % i], ns=c.ns, ok=False)
    run(["ip", "-n", c.ns, "addr", "add", AFP_KERNEL_ADDR + "/24", "dev", "ytveth1"])
    with open(c.source_config("af_packet.ini")) as f:
        text = f.read().replace("iface=yveth0", "iface=ytveth0")
    y = c.yard(c.config(text))
    port = y.get("/yard/ports,0")
    check(port["driver"] == "net_af_packet", "port0 is %s" % port.get("driver"))
    c.expect_ping(dst=AFP_YARD_ADDR, count=5)
    c.expect_ping(dst=AFP_YARD_ADDR, count=5, size=1472)
    ip0 = counters(y, "ip")
    c.expect_ping(dst=AFP_YARD_ADDR, count=5, size=1800)
    ip = delta(ip0, counters(y, "ip"))
    check(ip["tx_fragmented"] == 5 and ip["tx_fragments"] == 10,
          "yard fragmented its 5 replies in 2: %s" % ip)
    ip0 = counters(y, "ip")
    sent, got = c.ping(dst=AFP_YARD_ADDR, count=5, size=3000)
    ip = delta(ip0, counters(y, "ip"))
    if got == sent:
        log("ping -s 3000 answered: the RX buffers hold reassembled datagrams")
    else:
        check(got == 0 and ip["drop_bad_len"] == sent,
              "-s 3000 on af_packet: %d of %d answered, the rest must be counted "
              "drop_bad_len (truncated by the PMD): %s" % (got, sent,
                                                          {k: v for k, v in ip.items() if v}))
        log("ping -s 3000: truncated by af_packet after the kernel's reassembly; yard "
            "dropped and counted all %d (drop_bad_len)" % sent)
    c.expect_ping(dst=AFP_YARD_ADDR, count=10000, flood=True, timeout=120)
    y.stop_clean()


def case_two_queues(c):
    """
    Two lcores on two queues of one tap: the kernel spreads flows over the queues by hash,
    so pings from 16 source addresses reach both; every one is answered, from the lcore
    whose queue it came in on. Fragments may arrive on either lcore and are reassembled by
    their owner lcore.
    """
    if (os.cpu_count() or 1) < 2:
        raise Failure("two_queues needs 2 CPUs")
    y = c.yard(c.source_config("two-queues.ini"))
    c.tap_up()
    info = y.get("/yard/info")
    check(info["lcores"] == [0, 1], "lcores: %s" % info)
    sources = ["198.18.0.%d" % i for i in range(100, 116)]
    for a in sources:
        run(["ip", "-n", c.ns, "addr", "add", a + "/24", "dev", "yard0"])
    # Warm up: one ping from each source, so both lcores' arp know every source before the
    # burst (a reply racing its neighbour's resolution is held, only 4 deep: [arp] hold_max).
    for a in sources:
        run(["ping", "-n", "-q", "-c", "1", "-W", PING_WAIT, "-I", a, YARD_ADDR], ns=c.ns, ok=False)
    procs = [subprocess.Popen(["ip", "netns", "exec", c.ns, "ping", "-n", "-q", "-c", "50",
                               "-i", "0.01", "-W", PING_WAIT, "-I", a, YARD_ADDR],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for a in sources]
    for p in procs:
        try:
            out, _ = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            raise Failure("a parallel ping did not finish")
        m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
        check(m is not None and m.group(1) == m.group(2) == "50",
              "parallel ping lost replies:\n%s\ndrops: %s" % (out, drops(y)))
    port = y.get("/yard/ports,0")
    q0, q1 = port["q0"]["rx_pkts"], port["q1"]["rx_pkts"]
    log("frames received: queue 0 %d, queue 1 %d" % (q0, q1))
    check(q0 >= 50 and q1 >= 50, "both queues received flows: queue 0 %d, queue 1 %d" %
          (q0, q1))
    icmp = y.get("/yard/icmp")
    check(icmp["lcore0"]["tx_echo_replies"] > 0 and icmp["lcore1"]["tx_echo_replies"] > 0,
          "both lcores answered: %s / %s" % (icmp["lcore0"]["tx_echo_replies"],
                                             icmp["lcore1"]["tx_echo_replies"]))
    c.expect_ping(count=5, size=3000)
    c.expect_ping(count=5000, flood=True, timeout=120)
    arp = y.get("/yard/arp")
    check(arp["all"]["sib_sent"] > 0 and arp["all"]["sib_received"] > 0,
          "arp siblings shared what they learned: %s" %
          {k: v for k, v in arp["all"].items() if k.startswith("sib")})
    y.stop_clean()


# Each kind of configuration mistake: (name, file text, what the message must say).
GOOD_PORT = "[port0]\ndev = net_tap0,iface=yard0\naddress = 198.18.0.2/24\n"
CONFIG_MISTAKES = [
    ("unknown_section", GOOD_PORT + "[bogus]\nx = 1\n", "[bogus]: unknown section"),
    ("unknown_key", GOOD_PORT + "speed = 10\n", "[port0] speed: unknown key"),
    ("bad_address", "[port0]\ndev = net_tap0\naddress = 198.18.0.300/24\n",
     "[port0] address: '198.18.0.300/24' is not an IPv4 address/prefix"),
    ("bad_prefix", "[port0]\ndev = net_tap0\naddress = 198.18.0.2/40\n",
     "[port0] address: '198.18.0.2/40': prefix 40 is out of range 1..32"),
    ("bad_number", GOOD_PORT + "mtu = big\n", "[port0] mtu: 'big' is not a number"),
    ("out_of_range", GOOD_PORT + "mtu = 20000\n", "[port0] mtu: 20000 is out of range 68..9000"),
    ("lcore_not_enabled", GOOD_PORT + "queue_lcores = 1\n",
     "[port0] queue_lcores: lcore 1 (queue 0) is not in [yard] lcores"),
    ("queue_without_lcore", "[yard]\nlcores = 0-1\n" + GOOD_PORT +
     "rx_queues = 2\nqueue_lcores = 1\n", "[port0] queue_lcores: queue 1 has no lcore"),
    ("missing_dev", "[port0]\naddress = 198.18.0.2/24\n", "[port0] dev: missing"),
    ("duplicate_key", GOOD_PORT + "mtu = 1500\nmtu = 1500\n", "[port0] mtu: given twice"),
    ("duplicate_section", GOOD_PORT + GOOD_PORT, "[port0]: section given twice"),
    ("syntax", GOOD_PORT + "mtu: 1500\n", "line 4: 'mtu: 1500' is neither"),
    ("two_gateways", "[yard]\nlcores = 0\n" + GOOD_PORT + "gateway = 198.18.0.1\n"
     "[port1]\ndev = net_tap1,iface=yard1\naddress = 198.18.1.2/24\ngateway = 198.18.1.1\n",
     "[port1] gateway: [port0] has a gateway already"),
    ("gap_in_ports", "[port1]\ndev = net_tap1\naddress = 198.18.1.2/24\n",
     "[port1]: ports are numbered from 0 without gaps"),
]


def case_config_errors(c):
    """Each kind of mistake: --check-config and --config exit 1 with the message; no port."""
    for name, text, want in CONFIG_MISTAKES:
        path = c.config(text, name + ".ini")
        for mode in ("--check-config", "--config"):
            p = run(["timeout", "20", c.args.yard, mode, path, "--", "--file-prefix", c.prefix],
                    ns=c.ns, ok=False, timeout=30)
            check(p.returncode == 1, "%s %s: exit %d, expected 1\n%s%s" %
                  (mode, name, p.returncode, p.stdout, p.stderr))
            check(("yard: %s: %s" % (path, want)) in p.stderr,
                  "%s %s: message should contain '%s', got:\n%s" % (mode, name, want,
                                                                     p.stderr))
            check("EAL" not in p.stdout + p.stderr, "%s %s: EAL was started" % (mode, name))
        log("%s: refused: %s" % (name, want))
    missing = os.path.join(c.workdir, "missing.ini")
    p = run([c.args.yard, "--config", missing], ok=False, ns=c.ns)
    check(p.returncode == 1 and "cannot read: No such file or directory" in p.stderr,
          "missing file: %d %s" % (p.returncode, p.stderr))
    links = run(["ip", "-n", c.ns, "-o", "link"]).stdout
    check("yard0" not in links and "yard1" not in links, "a tap was created:\n" + links)
    for cfg in ("default.ini", "two-queues.ini", "af_packet.ini", "pcap-bench.ini"):
        p = run([c.args.yard, "--check-config", c.source_config(cfg)], ok=False)
        check(p.returncode == 0 and "valid" in p.stdout, "%s: %s%s" % (cfg, p.stdout, p.stderr))


# A kernel TCP client of yard's echo that stays connected while yard stops: what it sees then.
HELD_CONN = r"""
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7), timeout=10)
s.sendall(b"x")
assert s.recv(1) == b"x"
print("ready", flush=True)
s.settimeout(15)
try:
    if s.recv(1) != b"":
        print("data", flush=True)
        sys.exit()
    # The echo's FIN (its endpoint closed first); then the RST (tcp unplumbed) makes a write
    # fail - without it the kernel would sit in CLOSE-WAIT and the write would succeed.
    time.sleep(1)
    s.send(b"y")
    time.sleep(0.5)
    s.send(b"y")
    print("eof, then nothing", flush=True)
except (ConnectionResetError, BrokenPipeError):
    print("reset", flush=True)
except socket.timeout:
    print("timeout", flush=True)
"""


def case_sigterm(c):
    """
    SIGTERM and SIGINT stop yard cleanly: exit 0, mempools at 0, the tap gone; a kernel
    client still connected to the TCP echo gets the echo's FIN and then a RST, not a peer
    that silently vanished.
    """
    for sig in (signal.SIGTERM, signal.SIGINT):
        y = c.yard(c.source_config("default.ini"), suffix="-" + signal.Signals(sig).name)
        c.tap_up()
        c.expect_ping(count=1000, flood=True)
        c.expect_ping(count=20, size=3000, flood=True)
        held = subprocess.Popen(["ip", "netns", "exec", c.ns, "/usr/bin/python3", "-c", HELD_CONN,
                                 YARD_ADDR], stdout=subprocess.PIPE, text=True)
        check(held.stdout.readline().strip() == "ready", "the held connection did not open")
        y.stop_clean(sig)
        out, _ = held.communicate(timeout=30)
        check(out.strip() == "reset", "the connected client saw %r, not a reset" % out.strip())
        links = run(["ip", "-n", c.ns, "-o", "link"]).stdout
        check("yard0" not in links, "the tap is still there after the stop:\n" + links)
        log("%s: clean stop, mempools at 0, tap removed" % signal.Signals(sig).name)


UDP_CLIENT = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
for n in (1, 18, 1472, 1473, 3000, 60000, 65507):
    d = bytes((i * 7 + n) % 256 for i in range(n))
    s.sendto(d, (sys.argv[1], 7))
    r, a = s.recvfrom(70000)
    assert r == d and a == (sys.argv[1], 7), "echo of %d bytes differs" % n
for i in range(200):
    s.sendto(b"discard %d" % i, (sys.argv[1], 9))
print("ok")
"""


def case_udp_echo(c):
    """
    The UDP echo (7) and discard (9) services, XTI applications over udp: round trips from 1
    byte to 65,507 (fragmented both ways); the kernel delivers only datagrams whose checksums
    are right, so every echo received also proves yard's UDP and IP checksums. Discard answers
    nothing and counts.
    """
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    udp0 = counters(y, "udp")
    p = run(["/usr/bin/python3", "-c", UDP_CLIENT, YARD_ADDR], ns=c.ns, ok=False, timeout=60)
    check(p.returncode == 0 and p.stdout.strip() == "ok",
          "udp client: %s%s" % (p.stdout, p.stderr))
    # The 200 for discard may still be on their way when the client is done: wait for them.
    udp = udp_counters_settle(y, udp0, "rx_datagrams", 207)
    check(udp["rx_datagrams"] >= 207 and udp["tx_datagrams"] >= 7, "udp counters: %s" % udp)
    bad = {k: v for k, v in udp.items() if k.startswith("drop_") and v}
    check(not bad, "no udp drops: %s" % bad)
    y.stop_clean()


# ---- hugepages ----------------------------------------------------------------------------

HUGE_SYS = "/sys/kernel/mm/hugepages/hugepages-2048kB"


def huge_read(name):
    with open(os.path.join(HUGE_SYS, name)) as f:
        return int(f.read())


def huge_set(total):
    """Ask the kernel for total 2 MiB pages in all; the pages free then (it may give fewer)."""
    with open(os.path.join(HUGE_SYS, "nr_hugepages"), "w") as f:
        f.write(str(total))
    return huge_read("free_hugepages")


def hugetlbfs_mounts():
    with open("/proc/mounts") as f:
        return [ln.split()[1] for ln in f if ln.split()[2:3] == ["hugetlbfs"]]


class Hugepages:
    """
    2 MiB hugepages for one case: a hugetlbfs mounted (a private one if none is), the pool's
    size set and put back, and the files EAL leaves in the mounts removed (every DPDK primary
    leaves a few pages in <prefix>map_* files when it exits; a next start with the same
    --file-prefix would take them back, these prefixes have none).
    """

    def __init__(self, c):
        self.c = c
        self.mount = None

    def __enter__(self):
        if not os.path.isdir(HUGE_SYS):
            raise Skipped("this kernel has no 2 MiB hugepages (%s)" % HUGE_SYS)
        self.orig = huge_read("nr_hugepages")
        if not hugetlbfs_mounts():
            self.mount = os.path.join(self.c.workdir, "huge")
            os.makedirs(self.mount)
            run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "none", self.mount])
        return self

    def free(self, pages):
        """Make pages free 2 MiB pages, the others already free taken away; pages got."""
        in_use = huge_read("nr_hugepages") - huge_read("free_hugepages")
        return huge_set(in_use + pages)

    def __exit__(self, *exc):
        for y in self.c.yards:  # a failed check may leave one running on the pages
            y.kill()
        for m in hugetlbfs_mounts():
            for f in os.listdir(m):
                if f.startswith(self.c.prefix):
                    os.unlink(os.path.join(m, f))
        try:
            huge_set(self.orig)
        finally:
            if self.mount is not None:
                run(["umount", self.mount], ok=False)
        return False


def dumpcap_both_ways(c, prefix):
    """
    dpdk-dumpcap (a secondary process: it needs yard on hugepages) captures port 0 while the
    kernel pings yard: the pcapng holds the requests and yard's replies. -p: yard's port is
    not made promiscuous. Stopped with SIGINT, as a user stops it.
    """
    pcap = os.path.join(c.workdir, "dumpcap.pcapng")
    errpath = os.path.join(c.workdir, "dumpcap.out")
    errf = open(errpath, "w")
    d = subprocess.Popen(["dpdk-dumpcap", "--file-prefix=" + prefix, "-i", "0", "-p", "-w",
                          pcap], stdin=subprocess.DEVNULL, stdout=errf,
                         stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while "Packets captured" not in open(errpath).read():  # its callbacks are in place
            check(d.poll() is None, "dpdk-dumpcap exited: %s" % open(errpath).read())
            check(time.monotonic() < deadline,
                  "dpdk-dumpcap did not start: %s" % open(errpath).read())
            time.sleep(0.1)
        c.expect_ping(count=5)
        time.sleep(0.5)
        d.send_signal(signal.SIGINT)
        d.wait(timeout=20)
    finally:
        if d.poll() is None:
            d.kill()
            d.wait()
        errf.close()
    out = open(errpath).read()
    check(d.returncode == 0, "dpdk-dumpcap: exit %d: %s" % (d.returncode, out))
    p = run(["tshark", "-n", "-r", pcap, "-T", "fields", "-e", "ip.src", "-e", "icmp.type"],
            timeout=30)
    rows = [l.split("\t") for l in p.stdout.splitlines() if l.strip()]
    req = sum(1 for r in rows if r == [KERNEL_ADDR, "8"])
    rep = sum(1 for r in rows if r == [YARD_ADDR, "0"])
    check(req == 5 and rep == 5, "dpdk-dumpcap caught %d requests and %d replies of 5: %s" %
          (req, rep, rows))


def case_hugepages(c):
    """
    yard on hugepages. With enough free (hugepages = auto), it uses them -- the log says so and
    the kernel's free count drops while it runs -- and serves: ping, UDP echo up to 65,507
    bytes, TCP echo, HTTP; dpdk-dumpcap attaches and captures both ways (rte_pdump_init); it
    stops cleanly, every pool back. With too few free for what the
    configuration needs (yard works it out before EAL starts), auto runs on --no-huge and says
    why, and still serves; hugepages = on tries, warns, and fails at start with exit 2 and the
    figures ("out of memory: ..."), not a crash and not a half-started yard.
    """
    with Hugepages(c) as hp:
        got = hp.free(200)  # 400 MB; default.ini needs about 171 on them
        if got < 200:
            raise Skipped("the kernel gave %d of 200 hugepages" % got)
        y = c.yard(c.source_config("default.ini"), suffix="-big")
        check("yard: using hugepages" in y.log(), "auto did not use hugepages:\n" + y.log())
        used = 200 - huge_read("free_hugepages")
        check(used > 0, "yard runs but holds no hugepage")
        info = y.get("/yard/info")
        check(info["hugepages"] == 1 and info["pools_packed"] == 0, "info: %s" % info)
        c.tap_up()
        c.expect_ping(count=5)
        c.expect_ping(count=5, size=3000)
        p = run(["/usr/bin/python3", "-c", UDP_CLIENT, YARD_ADDR], ns=c.ns, ok=False, timeout=60)
        check(p.returncode == 0 and p.stdout.strip() == "ok",
              "udp client: %s%s" % (p.stdout, p.stderr))
        p = run(["/usr/bin/python3", "-c", TCP_CLIENT, YARD_ADDR], ns=c.ns, ok=False,
                timeout=120)
        check(p.returncode == 0 and p.stdout.strip() == "ok",
              "tcp client: %s%s" % (p.stdout, p.stderr))
        p = run(["curl", "-sS", "-m", "10", "http://%s/" % YARD_ADDR], ns=c.ns, ok=False)
        check(p.returncode == 0 and "yard" in p.stdout, "curl /: %s%s" % (p.stdout, p.stderr))
        dumpcap_both_ways(c, c.prefix + "-big")
        y.stop_clean()
        log("enough hugepages: used %d pages of 2 MiB, served, captured by dpdk-dumpcap, "
            "stopped cleanly" % used)

        hp.free(20)  # 40 MB: less than the configuration needs, and than it takes at start
        y = c.yard(c.source_config("default.ini"), suffix="-few")
        m = re.search(r"too few hugepages \((\d+) MB free; on them this configuration needs "
                      r"about (\d+) MB.*\): running with --no-huge", y.log())
        check(m is not None and int(m.group(1)) < int(m.group(2)),
              "auto with too few hugepages did not fall back with the figures:\n" + y.log())
        info = y.get("/yard/info")
        check(info["hugepages"] == 0, "info: %s" % info)
        check("dpdk-dumpcap cannot attach to a yard without hugepages" in y.log(),
              "no word that dpdk-dumpcap needs hugepages:\n" + y.log())
        c.tap_up()
        c.expect_ping(count=5)
        y.stop_clean()
        log("too few hugepages, auto: " + m.group(0))

        text = open(c.source_config("default.ini")).read()
        check("hugepages = auto" in text, "default.ini has no 'hugepages = auto' line")
        cfg = c.config(text.replace("hugepages = auto", "hugepages = on"), "on.ini")
        p = run(["ip", "netns", "exec", c.ns, c.args.yard, "--config", cfg, "--",
                 "--file-prefix", c.prefix + "-on"], ok=False, timeout=60)
        out = p.stdout + p.stderr
        shutil.rmtree(os.path.join(DPDK_RUN, c.prefix + "-on"), ignore_errors=True)
        check(p.returncode == 2, "hugepages = on with too few: exit %d, not 2:\n%s" %
              (p.returncode, out[-3000:]))
        check("it may fail to start" in out and "yard: out of memory: hugepages" in out,
              "hugepages = on with too few: no warning or no figures:\n" + out[-3000:])
        log("too few hugepages, on: exit 2 with: " +
            [ln for ln in out.splitlines() if "out of memory" in ln][0])


# ---- UDP against kernel tools (issue 4) ---------------------------------------------------

def udp_counters_settle(y, before, counter, n, module="udp", timeout=5):
    """Poll module's counters until counter rose by n (or timeout); return the delta."""
    deadline = time.monotonic() + timeout
    while True:
        d = delta(before, counters(y, module))
        if d[counter] >= n or time.monotonic() > deadline:
            return d
        time.sleep(0.02)


def case_udp_tools(c):
    """
    nc -u and socat round trips against the echo service (7); a 60,000-byte datagram echoed
    intact through socat; discard (9) answers nothing but takes the datagrams.
    """
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    p = run(["sh", "-c", "echo hi | nc -u -w1 %s 7" % YARD_ADDR], ns=c.ns, ok=False,
            timeout=20)
    check(p.stdout == "hi\n", "nc -u: %r %r" % (p.stdout, p.stderr))
    p = run(["sh", "-c", "echo hello yard | socat -t1 - UDP:%s:7" % YARD_ADDR], ns=c.ns,
            ok=False, timeout=20)
    check(p.returncode == 0 and p.stdout == "hello yard\n", "socat: %r %r" %
          (p.stdout, p.stderr))
    # 60,000 bytes in one datagram: socat reads the whole regular file in one read (-b).
    data = bytes((i * 13 + 5) % 251 for i in range(60000))
    src = os.path.join(c.workdir, "dgram60000")
    with open(src, "wb") as f:
        f.write(data)
    udp0 = counters(y, "udp")
    p = subprocess.run(["ip", "netns", "exec", c.ns, "socat", "-b", "65536", "-t", "2", "-",
                        "UDP:%s:7" % YARD_ADDR], stdin=open(src, "rb"), capture_output=True,
                       timeout=30)
    check(p.returncode == 0 and p.stdout == data,
          "socat 60,000 bytes: exit %d, %d bytes back, intact %s: %r" %
          (p.returncode, len(p.stdout), p.stdout == data, p.stderr))
    udp = delta(udp0, counters(y, "udp"))
    check(udp["rx_datagrams"] == 1 and udp["tx_datagrams"] == 1,
          "one 60,000-byte datagram each way: %s" % {k: v for k, v in udp.items() if v})
    # Discard: nothing comes back, from nc, socat or a socket; yard takes every datagram.
    udp0 = counters(y, "udp")
    p = run(["sh", "-c", "echo hi | nc -u -w1 %s 9" % YARD_ADDR], ns=c.ns, ok=False,
            timeout=20)
    check(p.stdout == "", "nc -u to discard got %r" % p.stdout)
    p = run(["sh", "-c", "echo hello | socat -t1 - UDP:%s:9" % YARD_ADDR], ns=c.ns,
            ok=False, timeout=20)
    check(p.returncode == 0 and p.stdout == "", "socat to discard: %r %r" %
          (p.stdout, p.stderr))
    udp = udp_counters_settle(y, udp0, "rx_delivered", 2)
    check(udp["rx_delivered"] == 2 and udp["tx_datagrams"] == 0,
          "discard took 2 datagrams and sent none: %s" % {k: v for k, v in udp.items() if v})
    y.stop_clean()


@contextlib.contextmanager
def tshark_capture(c, filt, name):
    """tshark on yard0 in c's namespace with capture filter filt into workdir/name, ready
    before the body runs (the path is what it yields) and stopped after it."""
    pcap = os.path.join(c.workdir, name)
    errpath = os.path.join(c.workdir, name + ".err")
    errf = open(errpath, "w")
    cap = subprocess.Popen(["ip", "netns", "exec", c.ns, "tshark", "-n", "-i", "yard0", "-f",
                            filt, "-w", pcap], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=errf)
    try:
        deadline = time.monotonic() + 20
        while "Capturing on" not in open(errpath).read():
            check(cap.poll() is None, "tshark exited: %s" % open(errpath).read())
            check(time.monotonic() < deadline, "tshark not ready: %s" % open(errpath).read())
            time.sleep(0.1)
        time.sleep(0.5)
        yield pcap
    finally:
        cap.send_signal(signal.SIGINT)
        try:
            cap.wait(timeout=15)
        except subprocess.TimeoutExpired:
            cap.kill()
            cap.wait(timeout=5)
        errf.close()


UDP_CAPTURE_CLIENT = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
for n in (1, 64, 1472, 3000):
    d = bytes((i * 3 + n) % 256 for i in range(n))
    s.sendto(d, (sys.argv[1], 7))
    r, a = s.recvfrom(70000)
    assert r == d, "echo of %d bytes differs" % n
print("ok")
"""


def case_udp_capture(c):
    """
    A tshark capture on yard0 of datagrams to the echo service and back (one of 3000 bytes,
    fragmented both ways): every IP header checksum is good, and every UDP checksum - of the
    reassembled datagram for the fragmented one - is good, in both directions. The echo of the
    reassembled datagram is one whose checksum udp leaves to ip (IP_UNITDATA_L4CK): net_tap is
    not asked for L4 offloads (pmd_glue/port.c's quirk), so ip sums it before fragmenting.
    """
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    port = y.get("/yard/ports,0")
    check(port["caps"] & 0x18 == 0 and port["caps"] & 0x04,
          "net_tap: IPv4 TX checksum offload used, UDP/TCP not (caps %#x)" % port["caps"])
    ip0 = counters(y, "ip")
    # "ip" and not icmp: non-first fragments carry no UDP header, so no "udp port 7".
    with tshark_capture(c, "ip and not icmp", "udp.pcapng") as pcap:
        p = run(["/usr/bin/python3", "-c", UDP_CAPTURE_CLIENT, YARD_ADDR], ns=c.ns, ok=False,
                timeout=30)
        check(p.returncode == 0 and p.stdout.strip() == "ok",
              "udp client: %s%s" % (p.stdout, p.stderr))
        time.sleep(1)
    p = run(["tshark", "-n", "-r", pcap, "-o", "ip.defragment:TRUE",
             "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
             "-T", "fields", "-E", "separator=,", "-e", "ip.src", "-e", "ip.flags.mf",
             "-e", "ip.frag_offset", "-e", "ip.checksum.status", "-e", "udp.checksum.status",
             "-e", "udp.length"], timeout=30)
    rows = [l.split(",") for l in p.stdout.splitlines() if l.strip()]
    log("capture: %d frames" % len(rows))
    udp_good = {KERNEL_ADDR: [], YARD_ADDR: []}
    frags = {KERNEL_ADDR: 0, YARD_ADDR: 0}
    for r in rows:
        src, mf, off, ipst, udpst, ulen = r
        check(src in udp_good, "a frame from %s: %s" % (src, r))
        # Status 1 is Good (0 Bad, 2 Unverified).
        check(ipst == "1", "IP checksum of %s not good: %s\n%s" % (src, r, p.stdout))
        if mf == "1" or off not in ("", "0"):
            frags[src] += 1
        if udpst != "":
            check(udpst == "1", "UDP checksum of %s not good: %s\n%s" % (src, r, p.stdout))
            udp_good[src].append(int(ulen))
    for src in udp_good:
        check(sorted(udp_good[src]) == [9, 72, 1480, 3008],
              "good UDP checksums of the 4 datagrams from %s: %s\n%s" %
              (src, udp_good[src], p.stdout))
        check(frags[src] >= 3, "the 3000-byte datagram from %s fragmented: %d fragments" %
              (src, frags[src]))
    d = delta(ip0, counters(y, "ip"))
    check(d["tx_l4_cksum_sw"] >= 1 and d["tx_l4_cksum_hw"] == 0,
          "ip summed the reassembled datagram's echo, nothing left to net_tap: %s" %
          {k: d[k] for k in ("tx_l4_cksum_sw", "tx_l4_cksum_hw")})
    y.stop_clean()


MCAST_CLIENT = r"""
import socket, sys
group, other, mine = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(mine))
s.bind((mine, 0))
s.settimeout(3)
for n in (1, 100, 1400):
    d = bytes((i * 7 + n) % 256 for i in range(n))
    s.sendto(d, (group, 7))
    r, a = s.recvfrom(2000)
    assert r == d, "echo of %d bytes differs" % n
    assert a[0] == sys.argv[4] and a[1] == 7, "answered from %s, not yard's address" % (a,)
s.sendto(b"to a group yard has not joined", (other, 7))
try:
    r, a = s.recvfrom(2000)
    raise AssertionError("an answer from %s to a group not joined" % (a,))
except socket.timeout:
    pass
print("ok")
"""

IGMP_QUERY = r"""
from scapy.all import Ether, IP, IPOption_Router_Alert, sendp
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mq
import sys
dst, group, mrc = sys.argv[2], sys.argv[3], int(sys.argv[4])
p = (Ether(dst="01:00:5e:%02x:%02x:%02x" % tuple(int(x) for x in dst.split(".")[1:]))
     / IP(src=sys.argv[5], dst=dst, ttl=1, tos=0xc0, options=[IPOption_Router_Alert()])
     / IGMPv3(type=0x11, mrcode=mrc) / IGMPv3mq(gaddr=group, qrv=2, qqic=125))
sendp(p, iface=sys.argv[1], verbose=0)
print("sent")
"""


def case_udp_multicast(c):
    """
    [services] udp_join = 239.1.2.3: the kernel sends to the group (1, 100 and 1,400 bytes) and
    the echo service answers from yard's address; a group not joined gets nothing and is
    counted. A general IGMPv3 query (scapy) is answered within its response time by a version
    3 report naming the group (MODE_IS_EXCLUDE), and a query about the group by one for it:
    captured by tshark, which checks both checksums, TTL 1 and the Router Alert option.
    """
    with open(c.source_config("default.ini")) as f:
        text = f.read()
    check("[services]" in text, "default.ini has no [services]")
    text = text.replace("[services]\n", "[services]\nudp_join = 239.1.2.3\n", 1)
    y = c.yard(c.config(text))
    c.tap_up()
    c.expect_ping(count=2)
    with tshark_capture(c, "igmp", "igmp.pcapng") as pcap:
        ip0 = counters(y, "ip")
        p = run(["/usr/bin/python3", "-c", MCAST_CLIENT, "239.1.2.3", "239.9.9.9",
                 KERNEL_ADDR, YARD_ADDR], ns=c.ns, ok=False, timeout=30)
        check(p.returncode == 0 and p.stdout.strip() == "ok",
              "multicast client: %s%s" % (p.stdout, p.stderr))
        for dst, group in (("224.0.0.1", "0.0.0.0"), ("239.1.2.3", "239.1.2.3")):
            p = run(["/usr/bin/python3", "-c", IGMP_QUERY, "yard0", dst, group, "10",
                     KERNEL_ADDR], ns=c.ns, ok=False, timeout=30)
            check(p.stdout.strip() == "sent", "scapy query: %s%s" % (p.stdout, p.stderr))
            time.sleep(1.5)  # the query's response time is 1 s
    d = delta(ip0, counters(y, "ip"))
    check(d["rx_mcast"] == 5 and d["drop_mcast_not_joined"] == 1,
          "3 datagrams to the group and 2 queries taken, 1 to another group dropped: %s" %
          {k: v for k, v in d.items() if v})
    check(d["igmp_rx_queries"] == 2 and d["igmp_drop_bad"] == 0,
          "two queries taken: %s" % {k: v for k, v in d.items() if v})
    p = run(["tshark", "-n", "-r", pcap, "-o", "ip.check_checksum:TRUE",
             "-Y", "igmp.type == 0x22", "-T", "fields", "-E", "separator=;",
             "-e", "ip.src", "-e", "ip.dst", "-e", "ip.ttl", "-e", "ip.opt.type",
             "-e", "ip.checksum.status", "-e", "igmp.checksum.status",
             "-e", "igmp.record_type", "-e", "igmp.maddr"], timeout=30)
    rows = [l.split(";") for l in p.stdout.splitlines() if l.strip()]
    log("capture: %d IGMPv3 reports from yard: %s" % (len(rows), rows))
    # The join's second report (CHANGE_TO_EXCLUDE, record type 4), due within a second of
    # the start, may fall into the capture: it is yard's, and checked like the others.
    joins = [r for r in rows if r[6] == "4"]
    check(len(rows) - len(joins) == 2 and len(joins) <= 1,
          "one report for each query (and at most the join's second): %s" % p.stdout)
    for r in joins:
        check(r[7] == "239.1.2.3", "the join's report names the group: %s" % r)
    rows = [r for r in rows if r[6] != "4"]
    for r in rows:
        src, dst, ttl, opt, ipst, igst, rtype, maddr = r
        check(src == YARD_ADDR and dst == "224.0.0.22" and ttl == "1",
              "a report from yard to 224.0.0.22 with TTL 1: %s" % r)
        check(opt.split(",")[0] == "148", "Router Alert option: %s" % r)
        check(ipst == "1" and igst == "1", "IP and IGMP checksums good: %s" % r)
        check(rtype == "2" and maddr == "239.1.2.3",
              "one MODE_IS_EXCLUDE record for 239.1.2.3: %s" % r)
    # The table yardctl groups shows: the group once per link, its three services joined.
    g = y.get("/yard/groups")
    check(g["ok"] == 1 and g["total"] == 1 and g["group0"] == {
        "lcore": 0, "link": YARD_ADDR, "group": "239.1.2.3", "members": 3,
        "igmp_version": 3, "mode": "exclude", "nsources": 0, "sources": []},
        "/yard/groups: %s" % g)
    y.stop_clean()


SSM_CLIENT = r"""
import socket, sys
group, wanted, other, yard = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def sender(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
    s.bind((src, 0))
    s.settimeout(2)
    return s
s = sender(wanted)
for n in (1, 100, 1400):
    d = bytes((i * 5 + n) % 256 for i in range(n))
    s.sendto(d, (group, 7))
    r, a = s.recvfrom(2000)
    assert r == d, "echo of %d bytes differs" % n
    assert a == (yard, 7), "answered from %s, not yard's address" % (a,)
o = sender(other)
o.sendto(b"from a source yard did not ask for", (group, 7))
try:
    r, a = o.recvfrom(2000)
    raise AssertionError("an answer from %s to a filtered source" % (a,))
except socket.timeout:
    pass
print("ok")
"""


def case_udp_ssm(c):
    """
    [services] udp_join = 198.18.0.1@232.1.1.1 (source-specific, RFC 4607): the kernel's
    datagrams to the group from 198.18.0.1 are echoed; from its second address, 198.18.0.3,
    they are dropped by ip's filter and counted. A general IGMPv3 query (scapy) is answered by
    a report with one MODE_IS_INCLUDE record for the group listing 198.18.0.1 (tshark: both
    checksums good); /yard/groups shows the include filter.
    """
    other = "198.18.0.3"
    with open(c.source_config("default.ini")) as f:
        text = f.read()
    text = text.replace("[services]\n", "[services]\nudp_join = %s@232.1.1.1\n" % KERNEL_ADDR,
                        1)
    y = c.yard(c.config(text))
    c.tap_up()
    run(["ip", "-n", c.ns, "addr", "add", other + "/24", "dev", "yard0"])
    c.expect_ping(count=2)
    time.sleep(1.2)  # the join's second report is gone before the capture
    with tshark_capture(c, "igmp", "ssm.pcapng") as pcap:
        ip0 = counters(y, "ip")
        p = run(["/usr/bin/python3", "-c", SSM_CLIENT, "232.1.1.1", KERNEL_ADDR, other,
                 YARD_ADDR], ns=c.ns, ok=False, timeout=30)
        check(p.returncode == 0 and p.stdout.strip() == "ok",
              "SSM client: %s%s" % (p.stdout, p.stderr))
        p = run(["/usr/bin/python3", "-c", IGMP_QUERY, "yard0", "224.0.0.1", "0.0.0.0", "10",
                 KERNEL_ADDR], ns=c.ns, ok=False, timeout=30)
        check(p.stdout.strip() == "sent", "scapy query: %s%s" % (p.stdout, p.stderr))
        time.sleep(1.5)
    d = delta(ip0, counters(y, "ip"))
    check(d["rx_mcast"] == 4 and d["drop_mcast_filtered"] == 1 and
          d["drop_mcast_not_joined"] == 0,
          "3 datagrams from the source and a query taken, 1 from another source filtered: %s"
          % {k: v for k, v in d.items() if v})
    p = run(["tshark", "-n", "-r", pcap, "-o", "ip.check_checksum:TRUE",
             "-Y", "igmp.type == 0x22", "-T", "fields", "-E", "separator=;",
             "-e", "ip.src", "-e", "ip.checksum.status", "-e", "igmp.checksum.status",
             "-e", "igmp.record_type", "-e", "igmp.maddr", "-e", "igmp.saddr"], timeout=30)
    rows = [l.split(";") for l in p.stdout.splitlines() if l.strip()]
    log("capture: IGMPv3 reports from yard: %s" % rows)
    check(rows == [[YARD_ADDR, "1", "1", "1", "232.1.1.1", KERNEL_ADDR]],
          "one report, one MODE_IS_INCLUDE record of 232.1.1.1 from %s: %s" %
          (KERNEL_ADDR, p.stdout))
    g = y.get("/yard/groups")
    check(g["ok"] == 1 and g["total"] == 1 and g["group0"]["mode"] == "include" and
          g["group0"]["sources"] == [KERNEL_ADDR], "/yard/groups: %s" % g)
    y.stop_clean()


MCAST_RECEIVER = r"""
import socket, struct, sys, time
group, port, mine, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((group, port))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             socket.inet_aton(group) + socket.inet_aton(mine))
s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)  # Linux: 12
print("joined", flush=True)
n, size, ttls, src = 0, set(), set(), set()
end = time.monotonic() + secs
while time.monotonic() < end:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        d, anc, _, a = s.recvmsg(70000, socket.CMSG_SPACE(4))
    except socket.timeout:
        break
    n += 1
    size.add(len(d))
    src.add(a[0])
    for lvl, typ, val in anc:
        if lvl == socket.IPPROTO_IP and typ == socket.IP_TTL:
            ttls.add(struct.unpack("i", val)[0])
print("%d %s %s %s" % (n, sorted(size), sorted(ttls), sorted(src)), flush=True)
"""


def case_udp_mcast_source(c):
    """
    [client.feed] type = udp_source, connect = 239.7.7.7:9: yard publishes to a group; the
    kernel joins it on yard0 and receives the datagrams (from yard's address, TTL 1, 200
    bytes), as a subscriber on the link would. yard's client counts what it sent. yard's own
    services joined the group too ([services] udp_join): its discard service on port 9 gets a
    loop-back copy of every datagram (IP_MULTICAST_LOOP, on by default).
    """
    with open(c.source_config("default.ini")) as f:
        text = f.read()
    text = text.replace("[services]\n", "[services]\nudp_join = 239.7.7.7\n", 1)
    text += ("\n[client.feed]\ntype = udp_source\nconnect = 239.7.7.7:9\nsize = 200\n"
             "duration = 2s\ndelay = 2s\n")
    y = c.yard(c.config(text))
    c.tap_up()
    rx = subprocess.Popen(["ip", "netns", "exec", c.ns, "/usr/bin/python3", "-c",
                           MCAST_RECEIVER, "239.7.7.7", "9", KERNEL_ADDR, "6"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    try:
        out, err = rx.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        rx.kill()
        raise Failure("the kernel's receiver did not finish")
    lines = out.splitlines()
    check(len(lines) == 2 and lines[0] == "joined", "receiver: %r %r" % (out, err))
    n, rest = lines[1].split(" ", 1)
    log("the kernel received %s datagrams: sizes, TTLs, sources %s" % (n, rest))
    check(int(n) > 100 and rest == "[200] [1] ['%s']" % YARD_ADDR,
          "the kernel received the group's datagrams (200 bytes, TTL 1, from yard): %s" %
          lines[1])
    cl = y.get("/yard/udp_clients")
    log("yard's client: %s" % cl)
    ip = counters(y, "ip")
    check(ip["drop_no_route"] == 0, "routed through 224.0.0.0/4: %s" %
          {k: v for k, v in ip.items() if v})
    sent = cl["feed"]["sent"]
    udp = counters(y, "udp")
    log("looped back: %d of %d sent; udp delivered %d" %
        (ip["tx_mcast_looped"], sent, udp["rx_delivered"]))
    check(sent > 100 and ip["tx_mcast_looped"] == sent and ip["drop_mloop_nomem"] == 0,
          "a copy of every datagram for yard's own members: %s" %
          {k: v for k, v in ip.items() if v})
    check(udp["rx_delivered"] >= sent, "the discard service took them: %s" %
          {k: v for k, v in udp.items() if v})
    y.stop_clean()


UDP_UNREACH_CLIENT = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], 4444))
s.send(b"anyone there?")
try:
    s.recv(100)
    raise AssertionError("port 4444 answered")
except ConnectionRefusedError:
    pass
print("ok")
"""


def case_udp_unreachable(c):
    """
    A datagram to a closed port (4444) is answered with ICMP port unreachable: a connected
    kernel socket gets ECONNREFUSED; udp counts drop_no_port and tx_port_unreach, icmp counts
    tx_port_unreach.
    """
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    udp0, icmp0 = counters(y, "udp"), counters(y, "icmp")
    p = run(["/usr/bin/python3", "-c", UDP_UNREACH_CLIENT, YARD_ADDR], ns=c.ns, ok=False,
            timeout=30)
    check(p.returncode == 0 and p.stdout.strip() == "ok",
          "connected socket to a closed port: %s%s" % (p.stdout, p.stderr))
    udp = delta(udp0, counters(y, "udp"))
    icmp = delta(icmp0, counters(y, "icmp"))
    check(udp["drop_no_port"] == 1 and udp["tx_port_unreach"] == 1,
          "udp: %s" % {k: v for k, v in udp.items() if v})
    check(icmp["tx_port_unreach"] == 1 and icmp["err_requests"] == 1,
          "icmp: %s" % {k: v for k, v in icmp.items() if v})
    y.stop_clean()


UDP_INJECT = r"""
import sys
from scapy.all import Ether, IP, UDP, Raw, conf, sendp
conf.verb = 0
iface, dst_mac, src_mac, us, peer = sys.argv[1:6]
eth = Ether(dst=dst_mac, src=src_mac)
for line in sys.stdin:
    kind, n = line.split()
    frames = []
    for i in range(int(n)):
        ip = IP(src=us, dst=peer, id=0x7500 + i)
        body = Raw(b"u" * 32)
        if kind == "len_beyond_payload":
            frames.append(eth / ip / UDP(sport=40000 + i, dport=7, len=200) / body)
        elif kind == "len_below_8":
            frames.append(eth / ip / UDP(sport=40000 + i, dport=7, len=4) / body)
        elif kind == "bad_cksum":
            frames.append(eth / ip / UDP(sport=40000 + i, dport=7, chksum=0x1234) / body)
        elif kind == "short":
            frames.append(eth / IP(src=us, dst=peer, id=0x7500 + i, proto=17) / Raw(b"abc"))
        elif kind != "nothing":
            raise SystemExit("unknown kind " + kind)
    if frames:
        sendp(frames, iface=iface)
    print("sent " + kind, flush=True)
"""

# Each malformed UDP kind: (name, the udp counter it must bump).
UDP_MALFORMED = [
    ("len_beyond_payload", "drop_bad_len"),
    ("len_below_8", "drop_bad_len"),
    ("bad_cksum", "drop_bad_cksum"),
    ("short", "drop_short"),
]


def case_udp_malformed(c):
    """
    Malformed UDP sent raw with scapy: a length field beyond the IP payload, one below 8, a
    bad checksum, an IP payload shorter than a UDP header; each dropped and counted by its
    reason, nothing delivered; the echo service answers after.
    """
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    port = y.get("/yard/ports,0")
    kmac = run(["cat", "/sys/class/net/yard0/address"], ns=c.ns).stdout.strip()
    sender = subprocess.Popen(["ip", "netns", "exec", c.ns, "/usr/bin/python3", "-c",
                               UDP_INJECT, "yard0", port["mac"], kmac, KERNEL_ADDR,
                               YARD_ADDR], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)

    def send(kind, n):
        sender.stdin.write("%s %d\n" % (kind, n))
        sender.stdin.flush()
        line = sender.stdout.readline().strip()
        check(line == "sent %s" % kind, "frame sender: %r" % line)

    n = 3
    try:
        send("nothing", 0)  # scapy loaded
        for kind, counter in UDP_MALFORMED:
            before = counters(y, "udp")
            send(kind, n)
            d = udp_counters_settle(y, before, counter, n)
            changed = {k: v for k, v in d.items() if v}
            check(d[counter] == n, "%s: udp %s went up by %d, expected %d (changes: %s)" %
                  (kind, counter, d[counter], n, changed))
            check(d["rx_delivered"] == 0 and d["tx_datagrams"] == 0,
                  "%s: nothing delivered or echoed: %s" % (kind, changed))
            log("%s: %d dropped, counted udp %s" % (kind, n, counter))
    finally:
        sender.stdin.close()
        try:
            sender.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sender.kill()
    p = run(["sh", "-c", "echo still here | socat -t1 - UDP:%s:7" % YARD_ADDR], ns=c.ns,
            ok=False, timeout=20)
    check(p.stdout == "still here\n", "echo after the malformed datagrams: %r %r" %
          (p.stdout, p.stderr))
    y.stop_clean()


def kernel_udp_snmp(c):
    """The namespace's Udp counters from /proc/net/snmp (InDatagrams, RcvbufErrors, ...)."""
    lines = [l.split() for l in run(["cat", "/proc/net/snmp"], ns=c.ns).stdout.splitlines()
             if l.startswith("Udp:")]
    return dict(zip(lines[0][1:], (int(v) for v in lines[1][1:])))


def kernel_nic_stats(c, iface="yard0"):
    """rx_packets, rx_dropped and rx_errors of the kernel's side of iface."""
    out = {}
    for n in ("rx_packets", "rx_dropped", "rx_errors"):
        out[n] = int(run(["cat", "/sys/class/net/%s/statistics/%s" % (iface, n)],
                         ns=c.ns).stdout)
    return out


def case_udp_sockperf(c):
    """
    sockperf throughput at a moderate 10,000 messages a second against the echo service: yard
    receives every message sockperf sent and echoes each one, and every echo reaches the
    kernel's yard0 with no error. Then sockperf ping-pong and under-load against yard's sockperf
    server (port 11111; sockperf's client takes no RFC 862 echo of its own message): no message
    lost, duplicated or out of order, every pong request answered.
    """
    tool = shutil.which("sockperf")
    check(tool is not None, "sockperf not found (Debian package sockperf; scripts/setup.sh)")
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    udp0, k0, nic0 = counters(y, "udp"), kernel_udp_snmp(c), kernel_nic_stats(c)
    p = run([tool, "throughput", "-i", YARD_ADDR, "-p", "7", "-t", "3", "--mps", "10000",
             "--msg-size", "64"], ns=c.ns, ok=False, timeout=60)
    out = p.stdout + p.stderr
    m = re.search(r"Total of (\d+) messages sent", out)
    check(p.returncode == 0 and m is not None, "sockperf throughput:\n%s" % out)
    total = int(m.group(1))
    check(total >= 25000, "throughput at 10,000/s for 3 s sent only %d:\n%s" % (total, out))
    udp = udp_counters_settle(y, udp0, "tx_datagrams", total)
    time.sleep(0.5)
    udp = delta(udp0, counters(y, "udp"))
    k = delta(k0, kernel_udp_snmp(c))
    nic = delta(nic0, kernel_nic_stats(c))
    bad = {n: v for n, v in udp.items() if n.startswith("drop_") and v}
    # rx >= total: sockperf's few warm-up messages are not in its count.
    check(udp["rx_datagrams"] >= total and udp["tx_datagrams"] == udp["rx_datagrams"] and
          not bad, "sockperf sent %d; udp: %s" % (total, {n: v for n, v in udp.items() if v}))
    # sockperf throughput never reads its socket, so the kernel's UDP overflows its receive
    # buffer (RcvbufErrors) and counts nothing in InDatagrams: count the echoes where they
    # arrive, on yard0, and check no checksum error on the way.
    back = nic["rx_packets"]
    check(back >= udp["tx_datagrams"] and nic["rx_dropped"] == 0 and nic["rx_errors"] == 0 and
          k.get("InCsumErrors", 0) == 0,
          "yard echoed %d; yard0 received: %s; the kernel's Udp counters moved: %s" %
          (udp["tx_datagrams"], nic, {n: v for n, v in k.items() if v}))
    log("sockperf throughput: %d messages at 10,000/s; yard received %d and echoed all; yard0 "
        "received %d frames" % (total, udp["rx_datagrams"], back))
    sp0 = y.get("/yard/udp_services")["sockperf"]
    for mode, extra in (("ping-pong", ["--mps", "2000"]),
                        ("under-load", ["--mps", "10000", "--reply-every", "10"])):
        p = run([tool, mode, "-i", YARD_ADDR, "-p", "11111", "-t", "2"] + extra, ns=c.ns,
                ok=False, timeout=60)
        out = p.stdout + p.stderr
        lost = re.search(r"# dropped messages = (\d+); # duplicated messages = (\d+); "
                         r"# out-of-order messages = (\d+)", out)
        valid = re.search(r"\[Valid Duration\] RunTime=[\d.]+ sec; SentMessages=(\d+); "
                          r"ReceivedMessages=(\d+)", out)
        lat = re.search(r"Summary: Latency is ([\d.]+) usec", out)
        check(p.returncode == 0 and lost and valid and lat, "sockperf %s:\n%s" % (mode, out))
        check(lost.groups() == ("0", "0", "0"), "sockperf %s lost messages:\n%s" % (mode, out))
        sent, got = int(valid.group(1)), int(valid.group(2))
        want = sent if mode == "ping-pong" else sent // 10
        check(got >= want - 1 and got > 0,
              "sockperf %s: %d replies of %d messages:\n%s" % (mode, got, sent, out))
        log("sockperf %s: %d messages, %d replies, latency %s us (a tap, not a NIC)" %
            (mode, sent, got, lat.group(1)))
    sp = delta(sp0, y.get("/yard/udp_services")["sockperf"])
    check(sp["tx_datagrams"] > 0 and sp["rx_no_reply"] > 0 and sp["rx_malformed"] == 0 and
          sp["tx_drops"] == 0, "yard's sockperf server: %s" % sp)
    y.stop_clean()


TCP_CLIENT = r"""
import hashlib, os, socket, sys, threading
dst = sys.argv[1]
# Echo: 4 MB each way on one connection, compared by sha256.
s = socket.create_connection((dst, 7), timeout=10)
data = os.urandom(4 << 20)
got = bytearray()
def reader():
    while len(got) < len(data):
        b = s.recv(1 << 16)
        if not b:
            break
        got.extend(b)
t = threading.Thread(target=reader)
t.start()
s.sendall(data)
t.join(60)
assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest(), "echo: %d bytes back" % len(got)
s.shutdown(socket.SHUT_WR)
assert s.recv(1) == b"", "echo closes after our FIN"
s.close()
# Discard: 1 MB in, nothing back, orderly close.
s = socket.create_connection((dst, 9), timeout=10)
s.sendall(os.urandom(1 << 20))
s.shutdown(socket.SHUT_WR)
assert s.recv(1) == b"", "discard sends nothing"
s.close()
# A closed port answers RST.
try:
    socket.create_connection((dst, 4444), timeout=5)
    raise AssertionError("port 4444 accepted")
except ConnectionRefusedError:
    pass
# Many connections at once, each echoing its own line.
socks = [socket.create_connection((dst, 7), timeout=10) for _ in range(50)]
for i, c in enumerate(socks):
    c.sendall(b"line %d\n" % i)
for i, c in enumerate(socks):
    want = b"line %d\n" % i
    have = b""
    while len(have) < len(want):
        have += c.recv(100)
    assert have == want, (have, want)
    c.close()
print("ok")
"""


def case_tcp_services(c):
    """
    TCP echo, discard and HTTP against the kernel's TCP: 4 MB echoed intact (sha256), discard,
    RST from a closed port, 50 concurrent connections, curl (GET /, GET /N), ab -k with
    keep-alive, and wrk with 100 connections: no errors, no non-2xx answers.
    """
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    p = run(["/usr/bin/python3", "-c", TCP_CLIENT, YARD_ADDR], ns=c.ns, ok=False, timeout=120)
    check(p.returncode == 0 and p.stdout.strip() == "ok",
          "tcp client: %s%s" % (p.stdout, p.stderr))
    url = "http://%s/" % YARD_ADDR
    p = run(["curl", "-sS", "-m", "10", url], ns=c.ns, ok=False)
    check(p.returncode == 0 and "yard" in p.stdout, "curl /: %s%s" % (p.stdout, p.stderr))
    p = run(["curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
             url + "123456"], ns=c.ns, ok=False)
    check(p.stdout.strip() == "200 123456", "curl /123456: %s%s" % (p.stdout, p.stderr))
    p = run(["curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}",
             url + "nothing-here"], ns=c.ns, ok=False)
    check(p.stdout.strip() == "404", "curl unknown path: %s%s" % (p.stdout, p.stderr))
    if shutil.which("ab"):
        p = run(["ab", "-k", "-q", "-n", "2000", "-c", "10", url + "64"], ns=c.ns, ok=False,
                timeout=120)
        m = re.search(r"Failed requests:\s+(\d+)", p.stdout)
        k = re.search(r"Keep-Alive requests:\s+(\d+)", p.stdout)
        check(p.returncode == 0 and m and int(m.group(1)) == 0 and k and int(k.group(1)) > 0,
              "ab -k: %s%s" % (p.stdout[-1500:], p.stderr))
    if shutil.which("wrk"):
        p = run(["wrk", "-c", "100", "-t", "2", "-d", "5s", url + "64"], ns=c.ns, ok=False,
                timeout=60)
        check(p.returncode == 0 and "Socket errors" not in p.stdout and
              "Non-2xx" not in p.stdout and re.search(r"(\d+) requests in", p.stdout),
              "wrk: %s%s" % (p.stdout, p.stderr))
        log("wrk: %s" % " ".join(l.strip() for l in p.stdout.splitlines()
                                 if "requests in" in l or "Requests/sec" in l))
    # A client reusing its port at once against a server that closes first: each new SYN
    # meets yard's TIME-WAIT of the last connection and must open a connection (RFC 6191).
    tcp0 = counters(y, "tcp")
    p = run(["/usr/bin/python3", "-c", PORT_REUSE_CLIENT, YARD_ADDR, "20"], ns=c.ns, ok=False,
            timeout=120)
    dtcp = delta(tcp0, counters(y, "tcp"))
    reused = dtcp.get("timewait_reused", 0)
    log("port reuse tcp delta: %s" % {k: v for k, v in dtcp.items() if v})
    check(p.returncode == 0 and p.stdout.startswith("ok") and reused >= 19,
          "port reuse: %s%s, timewait_reused %d" % (p.stdout, p.stderr, reused))
    log("port reuse: %s, timewait_reused %d" % (p.stdout.strip(), reused))
    y.stop_clean()


# N HTTP requests with Connection: close, each from the same local port (yard closes first
# and holds TIME-WAIT): prints "ok" and the slowest connect.
PORT_REUSE_CLIENT = r"""
import socket, sys, time
addr, n = sys.argv[1], int(sys.argv[2])
slowest = 0.0
for i in range(n):
    for _ in range(500):  # until the kernel's side of the last one is gone (LAST-ACK)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", 45678))
        s.settimeout(10)
        t = time.monotonic()
        try:
            s.connect((addr, 80))
            break
        except OSError as e:
            s.close()
            if e.errno != 99:  # EADDRNOTAVAIL: the 4-tuple is still the last one's
                raise
            time.sleep(0.01)
    slowest = max(slowest, time.monotonic() - t)
    s.sendall(b"GET /64 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    got = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
    s.close()
    if not got.startswith(b"HTTP/1.1 200"):
        print("bad answer %d: %r" % (i, got[:80]))
        sys.exit(1)
print("ok %d requests from one port, slowest connect %.3f s" % (n, slowest))
"""


# Kernel servers for the yard TCP clients, bound to every address before yard starts (the
# tap appears with yard): a hashing server, an echo server, a server that sends N bytes.
# Prints "ready", then one line per connection as it ends.
KERNEL_SERVERS = r"""
import hashlib, socket, sys, threading
# One line per write, under a lock: print() from several threads writes the text and the
# newline apart, so two connections ending together could share a line and the reader,
# counting lines, would wait for one that never comes.
out = threading.Lock()
def say(line):
    with out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    return s
def serve(s, fn):
    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=fn, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
def hasher(c):
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
        n += len(b)
    c.close()
    say("hash %d %s" % (n, h.hexdigest()))
def echo(c):
    n = 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        c.sendall(b)
        n += len(b)
    c.close()
    say("echo %d" % n)
def sender(c):
    n = int(sys.argv[1])
    buf = bytes(1 << 16)
    left = n
    while left > 0:
        left -= c.send(buf[:min(left, len(buf))])
    c.shutdown(socket.SHUT_WR)
    while c.recv(1 << 16):
        pass
    c.close()
    say("sent %d" % n)
serve(listener(5001), hasher)
serve(listener(5002), echo)
serve(listener(5003), sender)
print("ready", flush=True)
sys.stdin.read()
"""


def pattern_sha256(n):
    """sha256 of the clients' pattern: byte i is 'a' + i % 26."""
    block = b"abcdefghijklmnopqrstuvwxyz" * 40330  # 1048580 bytes, a multiple of 26
    h = hashlib.sha256()
    while n > 0:
        k = min(n, len(block))
        h.update(block[:k])
        n -= k
    return h.hexdigest()


def expect_source_hashed(y, srv, name, conns, n, timeout):
    """
    The yard source client [client.name] made conns connections of n bytes each and released
    them, and the kernel server srv (kernel_servers()) hashed each one's pattern intact.
    """
    d = wait_clients(y, [name], timeout)[name]
    check(d["connected"] == conns and d["released"] == conns and d["discons"] == 0 and
          d["tx_bytes"] == n * conns, "the %s client: %s" % (name, d))
    want = "hash %d %s" % (n, pattern_sha256(n))
    lines = []
    while len(lines) < conns:
        line = srv.stdout.readline()
        check(line != "", "the kernel server ended early: %s" % lines)
        if line.startswith("hash"):
            lines.append(line.strip())
    check(all(l == want for l in lines), "the kernel hashed %s, expected %d x '%s'" %
          (lines, conns, want))


def wait_clients(y, names, timeout, what="tcp_clients"):
    """Poll /yard/<what> until every client in names is done; returns the answer."""
    deadline = time.monotonic() + timeout
    while True:
        d = y.get("/yard/" + what)
        if all(n in d and d[n]["done"] for n in names):
            return d
        if time.monotonic() > deadline:
            raise Failure("clients not done within %ss: %s" % (timeout, d))
        time.sleep(0.2)


def kernel_servers(c, sender_bytes=0, ns=None, script=None):
    p = subprocess.Popen(["ip", "netns", "exec", ns or c.ns, "/usr/bin/python3", "-c",
                          script or KERNEL_SERVERS,
                          str(sender_bytes)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True, start_new_session=True)
    c.procs.append(p)
    check(p.stdout.readline().strip() == "ready", "the kernel servers did not start")
    return p


def case_tcp_client_two_queues(c):
    """
    yard as a client on a port with two queues and two lcores (net_tap: the kernel picks the
    queue, so replies to an active open often reach the other lcore): 16 connections of the
    source client each deliver 2 MiB of the pattern intact to a kernel server that hashes
    it; the replies that reached the other lcore were handed over by tcp's software steering
    (rx_steered), and none was answered with a RST.
    """
    if (os.cpu_count() or 1) < 2:
        raise Failure("tcp_client_two_queues needs 2 CPUs")
    n, conns = 2 << 20, 16
    srv = kernel_servers(c)
    base = open(c.source_config("two-queues.ini")).read()
    y = c.yard(c.config(base + """
[client.src]
type = source
connect = %s:5001
bytes = %d
conns = %d
delay = 1s
""" % (KERNEL_ADDR, n, conns)))
    c.tap_up()
    expect_source_hashed(y, srv, "src", conns, n, 90)
    tcp = y.get("/yard/tcp,per_lcore")
    log("tcp per lcore: %s" % {l: {k: v[k] for k in ("rx_steered", "soft_port_steered",
                                                      "drop_no_conn", "drop_steer_full")}
                               for l, v in tcp.items() if l.startswith("lcore")})
    allc = y.get("/yard/tcp")
    allc = allc.get("all", allc)
    check(allc["rx_steered"] > 0, "no segment needed steering: %s" % allc["rx_steered"])
    check(allc["drop_steer_full"] == 0 and allc["drop_no_conn"] == 0,
          "segments lost to steering: %s" % {k: allc[k] for k in ("drop_steer_full",
                                                                   "drop_no_conn")})
    y.stop_clean()

# Kernel UDP servers: echo (5007), an echo that answers 6 s late (5008: see
# case_udp_client_two_queues) and a sink (5009); each line on stdin asks the sink's count.
KERNEL_UDP_SERVERS = r"""
import socket, sys, threading
def sock(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Room for everything the source sends: a loss here would be the test's, not yard's.
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE (root), not in Python
    s.bind(("0.0.0.0", port))
    return s
echo, slow, sink = sock(5007), sock(5008), sock(5009)
got = [0, 0]
def echo_loop():
    while True:
        b, a = echo.recvfrom(65535)
        echo.sendto(b, a)
def slow_loop():
    while True:
        b, a = slow.recvfrom(65535)
        threading.Timer(6.0, slow.sendto, (b, a)).start()
def sink_loop():
    while True:
        b = sink.recv(65535)
        got[0] += 1
        got[1] += len(b)
threading.Thread(target=echo_loop, daemon=True).start()
threading.Thread(target=slow_loop, daemon=True).start()
threading.Thread(target=sink_loop, daemon=True).start()
print("ready", flush=True)
for line in sys.stdin:
    print("sink %d %d" % (got[0], got[1]), flush=True)
"""


def sink_count(srv, want, timeout=10):
    """The kernel sink's (datagrams, bytes), once it has read want datagrams or timeout passed."""
    deadline = time.monotonic() + timeout
    while True:
        srv.stdin.write("count\n")
        srv.stdin.flush()
        _, n, b = srv.stdout.readline().split()
        if int(n) >= want or time.monotonic() > deadline:
            return int(n), int(b)
        time.sleep(0.2)


def case_udp_client_two_queues(c):
    """
    yard's UDP clients from a port with two queues and two lcores (net_tap), against kernel
    servers. Which queue the kernel puts a reply on is tun's choice: a flow it has seen
    written (yard sends every request from the client's lcore 0, queue 0) it answers on the
    same queue, so the replies of a busy udp_rr client never need steering; a flow it has not
    seen for its ageing time (3 s, tun's TUN_FLOW_EXPIRE) it puts on the queue its hash
    names, queue 1 for about half of them. So:

    - [client.slow]: 16 endpoints each send one request to an echo that answers 6 s late,
      when tun has forgotten the flows. Every reply arrives intact (16 received, nothing
      lost), and those the kernel put on queue 1 reached lcore 1's udp, which has no
      endpoint for lcore 0's ephemeral ports, and were handed over (lcore 1's rx_steered > 0:
      with 16 flows, all 16 on queue 0 has a chance of 2^-16).
    - [client.rr]: 16 endpoints for 2 s against an echo: many round trips, none lost, bad or
      late, no error.
    - [client.blast]: a udp_source sends 2 x 2 MiB in 1400-byte datagrams to a kernel sink,
      which reads every one: the volume is modest and the sink's buffer (64 MiB) holds it
      all, so the kernel has no reason to drop one.
    """
    if (os.cpu_count() or 1) < 2:
        raise Failure("udp_client_two_queues needs 2 CPUs")
    srv = kernel_servers(c, script=KERNEL_UDP_SERVERS)
    k0 = kernel_udp_snmp(c)
    base = open(c.source_config("two-queues.ini")).read()
    # Idle sleep: two busy-polling lcores on a 2-CPU machine would starve the kernel servers.
    base = base.replace("[yard]\nlcores = 0-1\n", "[yard]\nlcores = 0-1\nidle_sleep_us = 100\n")
    check("idle_sleep_us" in base, "two-queues.ini no longer starts with [yard] lcores = 0-1")
    n_src, size = 2 << 20, 1400
    y = c.yard(c.config(base + """
[client.slow]
type = udp_rr
connect = %s:5008
bytes = 64
conns = 16
timeout = 20s
delay = 3s

[client.rr]
type = udp_rr
connect = %s:5007
duration = 2s
conns = 16
size = 256
delay = 3s

[client.blast]
type = udp_source
connect = %s:5009
bytes = %d
conns = 2
size = %d
delay = 6s
""" % (KERNEL_ADDR, KERNEL_ADDR, KERNEL_ADDR, n_src, size)))
    c.tap_up()
    # The kernel's ARP request teaches yard its address before the clients start: arp holds
    # only 4 datagrams per unresolved neighbour ([arp] hold_max), so 16 first requests would
    # lose 12 there, each counted lost a timeout later (what the client is for, but not this
    # test's subject).
    c.expect_ping(count=2)
    d = wait_clients(y, ["rr", "slow", "blast"], 60, "udp_clients")
    rr, slow, src = d["rr"], d["slow"], d["blast"]
    log("udp clients: %s" % json.dumps(d))
    udp = y.get("/yard/udp,per_lcore")
    log("udp per lcore: %s" % {l: {k: v[k] for k in ("rx_datagrams", "rx_delivered",
                                                      "rx_steered", "drop_steer_full",
                                                      "drop_no_port")}
                               for l, v in udp.items() if l.startswith("lcore")})
    check(slow["lcore"] == 0 and slow["received"] == slow["sent"] == 16 and
          slow["lost"] + slow["bad"] + slow["late"] + slow["errors"] == 0,
          "the late echo's replies: %s" % slow)
    steered = udp["lcore1"]["rx_steered"]
    check(0 < steered <= 16, "replies lcore 1 handed to lcore 0: %d (of the 16 late ones): %s"
          % (steered, udp["lcore1"]))
    check(udp["lcore0"]["rx_steered"] == 0, "lcore 0 owns every endpoint: %s" % udp["lcore0"])
    check(udp["lcore0"]["drop_steer_full"] + udp["lcore1"]["drop_steer_full"] == 0 and
          udp["lcore0"]["drop_no_port"] + udp["lcore1"]["drop_no_port"] == 0,
          "replies lost to steering: %s" % udp)
    check(rr["lost"] + rr["bad"] + rr["late"] + rr["errors"] + rr["send_failures"] == 0,
          "the udp_rr client lost or mismatched replies: %s" % rr)
    check(rr["received"] > 100 and rr["received"] == rr["sent"] and
          rr["rx_bytes"] == rr["tx_bytes"] == 256 * rr["sent"],
          "the udp_rr client: %d sent, %d received" % (rr["sent"], rr["received"]))
    n_dgrams = 2 * -(-n_src // size)
    check(src["sent"] == n_dgrams and src["tx_bytes"] == 2 * n_src and
          src["send_failures"] == 0 and src["errors"] == 0, "the udp_source client: %s" % src)
    got, nbytes = sink_count(srv, n_dgrams)
    k = delta(k0, kernel_udp_snmp(c))
    check(got == n_dgrams and nbytes == 2 * n_src,
          "the kernel sink read %d datagrams (%d bytes) of %d sent; the kernel's Udp counters "
          "moved: %s; arp: %s" % (got, nbytes, n_dgrams, {n: v for n, v in k.items() if v},
                                  drops(y)))
    log("late echo: %d of 16 replies came in on lcore 1 and were steered; udp_rr: %d round "
        "trips in 2 s over 16 endpoints, rtt min/avg/max %d/%d/%d us; udp_source: %d "
        "datagrams, all read by the kernel (%d tflow)" %
        (steered, rr["received"], rr["rtt_min_us"], rr["rtt_avg_us"], rr["rtt_max_us"], got,
         src["tflow"]))
    y.stop_clean()


def case_loopback_clients(c):
    """
    yard's clients against yard's own services (connect = yard's address): a TCP rr client
    (2 connections, 2 s) on the TCP echo and a udp_rr client on the UDP echo, all through ip's
    loop-back: every response is the request, nothing is lost, and not one of their packets
    goes down the port (ip's tx_packets moves by no more than ARP or IGMP could; tx_local
    counts them).
    """
    text = open(c.source_config("default.ini")).read()
    text += """
[client.rr]
type = rr
connect = %s:7
duration = 2s
conns = 2
size = 100
delay = 1s
[client.urr]
type = udp_rr
connect = %s:7
duration = 2s
conns = 2
size = 100
delay = 1s
""" % (YARD_ADDR, YARD_ADDR)
    y = c.yard(c.config(text))
    c.tap_up()
    ip0 = counters(y, "ip")
    d = wait_clients(y, ["rr"], 30)
    u = wait_clients(y, ["urr"], 30, what="udp_clients")
    ip = delta(ip0, counters(y, "ip"))
    rr, urr = d["rr"], u["urr"]
    log("rr %s; udp_rr %s; ip %s" % (rr, urr, {k: v for k, v in ip.items() if v}))
    check(rr["connected"] == 2 and rr["released"] == 2 and rr["transactions"] > 100 and
          rr["rr_mismatch"] == 0, "rr against yard's own TCP echo: %s" % rr)
    check(urr["received"] > 100 and urr["lost"] == 0 and urr["bad"] == 0 and
          urr["errors"] == 0, "udp_rr against yard's own UDP echo: %s" % urr)
    check(ip["tx_local"] >= 2 * (rr["transactions"] + urr["received"]),
          "requests and responses looped back: %s" % ip)
    check(ip["tx_packets"] < 20 and ip["drop_loop_full"] == 0,
          "nothing of theirs down the port: %s" % ip)
    y.stop_clean()


def case_tcp_client(c):
    """
    yard as a TCP client of the kernel: a source sends 8 MiB of the pattern to a server that
    hashes it (sha256 as expected), a sink reads 4 MiB a kernel server sends, an rr client
    (2 connections, 2 s) against a kernel echo server (no mismatched response), and a connect
    to a closed port is refused and counted. Every connection ends with orderly release.
    """
    n_src, n_sink = 8 << 20, 4 << 20
    srv = kernel_servers(c, n_sink)
    y = c.yard(c.config("""
[yard]
lcores = 0
[eal]
hugepages = off
[port0]
dev = net_tap0,iface=yard0
address = %s/24
[client.src]
type = source
connect = %s:5001
bytes = %d
delay = 1s
[client.sink]
type = sink
connect = %s:5003
bytes = %d
delay = 1s
[client.rr]
type = rr
connect = %s:5002
duration = 2s
conns = 2
size = 64
delay = 1s
[client.closed]
type = source
connect = %s:5999
bytes = 1K
delay = 1s
""" % (YARD_ADDR, KERNEL_ADDR, n_src, KERNEL_ADDR, n_sink, KERNEL_ADDR, KERNEL_ADDR)))
    c.tap_up()
    d = wait_clients(y, ["src", "sink", "rr", "closed"], 60)
    log("clients: %s" % json.dumps(d))
    lines = []
    while len([l for l in lines if l.startswith(("hash", "echo"))]) < 3:
        line = srv.stdout.readline()
        check(line != "", "the kernel servers ended early: %s" % lines)
        lines.append(line.strip())
    log("kernel servers: %s" % lines)
    want = "hash %d %s" % (n_src, pattern_sha256(n_src))
    check(want in lines, "the kernel hashed %s, expected '%s'" % (lines, want))
    src, sink, rr, closed = d["src"], d["sink"], d["rr"], d["closed"]
    check(src["tx_bytes"] == n_src and src["connected"] == 1 and src["released"] == 1 and
          src["discons"] == 0, "source: %s" % src)
    check(sink["rx_bytes"] == n_sink and sink["released"] == 1 and sink["discons"] == 0,
          "sink: %s" % sink)
    check(rr["connected"] == 2 and rr["released"] == 2 and rr["transactions"] > 100 and
          rr["rr_mismatch"] == 0 and rr["tx_bytes"] == rr["rx_bytes"] == 64 * rr["transactions"],
          "rr: %s" % rr)
    check(closed["connect_failures"] == 1 and closed["refused"] == 1 and
          closed["connected"] == 0, "closed port: %s" % closed)
    log("rr: %.0f transactions/s over 2 connections" %
        (rr["transactions"] / (rr["elapsed_us"] / 1e6)))
    y.stop_clean()


def case_tcp_crr(c):
    """
    yard's crr client against a kernel echo server for 2.5 s: connections one after another
    on 2 slots, each one 64-byte transaction and an orderly release from yard's side (yard
    holds the TIME-WAITs), from an ephemeral range of 16 ports with at most 4 TIME-WAITs
    held for 2 MSL (the rest last a tick): the 4-tuples come back over and over, so active
    opens wait for one to come free (port_waits), move past those in TIME-WAIT and, after
    the first second, recycle the 4 held ones (the kernel sends timestamps). Every connection
    succeeds: none refused, reset or failed to open, no response mismatched.
    """
    size = 64
    kernel_servers(c)
    y = c.yard(c.config("""
[yard]
lcores = 0
[eal]
hugepages = off
[port0]
dev = net_tap0,iface=yard0
address = %s/24
[tcp]
ephemeral_ports = 50000-50015
max_timewait = 4
[client.cps]
type = crr
connect = %s:5002
duration = 2500ms
conns = 2
size = %d
delay = 1s
""" % (YARD_ADDR, KERNEL_ADDR, size)))
    c.tap_up()
    d = wait_clients(y, ["cps"], 120)["cps"]
    tcp = y.get("/yard/tcp")
    tcp = tcp.get("all", tcp)
    log("crr: %s" % json.dumps(d))
    log("tcp: %s" % {k: tcp[k] for k in ("active_opens", "connect_port_moved",
                                          "connect_addrbusy", "timewait_recycled",
                                          "timewait_overflow", "resets_received",
                                          "drop_tpi_bad")})
    n = d["released"]
    # at the deadline a connection not yet sending releases without its transaction
    check(n > 100 and d["connected"] == n and n - 2 <= d["transactions"] <= n and
          d["tx_bytes"] == d["rx_bytes"] == size * d["transactions"] and
          d["rr_mismatch"] == 0 and d["connect_failures"] == 0 and d["open_failures"] == 0 and
          d["discons"] == 0 and d["active"] == 0, "crr: %s" % d)
    check(tcp["active_opens"] == n and tcp["resets_received"] == 0 and
          tcp["drop_tpi_bad"] == 0 and tcp["connect_addrbusy"] == d["port_waits"],
          "tcp: %s" % tcp)
    check(tcp["connect_port_moved"] > 0 and tcp["timewait_recycled"] > 0,
          "16 ports for %d connections: 4-tuples in TIME-WAIT not moved past or recycled: %s"
          % (n, tcp))
    log("crr: %.0f connections/s" % (d["released"] / (d["elapsed_us"] / 1e6)))
    y.stop_clean()


def case_tcp_bulk(c):
    """
    nc moving BULK bytes (--bulk, 128M in CI) each way with equal sha256: a yard source client
    to a kernel nc server that hashes what it reads, and kernel nc through yard's TCP echo and
    back, hashing what returns (openssl's AES-CTR stream as the data). Logs the rates.
    """
    n = c.args.bulk
    key = "-K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000"
    gen = "openssl enc -aes-128-ctr -nosalt %s -in /dev/zero 2>/dev/null | head -c %d" % (key, n)
    # (no pipefail: openssl ends on SIGPIPE when head has enough; the hashes are the check)
    want_echo = run(["bash", "-c", gen + " | sha256sum"],
                    timeout=600).stdout.split()[0]
    want_src = pattern_sha256(n)
    # the kernel's nc server first (every address): yard's client connects after 1 s
    outf = os.path.join(c.workdir, "src.sha")
    srv = subprocess.Popen(["ip", "netns", "exec", c.ns, "bash", "-c",
                            "nc -l 5001 </dev/null | sha256sum > %s" % outf],
                           start_new_session=True)
    c.procs.append(srv)
    y = c.yard(c.config("""
[yard]
lcores = 0
[eal]
hugepages = off
[port0]
dev = net_tap0,iface=yard0
address = %s/24
[services]
tcp_echo = 7
[client.bulk]
type = source
connect = %s:5001
bytes = %d
delay = 1s
""" % (YARD_ADDR, KERNEL_ADDR, n)))
    c.tap_up()
    d = wait_clients(y, ["bulk"], 600)["bulk"]
    srv.wait(timeout=60)
    with open(outf) as f:
        got_src = f.read().split()[0]
    secs = d["elapsed_us"] / 1e6
    log("yard source -> kernel nc: %d bytes in %.2f s (%.2f Gbit/s)" % (n, secs, n * 8 / secs / 1e9))
    check(got_src == want_src and d["tx_bytes"] == n and d["released"] == 1,
          "yard -> kernel: sha256 %s, expected %s; %s" % (got_src, want_src, d))
    t0 = time.monotonic()
    p = run(["bash", "-c", gen + " | nc -N %s 7 | sha256sum" % YARD_ADDR], ns=c.ns,
            timeout=600)
    secs = time.monotonic() - t0
    got_echo = p.stdout.split()[0]
    log("kernel nc -> yard echo -> kernel nc: %d bytes each way in %.2f s (%.2f Gbit/s each way)" %
        (n, secs, n * 8 / secs / 1e9))
    check(got_echo == want_echo, "echo: sha256 %s, expected %s" % (got_echo, want_echo))
    st = y.get("/yard/tcp_services")["echo"]
    check(st["rx_bytes"] == n and st["tx_bytes"] == n and st["tx_drops"] == 0,
          "echo service: %s" % st)
SYNFLOOD_SENDER = r"""
import random, socket, struct, sys, time
iface, dst_mac, src_mac, dst, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

eth = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", "")) + b"\x08\x00"
daddr = socket.inet_aton(dst)
rnd = random.Random(5)
frames = []
for i in range(n):
    # spoofed: 198.18.0.10 .. .250 (nobody there answers ARP), any source port
    saddr = socket.inet_aton("198.18.0.%d" % rnd.randint(10, 250))
    sport, isn = rnd.randint(1024, 65535), rnd.getrandbits(32)
    opts = b"\x02\x04\x05\xb4"  # MSS 1460
    tcp = struct.pack("!HHIIBBHHH", sport, 7, isn, 0, (5 + len(opts) // 4) << 4, 0x02, 64240, 0, 0) + opts
    tcp = tcp[:16] + struct.pack("!H", csum(saddr + daddr + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xffff, 0, 64, 6, 0, saddr, daddr)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frames.append(eth + ip + tcp)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
half = n // 5
for i, f in enumerate(frames):
    s.send(f)
    if i % 100 == 99:
        time.sleep(0.005)  # paced, so the kernel's tap queue rarely overflows
    if i == half:
        print("flooding", flush=True)  # the backlog is full: the client may start
print("sent %d" % n, flush=True)
"""

SYNFLOOD_CLIENT = r"""
import hashlib, os, socket, sys, threading
s = socket.create_connection((sys.argv[1], 7), timeout=20)
data = os.urandom(4 << 20)
got = bytearray()
def reader():
    while len(got) < len(data):
        b = s.recv(1 << 16)
        if not b:
            break
        got.extend(b)
t = threading.Thread(target=reader)
t.start()
s.sendall(data)
t.join(60)
assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest(), "echo: %d bytes back" % len(got)
s.shutdown(socket.SHUT_WR)
assert s.recv(1) == b"", "echo closes after our FIN"
s.close()
print("ok")
"""


def case_tcp_synflood(c):
    """
    10,000 spoofed SYNs to the TCP echo port from addresses of 198.18.0.0/24 that never
    answer: the listener's SYN backlog (128) fills and the rest are answered with SYN cookies,
    keeping nothing; meanwhile a real 4 MB echo (whose SYN meets the full backlog, so its
    connection is made from a cookie) comes back intact (sha256).
    """
    n = 10000
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    port = y.get("/yard/ports,0")
    kmac = run(["cat", "/sys/class/net/yard0/address"], ns=c.ns).stdout.strip()
    before = counters(y, "tcp")
    txd_before = int(run(["cat", "/sys/class/net/yard0/statistics/tx_dropped"],
                         ns=c.ns).stdout)
    t0 = time.monotonic()
    flood = subprocess.Popen(["ip", "netns", "exec", c.ns, "/usr/bin/python3", "-c",
                              SYNFLOOD_SENDER, "yard0", port["mac"], kmac, YARD_ADDR, str(n)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = flood.stdout.readline().strip()
        check(line == "flooding", "SYN sender: %r %s" % (line, flood.stderr.read()
                                                         if flood.poll() is not None else ""))
        p = run(["/usr/bin/python3", "-c", SYNFLOOD_CLIENT, YARD_ADDR], ns=c.ns, ok=False,
                timeout=90)
        xfer = time.monotonic() - t0
        out, err = flood.communicate(timeout=60)
    finally:
        if flood.poll() is None:
            flood.kill()
            flood.wait()
    check(out.strip() == "sent %d" % n, "SYN sender: %s%s" % (out, err))
    check(p.returncode == 0 and p.stdout.strip() == "ok",
          "4 MB echo under the flood: %s%s" % (p.stdout, p.stderr))
    # Each SYN that reached tcp was answered once: a connection while the backlog had room,
    # a cookie after. The kernel may drop a few of the flood's frames on the tap when yard is
    # slow to read (a loaded machine): those are counted in its tx_dropped, and must be few.
    txd0 = int(run(["cat", "/sys/class/net/yard0/statistics/tx_dropped"], ns=c.ns).stdout)
    d = delta(before, counters(y, "tcp"))
    for _ in range(50):  # the last SYNs may still be in yard's queues
        time.sleep(0.1)
        d2 = delta(before, counters(y, "tcp"))
        if d2["syncookies_sent"] == d["syncookies_sent"]:
            break
        d = d2
    seen = d["syncookies_sent"] + d["passive_opens"] - 2 * d["syncookies_ok"]
    log("%d spoofed SYNs, %d reached tcp, the kernel's tap dropped %d frames (%.1fs with the "
        "4 MB echo): %s" % (n, seen, txd0 - txd_before, xfer,
                           {k: v for k, v in d.items() if v and ("syn" in k or "passive" in k
                                                                 or "established" in k)}))
    check(seen <= n and seen + (txd0 - txd_before) >= n and seen >= n // 2,
          "every spoofed SYN reached tcp or was counted dropped by the kernel: %d of %d, "
          "%d dropped; %s" % (seen, n, txd0 - txd_before, {k: v for k, v in d.items() if v}))
    check(d["passive_opens"] - d["syncookies_ok"] == 128,
          "the backlog (128) bounds the connections kept: %s" % d)
    check(d["syncookies_ok"] == 1 and d["syncookies_failed"] == 0,
          "the real client came back with a good cookie, nobody with a bad one: %s" % d)
    check(d["drop_syn_backlog"] == 0 and d["drop_nomem"] == 0, "nothing dropped: %s" % d)
    y.stop_clean()


SOCK_CLIENT = r"""
import hashlib, os, socket, struct, sys, threading
dst, port = sys.argv[1], int(sys.argv[2])
def echo(n, sha=True):
    s = socket.create_connection((dst, port), timeout=10)
    data = os.urandom(n)
    got = bytearray()
    def reader():
        while len(got) < len(data):
            b = s.recv(1 << 16)
            if not b:
                break
            got.extend(b)
    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data)
    t.join(60)
    assert bytes(got) == data, "echo: %d of %d bytes back" % (len(got), n)
    s.shutdown(socket.SHUT_WR)
    assert s.recv(1) == b"", "the socket echo closes after our FIN"
    s.close()
# 2 MB through one connection, then 20 connections at once of 64 KB each.
echo(2 << 20)
ts = [threading.Thread(target=echo, args=(64 << 10,)) for _ in range(20)]
for t in ts:
    t.start()
for t in ts:
    t.join(90)
# A client that resets with data in flight (SO_LINGER 0): yard's sends then fail with
# EPIPE and its reads with ECONNRESET; the service must go on serving.
for _ in range(5):
    s = socket.create_connection((dst, port), timeout=10)
    s.sendall(os.urandom(256 << 10))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
echo(1000)
# UDP on the same port: datagrams of 1 to 8000 bytes (fragmented both ways).
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
for n in (1, 100, 1472, 8000):
    d = os.urandom(n)
    u.sendto(d, (dst, port))
    r, a = u.recvfrom(70000)
    assert r == d and a == (dst, port), "udp echo of %d bytes" % n
print("ok")
"""


def case_sockets(c):
    """
    The socket echo ([services] sock_echo = 7007; the sockets API, sockmod above timod) next
    to the XTI services on one yard: nc and socat over TCP and UDP, 2 MB echoed intact, 20
    connections at once, clients that reset mid-transfer, UDP up to 8000 bytes; a connect to
    a closed port is refused (RST).
    """
    # the memcached listener (a socket too) off, so the only sockets are sock_echo's
    base = open(c.source_config("default.ini")).read().replace("memcached = 11211\n", "")
    y = c.yard(c.config(base + "sock_echo = 7007\n"))
    c.tap_up()
    c.expect_ping(count=2)
    p = run(["sh", "-c", "printf 'hello sockets\\n' | nc -N -w3 %s 7007" % YARD_ADDR],
            ns=c.ns, ok=False, timeout=20)
    check(p.stdout == "hello sockets\n", "nc over TCP: %r %r" % (p.stdout, p.stderr))
    p = run(["sh", "-c", "echo via socat | socat -t3 - TCP:%s:7007" % YARD_ADDR], ns=c.ns,
            ok=False, timeout=20)
    check(p.returncode == 0 and p.stdout == "via socat\n", "socat TCP: %r %r" %
          (p.stdout, p.stderr))
    data = bytes((i * 13 + 5) % 251 for i in range(1 << 20))
    src = os.path.join(c.workdir, "mb")
    with open(src, "wb") as f:
        f.write(data)
    p = subprocess.run(["ip", "netns", "exec", c.ns, "socat", "-t", "5", "-",
                        "TCP:%s:7007" % YARD_ADDR], stdin=open(src, "rb"), capture_output=True,
                       timeout=60)
    check(p.returncode == 0 and p.stdout == data, "socat 1 MB over TCP: exit %d, %d bytes, "
          "intact %s: %r" % (p.returncode, len(p.stdout), p.stdout == data, p.stderr))
    p = run(["sh", "-c", "echo hi | nc -u -w1 %s 7007" % YARD_ADDR], ns=c.ns, ok=False,
            timeout=20)
    check(p.stdout == "hi\n", "nc -u: %r %r" % (p.stdout, p.stderr))
    p = run(["sh", "-c", "echo hello udp | socat -t1 - UDP:%s:7007" % YARD_ADDR], ns=c.ns,
            ok=False, timeout=20)
    check(p.returncode == 0 and p.stdout == "hello udp\n", "socat UDP: %r %r" %
          (p.stdout, p.stderr))
    p = run(["sh", "-c", "echo x | nc -N -w3 %s 7008" % YARD_ADDR], ns=c.ns, ok=False,
            timeout=20)
    check(p.returncode != 0 and p.stdout == "", "nc to a closed port is refused: %r %r" %
          (p.stdout, p.stderr))
    s0 = y.get("/yard/sockets")
    p = run(["/usr/bin/python3", "-c", SOCK_CLIENT, YARD_ADDR, "7007"], ns=c.ns, ok=False,
            timeout=150)
    check(p.returncode == 0 and p.stdout.strip() == "ok",
          "socket client: %s%s" % (p.stdout, p.stderr))
    # 27 connections, 5 of them reset by the client; every one closed in the end.
    deadline = time.monotonic() + 10
    while True:
        s1 = y.get("/yard/sockets")
        echo = delta(s0["sock_echo"], s1["sock_echo"])
        mod = delta(s0["sockmod"], s1["sockmod"])
        if echo["closed"] >= 27 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(echo["accepted"] == 27 and echo["closed"] == 27 and echo["refused"] == 0 and
          echo["datagrams"] == 4 and echo["dgram_drops"] == 0,
          "sock_echo counters: %s" % echo)
    check(mod["conn_reset"] == 5, "sockmod saw the 5 resets: %s" % mod)
    log("sockets: %s; sockmod: %s" % ({k: v for k, v in echo.items() if v},
                                        {k: v for k, v in mod.items() if v}))
    # The socket endpoints are tcp and udp streams with sockmod pushed above timod.
    st = y.get("/yard/streams")
    socks = [v for k, v in st.items() if k.startswith("stream") and
             v["queues"][1:3] == ["sockmod", "timod"]]
    check(sorted(s["driver"] for s in socks) == ["tcp", "udp"],
          "the listener and the UDP socket have sockmod over timod: %s" % st)
    y.stop_clean()


def case_telemetry(c):
    """dpdk-telemetry.py reads every /yard command; the answers hold what they should."""
    tool = shutil.which("dpdk-telemetry.py")
    check(tool is not None, "dpdk-telemetry.py not found (Debian package dpdk)")
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=3)
    cmds = ["/", "/yard/info", "/yard/lcores", "/yard/ports", "/yard/arp", "/yard/ip",
            "/yard/icmp", "/yard/streams", "/yard/mempool", "/yard/ip,0", "/yard/arp,0,0"]
    p = subprocess.run([tool, "-f", c.prefix + ""], input="\n".join(cmds) + "\n",
                       capture_output=True, text=True, timeout=30)
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    check(len(lines) == len(cmds), "dpdk-telemetry.py answered %d of %d commands:\n%s%s" %
          (len(lines), len(cmds), p.stdout, p.stderr))
    # One answer a line, in order, keyed by the command without its parameters.
    ans = {}
    for cmd, line in zip(cmds, lines):
        reply = json.loads(line)
        check(cmd.split(",")[0] in reply, "%s answered %s" % (cmd, line[:200]))
        ans[cmd] = reply[cmd.split(",")[0]]
    for cmd in cmds[1:9]:
        check(cmd in ans["/"], "%s is not registered: %s" % (cmd, ans["/"]))
    check(ans["/yard/info"]["state"] == "running", "info: %s" % ans["/yard/info"])
    # What its log said about hugepages; pools packed exactly without them in IOVA-as-VA mode.
    info = ans["/yard/info"]
    huge = "yard: using hugepages" in y.log()
    check(info["hugepages"] == int(huge) and info["iova"] in ("va", "pa") and
          info["pools_packed"] == int(not huge and info["iova"] == "va"), "info: %s" % info)
    check(ans["/yard/lcores"]["lcore0"]["loops"] > 0, "lcores: %s" % ans["/yard/lcores"])
    p0 = ans["/yard/ports"]["port0"]
    check(p0["driver"] == "net_tap" and p0["ipackets"] > 0 and p0["q0"]["rx_pkts"] > 0,
          "ports: %s" % p0)
    check(ans["/yard/icmp"]["all"]["tx_echo_replies"] >= 3, "icmp: %s" % ans["/yard/icmp"])
    check(ans["/yard/icmp"]["lcore0"]["tx_echo_replies"] >= 3, "icmp per lcore")
    check(ans["/yard/ip"]["all"]["rx_packets"] >= 3 and "lcore0" in ans["/yard/ip"],
          "ip: %s" % ans["/yard/ip"])
    check(ans["/yard/arp"]["all"]["rx_requests_for_us"] >= 1, "arp: %s" % ans["/yard/arp"])
    check(ans["/yard/ip,0"]["rx_packets"] >= 3, "ip,0: %s" % ans["/yard/ip,0"])
    st = ans["/yard/streams"]
    # ip control, one link; udp and tcp control streams, each over an ip upper stream; one
    # endpoint per service (udp echo, discard, sockperf; tcp echo, discard, http); the
    # memcached listener, a socket (sockmod over timod).
    streams = [v for k, v in st.items() if k.startswith("stream")]
    check(st["count"] == len(streams) == 13, "thirteen streams: %s" % st)
    msvc = [s for s in streams
            if s["driver"] == "tcp" and s["queues"][1:3] == ["sockmod", "timod"]]
    check(len(msvc) == 1, "the memcached listener, a socket: %s" % st)
    udpctl = [s for s in streams if s["name"] == "udp-ctl"]
    ipudp = [s for s in streams if s["name"] == "ip-udp"]
    check(len(udpctl) == 1 and len(ipudp) == 1 and ipudp[0]["linked_under"] == "udp-ctl",
          "udp over ip: %s" % st)
    svc = [s for s in streams if s["driver"] == "udp" and s["queues"][1:2] == ["timod"]]
    check(len(svc) == 3, "udp echo, discard and sockperf endpoints with timod: %s" % st)
    tsvc = [s for s in streams if s["driver"] == "tcp" and s["queues"][1:2] == ["timod"]]
    check(len(tsvc) == 3, "tcp echo, discard and http listeners with timod: %s" % st)
    link = [s for s in streams if s["name"] == "port0/q0"]
    ipst = [s for s in streams if s["name"] == "ip/lcore0"]
    check(len(link) == 1 and len(ipst) == 1, "streams: %s" % st)
    check(link[0]["linked"] == "yes" and link[0]["linked_under"] == "ip/lcore0",
          "the link is under ip: %s" % link[0])
    check(link[0]["queues"] == ["ip", "arp", "pmd"],
          "the link's queues, from the top: %s" % link[0]["queues"])
    mp = ans["/yard/mempool"]
    check("msgs_in_use" in mp and len(mp["pools"]) >= 3, "mempool: %s" % mp)
    y.stop_clean()


MC_CLIENT = r"""
import socket, sys, time
dst = sys.argv[1]
def conn():
    s = socket.create_connection((dst, 11211), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
def rq(s, req, end):
    s.sendall(req)
    buf = b""
    while not buf.endswith(end):
        d = s.recv(1 << 16)
        if not d:
            raise SystemExit("closed early after %r" % buf[-200:])
        buf += d
    return buf
def expect(s, req, want):
    s.sendall(req)
    got = b""
    while len(got) < len(want):
        d = s.recv(1 << 16)
        if not d:
            raise SystemExit("closed early after %r" % got[-200:])
        got += d
    if got != want:
        raise SystemExit("%r answered %r, expected %r" % (req[:80], got[:300], want[:300]))
s = conn()
expect(s, b"version\r\n", b"VERSION 1.6.21-yard\r\n")
expect(s, b"set k 7 0 5\r\nhello\r\n", b"STORED\r\n")
expect(s, b"get k nope\r\n", b"VALUE k 7 5\r\nhello\r\nEND\r\n")
line = rq(s, b"gets k\r\n", b"END\r\n").split(b"\r\n")[0].split()
cas = int(line[4])
expect(s, b"cas k 0 0 3 %d\r\nnew\r\n" % cas, b"STORED\r\n")
expect(s, b"cas k 0 0 3 %d\r\nold\r\n" % cas, b"EXISTS\r\n")
expect(s, b"set n 0 0 20\r\n18446744073709551615\r\n", b"STORED\r\n")
expect(s, b"incr n 2\r\n", b"1\r\n")
expect(s, b"decr n 5\r\n", b"0\r\n")
expect(s, b"incr k 1\r\n", b"CLIENT_ERROR cannot increment or decrement non-numeric value\r\n")
expect(s, b"delete k\r\n", b"DELETED\r\n")
expect(s, b"bogus\r\n", b"ERROR\r\n")
# 1000 sets pipelined in one send, answered in order
expect(s, b"".join(b"set p%d 0 0 4\r\nabcd\r\n" % i for i in range(1000)), b"STORED\r\n" * 1000)
# a 512 KiB value, sent and read back whole
big = bytes(range(256)) * 2048
expect(s, b"set big 0 0 %d\r\n%s\r\n" % (len(big), big), b"STORED\r\n")
expect(s, b"get big\r\n", b"VALUE big 0 %d\r\n%s\r\nEND\r\n" % (len(big), big))
# past the 4 MiB limit: 64 values of 100 KiB evict the least recently used
v = b"x" * 100000
expect(s, b"".join(b"set e%d 0 0 %d\r\n%s\r\n" % (i, len(v), v) for i in range(64)),
       b"STORED\r\n" * 64)
st = dict(l.split()[1:3] for l in rq(s, b"stats\r\n", b"END\r\n").decode().split("\r\n")
          if l.startswith("STAT "))
ev, maxb, nbytes = int(st["evictions"]), int(st["limit_maxbytes"]), int(st["bytes"])
if ev == 0 or maxb != 4 << 20 or nbytes > maxb:
    raise SystemExit("stats after filling: evictions %d limit %d bytes %d" % (ev, maxb, nbytes))
expect(s, b"get p0\r\n", b"END\r\n")
expect(s, b"get e63\r\n", b"VALUE e63 0 %d\r\n%s\r\nEND\r\n" % (len(v), v))
# a 1 MB value asked 3 times at once and read at once: 3 MB of answers meet flow control
# (EAGAIN, EPOLLOUT) and pause the reading; every answer arrives whole, in order
m = bytes(range(256)) * 3906
expect(s, b"set m 5 0 %d\r\n%s\r\n" % (len(m), m), b"STORED\r\n")
expect(s, b"get m\r\n" * 3, b"VALUE m 5 %d\r\n%s\r\nEND\r\n" % (len(m), m) * 3)
# a 100 000-byte value asked 60 times in one pipelined send: 6 MB of answers, each write
# several answers long, far beyond the send buffer; every byte yard_send() took must arrive
# (this once lost the answers queued behind a full send buffer and stalled for ever)
g = (bytes(range(256)) * 391)[:100000]
expect(s, b"set g 0 0 %d\r\n%s\r\n" % (len(g), g), b"STORED\r\n")
want = b"VALUE g 0 %d\r\n%s\r\nEND\r\n" % (len(g), g)
s.sendall(b"get g\r\n" * 60)
got = b""
try:
    while len(got) < len(want) * 60:
        d = s.recv(1 << 16)
        if not d:
            break
        got += d
except socket.timeout:
    pass
if got != want * 60:
    raise SystemExit("60 pipelined gets of 100000 bytes: %d of %d bytes, %d whole answers"
                     % (len(got), len(want) * 60, len(got) // len(want)))
s.sendall(b"quit\r\n")
if s.recv(16) != b"":
    raise SystemExit("quit did not close")
print("ok evictions=%d curr_items=%s bytes=%d" % (ev, st["curr_items"], nbytes))
"""


def case_memcached(c):
    """
    The memcached service on 11211: memccapable -a (every text-protocol test) over net_tap,
    then a Python client: set/get/gets/cas/incr/decr/delete, 1000 pipelined sets, a 512 KiB
    value, 6 MB into a 4 MiB table, whose evictions show in stats and telemetry, 3 MB of
    answers at once, which meet flow control (send_waits), and 60 pipelined gets of a
    100 000-byte value (6 MB of answers in batches past MC_OUT_HIWAT), every byte intact.
    """
    with open(c.source_config("default.ini")) as f:
        text = f.read()
    check("memory = 64M" in text, "default.ini has no [memcached] memory = 64M")
    y = c.yard(c.config(text.replace("memory = 64M", "memory = 4M")))
    c.tap_up()
    c.expect_ping(count=2)
    tool = shutil.which("memccapable") or shutil.which("memcapable")
    check(tool is not None, "memccapable missing: scripts/setup.sh installs libmemcached-tools")
    p = run([tool, "-h", YARD_ADDR, "-p", "11211", "-a", "-t", "10", "-v"], ns=c.ns, ok=False,
            timeout=120)
    passed = len(re.findall(r"^ascii .*\[pass\]", p.stdout, re.M))
    check(p.returncode == 0 and "All tests passed" in p.stdout and passed == 27,
          "memccapable -a: %d of 27 passed\n%s%s" % (passed, p.stdout, p.stderr))
    log("memccapable -a: %d of 27 ascii tests passed" % passed)
    p = run(["/usr/bin/python3", "-c", MC_CLIENT, YARD_ADDR], ns=c.ns, ok=False, timeout=120)
    check(p.returncode == 0 and p.stdout.startswith("ok"),
          "memcached client: %s%s" % (p.stdout, p.stderr))
    log("client: " + p.stdout.strip())
    deadline = time.monotonic() + 10
    while True:
        t = y.get("/yard/memcached")
        if t["connections"] == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    check(t["evictions"] > 0 and t["commands"] > 1000 and t["hits"] > 0 and t["misses"] > 0
          and t["accepted"] >= 2 and t["connections"] == 0 and t["closed_quit"] >= 2
          and t["send_waits"] > 0,
          "/yard/memcached: %s" % t)
    log("/yard/memcached: " + ", ".join("%s %s" % (k, t[k]) for k in
        ("commands", "hits", "misses", "evictions", "items", "bytes", "accepted",
         "send_waits", "input_paused")))
    y.stop_clean()


def case_link_flap(c):
    """
    The kernel side of the tap goes down for 2 s in the middle of an HTTP transfer and comes
    back: the transfer completes intact (TCP resends what the dead link lost), and yard does
    not hammer the dead tap: net_tap fails every write while its interface is down, and the
    pmd's flush pauses (1 us doubling to 1 ms, tx_backoffs) instead of failing a system call
    at every pass of its loop (the port counted 14.8 million output errors in 3 s without).
    """
    size = 200000000
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    want = pattern_sha256(size)
    curl = subprocess.Popen(["ip", "netns", "exec", c.ns, "bash", "-c",
                             "curl -sS --limit-rate 20M --max-time 60 http://%s/%d | sha256sum"
                             % (YARD_ADDR, size)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    c.procs.append(curl)
    time.sleep(2)
    before = y.get("/yard/ports,0")
    run(["ip", "-n", c.ns, "link", "set", "yard0", "down"])
    time.sleep(2)
    run(["ip", "-n", c.ns, "link", "set", "yard0", "up"])
    out, err = curl.communicate(timeout=120)
    check(curl.returncode == 0 and out.split()[0] == want,
          "GET %d across the link flap: %s%s" % (size, out, err))
    after = y.get("/yard/ports,0")
    q = after.get("q0", {})
    oerr = after["oerrors"] - before["oerrors"]
    log("across the flap: oerrors %d, tx_backoffs %s, tcp %s" % (
        oerr, q.get("tx_backoffs"), {k: v for k, v in counters(y, "tcp").items()
                                     if v and ("rexmt" in k or "rto" in k)}))
    check(q.get("tx_backoffs", 0) > 0, "the flush never paused: %s" % q)
    # ~1000 offers a second for 2 s, each failing at most a staging array (64 frames)
    check(oerr < 200000, "%d output errors in 2 s of a dead link: the tap was hammered" % oerr)
    y.stop_clean()


# The PMTU case's client side: a subnet behind the kernel, on a narrower link than the tap.
PMTU_NET, PMTU_MTU = "198.19.0", 1280


def pmtu_router(c):
    """
    The kernel side of the tap made a router: a namespace of its own (returned) behind it on a
    PMTU_MTU-byte veth link (its own end 1500, so it offers an MSS of 1460).
    """
    cl = c.netns("-c")
    run(["ip", "-n", c.ns, "link", "add", "ytrtr", "type", "veth", "peer", "name", "ytcli",
         "netns", cl])
    run(["ip", "-n", c.ns, "link", "set", "ytrtr", "mtu", str(PMTU_MTU)])
    run(["ip", "-n", c.ns, "addr", "add", PMTU_NET + ".1/24", "dev", "ytrtr"])
    run(["ip", "-n", c.ns, "link", "set", "ytrtr", "up"])
    run(["ip", "-n", cl, "addr", "add", PMTU_NET + ".2/24", "dev", "ytcli"])
    run(["ip", "-n", cl, "link", "set", "ytcli", "up"])
    run(["ip", "-n", cl, "route", "add", "default", "via", PMTU_NET + ".1"])
    run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], ns=c.ns)
    return cl


def pmtu_config(c, name, cbytes, clients, extra=""):
    """Config name routed through the router, with a source client to PMTU_NET.2:5001."""
    base = open(c.source_config(name)).read()
    return base.replace("address = %s/24\n" % YARD_ADDR,
                        "address = %s/24\ngateway = %s\n" % (YARD_ADDR, KERNEL_ADDR)) + """
[client.src]
type = source
connect = %s.2:5001
bytes = %d
conns = %d
delay = 1s
""" % (PMTU_NET, cbytes, clients) + extra


def case_pmtu_blackhole(c):
    """
    A path MTU black hole: the Linux router of pmtu_two_queues drops every "fragmentation
    needed" it would send (nftables), so yard's full-size segments vanish without a word.
    curl's GETs of 200 kB and yard's source client to a kernel server behind the link must
    still complete intact: after two timeouts in a row each connection falls to the black hole
    MSS (1200: 1252-byte datagrams with timestamps pass the 1280-byte link), pmtu_blackhole,
    and no ICMP report ever arrives (pmtu_lowered 0). With [tcp] blackhole_mss = 0 a GET
    stalls: the detection is what makes it through.
    """
    size, cbytes, clients = 200000, 1 << 20, 2
    cl = pmtu_router(c)
    run(["nft", "add table ip ytbh; add chain ip ytbh out { type filter hook output "
         "priority 0; }; add rule ip ytbh out icmp type destination-unreachable "
         "icmp code frag-needed drop"], ns=c.ns)
    srv = kernel_servers(c, ns=cl)
    want = pattern_sha256(size)
    y = c.yard(c.config(pmtu_config(c, "default.ini", cbytes, clients)))
    c.tap_up()
    expect_source_hashed(y, srv, "src", clients, cbytes, 90)
    for i in range(3):
        p = run(["bash", "-c", "curl -sS --max-time 30 http://%s/%d | sha256sum" %
                 (YARD_ADDR, size)], ns=cl, timeout=60, ok=False)
        check(p.returncode == 0 and p.stdout.split()[0] == want,
              "GET %d through the black hole (connection %d): %s%s\ntcp: %s" %
              (size, i, p.stdout, p.stderr, counters(y, "tcp")))
    tcp = counters(y, "tcp")
    log("tcp: %s" % {k: tcp[k] for k in ("pmtu_blackhole", "pmtu_blackhole_kept",
                                          "pmtu_blackhole_undone", "pmtu_lowered",
                                          "rexmt_timeouts")})
    check(tcp["pmtu_lowered"] == 0, "an ICMP report got through: %d" % tcp["pmtu_lowered"])
    check(tcp["pmtu_blackhole"] >= 3 + clients and tcp["pmtu_blackhole_kept"] >= 3 + clients,
          "each connection fell to the black hole MSS and kept it: %s" % tcp)
    y.stop_clean()
    y = c.yard(c.config(pmtu_config(c, "default.ini", 0, 0).split("[client.src]")[0] +
                        "\n[tcp]\nblackhole_mss = 0\n", name="off.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    p = run(["bash", "-c", "curl -sS --max-time 4 http://%s/%d | sha256sum" %
             (YARD_ADDR, size)], ns=cl, timeout=30, ok=False)
    check(p.stdout.split()[0] != want,
          "without the detection the GET should stall in the black hole: %s" % p.stdout)
    tcp = counters(y, "tcp")
    check(tcp["pmtu_blackhole"] == 0 and tcp["rexmt_timeouts"] > 0,
          "blackhole_mss = 0: full size resent in vain, never lowered: %s" %
          {k: tcp[k] for k in ("pmtu_blackhole", "rexmt_timeouts")})
    y.stop_clean()


def case_pmtu_two_queues(c):
    """
    Path MTU discovery for a server on two lcores, against a Linux router: curl in a
    namespace of its own reaches yard through the kernel side of the tap, which forwards to
    it over a 1280-byte link (the client's own end is 1500, so it offers an MSS of 1460).
    yard's full-size segments draw "fragmentation needed" from the router; the kernel queues
    those ICMP messages on the tap queue of their own hash, not their connection's, so for
    the connections of the other lcore tcp relays them (icmp_relayed). The same for yard's
    own source client sending to kernel servers behind the link (active opens: the errors
    about another lcore's follow its software steering, rx_steered). Every transfer must
    complete intact, each connection having lowered its MSS (pmtu_lowered).
    """
    if (os.cpu_count() or 1) < 2:
        raise Failure("pmtu_two_queues needs 2 CPUs")
    conns, size, clients, cbytes = 12, 200000, 8, 1 << 20
    cl = pmtu_router(c)
    # every "fragmentation needed" sent: the kernel's per-destination limit would pace them
    # at one a second and the case would measure the limit
    run(["sysctl", "-qw", "net.ipv4.icmp_ratelimit=0"], ns=c.ns)
    srv = kernel_servers(c, ns=cl)
    y = c.yard(c.config(pmtu_config(c, "two-queues.ini", cbytes, clients)))
    c.tap_up()
    expect_source_hashed(y, srv, "src", clients, cbytes, 90)
    want = pattern_sha256(size)  # GET /N: N bytes of "abc...z" repeated
    for i in range(conns):
        p = run(["bash", "-c", "curl -sS --max-time 30 http://%s/%d | sha256sum" %
                 (YARD_ADDR, size)], ns=cl, timeout=60, ok=False)
        check(p.returncode == 0 and p.stdout.split()[0] == want,
              "GET %d through the 1280-byte link (connection %d): %s%s\ntcp: %s" %
              (size, i, p.stdout, p.stderr, y.get("/yard/tcp,per_lcore")))
    tcp = y.get("/yard/tcp,per_lcore")
    keys = ("passive_opens", "active_opens", "icmp_rx", "icmp_relayed", "icmp_relay_rx",
            "rx_steered", "pmtu_lowered", "pmtu_ignored", "icmp_no_conn")
    per = {l: {k: v[k] for k in keys} for l, v in tcp.items() if l.startswith("lcore")}
    log("tcp per lcore: %s" % per)
    opens = [per[l]["passive_opens"] for l in sorted(per)]
    lowered = sum(v["pmtu_lowered"] for v in per.values())
    check(lowered == conns + clients, "%d connections, %d lowered their MSS" %
          (conns + clients, lowered))
    relayed = sum(v["icmp_relayed"] for v in per.values())
    arrived = sum(v["icmp_relay_rx"] for v in per.values())
    check(relayed == arrived, "%d ICMP errors relayed, %d arrived" % (relayed, arrived))
    if min(opens) > 0:
        # the router's errors share one hash, so one lcore gets them all: the other's
        # connections lowered their MSS on relayed copies
        check(relayed > 0, "connections on both lcores %s, yet no ICMP error relayed" % opens)
    else:
        log("every connection reached one lcore: nothing to relay this time")
    y.stop_clean()


CASES = {
    "ping": case_ping,
    "flood": case_flood,
    "arping": case_arping,
    "arp_ageing": case_arp_ageing,
    "arp_defend": case_arp_defend,
    "arp_probe": case_arp_probe,
    "loopback_clients": case_loopback_clients,
    "malformed": case_malformed,
    "af_packet": case_af_packet,
    "two_queues": case_two_queues,
    "pmtu_two_queues": case_pmtu_two_queues,
    "pmtu_blackhole": case_pmtu_blackhole,
    "link_flap": case_link_flap,
    "config_errors": case_config_errors,
    "sigterm": case_sigterm,
    "telemetry": case_telemetry,
    "udp_echo": case_udp_echo,
    "hugepages": case_hugepages,
    "udp_tools": case_udp_tools,
    "udp_capture": case_udp_capture,
    "udp_unreachable": case_udp_unreachable,
    "udp_malformed": case_udp_malformed,
    "udp_multicast": case_udp_multicast,
    "udp_ssm": case_udp_ssm,
    "udp_mcast_source": case_udp_mcast_source,
    "udp_sockperf": case_udp_sockperf,
    "tcp_services": case_tcp_services,
    "tcp_client": case_tcp_client,
    "tcp_client_two_queues": case_tcp_client_two_queues,
    "tcp_crr": case_tcp_crr,
    "udp_client_two_queues": case_udp_client_two_queues,
    "tcp_bulk": case_tcp_bulk,
    "tcp_synflood": case_tcp_synflood,
    "sockets": case_sockets,
    "memcached": case_memcached,
}


# ---- malformed frames (run inside the namespace) ------------------------------------------

def inject(iface, dst_mac, src_mac):
    """
    Read "KIND N" lines on stdin; for each, send N frames of that malformed kind from the
    kernel side of iface and answer "sent KIND". Ends at end of input.
    """
    from scapy.all import conf
    conf.verb = 0
    for line in sys.stdin:
        kind, n = line.split()
        if kind != "nothing":
            inject_kind(iface, dst_mac, src_mac, kind, int(n))
        print("sent " + kind, flush=True)


def inject_kind(iface, dst_mac, src_mac, kind, count):
    """Send count frames of one malformed kind."""
    from scapy.all import ARP, Dot1Q, Ether, ICMP, IP, IPOption, Raw, sendp
    us, peer = KERNEL_ADDR, YARD_ADDR
    eth = Ether(dst=dst_mac, src=src_mac)
    echo = ICMP(type=8, id=0x7977, seq=1) / Raw(b"x" * 32)

    def raw_ip(pkt):
        return bytes(pkt)

    frames = []
    for i in range(count):
        ident = 0x5900 + i
        if kind == "bad_ip_checksum":
            frames.append(eth / IP(src=us, dst=peer, id=ident, chksum=0x1234) / echo)
        elif kind == "short_ihl":
            frames.append(eth / IP(src=us, dst=peer, id=ident, ihl=4) / echo)
        elif kind == "bad_total_length":
            frames.append(eth / IP(src=us, dst=peer, id=ident, len=1200) / echo)
        elif kind == "truncated_ip_header":
            frames.append(Ether(dst=dst_mac, src=src_mac, type=0x0800) /
                          Raw(raw_ip(IP(src=us, dst=peer, id=ident) / echo)[:12]))
        elif kind == "bad_version":
            frames.append(eth / IP(src=us, dst=peer, id=ident, version=6) / echo)
        elif kind == "ttl_zero":
            frames.append(eth / IP(src=us, dst=peer, id=ident, ttl=0) / echo)
        elif kind == "bad_option":
            # A timestamp option claiming 40 bytes in an 8-byte option area.
            frames.append(eth / IP(src=us, dst=peer, id=ident,
                                   options=[IPOption(b"\x44\x28\x05\x00\x00\x00\x00\x00")]) /
                          echo)
        elif kind == "bad_source":
            frames.append(eth / IP(src="224.0.0.9", dst=peer, id=ident) / echo)
        elif kind == "not_for_us":
            frames.append(eth / IP(src=us, dst="198.18.0.77", id=ident) / echo)
        elif kind == "tiny_fragment":
            frames.append(eth / IP(src=us, dst=peer, id=ident, proto=1, flags="MF", frag=1) /
                          Raw(b"y" * 16))
        elif kind == "misaligned_fragment":
            # Not the last, and 101 bytes: the next fragment could not start on an 8-byte unit.
            frames.append(eth / IP(src=us, dst=peer, id=ident, proto=1, flags="MF", frag=0) /
                          Raw(b"y" * 101))
        elif kind == "overlapping_fragments":
            # 0..128 and 64..192 overlap; 192..256 ends the datagram. Non-last fragments are
            # 128 bytes, above ip's tiny-fragment floor (64), so only the overlap is wrong.
            body = bytes(range(256))
            frames.append(eth / IP(src=us, dst=peer, id=ident, proto=1, flags="MF", frag=0) /
                          Raw(body[0:128]))
            frames.append(eth / IP(src=us, dst=peer, id=ident, proto=1, flags="MF", frag=8) /
                          Raw(body[64:192]))
            frames.append(eth / IP(src=us, dst=peer, id=ident, proto=1, frag=24) /
                          Raw(body[192:256]))
        elif kind == "bad_icmp_checksum":
            frames.append(eth / IP(src=us, dst=peer, id=ident) /
                          ICMP(type=8, id=0x7977, seq=i, chksum=0x4321) / Raw(b"z" * 32))
        elif kind == "bad_arp_hw":
            frames.append(Ether(dst="ff:ff:ff:ff:ff:ff", src=src_mac) /
                          ARP(hwtype=6, op=1, hwsrc=src_mac, psrc=us, pdst=peer))
        elif kind == "bad_arp_len":
            frames.append(Ether(dst="ff:ff:ff:ff:ff:ff", src=src_mac) /
                          ARP(hwlen=8, op=1, hwsrc=src_mac, psrc=us, pdst=peer))
        elif kind == "bad_arp_op":
            frames.append(Ether(dst="ff:ff:ff:ff:ff:ff", src=src_mac) /
                          ARP(op=9, hwsrc=src_mac, psrc=us, pdst=peer))
        elif kind == "truncated_arp":
            arp = bytes(ARP(op=1, hwsrc=src_mac, psrc=us, pdst=peer))
            frames.append(Ether(dst="ff:ff:ff:ff:ff:ff", src=src_mac, type=0x0806) /
                          Raw(arp[:20]))
        elif kind == "vlan":
            frames.append(eth / Dot1Q(vlan=7) / IP(src=us, dst=peer, id=ident) / echo)
        else:
            raise SystemExit("unknown frame kind " + kind)
    sendp(frames, iface=iface)


def plain_main(doc, cases, binaries=("yard",)):
    """
    main() of a script whose cases take only the paths of binaries (--yard, ...) and --source:
    parse them, skip unless root, run the case.
    """
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    for b in binaries:
        ap.add_argument("--" + b, required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("case", choices=sorted(cases))
    args = ap.parse_args()
    for name in binaries + ("source",):
        setattr(args, name, os.path.abspath(getattr(args, name)))
    if os.geteuid() != 0:
        print("# SKIP: integration tests need root (namespaces, taps)")
        return SKIP
    return run_case(args, cases)


def run_case(args, cases):
    """
    Run cases[args.case] in a Case (namespaces, taps, yard: all cleaned up however it ends)
    and print its TAP-ish verdict; the exit status for meson: 0 passed, 1 failed.
    """
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    start = time.monotonic()
    try:
        with Case(args, args.case) as c:
            cases[args.case](c)
    except Failure as e:
        print("# FAIL %s: %s" % (args.case, e))
        return 1
    except Stop as e:
        print("# FAIL %s: stopped by %s (cleaned up)" % (args.case, e))
        return 1
    except Skipped as e:
        print("# SKIP %s: %s" % (args.case, e))
        return SKIP
    except Exception:
        import traceback
        traceback.print_exc(file=sys.stdout)
        print("# FAIL %s: the test itself broke (cleaned up)" % args.case)
        return 1
    print("# PASS %s (%.1fs)" % (args.case, time.monotonic() - start))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--yard", help="the yard binary")
    ap.add_argument("--source", help="the source tree (for config/)")
    ap.add_argument("--inject", nargs=3, metavar=("IFACE", "DST_MAC", "SRC_MAC"))
    ap.add_argument("--bulk", type=int, default=128 << 20,
                    help="bytes each way in tcp_bulk (default 128 MiB; 1073741824 for 1 GiB)")
    ap.add_argument("case", nargs="?", choices=sorted(CASES))
    args = ap.parse_args()

    if args.inject:
        inject(*args.inject)
        return 0
    if not args.case or not args.yard or not args.source:
        ap.error("give --yard, --source and a case")
    args.yard = os.path.abspath(args.yard)
    args.source = os.path.abspath(args.source)
    if os.geteuid() != 0:
        print("# SKIP: integration tests need root (namespaces, taps, raw sockets)")
        return SKIP
    missing = [t for t in ("ip", "ping", "arping") if shutil.which(t) is None]
    if args.case == "malformed":
        try:
            import scapy  # noqa: F401
        except ImportError:
            missing.append("python3-scapy (for %s)" % sys.executable)
    if missing:
        print("# FAIL: missing %s; scripts/setup.sh installs them" % ", ".join(missing))
        return 1
    return run_case(args, CASES)


if __name__ == "__main__":
    sys.exit(main())
