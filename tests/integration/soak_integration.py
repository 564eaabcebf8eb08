#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
The soak test: yard under churn for SOAK_SECS seconds, in rounds, and after every round
nothing left behind.

    soak_integration.py --yard BUILD/app/yard --source SRCDIR [--secs N] soak
    SOAK_SECS=7200 soak_integration.py --yard ... soak        # two hours
    soak_integration.py --yard ... --config two-queues.ini soak   # on two lcores

What the peers' users saw (F-Stack #679, #702, #24: PCBs leaking under open/close loops, OOM
after days under wrk) is what a single short case cannot show: a leak of one block per
thousand connections, a state that never times out, a counter that creeps. Each round drives,
from the kernel side of config/default.ini's set-up (the tap yard0 in a namespace of its own):

  - HTTP with a new connection per request (wrk -H "Connection: close"; ab without -k),
  - TCP echo connections opened, written, read back and closed; some reset (SO_LINGER 0)
    with data in flight both ways; half-closes (shutdown(SHUT_WR) before or after the
    request); connections to a closed port; opened and closed without a byte; discard;
    memcached and the socket echo (sockmod) on a connection of their own each,
  - UDP echo and discard bursts, datagrams to a closed port, ping (also -s 3000), datagrams
    to a multicast group the UDP services joined (udp_join) and to a group they joined for
    the kernel's address only (SSM, S@G), and their echoes,
  - one 60,000-byte datagram echoed (41 fragments each way),
  - malformed frames of every kind yard_integration.py's malformed cases send, each dropped
    and counted by its reason, overlapping fragments that ip holds until frag_timeout_ms,
  - a SYN burst from addresses the kernel owns, past the listener's SYN backlog (answered
    with SYN cookies); the kernel's RSTs held back meanwhile, then let through, so that the
    embryonic connections are reset when they resend their SYN,ACK.

Then, when the traffic has stopped, it waits for TCP's TIME-WAIT (2 MSL: [tcp] msl_ms = 500
here instead of 30 s, so a round drains in a second, not a minute) and the reassembly
timeout, and checks against the idle baseline taken after start-up:

  - yard's message blocks in use (/yard/mempool msgs_in_use: data, ctl and esb pools), the
    port's RX pool (exactly the ring the PMD keeps posted) and the timer pool;
  - every lcore's TCP connections (/yard/conns, per lcore): none but the listeners;
  - the open streams (/yard/streams count) and the services' own connection counts;
  - no counter of a drop that should not happen (allocation failures, full tables, mailbox
    and steering losses, retry limits; see FORBIDDEN), and the malformed frames' counters
    up by exactly what was sent;
  - and that yard still serves: a curl, a UDP echo and a TCP echo at the end of each round.

With --config two-queues.ini (meson test soak_two_lcores) the same runs on two lcores serving
the tap's two queues, where what is share-nothing per lcore meets the mailbox between them:
every counter and idle check above is read per lcore as well as summed, and each round must
also show both lcores carrying traffic (frames on each queue, connections accepted and
datagrams received on each), fragments handed to their owner lcore (ip frag_forwarded, all of
them received), datagrams whose fragments arrived on different queues and were still
reassembled and answered (split_fragments), and an ARP entry learned on one lcore and told
to the other. Before the rounds, yard's own TCP client ([client.steer], active opens on lcore
0) sends to a kernel server, and the replies the tap brought to lcore 1 must have been steered
(tcp rx_steered): passive opens, the rounds' connections, are never steered.

Each round prints one line: requests, connections, datagrams, in use. The end is yard's clean
stop with "mempools: 0 in use". Built on yard_integration.py's Case (same clean-up: yard
stopped, namespace and taps deleted, EAL's runtime directory removed, on success, failure and
SIGTERM). Needs root (exit 77 otherwise), wrk, ab, curl, nft and python3-scapy (scripts/setup.sh).

The frame sender is this script run inside the namespace; it reads "KIND N" lines and answers
"sent KIND" once the frames are out:
    soak_integration.py --inject IFACE DST_MAC SRC_MAC
"""

import argparse
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yard_integration as yi  # noqa: E402
from yard_integration import (Failure, check, counters, delta, log, run,  # noqa: E402
                              KERNEL_ADDR, PING_WAIT, YARD_ADDR)

SKIP = 77
DEFAULT_SECS = 60
# 2 MSL = 1 s: long enough that a FIN retransmitted by the kernel still finds the TIME-WAIT
# (the tap's round trip is well under a millisecond), short enough to drain every round.
MSL_MS = 500
# The socket echo (sockmod over timod) beside the XTI services: its connections churn too.
SOCK_ECHO = 7007
CLOSED_PORT = 4444
MCAST_GROUP = "239.1.2.3"   # [services] udp_join: the churn sends to it
SSM_GROUP = "232.1.1.1"     # joined for the kernel's address only (S@G): the churn sends to it
# Kernel addresses the SYN burst comes from: the kernel owns them, so once its RSTs are let
# through it resets what the burst left embryonic (unanswered, a SYN,ACK is sent 7 times over
# 2 minutes: RTO 1 s doubled, syn_rexmt_max 6, too long to wait for every round).
SYN_SOURCES = ["198.18.0.%d" % i for i in range(100, 108)]
SYN_BURST = 300          # more than the listener's SYN backlog (128; 2 x 128 on two lcores)
# The split fragments (two lcores only, see Soak.split_fragments): the IP ids (0x5300 +
# 0..4095) and ICMP id of their echo requests, how many datagrams a round splits over two
# queues, and how many times it tries.
SPLIT_IP_ID = 0x5300
SPLIT_ICMP_ID = 0x5353
SPLIT_WANT = 2
SPLIT_TRIES = 6
# yard's own TCP client before the rounds (two lcores only, see Soak.steer_clients): its
# connections and what each sends.
STEER_CONNS = 16
STEER_BYTES = 512 << 10
# Kernel addresses new to yard ping it each round (two lcores only, see Soak.arp_learn):
# ARP_LEARN_PER_ROUND of ARP_LEARN_NET.150-249 (each back after 25 rounds, 4 minutes).
ARP_LEARN_NET = "198.18.0"
ARP_LEARN_PER_ROUND = 4
# Past this, a round that has not drained is a failure: 2 MSL (1 s), the reassembly timeout
# (2 s), and a FIN or SYN,ACK lost once and resent after an RTO that may have backed off on a
# loaded machine. Generous on purpose: the check is that it drains, not how fast.
DRAIN_SECS = 45

# Drops that must not happen at all under this load: each names resources running out or a
# loss yard cannot recover from, which a leak would show as first. Counters whose name
# contains one of these words, in every module yard reports.
FORBIDDEN = (
    "nomem",          # no message block (allocb failed): the first sign of a leak
    "nombuf",         # the PMD found no mbuf to receive into
    "allocb_fail", "dupb_fail",
    "mbox_full", "mbox_drops", "steer_full", "frag_fwd_fail",   # lost between lcores
    "table_full", "hold_total", "hold_overflow", "resolve_failed", "entries_failed",
    "flows_full", "mem_full", "frag_too_many",                  # reassembly out of room
    "listen_overflow", "syn_backlog",                           # accept queue and backlog
    "rcvbuf_full", "upper_flow",                                # a stream head that filled
    "drop_tx_flow", "tx_drops",                                 # output queues that filled
    "rexmt_drops", "keep_drops",                                # a peer that vanished
    "store_no_memory", "closed_error",                          # memcached
)


# ---- the kernel-side clients (run inside the namespace) -----------------------------------

# Worker threads doing one kind of connection or datagram after another, at random, until the
# time is up. Prints one JSON line of counts; any surprise (a wrong echo, a refused connect
# to an open port, a timeout) is an error in the list, which the round reports and fails on.
CHURN = r"""
import json, os, random, socket, struct, sys, threading, time
dst, secs, seed, nthreads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ECHO, DISCARD, HTTP, MC, SOCK, CLOSED = 7, 9, 80, 11211, int(sys.argv[5]), int(sys.argv[6])
GROUP, MINE, SSM = sys.argv[7], sys.argv[8], sys.argv[9]
deadline = time.monotonic() + secs
lock = threading.Lock()
st = {k: 0 for k in ("tcp_conns", "echo", "reset", "reset_idle", "half_close", "http",
                     "http_half_close", "open_close", "discard", "refused", "memcached",
                     "sock_echo", "udp_sent", "udp_echoed", "udp_discard", "udp_closed",
                     "udp_refused", "mcast_sent", "mcast_echoed")}
errors = []

def bump(k, n=1):
    with lock:
        st[k] += n

def conn(port):
    s = socket.create_connection((dst, port), timeout=10)
    bump("tcp_conns")
    return s

def read_all(s, n):
    got = bytearray()
    while len(got) < n:
        b = s.recv(1 << 16)
        if not b:
            raise AssertionError("EOF after %d of %d bytes" % (len(got), n))
        got += b
    return bytes(got)

def read_eof(s):
    got = bytearray()
    while True:
        try:
            b = s.recv(1 << 16)
        except socket.timeout:
            raise AssertionError("timed out after %d bytes, %s -> %s" %
                                 (len(got), s.getsockname(), s.getpeername()))
        if not b:
            return bytes(got)
        got += b

def echo(r, port=ECHO, key="echo"):
    s = conn(port)
    data = os.urandom(r.choice((1, 100, 1460, 5000, 20000)))
    s.sendall(data)
    assert read_all(s, len(data)) == data, "echo differs"
    s.shutdown(socket.SHUT_WR)              # our FIN first: yard's side closes passively
    assert s.recv(1) == b"", "no EOF after our FIN"
    s.close()
    bump(key)

def reset(r):
    # RST with data in flight both ways: the echo is writing back what we do not read.
    s = conn(r.choice((ECHO, ECHO, SOCK)))
    s.sendall(os.urandom(r.choice((1000, 65536))))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    bump("reset")

def reset_idle(r):
    s = conn(r.choice((ECHO, HTTP)))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    bump("reset_idle")

def half_close(r):
    s = conn(r.choice((ECHO, SOCK)))
    data = os.urandom(r.choice((0, 0, 3000, 30000)))
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)              # our FIN before the echo came back (or bare)
    got = read_eof(s)                       # yard sends in CLOSE-WAIT, then its FIN
    assert got == data, "echo after our FIN: %d of %d bytes" % (len(got), len(data))
    s.close()
    bump("half_close")

def http(r):
    n = r.choice((0, 64, 3000, 70000))
    s = conn(HTTP)
    s.sendall(b"GET /%d HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n" % n)
    resp = read_eof(s)                      # yard closes first: its TIME-WAIT
    s.close()
    assert resp.startswith(b"HTTP/1.1 200") and len(resp.split(b"\r\n\r\n", 1)[1]) == n, \
        "http /%d: %r" % (n, resp[:80])
    bump("http")

def http_half_close(r):
    # The request, then our FIN at once: the answer must still come (a half-open read side).
    s = conn(HTTP)
    s.sendall(b"GET /100 HTTP/1.1\r\nHost: y\r\n\r\n")
    s.shutdown(socket.SHUT_WR)
    resp = read_eof(s)
    s.close()
    assert resp.startswith(b"HTTP/1.1 200") and len(resp.split(b"\r\n\r\n", 1)[1]) == 100, \
        "http after our FIN: %r" % resp[:80]
    bump("http_half_close")

def open_close(r):
    s = conn(r.choice((ECHO, DISCARD, HTTP, MC, SOCK)))
    s.close()
    bump("open_close")

def discard(r):
    s = conn(DISCARD)
    s.sendall(os.urandom(r.choice((10, 10000, 100000))))
    s.shutdown(socket.SHUT_WR)
    assert s.recv(1) == b"", "discard answered"
    s.close()
    bump("discard")

def refused(r):
    try:
        socket.create_connection((dst, CLOSED), timeout=10).close()
    except ConnectionRefusedError:
        bump("refused")
        return
    raise AssertionError("port %d accepted" % CLOSED)

def memcached(r):
    s = conn(MC)
    k = b"soak%d" % r.randrange(1000)
    v = os.urandom(r.choice((5, 500, 5000))).hex().encode()
    s.sendall(b"set %s 0 0 %d\r\n%s\r\nget %s\r\n" % (k, len(v), v, k))
    want = b"STORED\r\nVALUE %s 0 %d\r\n%s\r\nEND\r\n" % (k, len(v), v)
    assert read_all(s, len(want)) == want, "memcached answer differs"
    s.sendall(b"quit\r\n")
    assert s.recv(1) == b"", "memcached: no EOF after quit"
    s.close()
    bump("memcached")

def sock_echo(r):
    echo(r, SOCK, "sock_echo")

def udp(r):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    try:
        sent = []
        for i in range(20):
            d = os.urandom(r.choice((1, 64, 512, 1472, 3000)))
            u.sendto(d, (dst, ECHO))
            sent.append(d)
        bump("udp_sent", len(sent))
        got = 0
        try:
            while got < len(sent):
                d, a = u.recvfrom(70000)
                assert a == (dst, ECHO) and d in sent, "udp echo from %s differs" % (a,)
                got += 1
        except socket.timeout:
            pass
        bump("udp_echoed", got)
        for i in range(50):
            u.sendto(b"discard %d" % i, (dst, DISCARD))
        bump("udp_discard", 50)
    finally:
        u.close()

def mcast(r):
    # To the groups the UDP services joined ([services] udp_join), one of them for this
    # source only (SSM): echoed from yard's address.
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(MINE))
    u.settimeout(2)
    try:
        sent = []
        for i in range(10):
            d = os.urandom(r.choice((1, 64, 512, 1472)))
            u.sendto(d, (r.choice((GROUP, SSM)), r.choice((ECHO, ECHO, DISCARD))))
            sent.append(d)
        bump("mcast_sent", len(sent))
        got = 0
        try:
            while got < len(sent):
                d, a = u.recvfrom(70000)
                assert a == (dst, ECHO) and d in sent, "group echo from %s differs" % (a,)
                got += 1
        except socket.timeout:
            pass
        bump("mcast_echoed", got)
    finally:
        u.close()

def udp_closed(r):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(0.5)
    u.connect((dst, CLOSED))
    try:
        u.send(b"anyone?")
        bump("udp_closed")
        u.recv(100)
        raise AssertionError("udp port %d answered" % CLOSED)
    except ConnectionRefusedError:
        bump("udp_refused")                 # ICMP port unreachable (rate limited)
    except socket.timeout:
        pass
    finally:
        u.close()

KINDS = [(echo, 6), (reset, 2), (reset_idle, 1), (half_close, 2), (http, 4),
         (http_half_close, 1), (open_close, 2), (discard, 1), (refused, 2), (memcached, 2),
         (sock_echo, 2), (udp, 2), (udp_closed, 1), (mcast, 1)]
CHOICES = [f for f, w in KINDS for _ in range(w)]

def worker(i):
    r = random.Random(seed * 100 + i)
    while time.monotonic() < deadline:
        f = r.choice(CHOICES)
        try:
            f(r)
        except Exception as e:
            with lock:
                errors.append("%s: %s: %s" % (f.__name__, type(e).__name__, e))
            if len(errors) > 20:
                return

ts = [threading.Thread(target=worker, args=(i,)) for i in range(nthreads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
st["errors"] = errors
print(json.dumps(st), flush=True)
"""

# One 60,000-byte datagram through the echo and back (41 fragments each way), and a TCP echo
# and a UDP echo round trip: what "still serving" means at the end of a round.
SERVING = r"""
import os, socket, sys
dst = sys.argv[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
for n in (60000, 100):
    d = os.urandom(n)
    for attempt in range(3):    # a datagram may be lost on a loaded machine: UDP says so
        u.sendto(d, (dst, 7))
        try:
            r, a = u.recvfrom(70000)
            break
        except socket.timeout:
            r = None
    assert r == d, "udp echo of %d bytes: %s" % (n, "none" if r is None else "differs")
s = socket.create_connection((dst, 7), timeout=10)
s.sendall(b"still here\n")
got = b""
while len(got) < 11:
    b = s.recv(100)
    assert b, "tcp echo closed early"
    got += b
assert got == b"still here\n", got
s.close()
print("ok")
"""


# ---- frames from the kernel side, raw (run inside the namespace) -------------------------

def inject(iface, dst_mac, src_mac):
    """Read "KIND N" lines; send N frames of KIND; answer "sent KIND". Ends at end of input."""
    from scapy.all import conf
    conf.verb = 0
    for line in sys.stdin:
        kind, n = line.split()
        if kind == "syn_burst":
            syn_burst(iface, dst_mac, src_mac, int(n))
        elif kind == "lone_fragment":
            lone_fragment(iface, dst_mac, src_mac, int(n))
        elif kind.startswith("udp_"):
            udp_kind(iface, dst_mac, src_mac, kind[4:], int(n))
        elif kind.startswith("split_"):
            split_piece(iface, dst_mac, src_mac, kind[6:], int(n))
        elif kind != "nothing":
            yi.inject_kind(iface, dst_mac, src_mac, kind, int(n))
        print("sent " + kind, flush=True)


def udp_kind(iface, dst_mac, src_mac, kind, count):
    """Malformed UDP: the kinds of yard_integration.py's udp_malformed case."""
    from scapy.all import Ether, IP, UDP, Raw, sendp
    eth = Ether(dst=dst_mac, src=src_mac)
    frames = []
    for i in range(count):
        ip = IP(src=KERNEL_ADDR, dst=YARD_ADDR, id=0x7600 + i)
        body = Raw(b"u" * 32)
        if kind == "len_beyond_payload":
            frames.append(eth / ip / UDP(sport=41000 + i, dport=7, len=200) / body)
        elif kind == "len_below_8":
            frames.append(eth / ip / UDP(sport=41000 + i, dport=7, len=4) / body)
        elif kind == "bad_cksum":
            frames.append(eth / ip / UDP(sport=41000 + i, dport=7, chksum=0x1234) / body)
        elif kind == "short":
            frames.append(eth / IP(src=KERNEL_ADDR, dst=YARD_ADDR, id=0x7600 + i, proto=17) /
                          Raw(b"abc"))
        else:
            raise SystemExit("unknown udp kind " + kind)
    sendp(frames, iface=iface)


def lone_fragment(iface, dst_mac, src_mac, count):
    """The first fragment of a UDP datagram whose rest never comes: ip holds it until
    frag_timeout_ms, then frees it (frag_timeout) and sends ICMP time exceeded (RFC 792)."""
    from scapy.all import Ether, IP, Raw, UDP, sendp
    frames = []
    for i in range(count):
        dgram = bytes(IP(src=KERNEL_ADDR, dst=YARD_ADDR, id=0x7700 + i) /
                      UDP(sport=42000 + i, dport=9) / Raw(b"f" * 2000))
        frames.append(Ether(dst=dst_mac, src=src_mac) /
                      IP(src=KERNEL_ADDR, dst=YARD_ADDR, id=0x7700 + i, proto=17,
                         flags="MF", frag=0) / Raw(dgram[20:20 + 1480]))
    sendp(frames, iface=iface)


def split_piece(iface, dst_mac, src_mac, which, seq):
    """
    Pieces of a fragmented ICMP echo request (2,000 bytes: 2 fragments, its IP id and ICMP
    sequence from seq): "first" sends the first fragment, "rest" the others, "whole" all.
    Soak.split_fragments() sends the first, makes the tap switch queues, then sends the rest.
    """
    from scapy.all import Ether, ICMP, IP, Raw, fragment, sendp
    pkt = IP(src=KERNEL_ADDR, dst=YARD_ADDR, id=SPLIT_IP_ID + seq % 4096) / \
        ICMP(type=8, id=SPLIT_ICMP_ID, seq=seq) / Raw(bytes([seq % 251]) * 2000)
    frags = fragment(pkt, fragsize=1480)
    frags = frags[:1] if which == "first" else frags[1:] if which == "rest" else frags
    sendp([Ether(dst=dst_mac, src=src_mac) / f for f in frags], iface=iface)


def syn_burst(iface, dst_mac, src_mac, count):
    """count SYNs to the echo port from SYN_SOURCES, each from a port of its own."""
    from scapy.all import Ether, IP, TCP, sendp
    eth = Ether(dst=dst_mac, src=src_mac)
    frames = []
    for i in range(count):
        src = SYN_SOURCES[i % len(SYN_SOURCES)]
        frames.append(eth / IP(src=src, dst=YARD_ADDR) /
                      TCP(sport=20000 + (int(time.time()) * 7 + i) % 40000, dport=7,
                          flags="S", seq=(i * 2654435761) & 0xffffffff,
                          options=[("MSS", 1460)]))
    sendp(frames, iface=iface)


# The malformed kinds a round sends, one frame each: (kind, module, counter it bumps).
MALFORMED = [(k, m, ctr) for k, m, ctr, _ in yi.MALFORMED] + [
    ("udp_len_beyond_payload", "udp", "drop_bad_len"),
    ("udp_len_below_8", "udp", "drop_bad_len"),
    ("udp_bad_cksum", "udp", "drop_bad_cksum"),
    ("udp_short", "udp", "drop_short"),
]


# ---- reading yard ------------------------------------------------------------------------

def pools(y):
    """(msgs_in_use, the RX pools' in use, the timer pool's in use) from /yard/mempool."""
    mp = y.get("/yard/mempool")
    rx = sum(p["in_use"] for n, p in mp["pools"].items() if n.startswith("yrx"))
    tmo = mp["pools"].get("yard_tmo", {}).get("in_use", 0)
    return mp["msgs_in_use"], rx, tmo


def conn_rows(y, lcores):
    """
    Every TCP row of every lcore (listeners and connections), page by page, and whether an
    lcore had more than /yard/conns gathers (512: thousands in TIME-WAIT right after wrk).
    """
    rows, truncated = [], False
    for l in lcores:
        start = 0
        while True:
            d = y.get("/yard/conns,%d,%d" % (l, start))
            check(d.get("ok") == 1, "/yard/conns,%d: %s" % (l, str(d)[:300]))
            truncated |= bool(d["truncated"])
            page = [d["conn%d" % i] for i in range(d["count"])]
            rows += page
            start += len(page)
            if not page or start >= d["total"]:
                break
    return rows, truncated


def tap_dropped(c):
    """Frames the kernel dropped on its way to yard (yard0's tx_dropped, the kernel's side)."""
    return int(run(["cat", "/sys/class/net/yard0/statistics/tx_dropped"], ns=c.ns).stdout)


def all_counters(y, lcores):
    """
    module.name -> value for every counter yard reports, summed over lcores, and with more
    than one lcore also lcoreN.module.name for each: a drop on one lcore must not hide in a
    sum, and a check "per lcore and summed" reads both.
    """
    out = {}
    for m in ("arp", "ip", "icmp", "udp", "tcp"):
        d = y.get("/yard/%s" % m)
        for k, v in (d["all"] if "all" in d else d).items():
            out["%s.%s" % (m, k)] = v
        if len(lcores) > 1:
            pl = y.get("/yard/%s,per_lcore" % m)
            for l in lcores:
                for k, v in pl["lcore%d" % l].items():
                    out["lcore%d.%s.%s" % (l, m, k)] = v
    mp = y.get("/yard/mempool")
    for k in ("allocb_fail", "dupb_fail"):
        out["mempool." + k] = mp[k]
    for name, p in y.get("/yard/ports").items():
        for k in ("rx_nombuf", "ierrors", "oerrors"):
            out["%s.%s" % (name, k)] = p[k]
        for q, qs in p.items():
            if isinstance(qs, dict):
                for k, v in qs.items():
                    out["%s.%s.%s" % (name, q, k)] = v
    for name, l in y.get("/yard/lcores").items():
        for k in ("mbox_full", "mbox_drops"):
            out["%s.%s" % (name, k)] = l[k]
    for svc, s in y.get("/yard/tcp_services").items():
        for k, v in s.items():
            out["tcp_%s.%s" % (svc, k)] = v
    for svc, s in y.get("/yard/udp_services").items():
        for k, v in s.items():
            out["udp_%s.%s" % (svc, k)] = v
    for part, s in y.get("/yard/sockets").items():
        for k, v in s.items():
            out["sockets_%s.%s" % (part, k)] = v
    for k, v in y.get("/yard/memcached").items():
        out["memcached." + k] = v
    if len(lcores) > 1:
        for l in lcores:
            for what, prefix in (("tcp_services", "tcp_"), ("udp_services", "udp_"),
                                 ("sockets", "sockets_")):
                for part, s in y.get("/yard/%s,%d" % (what, l)).items():
                    for k, v in s.items():
                        out["lcore%d.%s%s.%s" % (l, prefix, part, k)] = v
            for k, v in y.get("/yard/memcached,%d" % l).items():
                out["lcore%d.memcached.%s" % (l, k)] = v
    return out


def forbidden(d):
    """The counters of d (a delta) that must not have moved, with how much they did."""
    return {k: v for k, v in d.items() if v and any(w in k.split(".")[-1] for w in FORBIDDEN)}


def open_counts(y, lcores):
    """
    Connections the services hold open: each must be 0 when traffic has stopped, summed and,
    with more than one lcore, on each (where one lcore's surplus could hide another's debt).
    """
    out = {}
    for l in [None] + (lcores if len(lcores) > 1 else []):
        arg, name = ("", "") if l is None else (",%d" % l, "lcore%d " % l)
        for svc, s in y.get("/yard/tcp_services" + arg).items():
            out[name + "tcp " + svc] = s["accepted"] - s["closed"]
        se = y.get("/yard/sockets" + arg)["sock_echo"]
        out[name + "sock_echo"] = se["accepted"] - se["closed"]
        out[name + "memcached"] = y.get("/yard/memcached" + arg)["connections"]
    return out


class Idle:
    """What yard holds when nothing happens: taken after start-up, compared after each round."""

    def __init__(self, y, lcores):
        # Several samples: the timer pool moves between them (see drained()).
        samples = []
        for _ in range(10):
            samples.append(pools(y))
            time.sleep(0.05)
        msgs = {s[0] for s in samples}
        rx = {s[1] for s in samples}
        check(len(msgs) == 1 and len(rx) == 1,
              "idle yard's pools move while nothing happens: %s" % samples)
        self.msgs, self.rx = msgs.pop(), rx.pop()
        self.tmo = max(s[2] for s in samples)
        rows, _ = conn_rows(y, lcores)
        check(rows and all(r["state"] == "LISTEN" for r in rows),
              "at idle, listeners only: %s" % rows)
        self.listeners = sorted((r["lcore"], r["lport"]) for r in rows)
        self.streams = y.get("/yard/streams")["count"]
        self.sockets_open = self.sockets(y, lcores)

    @staticmethod
    def sockets(y, lcores):
        """The sockets open, summed and (with more than one lcore) on each."""
        out = []
        for arg in [""] + ([",%d" % l for l in lcores] if len(lcores) > 1 else []):
            lib = y.get("/yard/sockets" + arg)["library"]
            out.append(lib["opened"] - lib["closed"])   # opened counts yard_accept too
        return out


def drained(y, idle, lcores):
    """
    None once yard is back at its idle state, else what is still out. The timer pool may read
    one below its idle count: tcp's 5 ms tick gives its entry back to the pool before its
    callback arms the next (streams/timer.c tmo_fire), so a sample can fall in between; never
    above it.
    """
    msgs, rx, tmo = pools(y)
    left = []
    if msgs != idle.msgs:
        left.append("msgs_in_use %d (idle %d)" % (msgs, idle.msgs))
    if rx != idle.rx:
        left.append("RX pool in use %d (idle %d: the ring the PMD keeps posted)" % (rx, idle.rx))
    if tmo > idle.tmo:
        left.append("timers pending %d (idle %d)" % (tmo, idle.tmo))
    rows, truncated = conn_rows(y, lcores)
    conns = [r for r in rows if not r["listener"]]
    if truncated:
        left.append("more TCP connections than /yard/conns lists (%d)" % len(rows))
    elif conns:
        states = {}
        for r in conns:
            states[r["state"]] = states.get(r["state"], 0) + 1
        left.append("%d TCP connections (%s), e.g. %s" % (len(conns), states, conns[0]))
    lsn = sorted((r["lcore"], r["lport"]) for r in rows if r["listener"])
    if lsn != idle.listeners:
        left.append("listeners %s (idle %s)" % (lsn, idle.listeners))
    streams = y.get("/yard/streams")["count"]
    if streams != idle.streams:
        left.append("%d streams open (idle %d)" % (streams, idle.streams))
    socks = Idle.sockets(y, lcores)
    if socks != idle.sockets_open:
        left.append("sockets open %s (idle %s; summed, then per lcore)" %
                    (socks, idle.sockets_open))
    held = {k: v for k, v in open_counts(y, lcores).items() if v}
    if held:
        left.append("services hold connections: %s" % held)
    return "; ".join(left) if left else None


# ---- the case ----------------------------------------------------------------------------

class Soak:
    def __init__(self, c, secs, threads, config):
        self.c = c
        self.secs = secs
        self.threads = threads
        self.config_name = config
        self.sender = None
        self.split_seq = 0

    def config(self):
        """
        The configuration file named (config/default.ini, or config/two-queues.ini for two
        lcores), with what default.ini has and it lacks (the services the churn uses, the
        reassembly timeout, memcached's memory): its own keys win. Then [tcp] msl_ms and the
        socket echo.
        """
        def parse(name):
            cp = configparser.ConfigParser(interpolation=None, strict=True)
            cp.optionxform = str
            with open(self.c.source_config(name)) as f:
                cp.read_file(f)
            return cp
        cfg = parse("default.ini")
        for sec, keys in parse(self.config_name).items():
            if sec != "DEFAULT":
                if not cfg.has_section(sec):
                    cfg.add_section(sec)
                for k, v in keys.items():
                    cfg.set(sec, k, v)
        check(cfg.has_section("services") and not cfg.has_section("tcp"),
              "config/%s changed shape: [services] expected, no [tcp]" % self.config_name)
        cfg.add_section("tcp")
        cfg.set("tcp", "msl_ms", str(MSL_MS))
        cfg.set("services", "sock_echo", str(SOCK_ECHO))
        cfg.set("services", "udp_join", "%s, %s@%s" % (MCAST_GROUP, KERNEL_ADDR, SSM_GROUP))
        self.steer = int(cfg.get("port0", "rx_queues", fallback="1")) > 1
        if self.steer:
            # yard's own active opens, steered in software to the lcore that made them where
            # the tap brings a reply to the other (see steer_clients())
            cfg.add_section("client.steer")
            for k, v in (("type", "source"), ("connect", "%s:5001" % KERNEL_ADDR),
                         ("bytes", str(STEER_BYTES)), ("conns", str(STEER_CONNS)),
                         ("delay", "1s")):
                cfg.set("client.steer", k, v)
        return "".join("[%s]\n%s\n" % (sec, "".join("%s = %s\n" % kv for kv in cfg.items(sec)))
                       for sec in cfg.sections())

    def send(self, kind, n):
        self.sender.stdin.write("%s %d\n" % (kind, n))
        self.sender.stdin.flush()
        line = self.sender.stdout.readline().strip()
        check(line == "sent %s" % kind, "frame sender: %r" % line)

    def warm_arp(self):
        """One ping from each SYN source: yard knows their MACs before the burst."""
        for a in SYN_SOURCES:
            run(["ping", "-n", "-q", "-c", "1", "-W", PING_WAIT, "-I", a, YARD_ADDR],
                ns=self.c.ns, ok=False, timeout=30)

    def syn_burst(self, y, n):
        """
        SYN_BURST SYNs while the kernel's RSTs from SYN_SOURCES are held back (nftables in the
        namespace), so the SYN,ACKs go unanswered and the listener's SYN backlog (128) fills:
        the rest are answered with SYN cookies, keeping nothing. Then the RSTs are let
        through: the backlog's embryonic connections are reset when they resend their
        SYN,ACK (after an RTO of 1 s), and the drain below waits for that.
        """
        c = self.c
        src = "{ %s }" % ", ".join(SYN_SOURCES)
        run(["nft", "add table ip soak; add chain ip soak out { type filter hook output "
             "priority 0; }; add rule ip soak out ip saddr %s tcp flags & rst == rst drop" %
             src], ns=c.ns)
        try:
            t0 = counters(y, "tcp")
            self.send("syn_burst", SYN_BURST)
            d = None
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                d = delta(t0, counters(y, "tcp"))
                if d["passive_opens"] + d["syncookies_sent"] >= SYN_BURST:
                    break
                time.sleep(0.1)
        finally:
            run(["nft", "delete table ip soak"], ns=c.ns)
        check(d["passive_opens"] + d["syncookies_sent"] >= SYN_BURST and
              d["syncookies_sent"] > 0,
              "round %d: the SYN burst filled the backlog and met SYN cookies: %s" %
              (n, {k: v for k, v in d.items() if v and ("syn" in k or "passive" in k)}))
        return d

    def split_fragments(self, y, n, lcores):
        """
        Datagrams whose fragments arrive on different queues, so on different lcores. A tap
        with two queues hands the kernel's frames to a queue chosen by a symmetric hash of
        the flow (addresses and protocol for a fragment, ports too otherwise), and learns
        from the frames yard writes: a flow goes to the queue it was last written from
        (drivers/net/tun.c, tun_flow_update and tun_automq_select_queue). Every fragment of
        an echo request from one address hashes alike, so they all come on one queue, until
        yard answers an ICMP from the other lcore: then the next come on that lcore's queue.
        So: send the first fragment of A and see which lcore received it; send whole echo
        requests until one is answered from the other lcore (their reassembly owner, by
        yard's own hash, is either lcore); send the rest of A and see it arrive there; A must
        still be reassembled and answered. Returns how many datagrams were split so.
        """
        def per_lcore(module, key):
            d = y.get("/yard/%s,per_lcore" % module)
            return [d["lcore%d" % l][key] for l in lcores]

        def moved(module, key, before, what):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                now = per_lcore(module, key)
                if sum(now) > sum(before):
                    return [i for i in range(len(now)) if now[i] > before[i]][0]
                time.sleep(0.01)
            raise Failure("round %d: split fragments: %s never came (%s.%s %s)" %
                          (n, what, module, key, before))

        def seq():
            self.split_seq += 1
            return self.split_seq

        split = 0
        for _ in range(SPLIT_TRIES):
            if split >= SPLIT_WANT:
                break
            a = seq()
            f0, e0 = per_lcore("ip", "frag_rx"), per_lcore("icmp", "tx_echo_replies")
            self.send("split_first", a)
            first = moved("ip", "frag_rx", f0, "the first fragment")
            for _ in range(4):
                e1 = per_lcore("icmp", "tx_echo_replies")
                self.send("split_whole", seq())
                if moved("icmp", "tx_echo_replies", e1, "an answer to a whole one") != first:
                    break
            f1, e2 = per_lcore("ip", "frag_rx"), per_lcore("icmp", "tx_echo_replies")
            self.send("split_rest", a)
            rest = moved("ip", "frag_rx", f1, "the rest")
            moved("icmp", "tx_echo_replies", e2, "the answer to the split datagram")
            split += rest != first
        return split

    def steer_clients(self, y, srv, lcores):
        """
        Before the rounds, on two lcores: STEER_CONNS connections of yard's source client
        (its active opens, on lcore 0) each deliver STEER_BYTES of the pattern intact to a
        kernel server that hashes it, released in order, none refused or reset; the replies
        the tap brought to the other lcore were handed to lcore 0 through its mailbox
        (tcp.rx_steered), none lost (drop_steer_full, forbidden). A client runs once, when
        yard starts, so this is not repeated each round; then yard must come to its idle
        state (TIME-WAIT of those connections gone) before the baseline is taken.
        """
        c0 = all_counters(y, lcores)
        yi.expect_source_hashed(y, srv, "steer", STEER_CONNS, STEER_BYTES, 120)
        deadline = time.monotonic() + DRAIN_SECS
        while True:
            rows, _ = conn_rows(y, lcores)
            if all(r["listener"] for r in rows) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        check(all(r["listener"] for r in rows), "the client's connections did not go: %s" %
              [r for r in rows if not r["listener"]][:3])
        # Nothing lost between the lcores, for want of memory, or at a full queue: 16 senders
        # at once on one lcore against a tap a starved kernel reads late fill the link's write
        # queue, and ip holds tcp back (tx_held) until it drains, so no segment is dropped.
        dc = delta(c0, all_counters(y, lcores))
        bad = forbidden(dc)
        check(not bad, "drops that should not happen while the client sent: %s" % bad)
        tcp = y.get("/yard/tcp,per_lcore")
        steered = {l: tcp["lcore%d" % l]["rx_steered"] for l in lcores}
        check(sum(steered.values()) > 0, "no reply to the client needed steering: %s" % steered)
        log("the steered client: %d connections, %d bytes each, intact; segments steered "
            "per lcore %s; tcp held back by a full link %d times (ip tx_held), connections "
            "waiting for it %d times (tcp tx_flow_waits)" %
            (STEER_CONNS, STEER_BYTES, steered, dc.get("ip.tx_held", 0),
             dc.get("tcp.tx_flow_waits", 0)))
        return sum(steered.values())

    def arp_learn(self, n):
        """
        Kernel addresses yard has not seen for a while ping it (ARP_LEARN_PER_ROUND new ones
        each round, from ARP_LEARN_NET.150-249, so older than arp's 60 s timeout when they
        come back): the lcore that receives an ARP request learns its sender and tells its
        sibling through the sibling's mailbox (arp sib_sent, sib_received). The echo request
        that follows may reach either lcore, and must be answered from there at once: by
        what the sibling was told, or after resolving alone (its reply held meanwhile).
        """
        c = self.c
        for i in range(ARP_LEARN_PER_ROUND):
            addr = "%s.%d" % (ARP_LEARN_NET, 150 + (n * ARP_LEARN_PER_ROUND + i) % 100)
            run(["ip", "-n", c.ns, "addr", "add", addr + "/24", "dev", "yard0"])
            try:
                p = run(["ping", "-n", "-q", "-c", "1", "-W", PING_WAIT, "-I", addr,
                         YARD_ADDR], ns=c.ns, ok=False, timeout=30)
            finally:
                run(["ip", "-n", c.ns, "addr", "del", addr + "/24", "dev", "yard0"])
            check(p.returncode == 0, "round %d: a ping from %s, new to yard, unanswered: %s" %
                  (n, addr, p.stdout))

    def run(self):
        c = self.c
        text = self.config()
        srv = yi.kernel_servers(c) if self.steer else None
        y = c.yard(c.config(text))
        c.tap_up()
        for a in SYN_SOURCES:
            run(["ip", "-n", c.ns, "addr", "add", a + "/24", "dev", "yard0"])
        # The kernel's side closes the echo connections first, a few hundred a second: its
        # TIME-WAIT (60 s) would take most of its 28,000 ephemeral ports in a run of hours.
        # Reusing them is the kernel's business (yard's side of those is long gone).
        run(["sh", "-c", "echo 1 > /proc/sys/net/ipv4/tcp_tw_reuse"], ns=c.ns)
        lcores = y.get("/yard/info")["lcores"]
        port = y.get("/yard/ports,0")
        kmac = run(["cat", "/sys/class/net/yard0/address"], ns=c.ns).stdout.strip()
        # One sender for the whole run (scapy takes seconds to import).
        self.sender = subprocess.Popen(["ip", "netns", "exec", c.ns, "/usr/bin/python3",
                                        os.path.abspath(__file__), "--inject", "yard0",
                                        port["mac"], kmac], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True,
                                       start_new_session=True)
        c.procs.append(self.sender)
        c.expect_ping(count=2)
        self.warm_arp()
        self.send("nothing", 0)
        steered = self.steer_clients(y, srv, lcores) if self.steer else 0
        start = all_counters(y, lcores)
        idle = Idle(y, lcores)
        log("idle: msgs_in_use %d, RX pool %d, timers %d, %d listeners, %d streams" %
            (idle.msgs, idle.rx, idle.tmo, len(idle.listeners), idle.streams))
        t0 = time.monotonic()
        n = 0
        totals = {"requests": 0, "conns": 0, "datagrams": 0, "frag_fwd": 0, "split": 0}
        while n == 0 or time.monotonic() - t0 < self.secs:
            n += 1
            self.round(y, n, idle, lcores, totals)
        d = delta(start, all_counters(y, lcores))
        bad = forbidden(d)
        check(not bad, "drops that should not happen over the whole run: %s" % bad)
        if len(lcores) > 1:
            check(totals["split"] > 0, "no datagram arrived split over the two queues")
        log("soak: %d rounds in %.0f s: %d requests, %d connections, %d datagrams%s; back at "
            "idle after each" % (n, time.monotonic() - t0, totals["requests"],
                                 totals["conns"], totals["datagrams"],
                                 ", %d fragments handed to their owner lcore, %d datagrams "
                                 "split over two queues, %d segments steered to the client's "
                                 "lcore before" % (totals["frag_fwd"], totals["split"], steered)
                                 if len(lcores) > 1 else ""))
        self.sender.stdin.close()
        self.sender.wait(timeout=10)
        y.stop_clean()

    def round(self, y, n, idle, lcores, totals):
        c = self.c
        t0 = time.monotonic()
        before = all_counters(y, lcores)
        load = 5
        # The load: wrk (a connection per request) and the churn client at once, ping under
        # both.
        # (--timeout 10s: wrk counts an answer later than 2 s as a socket error; on a loaded
        # machine that is the machine, not yard)
        wrk = subprocess.Popen(["ip", "netns", "exec", c.ns, "wrk", "-c", "8", "-t", "1",
                                "--timeout", "10s", "-d", "%ds" % load, "-H", "Connection: close",
                                "http://%s/64" % YARD_ADDR], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
        c.procs.append(wrk)
        icmp0, tapd0 = counters(y, "icmp"), tap_dropped(c)
        pinger = subprocess.Popen(["ip", "netns", "exec", c.ns, "ping", "-n", "-q", "-i", "0.1",
                                   "-c", str(load * 10), "-W", PING_WAIT, YARD_ADDR],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, start_new_session=True)
        c.procs.append(pinger)
        p = run(["/usr/bin/python3", "-c", CHURN, YARD_ADDR, str(load), str(n),
                 str(self.threads), str(SOCK_ECHO), str(CLOSED_PORT), MCAST_GROUP,
                 KERNEL_ADDR, SSM_GROUP], ns=c.ns, ok=False,
                timeout=load + 120)
        try:
            wout, _ = wrk.communicate(timeout=60)
            pout, _ = pinger.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            raise Failure("round %d: wrk or ping did not finish" % n)
        c.procs.remove(wrk)     # done: a run of hours would pile them up
        c.procs.remove(pinger)
        check(p.returncode == 0 and p.stdout.startswith("{"),
              "round %d: churn client: %s%s" % (n, p.stdout, p.stderr))
        churn = json.loads(p.stdout)
        if churn["errors"]:
            # What yard still holds says whether it is stuck or the machine was slow.
            time.sleep(3)
            raise Failure("round %d: churn client errors: %s; yard now: %s" %
                          (n, churn["errors"], drained(y, idle, lcores) or "back at idle"))
        m = re.search(r"(\d+) requests in", wout)
        check(wrk.returncode == 0 and m and "Socket errors" not in wout and
              "Non-2xx" not in wout, "round %d: wrk: %s" % (n, wout))
        requests = int(m.group(1))
        # Judged on yard's side: it answered every echo request it received, and received
        # every one the kernel did not drop on the tap (it does when yard, starved of CPU on a
        # loaded machine, reads its ring late). ping's own count is not the judge: once it
        # has had replies it waits only two round trips for the last ones, and a loaded
        # machine can make an answered reply later than that.
        tapd = tap_dropped(c) - tapd0
        icmp = delta(icmp0, counters(y, "icmp"))
        m = re.search(r"(\d+) packets transmitted, (\d+) received", pout)
        check(m is not None, "round %d: ping printed no statistics: %s" % (n, pout))
        sent = int(m.group(1))
        if not (icmp["tx_echo_replies"] == icmp["rx_echo_requests"] and
                icmp["rx_echo_requests"] + tapd >= sent):
            d = delta(before, all_counters(y, lcores))
            raise Failure("round %d: ping under load: %d sent, yard received %d and answered "
                          "%d, the kernel dropped %d frames on the tap; yard's drops: %s; "
                          "ping: %s" % (n, sent, icmp["rx_echo_requests"],
                                        icmp["tx_echo_replies"], tapd,
                                        {k: v for k, v in d.items() if v and (
                                            "drop" in k or "fail" in k or "nomem" in k or
                                            "full" in k)}, pout))
        # One after the other: ab (HTTP/1.0, no keep-alive), fragmented pings, the
        # malformed frames, the SYN burst, the 60,000-byte datagram and the serving checks.
        p = run(["ab", "-q", "-n", "300", "-c", "4", "http://%s/100" % YARD_ADDR], ns=c.ns,
                ok=False, timeout=120)
        m = re.search(r"Complete requests:\s+(\d+)", p.stdout)
        f = re.search(r"Failed requests:\s+(\d+)", p.stdout)
        check(p.returncode == 0 and m and int(m.group(1)) == 300 and f and f.group(1) == "0",
              "round %d: ab: %s%s" % (n, p.stdout[-1500:], p.stderr))
        requests += 300
        c.expect_ping(count=3, size=3000, interval=0.05)
        # (before the malformed frames: some are fragments, counted late by frag_rx)
        split = 0
        if len(lcores) > 1:
            split = self.split_fragments(y, n, lcores)
            self.arp_learn(n)
        mal0 = {m: counters(y, m) for m in ("ip", "icmp", "arp", "udp")}
        for kind, _, _ in MALFORMED:
            self.send(kind, 1)
        self.send("overlapping_fragments", 1)
        self.send("lone_fragment", 1)
        self.warm_arp()
        self.syn_burst(y, n)
        p = run(["/usr/bin/python3", "-c", SERVING, YARD_ADDR], ns=c.ns, ok=False, timeout=60)
        check(p.returncode == 0 and p.stdout.strip() == "ok",
              "round %d: still serving (60,000-byte UDP echo, TCP echo): %s%s" %
              (n, p.stdout, p.stderr))
        p = run(["curl", "-sS", "-m", "10", "http://%s/" % YARD_ADDR], ns=c.ns, ok=False,
                timeout=30)
        check(p.returncode == 0 and "yard" in p.stdout, "round %d: curl: %s%s" %
              (n, p.stdout, p.stderr))
        requests += 1 + churn["http"] + churn["http_half_close"]
        # The malformed frames: each counted by its reason, exactly once.
        want = {}
        for kind, module, ctr in MALFORMED:
            want[(module, ctr)] = want.get((module, ctr), 0) + 1
        deadline = time.monotonic() + 10
        while True:
            got = {(m, k): delta(mal0[m], counters(y, m))[k] for m, k in want}
            if got == want or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        check(got == want, "round %d: malformed frames counted %s, expected %s" %
              (n, {"%s.%s" % k: v for k, v in got.items() if v != want[k]},
               {"%s.%s" % k: v for k, v in want.items() if got[k] != v}))
        # Quiet now: wait for TIME-WAIT, reassembly and the embryonic connections to go.
        t_drain = time.monotonic()
        while True:
            left = drained(y, idle, lcores)
            if left is None or time.monotonic() - t_drain > DRAIN_SECS:
                break
            time.sleep(0.2)
        check(left is None, "round %d: not back at idle %d s after the traffic stopped: %s" %
              (n, DRAIN_SECS, left))
        drain = time.monotonic() - t_drain
        d = delta(before, all_counters(y, lcores))
        bad = forbidden(d)
        check(not bad, "round %d: drops that should not happen: %s" % (n, bad))
        # The overlap is found at once or times out; the lone fragment times out.
        check(d["ip.frag_overlap"] >= 1 and d["ip.frag_timeout"] >= 1 or
              d["ip.frag_timeout"] >= 2,
              "round %d: overlapping fragments and a lone one dropped and counted: %s" %
              (n, {k: v for k, v in d.items() if k.startswith("ip.frag") and v}))
        # The group's datagrams reached the services, whose echoes came back (UDP: some may
        # be lost on a loaded machine, not all).
        check(churn["mcast_sent"] == 0 or
              (d["ip.rx_mcast"] > 0 and churn["mcast_echoed"] > 0),
              "round %d: datagrams to the group: %d sent, %d echoed, yard took %d" %
              (n, churn["mcast_sent"], churn["mcast_echoed"], d["ip.rx_mcast"]))
        msgs, rx, tmo = pools(y)
        conns = d["tcp.passive_opens"]
        dgrams = d["udp.rx_datagrams"]
        per_lcore = ""
        if len(lcores) > 1:
            # Both lcores carried the round: frames on each queue, connections accepted and
            # datagrams received on each, and fragments handed to their owner lcore.
            carried = {l: {"rx": d["port0.q%d.rx_pkts" % i],
                           "conns": d["lcore%d.tcp.passive_opens" % l],
                           "datagrams": d["lcore%d.udp.rx_datagrams" % l],
                           "frag_fwd": d["lcore%d.ip.frag_fwd_received" % l]}
                       for i, l in enumerate(lcores)}
            check(all(v["rx"] > 0 and v["conns"] > 0 and v["datagrams"] > 0
                      for v in carried.values()),
                  "round %d: an lcore idle: %s" % (n, carried))
            fwd = d["ip.frag_fwd_received"]
            check(fwd > 0 and d["ip.frag_forwarded"] == fwd,
                  "round %d: fragments handed between lcores: %d sent, %d received" %
                  (n, d["ip.frag_forwarded"], fwd))
            check(d["arp.sib_sent"] > 0 and d["arp.sib_received"] == d["arp.sib_sent"],
                  "round %d: arp siblings shared what they learned: %s" %
                  (n, {k: v for k, v in d.items() if k.startswith("arp.sib")}))
            totals["frag_fwd"] += fwd
            totals["split"] += split
            per_lcore = "; per lcore (conns/datagrams): %s; %d fragments to their owner " \
                "lcore, %d datagrams split over two queues; steered %d" % (
                    ", ".join("%d/%d" % (v["conns"], v["datagrams"])
                              for v in carried.values()),
                    fwd, split, d["tcp.rx_steered"])
        totals["requests"] += requests
        totals["conns"] += conns
        totals["datagrams"] += dgrams
        print("# round %d: %d requests, %d connections (%d reset, %d refused), %d datagrams, "
              "in use: msgs %d rx %d timers %d, 0 connections; drained in %.1f s, round %.1f s%s%s"
              % (n, requests, conns, churn["reset"] + churn["reset_idle"], churn["refused"],
                 dgrams, msgs, rx, tmo, drain, time.monotonic() - t0, per_lcore,
                 "; the kernel dropped %d frames on the tap" % tapd if tapd else ""),
              flush=True)
        log("round %d: other drops: %s" %       # summed (each lcore's were checked above)
            (n, {k: v for k, v in d.items() if v and not k.startswith("lcore") and
                 ("drop" in k or "fail" in k or "reset" in k or "refused" in k or
                  "syncookies" in k)}))


def case_soak(c):
    """Churn for --secs (SOAK_SECS) in rounds; after each, yard back at its idle state."""
    for tool in ("wrk", "ab", "curl", "ping", "nft"):
        check(shutil.which(tool) is not None, "%s not found: scripts/setup.sh installs it" % tool)
    Soak(c, c.args.secs, c.args.threads, c.args.config).run()


CASES = {"soak": case_soak}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--yard")
    ap.add_argument("--source")
    ap.add_argument("--secs", type=float, default=None,
                    help="how long to churn, in rounds (default $SOAK_SECS, else "
                    "--default-secs)")
    ap.add_argument("--default-secs", type=float, default=DEFAULT_SECS,
                    help="how long when neither --secs nor $SOAK_SECS says (%d)" % DEFAULT_SECS)
    ap.add_argument("--config", default="default.ini",
                    help="the file of config/ to run (default.ini: one lcore; "
                    "two-queues.ini: two lcores on two tap queues)")
    ap.add_argument("--threads", type=int, default=4, help="churn client threads (4)")
    ap.add_argument("--inject", nargs=3, metavar=("IFACE", "DST_MAC", "SRC_MAC"))
    ap.add_argument("case", nargs="?", choices=sorted(CASES))
    args = ap.parse_args()
    if args.inject:
        inject(*args.inject)
        return 0
    if not args.case or not args.yard or not args.source:
        ap.error("give --yard, --source and a case")
    if args.secs is None:
        args.secs = float(os.environ.get("SOAK_SECS", args.default_secs))
    args.yard = os.path.abspath(args.yard)
    args.source = os.path.abspath(args.source)
    if os.geteuid() != 0:
        print("# SKIP: the soak test needs root (namespaces, taps, raw sockets)")
        return SKIP
    try:
        import scapy  # noqa: F401
    except ImportError:
        print("# FAIL: python3-scapy missing for %s; scripts/setup.sh installs it" %
              sys.executable)
        return 1
    return yi.run_case(args, CASES)


if __name__ == "__main__":
    sys.exit(main())
