#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Integration tests of yardctl against a running yard (issue 6).

    yardctl_integration.py --yard BUILD/app/yard --yardctl BUILD/app/yardctl/yardctl \
        --source SRCDIR CASE

Each CASE runs yard in its own network namespace on net_tap with the kernel as its peer, as
yard_integration.py does (whose Case and Yard classes it uses, so the clean-up is the same:
yard stopped, namespace deleted, EAL's runtime directory removed, on success, failure,
timeout and SIGTERM). Every command runs with a timeout. Needs root (exit 77 otherwise),
tshark for the capture case and tmux for the watch case (scripts/setup.sh installs them).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yard_integration as yi  # noqa: E402
from yard_integration import Failure, check, log, run, PING_WAIT, YARD_ADDR  # noqa: E402



def yardctl(c, *args, ok=True, timeout=30):
    """Run yardctl against c's yard; returns CompletedProcess."""
    cmd = [c.args.yardctl, "--file-prefix", c.prefix] + list(args)
    p = run(cmd, timeout=timeout, ok=False)
    if ok and p.returncode != 0:
        raise Failure("%s exited %d:\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def stats_json(c):
    return json.loads(yardctl(c, "stats", "--json").stdout)


def send_udp(c, count, port=9, payload=b"yardctl-it"):
    """count UDP datagrams from the kernel side to yard's discard port."""
    code = ("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "for i in range(%d):\n    s.sendto(%r + b'-%%04d' %% i, (%r, %d))\n" %
            (count, payload, YARD_ADDR, port))
    run([sys.executable, "-c", code], ns=c.ns, timeout=30)


def start(c):
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)  # ARP resolved both ways before anything is counted
    return y


def arp_all(y):
    return y.tel.get("/yard/arp")["all"]


# ---- the cases ----------------------------------------------------------------------------

def case_yardctl_stats(c):
    """A known number of pings and UDP datagrams: yardctl stats --json counts them."""
    y = start(c)
    time.sleep(0.5)
    s0, a0 = stats_json(c), arp_all(y)
    icmp0 = y.tel.get("/yard/icmp")["all"]
    c.expect_ping(count=20, interval=0.05)
    send_udp(c, 30)
    time.sleep(0.5)
    s1, a1 = stats_json(c), arp_all(y)
    icmp1 = y.tel.get("/yard/icmp")["all"]
    t0, t1 = s0["total"], s1["total"]
    arp_rx = (a1["rx_arp"] - a0["rx_arp"]) + (a1["drop_ipv6"] - a0["drop_ipv6"])
    arp_tx = sum(a1[k] - a0[k] for k in ("tx_requests", "tx_replies", "tx_gratuitous"))
    rx, tx = t1["rx_pkts"] - t0["rx_pkts"], t1["tx_pkts"] - t0["tx_pkts"]
    log("rx %d (ARP/IPv6 %d), tx %d (ARP %d)" % (rx, arp_rx, tx, arp_tx))
    check(rx - arp_rx == 50, "yardctl counted %d IPv4 frames received, sent 20 pings + 30 "
          "datagrams (rx %d, of which ARP/IPv6 %d)" % (rx - arp_rx, rx, arp_rx))
    check(tx - arp_tx == 20, "yardctl counted %d IPv4 frames sent, expected 20 echo replies "
          "(tx %d, of which ARP %d)" % (tx - arp_tx, tx, arp_tx))
    check(icmp1["tx_echo_replies"] - icmp0["tx_echo_replies"] == 20, "icmp agrees: %s" % icmp1)
    check(t1["rx_bytes"] - t0["rx_bytes"] >= 20 * 98 + 30 * 57, "rx bytes: %s" % t1)
    lc = s1["lcores"]["lcore0"]
    check(lc["loops"] > s0["lcores"]["lcore0"]["loops"], "the loop counter moves")
    check(t1["drops_total"] == sum(t1["drops"].values()), "drops_total sums the reasons")
    # The table: one row per lcore and a totals row, rates between two samples.
    out = yardctl(c, "stats").stdout
    check(re.search(r"^LCORE\s+LOOPS/s\s+BUSY", out, re.M) and re.search(r"^0\s", out, re.M)
          and re.search(r"^total\s", out, re.M), "stats table:\n" + out)
    out = yardctl(c, "stats", "--lcore", "0", "--json").stdout
    check(list(json.loads(out)["lcores"]) == ["lcore0"], "--lcore 0: %s" % out[:200])
    y.stop_clean()


def case_yardctl_streams(c):
    """yardctl streams shows the configured stack; --dot is Graphviz with the I_LINK."""
    y = start(c)
    out = yardctl(c, "streams").stdout
    block = re.search(r"^stream \d+ port0/q0 .*?(?=^\s*$)", out, re.M | re.S)
    check(block is not None, "port0/q0 is listed:\n" + out)
    text = block.group(0)
    check("linked under ip/lcore0" in text, "the link is under ip:\n" + text)
    mods = re.findall(r"^  (\w+)\s+wr\s", text, re.M)
    check(mods == ["ip", "arp", "pmd"], "modules from the top: %s\n%s" % (mods, text))
    check(re.search(r"^stream \d+ ip/lcore0 .*links below: port0/q0", out, re.M),
          "ip/lcore0 has port0/q0 below:\n" + out)
    for col in ("COUNT", "HIWAT", "LOWAT", "FLAGS", "BANDS"):
        check(col in text, "column %s:\n%s" % (col, text))
    check(yardctl(c, "streams", "--lcore", "0").stdout == out, "--lcore 0 shows the same")
    dot = yardctl(c, "streams", "--dot").stdout
    check(dot.startswith("digraph yard {") and "I_LINK" in dot and dot.rstrip().endswith("}"),
          "--dot:\n" + dot)
    if shutil.which("dot"):
        run(["dot", "-Tsvg", "-o", os.path.join(c.workdir, "streams.svg")], ok=True)
    mods = yardctl(c, "modules").stdout
    for m in ("snoop", "trace", "arp", "pmd", "ip"):
        check(re.search(r"^%s\s" % m, mods, re.M), "modules lists %s:\n%s" % (m, mods))
    ports = yardctl(c, "ports").stdout
    check("port0" in ports and "net_tap" in ports, "ports:\n" + ports)
    arp = yardctl(c, "arp").stdout
    check(re.search(r"^rx_requests_for_us\s+\d+", arp, re.M), "arp:\n" + arp)
    y.stop_clean()


def case_yardctl_snoop(c):
    """
    snoop pushed and popped while a ping runs loses no packet, and tshark reads back the
    datagrams sent while it was there.
    """
    if shutil.which("tshark") is None:
        raise Failure("tshark not found (scripts/setup.sh installs it)")
    y = start(c)
    path = os.path.join(c.workdir, "snoop.pcapng")
    pinger = subprocess.Popen(["ip", "netns", "exec", c.ns, "ping", "-n", "-q", "-i", "0.01",
                               "-c", "400", "-W", PING_WAIT, YARD_ADDR], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(1)
        out = yardctl(c, "push", "port0/q0", "snoop", path).stdout
        check("pushed snoop on port0/q0" in out and path in out, "push: " + out)
        st = yardctl(c, "streams").stdout
        check(re.search(r"^  snoop\s+wr", st, re.M), "snoop shows in streams:\n" + st)
        send_udp(c, 25, payload=b"snoop-marker")
        time.sleep(1)
        out = yardctl(c, "pop", "port0/q0", "snoop").stdout
        check("popped snoop from port0/q0" in out, "pop: " + out)
        out, _ = pinger.communicate(timeout=60)
    finally:
        if pinger.poll() is None:
            pinger.kill()
            pinger.communicate()
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    check(m is not None and m.group(1) == m.group(2) == "400",
          "ping across push and pop lost replies:\n" + out)
    p = run(["tshark", "-r", path, "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e",
             "icmp.type", "-e", "udp.dstport", "-e", "data.data"], timeout=60)
    rows = [l.split("\t") for l in p.stdout.splitlines()]
    udp = [r for r in rows if len(r) > 4 and r[3] == "9"]
    marker = b"snoop-marker".hex()
    check(len(udp) == 25 and all(r[4].startswith(marker) for r in udp),
          "the 25 datagrams are in the capture: %d found\n%s" % (len(udp), p.stdout[-2000:]))
    req = [r for r in rows if len(r) > 2 and r[2] == "8"]
    rep = [r for r in rows if len(r) > 2 and r[2] == "0"]
    check(len(req) >= 50 and abs(len(req) - len(rep)) <= 1,
          "echo requests %d and replies %d captured in both directions" % (len(req), len(rep)))
    log("capture: %d UDP, %d echo requests, %d replies" % (len(udp), len(req), len(rep)))
    st = yardctl(c, "streams").stdout
    check("snoop" not in st, "snoop is gone after pop:\n" + st)
    y.stop_clean()


def case_yardctl_errors(c):
    """Each error a user meets: one clear line, a non-zero exit."""
    # Not running: names the socket it tried.
    p = run([c.args.yardctl, "--file-prefix", "yt-not-running", "stats"], ok=False)
    check(p.returncode == 2 and p.stderr.count("\n") == 1 and "yard is not running" in p.stderr
          and "/var/run/dpdk/yt-not-running/dpdk_telemetry.v2" in p.stderr,
          "not running: %d %r" % (p.returncode, p.stderr))
    p = run([c.args.yardctl, "--socket", "/nonexistent/sock", "streams"], ok=False)
    check(p.returncode == 2 and "/nonexistent/sock" in p.stderr, "--socket: %r" % p.stderr)
    y = start(c)
    cases = [
        (["push", "nosuch", "snoop"], "unknown stream 'nosuch'"),
        (["pop", "nosuch", "snoop"], "unknown stream 'nosuch'"),
        (["push", "port0/q0", "nosuchmod"], "unknown module 'nosuchmod'"),
        (["push", "port0/q0", "snoop", "/nonexistent-dir/x.pcapng"],
         "module snoop refused the push on port0/q0: No such file or directory"),
        (["push", "port0/q0", "passthru", "x"], "module passthru takes no arguments"),
        (["pop", "port0/q0", "arp"], "part of yard's stack"),
        (["pop", "port0/q0", "snoop"], "snoop is not the top module of port0/q0 (top: arp)"),
        (["stats", "--lcore", "7"], "lcore 7 is not one of yard's lcores"),
        (["streams", "--lcore", "7"], "lcore 7 is not one of yard's lcores"),
        (["conns", "--lcore", "7"], "lcore 7 is not one of yard's lcores"),
    ]
    for args, want in cases:
        p = yardctl(c, *args, ok=False)
        check(p.returncode == 1, "%s: exit %d, expected 1: %r" % (args, p.returncode, p.stderr))
        check(want in p.stderr and p.stderr.count("\n") == 1 and p.stdout == "",
              "%s: expected one line with %r, got %r" % (args, want, p.stderr))
        log("%s: %s" % (" ".join(args), p.stderr.strip()))
    p = yardctl(c, "bogus", ok=False)
    check(p.returncode == 2, "unknown command: %d" % p.returncode)
    # Nothing above changed the stack.
    st = yardctl(c, "streams").stdout
    block = re.search(r"^stream \d+ port0/q0 .*?(?=^\s*$)", st, re.M | re.S).group(0)
    check(re.findall(r"^  (\w+)\s+wr\s", block, re.M) == ["ip", "arp", "pmd"], block)
    c.expect_ping(count=3)
    y.stop_clean()


# Kept open in the namespace: argv[2] connections to yard's TCP echo, each echoing once;
# prints their local ports, closes them all on a line from stdin, prints "closed".
CONNS_CLIENT = r"""
import json, socket, sys
socks = []
for i in range(int(sys.argv[2])):
    s = socket.create_connection((sys.argv[1], 7), timeout=10)
    s.sendall(b"conn%d" % i)
    got = b""
    while len(got) < 5:
        got += s.recv(16)
    assert got == (b"conn%d" % i)[:len(got)], got
    socks.append(s)
print(json.dumps([s.getsockname()[1] for s in socks]), flush=True)
sys.stdin.readline()
for s in socks:
    s.close()
print("closed", flush=True)
sys.stdin.readline()
"""


def conns_client(c, n):
    return subprocess.Popen(["ip", "netns", "exec", c.ns, "/usr/bin/python3", "-c",
                             CONNS_CLIENT, YARD_ADDR, str(n)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def conns_json(c, *args):
    return json.loads(yardctl(c, "conns", "--json", *args).stdout)


def case_yardctl_conns(c):
    """
    Three connections from the kernel to the echo service show ESTABLISHED with the kernel's
    ports, beside the listeners and the UDP services' endpoints; closed by the kernel, yard's side goes (CLOSE_WAIT, LAST_ACK,
    then freed) and the rows with them.
    """
    y = start(c)
    client = conns_client(c, 3)
    try:
        line = client.stdout.readline()
        check(line.startswith("["), "client: %r" % line)
        ports = sorted(json.loads(line))
        d = conns_json(c)
        rows = d["conns"]
        check(d["count"] == len(rows) and not d["truncated"], "count/truncated: %s" % d)
        est = [r for r in rows if r["state"] == "ESTABLISHED"]
        check(sorted(r["rport"] for r in est) == ports,
              "3 ESTABLISHED rows with the kernel's ports %s: %s" % (ports, est))
        for r in est:
            check(r["lport"] == 7 and r["local"] == "%s:7" % YARD_ADDR and
                  r["remote"].startswith(yi.KERNEL_ADDR + ":") and r["endpoint"] == 1 and
                  r["listener"] == 0 and r["cwnd"] > 0 and r["rto_ms"] > 0 and
                  r["send_q"] == 0 and r["recv_q"] == 0, "an echo connection: %s" % r)
        log("a row: %s" % json.dumps(est[0]))
        lsn = {r["lport"] for r in rows if r["listener"] and r["state"] == "LISTEN"}
        check({7, 9, 80} <= lsn, "listeners on 7, 9 and 80: %s" % sorted(lsn))
        check(conns_json(c, "--lcore", "0")["count"] == len(rows), "--lcore 0: the same")
        out = yardctl(c, "conns").stdout
        lines = out.splitlines()
        check(re.match(r"^Proto\s+Lcore\s+Local\s+Remote\s+State\s+Send-Q\s+Recv-Q\s+"
                       r"RTT\(ms\)\s+RTO\s+cwnd\s+ssthresh\s+Retr$", lines[0]),
              "table header:\n" + out)
        for port in ports:
            check(re.search(r"^tcp\s+0\s+%s:7\s+%s:%d\s+ESTABLISHED\s" %
                            (re.escape(YARD_ADDR), re.escape(yi.KERNEL_ADDR), port), out,
                            re.M), "a table row for port %d:\n%s" % (port, out))
        # the UDP services' endpoints (udp echo 7, discard 9, sockperf 11111), after the TCP rows
        for port in (7, 9, 11111):
            check(re.search(r"^udp\s+0\s+0\.0\.0\.0:%d\s+0\.0\.0\.0:\*\s+UNCONN\s+0\s+0\s" %
                            port, out, re.M), "a UDP row for port %d:\n%s" % (port, out))
        check(out.index("\ntcp") < out.index("\nudp"), "TCP rows first:\n" + out)
        check("udp" not in yardctl(c, "conns", "--tcp").stdout, "--tcp: no UDP rows")
        u = conns_json(c, "--udp")
        check("conns" not in u and u["udp_count"] == len(u["udp"]) and not u["udp_truncated"],
              "--udp --json: the UDP rows only: %s" % u)
        check(sorted(r["lport"] for r in u["udp"]) == [7, 9, 11111] and
              all(r["lcore"] == 0 and r["local"] == "0.0.0.0:%d" % r["lport"] and
                  r["send_q"] == 0 and r["recv_q"] == 0 and r["rcvbuf"] > 0 and
                  r["blocked"] == 0 and r["drops"] == 0 for r in u["udp"]),
              "UDP endpoints: %s" % u["udp"])
        log("conns:\n" + out)
        client.stdin.write("close\n")
        client.stdin.flush()
        check(client.stdout.readline().strip() == "closed", "client closed its sockets")
        states = set()
        deadline = time.monotonic() + 10
        while True:
            left = [r for r in conns_json(c)["conns"] if r["rport"] in ports]
            if not left:
                break
            check(all(r["state"] in ("ESTABLISHED", "CLOSE_WAIT", "LAST_ACK") for r in left),
                  "a passive close: %s" % left)
            states |= {r["state"] for r in left}
            check(time.monotonic() < deadline, "rows still there after 10 s: %s" % left)
            time.sleep(0.1)
        log("closed by the kernel: gone (states seen on the way: %s)" % sorted(states))
        lsn = {r["lport"] for r in conns_json(c)["conns"] if r["listener"]}
        check({7, 9, 80} <= lsn, "the listeners stay: %s" % sorted(lsn))
        client.stdin.write("\n")
        client.stdin.flush()
        client.wait(timeout=10)
        # More rows than one telemetry answer holds: yardctl reads them page by page.
        client = conns_client(c, 60)
        line = client.stdout.readline()
        check(line.startswith("["), "client of 60: %r" % line)
        ports = sorted(json.loads(line))
        d = conns_json(c)
        got = sorted(r["rport"] for r in d["conns"] if r["state"] == "ESTABLISHED")
        check(got == ports and d["count"] == len(d["conns"]) >= 63 and not d["truncated"],
              "60 connections over several pages: %d rows, %s" % (d["count"], got))
        log("60 connections: %d rows in all" % d["count"])
        client.stdin.write("close\n\n")
        client.stdin.flush()
        client.wait(timeout=10)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    y.stop_clean()


def case_yardctl_groups(c):
    """
    [services] udp_join = 239.1.2.3, 239.4.5.6, 232.1.1.1 for nine sources (198.18.0.1, the
    kernel, and 10.0.0.1-8) and 232.1.1.2 for 198.18.0.99 only: yardctl groups lists the groups
    on yard's link with the three UDP services as members and each link filter, exclude {} (any
    source) or include {the sources}, eight at most and "+1 more" (table, --json, --lcore 0); a
    kernel socket's datagram to 239.4.5.6 and to 232.1.1.1 is echoed, to 232.1.1.2 (not from
    its source) it is not, and an lcore yard does not run is refused.
    """
    ssm = {"232.1.1.1": [yi.KERNEL_ADDR] + ["10.0.0.%d" % i for i in range(1, 9)],
           "232.1.1.2": ["198.18.0.99"]}
    with open(c.source_config("default.ini")) as f:
        text = f.read()
    items = ["239.1.2.3", "239.4.5.6"] + ["%s@%s" % (s, g) for g in ssm for s in ssm[g]]
    text = text.replace("[services]\n", "[services]\nudp_join = %s\n" % ", ".join(items), 1)
    y = c.yard(c.config(text))
    c.tap_up()
    c.expect_ping(count=2)
    out = yardctl(c, "groups").stdout
    lines = out.splitlines()
    check(re.match(r"^Lcore\s+Link\s+Group\s+Members\s+IGMP\s+Filter$", lines[0]),
          "header:\n" + out)
    for g in ("239.1.2.3", "239.4.5.6"):
        check(re.search(r"^\s+0 %s\s+%s\s+3\s+v3 exclude \{\}$" %
                        (re.escape(YARD_ADDR), re.escape(g)), out, re.M),
              "a row for %s, any source:\n%s" % (g, out))
    for g, srcs in ssm.items():
        # A row lists eight sources at most, and says how many more the filter has.
        more = " +%d more" % (len(srcs) - 8) if len(srcs) > 8 else ""
        m = re.search(r"^\s+0 %s\s+%s\s+3\s+v3 include \{(.*)\}%s$" %
                      (re.escape(YARD_ADDR), re.escape(g), re.escape(more)), out, re.M)
        shown = m.group(1).split(", ") if m is not None else []
        check(m is not None and len(shown) == min(len(srcs), 8) and set(shown) <= set(srcs),
              "a row for %s, include %s:\n%s" % (g, srcs, out))
    check(len(lines) == 5, "four groups, no more:\n" + out)
    d = json.loads(yardctl(c, "groups", "--json").stdout)
    check(d["count"] == 4 and not d["truncated"] and
          sorted(r["group"] for r in d["groups"]) == sorted(["239.1.2.3", "239.4.5.6"] +
                                                            list(ssm)) and
          all(r["link"] == YARD_ADDR and r["members"] == 3 and r["igmp_version"] == 3
              for r in d["groups"]), "--json: %s" % d)
    for r in d["groups"]:
        want = ("include", sorted(ssm[r["group"]])) if r["group"] in ssm else ("exclude", [])
        check(r["mode"] == want[0] and r["nsources"] == len(want[1]) and
              len(r["sources"]) == min(len(want[1]), 8) and set(r["sources"]) <= set(want[1]),
              "--json filter of %s: %s" % (r["group"], r))
    check(json.loads(yardctl(c, "groups", "--lcore", "0", "--json").stdout) == d,
          "--lcore 0: the same")
    p = yardctl(c, "groups", "--lcore", "3", ok=False)
    check(p.returncode == 1 and "lcore 3 is not one of yard's lcores" in p.stderr,
          "--lcore 3: %d %r" % (p.returncode, p.stderr))
    for g, echoed in (("239.4.5.6", True), ("232.1.1.1", True), ("232.1.1.2", False)):
        code = ("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                "s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(%r))\n"
                "s.settimeout(%d)\ns.sendto(b'grp', (%r, 7))\n"
                "try:\n    print(s.recvfrom(10)[0])\nexcept socket.timeout:\n    print('none')\n"
                % (yi.KERNEL_ADDR, 3 if echoed else 1, g))
        p = run([sys.executable, "-c", code], ns=c.ns, timeout=30, ok=False)
        check(p.stdout.strip() == ("b'grp'" if echoed else "none"),
              "%s from %s %s: %s%s" % (g, yi.KERNEL_ADDR, "echoed" if echoed else "not echoed",
                                       p.stdout, p.stderr))
    log("groups:\n" + out)
    y.stop_clean()


NEIGH_STATIC = ("198.18.0.77", "02:00:00:00:00:77")  # [port0] neighbours
NEIGH_ADDED = ("198.18.0.9", "02:00:00:00:00:09")    # yardctl neigh add

NEIGH_ECHO_CLIENT = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.settimeout(float(sys.argv[2]))
s.sendto(b"neigh", (sys.argv[3], 7))
try:
    print(s.recvfrom(100)[0].decode())
except socket.timeout:
    print("none")
"""


def neigh_rows(c):
    return {r["address"]: r for r in json.loads(yardctl(c, "neigh", "--json").stdout)
            ["neighbours"]}


def neigh_echo(c, timeout):
    """A datagram to yard's echo from NEIGH_ADDED's address: its answer, or 'none'."""
    return run([sys.executable, "-c", NEIGH_ECHO_CLIENT, NEIGH_ADDED[0], str(timeout),
                YARD_ADDR], ns=c.ns, timeout=30).stdout.strip()


def case_yardctl_neigh(c):
    """
    yardctl neigh and routes against a yard with a gateway and a static neighbour in its
    configuration. After the kernel pings, neigh lists the kernel (reachable, the tap's MAC)
    and the static entry; routes lists the connected route and the default route, on port 0.
    neigh add (the port found from the connected route) makes yard answer a datagram from
    198.18.0.9, a second address of the kernel, to the MAC it was given (tshark shows it) and
    the kernel's socket gets nothing; neigh del makes yard resolve it again, and the echo
    comes back. neigh flush drops the learned entries and keeps the static one. Each bad
    request is refused with its reason and exit status.
    """
    with open(c.source_config("default.ini")) as f:
        text = f.read()
    text = text.replace("mtu = 1500\n", "mtu = 1500\ngateway = %s\nneighbours = %s %s\n" %
                        ((yi.KERNEL_ADDR,) + NEIGH_STATIC), 1)
    y = c.yard(c.config(text))
    c.tap_up()
    run(["ip", "-n", c.ns, "addr", "add", NEIGH_ADDED[0] + "/24", "dev", "yard0"])
    c.expect_ping(count=2)
    kmac = json.loads(run(["ip", "-j", "link", "show", "yard0"], ns=c.ns).stdout)[0]["address"]
    out = yardctl(c, "neigh").stdout
    lines = out.splitlines()
    check(re.match(r"^Lcore\s+Port\s+Address\s+MAC\s+State\s+Age\(s\)\s+Held\s+Tries$",
                   lines[0]), "header:\n" + out)
    check(re.search(r"^\s+0 0\s+%s\s+%s\s+reachable\s+\d+\.\d\s+0\s+\d+$" %
                    (re.escape(yi.KERNEL_ADDR), re.escape(kmac)), out, re.M),
          "the kernel, reachable at %s:\n%s" % (kmac, out))
    check(re.search(r"^\s+0 0\s+%s\s+%s\s+static\s" % tuple(map(re.escape, NEIGH_STATIC)), out,
                    re.M), "the static neighbour:\n" + out)
    rows = neigh_rows(c)
    check(rows[yi.KERNEL_ADDR]["mac"] == kmac and rows[yi.KERNEL_ADDR]["state"] == "reachable"
          and rows[NEIGH_STATIC[0]]["state"] == "static" and
          all(r["lcore"] == 0 and r["port"] == 0 and r["vlan"] == 0 for r in rows.values()),
          "--json: %s" % rows)
    out = yardctl(c, "routes").stdout
    check(re.search(r"^\s+0 198\.18\.0\.0/24\s+-\s+%s\s+0\s+1500$" % re.escape(YARD_ADDR),
                    out, re.M) and
          re.search(r"^\s+0 default\s+%s\s+%s\s+0\s+1500$" %
                    (re.escape(yi.KERNEL_ADDR), re.escape(YARD_ADDR)), out, re.M),
          "routes: the connected one and the default:\n" + out)
    routes = json.loads(yardctl(c, "routes", "--json").stdout)["routes"]
    check([(r["destination"], r["gateway"], r["port"]) for r in routes] ==
          [("198.18.0.0/24", "", 0), ("0.0.0.0/0", yi.KERNEL_ADDR, 0)],
          "routes --json, longest prefix first: %s" % routes)
    # A static entry yard is given wins over what the wire says: yard answers .9 at that MAC.
    p = yardctl(c, "neigh", "add", *NEIGH_ADDED)
    check(p.stdout.strip() == "added static neighbour %s on port 0 (1 arp instance)" %
          NEIGH_ADDED[0], "add: %r" % p.stdout)
    check(neigh_rows(c)[NEIGH_ADDED[0]]["mac"] == NEIGH_ADDED[1], "listed after add")
    with yi.tshark_capture(c, "udp src port 7", "neigh.pcapng") as pcap:
        got = neigh_echo(c, 2)
    check(got == "none", "the echo went to %s, not to the kernel: %r" % (NEIGH_ADDED[1], got))
    p = run(["tshark", "-n", "-r", pcap, "-T", "fields", "-e", "eth.dst", "-e", "ip.dst"])
    check(p.stdout.split() == [NEIGH_ADDED[1], NEIGH_ADDED[0]],
          "one reply, to %s: %r" % (NEIGH_ADDED[1], p.stdout))
    p = yardctl(c, "neigh", "del", NEIGH_ADDED[0], "--port", "0")
    check(p.stdout.strip() == "deleted neighbour %s on port 0 (1 arp instance)" %
          NEIGH_ADDED[0], "del: %r" % p.stdout)
    got = neigh_echo(c, 5)
    check(got == "neigh", "after del, yard resolved .9 and the echo came back: %r" % got)
    check(neigh_rows(c)[NEIGH_ADDED[0]]["mac"] == kmac, "learned again: %s" % neigh_rows(c))
    p = yardctl(c, "neigh", "flush")
    check(p.stdout.strip() == "flushed the learned neighbours of every port (1 arp instance)",
          "flush: %r" % p.stdout)
    check(list(neigh_rows(c)) == [NEIGH_STATIC[0]], "only the static one: %s" % neigh_rows(c))
    c.expect_ping(count=1)
    check(set(neigh_rows(c)) == {yi.KERNEL_ADDR, NEIGH_STATIC[0]}, "the kernel learned again")
    for args, status, msg in (
            (("neigh", "add", "10.1.1.1", NEIGH_ADDED[1]), 1, "10.1.1.1 is in no port's subnet"),
            (("neigh", "add", "198.18.0.5", "01:00:5e:00:00:01", "--port", "0"), 1,
             "01:00:5e:00:00:01 is not a unicast MAC address"),
            (("neigh", "add", "198.18.0.5", "zz", "--port", "0"), 1,
             "'zz' is not a MAC address"),
            (("neigh", "add", "foo", NEIGH_ADDED[1]), 1, "'foo' is not an IPv4 address"),
            (("neigh", "add", YARD_ADDR, NEIGH_ADDED[1]), 1, "is port 0's own address"),
            (("neigh", "add", "198.18.0.255", NEIGH_ADDED[1], "--port", "0"), 1,
             "the network or broadcast address"),
            (("neigh", "add", "10.1.1.1", NEIGH_ADDED[1], "--port", "0"), 1,
             "10.1.1.1 is not in port 0's subnet"),
            (("neigh", "add", NEIGH_ADDED[0], NEIGH_ADDED[1], "--port", "7"), 1,
             "port 7 is not one of yard's ports"),
            (("neigh", "del", "198.18.0.123"), 1, "no neighbour 198.18.0.123 on port 0"),
            (("neigh", "add", NEIGH_ADDED[0]), 2, "neigh add ADDR MAC [--port N]"),
            (("neigh", "--port", "x"), 2, "--port: 'x' is not a port number"),
            (("routes", "extra"), 2, "routes [show] [--lcore N] [--json] | routes add"),
            (("neigh", "--lcore", "3"), 1, "lcore 3 is not one of yard's lcores")):
        p = yardctl(c, *args, ok=False)
        check(p.returncode == status and msg in p.stderr,
              "%s: want %d %r, got %d %r" % (" ".join(args), status, msg, p.returncode,
                                             p.stderr))
    check(set(neigh_rows(c)) == {yi.KERNEL_ADDR, NEIGH_STATIC[0]}, "refusals changed nothing")
    log("neigh:\n" + yardctl(c, "neigh").stdout + "routes:\n" + yardctl(c, "routes").stdout)
    y.stop_clean()


FAR_NET, FAR_ADDR = "10.9.0.0/16", "10.9.0.1"  # behind the kernel, as a router


def ping_from_far(c):
    """One ping of yard from FAR_ADDR (the kernel's, on its lo): True if answered."""
    p = run(["ping", "-n", "-q", "-c", "1", "-W", "3", "-I", FAR_ADDR, YARD_ADDR], ns=c.ns,
            timeout=30, ok=False)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", p.stdout)
    check(m is not None, "ping printed no statistics:\n%s%s" % (p.stdout, p.stderr))
    return m.group(2) == "1"


def route_rows(c):
    return [(r["destination"], r["gateway"], r["port"])
            for r in json.loads(yardctl(c, "routes", "--json").stdout)["routes"]]


def case_yardctl_routes(c):
    """
    [port0] routes = 10.9.0.0/16 via 198.18.0.1 (the kernel, which owns 10.9.0.1 on its lo)
    and no gateway: a ping from 10.9.0.1 is answered through the kernel. routes lists the
    route; routes del takes it away on the running yard (the next ping from 10.9.0.1 goes
    unanswered, counted drop_no_route) and routes add puts it back (answered again). Each
    bad request is refused with its reason and exit status, and changes nothing.
    """
    with open(c.source_config("default.ini")) as f:
        text = f.read()
    text = text.replace("mtu = 1500\n", "mtu = 1500\nroutes = %s via %s\n" %
                        (FAR_NET, yi.KERNEL_ADDR), 1)
    y = c.yard(c.config(text))
    c.tap_up()
    run(["ip", "-n", c.ns, "addr", "add", FAR_ADDR + "/32", "dev", "lo"])
    run(["ip", "-n", c.ns, "link", "set", "lo", "up"])
    c.expect_ping(count=2)
    want = [("198.18.0.0/24", "", 0), (FAR_NET, yi.KERNEL_ADDR, 0)]
    check(route_rows(c) == want, "the configured route: %s" % route_rows(c))
    out = yardctl(c, "routes").stdout
    check(re.search(r"^\s+0 %s\s+%s\s+%s\s+0\s+1500$" %
                    (re.escape(FAR_NET), re.escape(yi.KERNEL_ADDR), re.escape(YARD_ADDR)), out,
                    re.M), "the table:\n" + out)
    check(ping_from_far(c), "a ping from %s answered through the kernel" % FAR_ADDR)
    p = yardctl(c, "routes", "del", FAR_NET)
    check(p.stdout.strip() == "deleted route %s (1 lcore)" % FAR_NET, "del: %r" % p.stdout)
    no_route = y.tel.get("/yard/ip")["all"]["drop_no_route"]
    check(not ping_from_far(c), "no route, no answer")
    check(y.tel.get("/yard/ip")["all"]["drop_no_route"] > no_route, "counted drop_no_route")
    p = yardctl(c, "route", "add", FAR_NET, "via", yi.KERNEL_ADDR)
    check(p.stdout.strip() == "added route %s via %s (1 lcore)" % (FAR_NET, yi.KERNEL_ADDR),
          "add: %r" % p.stdout)
    check(ping_from_far(c), "answered again after add")
    yardctl(c, "routes", "add", "10.8.0.0/16", "via", "198.18.0.7", "--port", "0")
    want.append(("10.8.0.0/16", "198.18.0.7", 0))
    check(route_rows(c) == want, "a second route: %s" % route_rows(c))
    for args, status, msg in (
            (("routes", "add", "10.7.0.0/16", "via", "10.1.1.1"), 1,
             "the router 10.1.1.1 is in no port's subnet"),
            (("routes", "add", "10.7.0.0/16", "via", YARD_ADDR), 1,
             "the router %s is port 0's own address" % YARD_ADDR),
            (("routes", "add", "10.7.0.0/16", "via", "198.18.0.255"), 1,
             "the router 198.18.0.255 is the network or broadcast address"),
            (("routes", "add", "10.7.0.1/16", "via", yi.KERNEL_ADDR), 1,
             "10.7.0.1/16 has host bits set"),
            (("routes", "add", "10.7.0.0/33", "via", yi.KERNEL_ADDR), 1,
             "is not a.b.c.d/prefix (prefix 0..32)"),
            (("routes", "add", "127.0.0.0/8", "via", yi.KERNEL_ADDR), 1,
             "127.0.0.0/8 is no destination"),
            (("routes", "add", "198.18.0.0/24", "via", yi.KERNEL_ADDR), 1,
             "198.18.0.0/24 is port 0's subnet (connected)"),
            (("routes", "add", FAR_NET, "via", yi.KERNEL_ADDR), 1,
             "lcore 0 has a route to 10.9.0.0/16 already"),
            (("routes", "add", "10.7.0.0/16", "via", yi.KERNEL_ADDR, "--port", "4"), 1,
             "port 4 is not one of yard's ports"),
            (("routes", "del", "198.18.0.0/24"), 1,
             "198.18.0.0/24 is a connected route: it goes with its port"),
            (("routes", "del", "10.6.0.0/16"), 1, "no route to 10.6.0.0/16"),
            (("routes", "add", "10.7.0.0/16", yi.KERNEL_ADDR), 2,
             "routes add DST/PREFIX via ROUTER [--port N]"),
            (("routes", "del", "10.7.0.0/16", "--port", "0"), 2, "routes del DST/PREFIX"),
            (("routes", "--lcore", "2"), 1, "lcore 2 is not one of yard's lcores")):
        p = yardctl(c, *args, ok=False)
        check(p.returncode == status and msg in p.stderr,
              "%s: want %d %r, got %d %r" % (" ".join(args), status, msg, p.returncode,
                                             p.stderr))
    check(route_rows(c) == want, "refusals changed nothing: %s" % route_rows(c))
    log("routes:\n" + yardctl(c, "routes").stdout)
    y.stop_clean()


def case_yardctl_watch(c):
    """stats --watch under tmux: the screen refreshes and its columns stay aligned."""
    if shutil.which("tmux") is None:
        raise Failure("tmux not found (scripts/setup.sh installs it)")
    y = start(c)
    session = "yt-watch-%d" % os.getpid()
    cmd = "%s --file-prefix %s stats --watch 0.5" % (c.args.yardctl, c.prefix)
    run(["tmux", "new-session", "-d", "-s", session, "-x", "150", "-y", "30", cmd])
    pinger = None
    try:
        pinger = subprocess.Popen(["ip", "netns", "exec", c.ns, "ping", "-n", "-q", "-i",
                                   "0.02", "-c", "150", YARD_ADDR], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        screens = []
        for _ in range(3):
            time.sleep(1.2)
            screens.append(run(["tmux", "capture-pane", "-p", "-t", session]).stdout)
        samples = []
        for s in screens:
            m = re.search(r"sample (\d+)", s)
            check(m is not None, "a watch screen:\n" + s)
            samples.append(int(m.group(1)))
            lines = [l.rstrip() for l in s.splitlines()]
            hdr = [l for l in lines if l.startswith("LCORE")]
            rows = [l for l in lines if re.match(r"^(\d+|total)\s", l)]
            check(len(hdr) == 1 and len(rows) == 2, "one header, lcore 0 and total:\n" + s)
            # The first column is left-aligned, every other right-aligned under its heading.
            def edges(line):
                toks = list(re.finditer(r"\S+", line))
                return [toks[0].start()] + [m.end() for m in toks[1:]]
            for r in rows:
                check(edges(r) == edges(hdr[0]),
                      "row not aligned with the header:\n%s\n%s" % (hdr[0], r))
            check(s.count("LCORE") == 1, "the screen is redrawn in place, not scrolled:\n" + s)
        check(samples[0] < samples[1] < samples[2], "the view refreshes: samples %s" % samples)
        rx = [l for l in screens[-1].splitlines() if l.startswith("0 ")][0].split()
        log("watch: samples %s; last lcore-0 row: %s" % (samples, " ".join(rx)))
        run(["tmux", "send-keys", "-t", session, "C-c"])
        time.sleep(0.5)
    finally:
        run(["tmux", "kill-session", "-t", session], ok=False)
        if pinger is not None and pinger.poll() is None:
            pinger.kill()
            pinger.wait()
    y.stop_clean()


# Sends N bytes to the echo port while a thread reads them back; prints "ok SECONDS" when the
# echo matches (sha256), a reason otherwise (with the bytes echoed every 5 s). Gives up after DEADLINE seconds.
NETEM_CLIENT = r"""
import hashlib, os, socket, sys, threading, time
addr, n, deadline = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
data = os.urandom(n)
s = socket.create_connection((addr, 7), timeout=10)
s.settimeout(1)
t0 = time.monotonic()
err = []
sent_total = [0]
def writer():
    view, sent = memoryview(data), 0
    while sent < n and time.monotonic() - t0 < deadline:
        try:
            sent += s.send(view[sent:sent + (1 << 16)])
            sent_total[0] = sent
        except socket.timeout:
            continue
        except OSError as e:
            err.append("send: %s" % e)
            return
w = threading.Thread(target=writer, daemon=True)
w.start()
h, got, marks = hashlib.sha256(), 0, []
while got < n:
    el = time.monotonic() - t0
    if len(marks) < int(el / 5):
        marks.append(got)
    if el > deadline:
        import struct
        ti = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        st, ca, rexmits, probes, backoff = ti[0], ti[1], ti[2], ti[3], ti[4]
        (rto, ato, smss, rmss, unacked, sacked, lost, retrans, fack, lds, las, ldr, lar, pmtu,
         rssth, rtt, rttvar, ssth, cwnd) = struct.unpack("19I", ti[8:84])
        print("timeout after %d of %d bytes; every 5 s: %s; the kernel's socket: state %d "
              "ca_state %d retransmits %d probes %d backoff %d rto %d us unacked %d lost %d "
              "retrans %d ms since data sent %d, ack recv %d, data recv %d; cwnd %d ssthresh %d; "
              "%d bytes written" % (got, n, marks, st, ca, rexmits, probes, backoff, rto, unacked,
                                    lost, retrans, lds, lar, ldr, cwnd, ssth, sent_total[0]))
        sys.exit(1)
    try:
        b = s.recv(1 << 16)
    except socket.timeout:
        continue
    except OSError as e:
        print("recv after %d of %d bytes: %s" % (got, n, e)); sys.exit(1)
    if not b:
        print("eof after %d of %d bytes" % (got, n)); sys.exit(1)
    h.update(b)
    got += len(b)
w.join(5)
s.close()
if err:
    print(err[0]); sys.exit(1)
if h.digest() != hashlib.sha256(data).digest():
    print("echo of %d bytes differs" % n); sys.exit(1)
print("ok %.1f" % (time.monotonic() - t0))
"""


def tcp_counters(y):
    d = y.get("/yard/tcp")
    return d["all"] if "all" in d else d


TCP_KEYS = ("tx_rexmt_segs", "rexmt_timeouts", "fast_rexmt", "limited_transmits",
            "sack_permitted", "sack_recoveries", "sack_rexmt_segs", "sack_blocks_rcvd",
            "sack_blocks_sent", "sack_dsack_rcvd", "drop_sack_bogus", "sack_lost_rexmt",
            "tlp_probes", "tlp_recoveries", "rescue_rexmts", "rto_sacked_skipped",
            "sack_reneged", "rto_in_recovery", "rto_repeated", "rto_in_rto_recovery",
            "rto_after_probe", "rack_losses", "rack_reo_timeouts",
            "rack_reo_wnd_grown", "undo_dsack", "undo_ts", "undo_rto",
            "prr_acks_proportional", "prr_acks_bound", "prr_bound_limited",
            "tlp_recovery_probes", "rto_rec_tail", "rto_rec_undelivered", "rto_rec_other",
            "tlp_pto_cut")


def netem_transfer(c, y, args, size, deadline, impaired=("dropped",)):
    """
    Push netem ARGS on port0/q0, echo size bytes over TCP through it, pop it. The counters
    named in impaired (netem_rd_X and netem_wr_X) must have moved both ways. Returns netem's
    counters, the TCP counters' deltas and the seconds the echo took.
    """
    before = tcp_counters(y)
    p = None
    out = yardctl(c, "push", "port0/q0", "netem", args).stdout
    check("pushed netem on port0/q0" in out, "push: " + out)
    st = yardctl(c, "streams").stdout
    block = re.search(r"^stream \d+ port0/q0 .*?(?=^\s*$)", st, re.M | re.S)
    check(block is not None, "port0/q0 is listed:\n" + st)
    mods = re.findall(r"^  (\w+)\s+wr\s", block.group(0), re.M)
    check(mods == ["ip", "netem", "arp", "pmd"], "netem just below ip: %s\n%s" %
          (mods, block.group(0)))
    try:
        p = run(["/usr/bin/python3", "-c", NETEM_CLIENT, YARD_ADDR, str(size), str(deadline)],
                ns=c.ns, ok=False, timeout=deadline + 30)
    finally:
        sq = y.get("/yard/streamq,port0/q0")
        if p is None or p.returncode != 0:
            # What a stall looked like from both ends, for the failure's log.
            log("yard's connections:\n" + yardctl(c, "conns").stdout)
            log("yard's tcp counters: %s" % {k: v for k, v in tcp_counters(y).items()
                                             if v})
            log("the kernel's sockets:\n" + run(["ss", "-tinoe"], ns=c.ns, ok=False).stdout)
        out = yardctl(c, "pop", "port0/q0", "netem").stdout
    check("popped netem from port0/q0" in out, "pop: " + out)
    nq = [v for k, v in sq.items() if k.startswith("q") and isinstance(v, dict) and
          v.get("module") == "netem"]
    check(len(nq) == 1, "one netem queue in /yard/streamq: %s" % sq)
    nem = {k: v for k, v in nq[0].items() if k.startswith("netem_")}
    for what in impaired:
        check(nem["netem_wr_" + what] > 0 and nem["netem_rd_" + what] > 0,
              "netem %r %s both ways: %s" % (args, what, nem))
    check(nem["netem_wr_passed"] > 0 and nem["netem_rd_passed"] > 0, "netem passed: %s" % nem)
    after = tcp_counters(y)
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in TCP_KEYS}
    check(p.returncode == 0 and p.stdout.startswith("ok"),
          "echo of %d bytes through netem %r: %s%s\ntcp %s, netem %s" %
          (size, args, p.stdout, p.stderr, delta, nem))
    check(delta["tx_rexmt_segs"] > 0, "tcp retransmitted under %r: %s" % (args, delta))
    st = yardctl(c, "streams").stdout
    check("netem" not in st, "netem is gone after pop:\n" + st)
    secs = float(p.stdout.split()[1])
    log("netem %r: %d bytes in %.1fs, tcp %s, netem dropped %d down %d up, reordered %d/%d, "
        "of %d/%d" % (args, size, secs, delta, nem["netem_wr_dropped"], nem["netem_rd_dropped"],
                      nem["netem_wr_reordered"], nem["netem_rd_reordered"],
                      nem["netem_wr_passed"], nem["netem_rd_passed"]))
    return nem, delta, secs


def case_yardctl_netem(c):
    """
    TCP loss recovery against the kernel (issue 5): netem pushed just below ip on port0/q0
    with 1%, 5% and 10% loss both ways, and with reordering; echoes through it arrive intact
    (sha256) and in bounded time; yard's TCP agreed SACK with Linux and recovered with its
    scoreboard (RFC 6675), and falls back to NewReno when the kernel does not offer SACK.

    Sizes are kept small enough for CI (the whole case well under 60 s on a quiet machine);
    docs/tcp.md has the figures of larger runs.
    """
    y = start(c)
    # Deadlines are generous (a loaded machine); before the fixes of issue 5 a 5% run
    # stalled 5-25 s at a time (the kernel's RTO inflated by our SYN,ACK echoing an old
    # timestamp, and its lost retransmissions found only by that RTO without SACK).
    for args, size, deadline in (("drop=1% seed=3", 4 << 20, 40),
                                 ("drop=5% seed=7", 4 << 20, 40),
                                 ("drop=10% seed=11", 1 << 20, 40)):
        nem, delta, secs = netem_transfer(c, y, args, size, deadline)
        check(delta["sack_permitted"] == 1, "SACK agreed with Linux: %s" % delta)
        check(delta["sack_blocks_rcvd"] > 0 and delta["sack_blocks_sent"] > 0,
              "SACK blocks both ways under %r: %s" % (args, delta))
        check(delta["sack_recoveries"] > 0 and delta["sack_rexmt_segs"] > 0,
              "recovered from the scoreboard under %r: %s" % (args, delta))
        check(delta["drop_sack_bogus"] == 0, "Linux sends no bogus SACK blocks: %s" % delta)
    # Reordering (a quarter of the packets 3 late, both ways) with a little loss: the
    # duplicate ACKs that reordering draws must not break anything.
    nem, delta, secs = netem_transfer(c, y, "reorder=25% gap=3 drop=1% seed=5", 2 << 20, 40,
                                      impaired=("reordered", "dropped"))
    check(delta["sack_blocks_sent"] > 0, "reordered data was SACKed: %s" % delta)
    # No SACK from the kernel: NewReno (RFC 6582) recovers. Smaller and lighter: without SACK
    # Linux finds a lost retransmission only by its RTO, seconds at times (1 run in 24 took
    # more than 40 s for 1 MiB at 5%). Linux counts an ACK as a duplicate only if its SEG.SEQ
    # has not advanced; before yard held its new data while a hole was open (tcp_output.c),
    # its echo data between the duplicate ACKs left Linux to its RTO and one transfer in ~30
    # took 28-44 s (docs/tcp.md). Since, the longest of 120 took 3.8 s; the bound stays at
    # 120 s, what the kernel's RTO backoff alone can take.
    # (per namespace; /proc rather than sysctl(8), which needs procps)
    run(["sh", "-c", "echo 0 > /proc/sys/net/ipv4/tcp_sack"], ns=c.ns)
    nem, delta, secs = netem_transfer(c, y, "drop=3% seed=7", 512 << 10, 120)
    check(delta["sack_permitted"] == 0 and delta["sack_recoveries"] == 0 and
          delta["sack_blocks_rcvd"] == 0, "no SACK when the kernel does not offer it: %s" % delta)
    check(delta["fast_rexmt"] > 0, "NewReno fast retransmit: %s" % delta)
    run(["sh", "-c", "echo 1 > /proc/sys/net/ipv4/tcp_sack"], ns=c.ns)
    c.expect_ping(count=2)  # nothing is left in the path
    y.stop_clean()


CASES = {
    "yardctl_conns": case_yardctl_conns,
    "yardctl_errors": case_yardctl_errors,
    "yardctl_groups": case_yardctl_groups,
    "yardctl_neigh": case_yardctl_neigh,
    "yardctl_routes": case_yardctl_routes,
    "yardctl_netem": case_yardctl_netem,
    "yardctl_snoop": case_yardctl_snoop,
    "yardctl_stats": case_yardctl_stats,
    "yardctl_streams": case_yardctl_streams,
    "yardctl_watch": case_yardctl_watch,
}


def main():
    return yi.plain_main(__doc__, CASES, ("yard", "yardctl"))


if __name__ == "__main__":
    sys.exit(main())
