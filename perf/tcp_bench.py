#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
TCP benchmarks of yard (run by perf/tcp_bench.sh; root: namespaces and taps).

  (a) yard <-> yard over net_memif, no kernel on the path: two yard processes (the server on
      lcore 0 with TCP echo and discard, the client on lcore 1), a yard rr client (64 B, one
      request outstanding) against the echo service, a yard source client against discard,
      and a yard crr client (64 connections at once, each one connection after another: a
      64 B transaction and the release, the client closing first) against the echo service:
      connections per second.
  (b) yard <-> kernel over net_tap: wrk -c 1 (one request outstanding) against yard's HTTP
      GET /64 and nc sending to yard's discard; the yard rr client against a kernel echo
      server (socat) and the yard source client against nc -l.
  (s) yard talking to itself (ip's loop-back, protocols/ip/ip_loop.c): one yard on ONE lcore
      (a net_null port for its address; nothing goes down it) runs both the clients of (a)
      and the services they use, connect = its own address: both ends of every connection,
      both TCP stacks' work, on one core.
  (c) the reference, in the same run: the kernel against itself over lo in a namespace,
      sockperf ping-pong --tcp (64 B), iperf3, and perf/crr_ref.c's client and echo server
      doing what (a)'s crr client and echo service do (yard-crr-ref, built with yard).

For crr both sides get the same settings: ephemeral ports 1024-65535 and at most 4096
connections held in TIME-WAIT (yard: [tcp] ephemeral_ports, max_timewait; the kernel's
namespace: ip_local_port_range, tcp_max_tw_buckets, and tcp_tw_reuse = 1 as yard's default),
since a client closing first tens of thousands of connections a second to one server would
otherwise run out of 4-tuples within a second (docs/tcp.md, "Active opens and TIME-WAIT").

Each measurement runs RUNS times for SECS seconds; one "RUN" line per run and one "RESULT"
line per measurement (the median) are printed. For yard: transactions/s or Gbit/s per lcore
(each yard runs on one lcore) and the cycles per segment of each yard, i.e. the busy cycles
of its lcore (/yard/lcores) over the segments it sent and received (/yard/tcp), both taken
over the same interval. When (a) and (c) both ran, a last "RESULT bench=tcp_ratio" line gives
yard's memif medians over the kernel's lo medians from this invocation (rr over sockperf
ping-pong, source over iperf3, crr over yard-crr-ref).

With (s) and (c), "RESULT bench=tcp_self_ratio" gives yard's self medians (one lcore) over
the kernel's lo medians (its client and server processes, on the two cores).

    tcp_bench.py YARD_BINARY [--runs N] [--secs S] [--size B] [--only memif,tap,lo,self]
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

DPDK_RUN = "/var/run/dpdk"
TAG = "tb%d" % os.getpid()


def tel(prefix, cmd):
    path = os.path.join(DPDK_RUN, prefix, "dpdk_telemetry.v2")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    json.loads(s.recv(16384).decode())
    s.send(cmd.encode())
    ans = json.loads(s.recv(1 << 20).decode())
    s.close()
    return ans[cmd.split(",")[0]]


class Yard:
    def __init__(self, binary, work, name, ini, ns=None):
        self.prefix = "%s-%s" % (TAG, name)
        self.ini = os.path.join(work, name + ".ini")
        self.logpath = os.path.join(work, name + ".log")
        with open(self.ini, "w") as f:
            f.write(ini.replace("@PREFIX@", self.prefix))
        cmd = [binary, "--config", self.ini]
        if ns:
            cmd = ["ip", "netns", "exec", ns] + cmd
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        # the telemetry socket comes with EAL, before the stacks: wait for the log line
        while "yard: running on" not in self.text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit("tcp_bench: yard %s did not start:\n%s" % (name, self.text()))
            time.sleep(0.1)

    def text(self):
        with open(self.logpath) as f:
            return f.read()

    def snap(self):
        """busy cycles of its lcore(s) and tcp segments, now."""
        lc = tel(self.prefix, "/yard/lcores")
        t = tel(self.prefix, "/yard/tcp")
        t = t.get("all", t)
        busy = sum(v["busy_cycles"] for k, v in lc.items() if k.startswith("lcore"))
        return busy, t["rx_segs"] + t["tx_segs"], t.get("tx_rexmt_segs", 0)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(os.path.join(DPDK_RUN, self.prefix), ignore_errors=True)
        if "stopped cleanly" not in self.text():
            print("# warning: yard %s did not stop cleanly" % self.prefix, flush=True)


def cps(a, b):
    """cycles per segment between two snaps."""
    segs = b[1] - a[1]
    return (b[0] - a[0]) / segs if segs else 0.0


def wait_done(y, name, timeout):
    deadline = time.monotonic() + timeout
    d = None
    while time.monotonic() < deadline:
        d = tel(y.prefix, "/yard/tcp_clients").get(name)
        if d is None:
            sys.exit("tcp_bench: yard %s runs no client %s:\n%s" % (y.prefix, name, y.text()))
        if d["done"]:
            return d
        time.sleep(0.2)
    sys.exit("tcp_bench: client %s not done in %ss: %s" % (name, timeout, d))


CRR_CONNS = 64          # crr connections at once
CRR_PORTS = (1024, 65535)
CRR_MAX_TIMEWAIT = 4096


def client_ini(kind, server, port, secs, size):
    s = "[client.c]\ntype = %s\nconnect = %s:%d\nduration = %ds\ndelay = 2s\n" % (
        kind, server, port, secs)
    if kind in ("rr", "crr"):
        s += "size = %d\n" % size
    if kind == "crr":
        s += "conns = %d\n[tcp]\nephemeral_ports = %d-%d\nmax_timewait = %d\n" % (
            CRR_CONNS, CRR_PORTS[0], CRR_PORTS[1], CRR_MAX_TIMEWAIT)
    return s


def yard_client_run(y_client, y_server, kind, server, port, secs):
    """One client run already configured in y_client; returns (rate, client cps, server cps)."""
    a = y_client.snap()
    sa = y_server.snap() if y_server else None
    d = wait_done(y_client, "c", secs + 60)
    b = y_client.snap()
    sb = y_server.snap() if y_server else None
    el = d["elapsed_us"] / 1e6
    if kind == "crr":
        # at the deadline the connections still in SYN-SENT are given up (connect_failures)
        if (d["connect_failures"] > CRR_CONNS or d["open_failures"] or d["discons"] or
                d["rr_mismatch"] or d["connected"] != d["released"]):
            sys.exit("tcp_bench: client run failed: %s" % d)
        return d["released"] / el, cps(a, b), cps(sa, sb) if sa else 0.0, b[2] - a[2]
    if d["connected"] != 1 or d["discons"] or d["rr_mismatch"]:
        sys.exit("tcp_bench: client run failed: %s" % d)
    rate = d["transactions"] / el if kind == "rr" else d["tx_bytes"] * 8 / el / 1e9
    return rate, cps(a, b), cps(sa, sb) if sa else 0.0, b[2] - a[2]


def median(v):
    return statistics.median(v) if v else 0.0


# Medians by (bench, peer), for the ratios printed at the end (ratios()).
MEDIANS = {}


def result(bench, peer, unit, rates, cyc=None, extra=""):
    MEDIANS[(bench, peer)] = median(rates)
    line = "RESULT bench=%s peer=%s %s=%.3f" % (bench, peer, unit, median(rates))
    if cyc is not None:
        for k, v in cyc.items():
            line += " %s=%.0f" % (k, median(v))
    print(line + extra, flush=True)


# The yard clients (a) and (s) run: kind, the service's port, the unit of its rate.
YARD_CLIENTS = (("rr", 7, "transactions_per_s_per_lcore"),
                ("source", 9, "gbit_per_s_per_lcore"),
                ("crr", 7, "connections_per_s_per_lcore"))


def kind_extra(kind, a):
    """What a RESULT line of that client kind adds: its size, and crr's connections."""
    return {"rr": " size=%d" % a.size,
            "crr": " size=%d conns=%d" % (a.size, CRR_CONNS)}.get(kind, "")


# What every yard here runs with but its lcore (HEAD % lcore), then its port and the rest.
HEAD = """[yard]
lcores = %d
mbufs = 65535
log_level = info
[eal]
args = --file-prefix @PREFIX@
hugepages = off
memory = 1024
"""

MEMIF = """[port0]
dev = net_memif0,role=%s,socket=%s,id=0
address = %s/24
"""


def bench_memif(a):
    sock = os.path.join(a.work, "memif.sock")
    for kind, port, unit in YARD_CLIENTS:
        rates, ccyc, scyc = [], [], []
        for r in range(a.runs):
            srv = Yard(a.yard, a.work, "memif-srv",
                       HEAD % 0 + MEMIF % ("server", sock, "198.18.3.1") +
                       "[services]\ntcp_echo = 7\ntcp_discard = 9\n")
            cli = None
            try:
                cli = Yard(a.yard, a.work, "memif-cli",
                           HEAD % 1 + MEMIF % ("client", sock, "198.18.3.2") +
                           client_ini(kind, "198.18.3.1", port, a.secs, a.size))
                rate, cc, sc, rex = yard_client_run(cli, srv, kind, "198.18.3.1", port, a.secs)
            finally:
                if cli:
                    cli.stop()
                srv.stop()
            rates.append(rate)
            ccyc.append(cc)
            scyc.append(sc)
            print("RUN bench=tcp_%s peer=yard-memif run=%d %s=%.3f client_cycles_per_seg=%.0f "
                  "server_cycles_per_seg=%.0f client_rexmt_segs=%d" %
                  (kind, r + 1, unit, rate, cc, sc, rex), flush=True)
        result("tcp_%s" % kind, "yard-yard-memif", unit, rates,
               {"client_cycles_per_seg": ccyc, "server_cycles_per_seg": scyc},
               kind_extra(kind, a))


SELF = HEAD % 0 + """[port0]
dev = net_null0
address = 198.18.4.1/24
[services]
tcp_echo = 7
tcp_discard = 9
"""


def bench_self(a):
    """(s): the clients of (a) against the same yard's own services, one lcore for both."""
    for kind, port, unit in YARD_CLIENTS:
        rates, cyc = [], []
        for r in range(a.runs):
            y = Yard(a.yard, a.work, "self", SELF + client_ini(kind, "198.18.4.1", port,
                                                               a.secs, a.size))
            try:
                rate, cc, _, rex = yard_client_run(y, None, kind, "198.18.4.1", port, a.secs)
            finally:
                y.stop()
            rates.append(rate)
            cyc.append(cc)
            print("RUN bench=tcp_%s peer=yard-self run=%d %s=%.3f cycles_per_seg=%.0f "
                  "rexmt_segs=%d" % (kind, r + 1, unit, rate, cc, rex), flush=True)
        result("tcp_%s" % kind, "yard-self-one-lcore", unit, rates, {"cycles_per_seg": cyc},
               kind_extra(kind, a))


TAP = HEAD % 1 + """[port0]
dev = net_tap0,iface=yard0
address = 198.18.0.2/24
[services]
tcp_echo = 7
tcp_discard = 9
http = 80
"""


def ns_run(ns, cmd, timeout):
    return subprocess.run(["ip", "netns", "exec", ns] + cmd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def tap_up(ns):
    for cmd in (["addr", "add", "198.18.0.1/24", "dev", "yard0"],
                ["link", "set", "yard0", "up"]):
        subprocess.run(["ip", "-n", ns] + cmd, check=True)
    subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                    "net.ipv6.conf.yard0.disable_ipv6=1"], check=False)
    # the first ARP exchange
    ns_run(ns, ["ping", "-c", "2", "-i", "0.2", "-W", "2", "198.18.0.2"], 30)


def bench_tap(a):
    ns = TAG + "-tap"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    helpers = []
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        # kernel servers for the yard clients, on every address before the tap exists
        helpers.append(subprocess.Popen(
            ["ip", "netns", "exec", ns, "socat", "TCP-LISTEN:5002,reuseaddr,fork", "PIPE"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        # kernel clients against yard's services
        y = Yard(a.yard, a.work, "tap", TAP, ns)
        try:
            tap_up(ns)
            rates, cyc = [], []
            for r in range(a.runs):
                s0 = y.snap()
                p = ns_run(ns, ["wrk", "-c", "1", "-t", "1", "-d", "%ds" % a.secs,
                                "http://198.18.0.2/%d" % a.size], a.secs + 60)
                s1 = y.snap()
                m = re.search(r"Requests/sec:\s+([\d.]+)", p.stdout)
                if p.returncode != 0 or not m or "Non-2xx" in p.stdout or "Socket errors" in p.stdout:
                    sys.exit("tcp_bench: wrk failed:\n%s%s" % (p.stdout, p.stderr))
                rates.append(float(m.group(1)))
                cyc.append(cps(s0, s1))
                print("RUN bench=tcp_rr peer=kernel-wrk-to-yard-http run=%d "
                      "transactions_per_s_per_lcore=%s yard_cycles_per_seg=%.0f" %
                      (r + 1, m.group(1), cyc[-1]), flush=True)
            result("tcp_rr", "kernel-wrk-c1-to-yard-http", "transactions_per_s_per_lcore", rates,
                   {"yard_cycles_per_seg": cyc}, " size=%d" % a.size)
            rates, cyc = [], []
            n = a.bulk
            for r in range(a.runs):
                s0 = y.snap()
                t0 = time.monotonic()
                p = ns_run(ns, ["bash", "-c", "head -c %d /dev/zero | nc -N 198.18.0.2 9" % n],
                           600)
                el = time.monotonic() - t0
                s1 = y.snap()
                if p.returncode != 0:
                    sys.exit("tcp_bench: nc failed:\n%s%s" % (p.stdout, p.stderr))
                rates.append(n * 8 / el / 1e9)
                cyc.append(cps(s0, s1))
                print("RUN bench=tcp_bulk peer=kernel-nc-to-yard-discard run=%d bytes=%d "
                      "gbit_per_s_per_lcore=%.3f yard_cycles_per_seg=%.0f" %
                      (r + 1, n, rates[-1], cyc[-1]), flush=True)
            result("tcp_bulk", "kernel-nc-to-yard-discard", "gbit_per_s_per_lcore", rates,
                   {"yard_cycles_per_seg": cyc}, " bytes=%d" % n)
        finally:
            y.stop()
        # yard clients against kernel servers: a yard per run (clients start with yard)
        for kind, port, peer, unit in (
                ("rr", 5002, "yard-rr-to-kernel-socat-echo", "transactions_per_s_per_lcore"),
                ("source", 5001, "yard-source-to-kernel-nc", "gbit_per_s_per_lcore")):
            rates, cyc = [], []
            for r in range(a.runs):
                sink = None
                if kind == "source":
                    sink = subprocess.Popen(["ip", "netns", "exec", ns, "bash", "-c",
                                             "nc -l 5001 </dev/null >/dev/null"],
                                            start_new_session=True)
                    time.sleep(0.3)
                y = Yard(a.yard, a.work, "tapc", TAP.replace("[services]", client_ini(
                    kind, "198.18.0.1", port, a.secs, a.size) + "[services]"), ns)
                try:
                    tap_up(ns)
                    rate, cc, _, rex = yard_client_run(y, None, kind, "198.18.0.1", port, a.secs)
                finally:
                    y.stop()
                    if sink is not None:
                        try:
                            sink.wait(timeout=10)
                        except subprocess.TimeoutExpired:
                            os.killpg(sink.pid, signal.SIGKILL)
                            sink.wait()
                rates.append(rate)
                cyc.append(cc)
                print("RUN bench=tcp_%s peer=%s run=%d %s=%.3f yard_cycles_per_seg=%.0f "
                      "rexmt_segs=%d" % (kind, peer, r + 1, unit, rate, cc, rex), flush=True)
            result("tcp_%s" % kind, peer, unit, rates, {"yard_cycles_per_seg": cyc},
                   " size=%d" % a.size if kind == "rr" else "")
    finally:
        for h in helpers:
            if h.poll() is None:
                os.killpg(h.pid, signal.SIGKILL)
                h.wait()
        subprocess.run(["ip", "netns", "del", ns], check=False)


def bench_lo(a):
    ns = TAG + "-lo"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    helpers = []
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        for cmd in (["sockperf", "server", "--tcp", "-i", "127.0.0.1", "-p", "11111"],
                    ["iperf3", "-s", "-B", "127.0.0.1", "-p", "5201"]):
            helpers.append(subprocess.Popen(["ip", "netns", "exec", ns] + cmd,
                                            stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True))
        time.sleep(1)
        rates = []
        for r in range(a.runs):
            p = ns_run(ns, ["sockperf", "ping-pong", "--tcp", "-i", "127.0.0.1", "-p", "11111",
                            "-m", str(a.size), "-t", str(a.secs)], a.secs + 60)
            out = p.stdout + p.stderr
            m = re.search(r"\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=\d+; "
                          r"ReceivedMessages=(\d+)", out)
            if p.returncode != 0 or not m:
                sys.exit("tcp_bench: sockperf failed:\n%s" % out)
            # ping-pong: one message outstanding, so replies per second are transactions
            rates.append(int(m.group(2)) / float(m.group(1)))
            print("RUN bench=tcp_rr peer=kernel-lo-sockperf run=%d transactions_per_s=%.0f" %
                  (r + 1, rates[-1]), flush=True)
        result("tcp_rr", "kernel-lo-sockperf-pingpong", "transactions_per_s", rates, None,
               " size=%d" % a.size)
        rates = []
        for r in range(a.runs):
            p = ns_run(ns, ["iperf3", "-c", "127.0.0.1", "-p", "5201", "-t", str(a.secs),
                            "-J"], a.secs + 60)
            try:
                bps = json.loads(p.stdout)["end"]["sum_received"]["bits_per_second"]
            except (ValueError, KeyError):
                sys.exit("tcp_bench: iperf3 failed:\n%s%s" % (p.stdout, p.stderr))
            rates.append(bps / 1e9)
            print("RUN bench=tcp_bulk peer=kernel-lo-iperf3 run=%d gbit_per_s=%.3f" %
                  (r + 1, rates[-1]), flush=True)
        result("tcp_bulk", "kernel-lo-iperf3", "gbit_per_s", rates)
        bench_lo_crr(a, ns, helpers)
    finally:
        for h in helpers:
            if h.poll() is None:
                os.killpg(h.pid, signal.SIGKILL)
                h.wait()
        subprocess.run(["ip", "netns", "del", ns], check=False)


def bench_lo_crr(a, ns, helpers):
    """perf/crr_ref.c over lo: the kernel doing what the crr client and the echo do."""
    ref = os.path.join(os.path.dirname(a.yard), "..", "perf", "yard-crr-ref")
    if not os.access(ref, os.X_OK):
        print("# tcp_bench: no %s (built with yard): kernel crr skipped" % ref, flush=True)
        return
    subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                    "net.ipv4.ip_local_port_range=%d %d" % CRR_PORTS,
                    "net.ipv4.tcp_max_tw_buckets=%d" % CRR_MAX_TIMEWAIT,
                    "net.ipv4.tcp_tw_reuse=1"], check=True)
    srv = subprocess.Popen(["ip", "netns", "exec", ns, ref, "server", "127.0.0.1", "5007"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           start_new_session=True)
    helpers.append(srv)
    if srv.stdout.readline().strip() != "ready":
        sys.exit("tcp_bench: yard-crr-ref server did not start")
    rates = []
    for r in range(a.runs):
        p = ns_run(ns, [ref, "client", "127.0.0.1", "5007", str(a.size), str(a.secs),
                        str(CRR_CONNS)], a.secs + 60)
        m = re.search(r"connections=(\d+) .*cps=(\d+)", p.stdout)
        if p.returncode != 0 or not m:
            sys.exit("tcp_bench: yard-crr-ref client failed:\n%s%s" % (p.stdout, p.stderr))
        rates.append(float(m.group(2)))
        print("RUN bench=tcp_crr peer=kernel-lo-crr-ref run=%d connections_per_s=%.0f %s" %
              (r + 1, rates[-1], p.stdout.strip()), flush=True)
    result("tcp_crr", "kernel-lo-crr-ref", "connections_per_s", rates, None,
           " size=%d conns=%d" % (a.size, CRR_CONNS))


def ratios():
    """yard over memif against the kernel over lo, measured in this invocation (both per lcore
    for yard; the kernel's figures are what its processes got, on the same two cores)."""
    pairs = (("rr_yard_memif_over_kernel_lo", ("tcp_rr", "yard-yard-memif"),
              ("tcp_rr", "kernel-lo-sockperf-pingpong")),
             ("bulk_yard_memif_over_kernel_lo", ("tcp_source", "yard-yard-memif"),
              ("tcp_bulk", "kernel-lo-iperf3")),
             ("crr_yard_memif_over_kernel_lo", ("tcp_crr", "yard-yard-memif"),
              ("tcp_crr", "kernel-lo-crr-ref")))
    for bench, peer, word in (("tcp_ratio", "yard-yard-memif", "memif"),
                              ("tcp_self_ratio", "yard-self-one-lcore", "self")):
        line = ""
        for name, yk, kk in pairs:
            yk = (yk[0], peer)
            if MEDIANS.get(yk) and MEDIANS.get(kk):
                line += " %s=%.3f" % (name.replace("memif", word), MEDIANS[yk] / MEDIANS[kk])
        if line:
            print("RESULT bench=%s%s" % (bench, line), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("yard")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--secs", type=int, default=5)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--bulk", type=int, default=256 << 20, help="bytes nc sends to yard")
    ap.add_argument("--only", default="memif,tap,self,lo")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("tcp_bench: needs root (namespaces, taps)")
    a.yard = os.path.abspath(a.yard)
    a.work = tempfile.mkdtemp(prefix="yard-tcp-bench-")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("tcp_bench: stopped"))
    try:
        print("# tcp_bench: runs=%d secs=%d size=%d; load average %s" %
              (a.runs, a.secs, a.size, " ".join(open("/proc/loadavg").read().split()[:3])),
              flush=True)
        only = a.only.split(",")
        if "memif" in only:
            bench_memif(a)
        if "tap" in only:
            bench_tap(a)
        if "self" in only:
            bench_self(a)
        if "lo" in only:
            bench_lo(a)
        ratios()
    finally:
        shutil.rmtree(a.work, ignore_errors=True)


if __name__ == "__main__":
    main()
