#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
yard's TCP against a crafted peer (issue 5): scapy plays TCP sequences a kernel would never
send, segment by segment, and checks what yard answers and which of its counters moved.

    tcp_scapy_integration.py --yard BUILD/app/yard --source SRCDIR CASE

Each CASE runs yard in its own network namespace on net_tap, as yard_integration.py does
(whose Case and Yard classes it uses, so the clean-up is the same). The peer is this same
script run inside the namespace (--peer): it speaks on the tap with a packet socket as
198.18.0.1, while an nftables rule in the namespace drops the RSTs the kernel would send for
connections it never opened (packet sockets bypass netfilter, so the crafted RSTs still go
out). The peer reads yard's counters over telemetry (/yard/tcp) itself and prints one line
per sequence saying what it checked. Needs root, python3-scapy and nftables
(scripts/setup.sh installs them).

Cases: tcp_scapy_data (reassembly, duplicates, overlaps, zero window and persist),
tcp_scapy_5961 (RFC 5961 RST/SYN/ACK checks, malformed segments), tcp_scapy_close (closing
races, TIME-WAIT), scapy_vlan (yard on an 802.1Q VLAN: ARP, ICMP, UDP, TCP, all tagged; the
peer speaks 802.1Q since this kernel may have no VLAN interfaces).
"""

import argparse
import os
import random
import select
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yard_integration as yi  # noqa: E402
from yard_integration import Failure, check, run, KERNEL_ADDR, YARD_ADDR  # noqa: E402

SKIP = 77
ECHO, HTTP = 7, 80


# ---- the peer (runs inside the namespace) -------------------------------------------------

class Peer:
    """A packet socket on the tap: frames out as the kernel's address, yard's TCP frames in."""

    def __init__(self, iface, ymac, kmac, prefix, vlan=0):
        from scapy.all import Dot1Q, Ether, conf
        conf.verb = 0
        self.sock = conf.L2socket(iface=iface)
        self.ymac = ymac.lower()  # as scapy writes addresses
        self.eth = Ether(dst=ymac, src=kmac)
        if vlan:
            self.eth = self.eth / Dot1Q(vlan=vlan)
        self.vlan = vlan
        self.untagged = []  # yard's frames without the tag of the peer's VLAN (vlan only)
        self.tel = yi.Telemetry(prefix)
        self.ports = iter(range(41000 + random.randrange(0, 8000), 65000))

    def send(self, pkt):
        self.sock.send(self.eth / pkt)

    def recv_match(self, match, timeout):
        """The next frame from yard (its MAC) for which match(frame) holds, or None."""
        from scapy.all import Dot1Q, Ether
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            p = self.sock.recv()
            if p is None or Ether not in p or p[Ether].src != self.ymac:
                continue
            if self.vlan and (Dot1Q not in p or p[Dot1Q].vlan != self.vlan or
                              p[Dot1Q].prio != 0):
                self.untagged.append(p.summary())
                continue
            if match(p):
                return p

    def recv(self, sport, dport, timeout):
        """The next TCP segment yard sends from sport to dport, or None after timeout."""
        from scapy.all import IP, TCP
        return self.recv_match(lambda p: IP in p and TCP in p and p[IP].src == YARD_ADDR and
                               p[TCP].sport == sport and p[TCP].dport == dport, timeout)

    def tcp(self):
        d = self.tel.get("/yard/tcp")
        return d["all"] if "all" in d else d

    def row(self, rport):
        """yard's row (/yard/conns) of the connection from the peer's port rport, or None."""
        d = self.tel.get("/yard/conns")
        for r in d.values():
            if isinstance(r, dict) and r.get("rport") == rport and \
                    r.get("remote", "").startswith(KERNEL_ADDR + ":"):
                return r
        return None

    def state(self, rport):
        r = self.row(rport)
        return r["state"] if r is not None else None

    def wait_state(self, rport, want, what, timeout=3):
        deadline = time.monotonic() + timeout
        while True:
            st = self.state(rport)
            if st == want or time.monotonic() > deadline:
                check(st == want, "%s: yard's connection is %s, expected %s" % (what, st, want))
                return
            time.sleep(0.02)

    def settle(self, before, counter, n, timeout=5):
        """Counters once `counter` went up by n (or the timeout passed): their delta."""
        deadline = time.monotonic() + timeout
        while True:
            d = yi.delta(before, self.tcp())
            if d[counter] >= n or time.monotonic() > deadline:
                return d
            time.sleep(0.02)


def flagstr(p):
    from scapy.all import TCP
    return str(p[TCP].flags)


def dlen(p):
    """Bytes of TCP data in p (the IP length decides: Ethernet padding is not data)."""
    from scapy.all import IP, TCP
    return p[IP].len - p[IP].ihl * 4 - p[TCP].dataofs * 4


def has(p, f):
    from scapy.all import TCP
    return f in str(p[TCP].flags)


class Conn:
    """
    One crafted connection to yard's port. snd_nxt/rcv_nxt are the peer's; segments are
    built by hand (seq, ack, flags, window, options exactly as given).
    """

    def __init__(self, peer, dport, win=65535):
        self.peer = peer
        self.dport = dport
        self.sport = next(peer.ports)
        self.iss = random.randrange(1 << 32)
        self.snd_nxt = self.iss
        self.rcv_nxt = None
        self.win = win
        self.got = b""
        self.fin = False  # yard's FIN taken (take())

    def seg(self, flags, seq=None, ack=None, data=b"", win=None, options=None, **kw):
        from scapy.all import IP, TCP, Raw
        t = TCP(sport=self.sport, dport=self.dport, flags=flags,
                seq=(self.snd_nxt if seq is None else seq) & 0xffffffff,
                ack=((self.rcv_nxt or 0) if ack is None else ack) & 0xffffffff,
                window=self.win if win is None else win, options=options or [], **kw)
        pkt = IP(src=KERNEL_ADDR, dst=YARD_ADDR) / t
        if data:
            pkt = pkt / Raw(data)
        self.peer.send(pkt)

    def expect(self, what, timeout=3):
        p = self.peer.recv(self.dport, self.sport, timeout)
        check(p is not None, "%s: yard sent nothing within %ss" % (what, timeout))
        return p

    def drain(self):
        """Forget what yard sent so far (retransmissions while the peer was elsewhere)."""
        while self.peer.recv(self.dport, self.sport, 0.05) is not None:
            pass

    def nothing(self, what, timeout=0.6):
        p = self.peer.recv(self.dport, self.sport, timeout)
        check(p is None, "%s: yard sent %s, expected nothing" % (what, p and p.summary()))

    def open(self, mss=1460):
        """Three-way handshake; returns the SYN,ACK."""
        self.seg("S", options=[("MSS", mss)])
        sa = self.expect("SYN,ACK")
        check(flagstr(sa) == "SA" and sa.ack == (self.iss + 1) & 0xffffffff,
              "SYN,ACK expected, got %s" % sa.summary())
        self.snd_nxt = self.iss + 1
        self.rcv_nxt = (sa.seq + 1) & 0xffffffff
        self.yiss = sa.seq
        self.seg("A")
        return sa

    def data(self, payload, **kw):
        self.seg("PA", data=payload, **kw)
        self.snd_nxt += len(payload)

    def take(self, p):
        """Account for a segment yard sent: in-order data appended to got, a FIN noted."""
        from scapy.all import TCP
        n = dlen(p)
        if n > 0 and p[TCP].seq == self.rcv_nxt:
            self.got += bytes(p[TCP].payload)[:n]
            self.rcv_nxt = (self.rcv_nxt + n) & 0xffffffff
        if has(p, "F") and (p[TCP].seq + n) & 0xffffffff == self.rcv_nxt:
            self.rcv_nxt = (self.rcv_nxt + 1) & 0xffffffff
            self.fin = True

    def collect(self, n, what, timeout=5, ack=True):
        """Receive until n bytes are in got, ACKing every data segment; returns them."""
        deadline = time.monotonic() + timeout
        start = len(self.got)
        while len(self.got) - start < n:
            p = self.peer.recv(self.dport, self.sport, max(0.01, deadline - time.monotonic()))
            check(p is not None, "%s: %d of %d bytes echoed" % (what, len(self.got) - start, n))
            self.take(p)
            if ack:
                self.seg("A")
        return self.got[start:]

    def reset(self):
        self.seg("R")


def pattern(n, seed):
    return bytes((seed + i * 7) & 0xff for i in range(n))


def changed(d):
    return {k: v for k, v in d.items() if v}


def say(name, what):
    print("# %s: %s" % (name, what), flush=True)


# ---- tcp_scapy_data ----

def seq_out_of_order(peer):
    c = Conn(peer, ECHO)
    c.open()
    base = c.snd_nxt
    parts = [pattern(100, 1), pattern(100, 2), pattern(100, 3)]
    before = peer.tcp()
    for i in (2, 1):
        c.seg("PA", seq=base + 100 * i, data=parts[i])
        a = c.expect("ACK for out-of-order segment %d" % (i + 1))
        check(has(a, "A") and a.ack == base and dlen(a) == 0,
              "out-of-order segment %d: an immediate duplicate ACK of %d, got %s ack %d" %
              (i + 1, base, a.summary(), a.ack))
    c.seg("PA", seq=base, data=parts[0])
    c.snd_nxt = base + 300
    echoed = c.collect(300, "3,2,1 reassembled")
    check(echoed == b"".join(parts), "echo of 3,2,1 is not 1,2,3 in order")
    d = yi.delta(before, peer.tcp())
    check(d["rx_ooo_segs"] == 2 and d["rx_data_bytes"] == 300,
          "counters after 3,2,1: %s" % changed(d))
    say("out_of_order", "segments 3,2,1: a duplicate ACK at once for 3 and 2, 300 bytes "
        "echoed in order (rx_ooo_segs +2, rx_data_bytes +300)")
    return c


def seq_duplicate(peer, c):
    base = c.snd_nxt
    payload = pattern(200, 9)
    before = peer.tcp()
    c.data(payload)
    check(c.collect(200, "first copy") == payload, "first copy echoed wrong")
    c.seg("PA", seq=base, data=payload)  # the same segment again
    a = c.expect("ACK of the duplicate")
    check(has(a, "A") and a.ack == base + 200 and dlen(a) == 0,
          "duplicate: a pure ACK of %d expected, got %s ack %d" % (base + 200, a.summary(),
                                                                  a.ack))
    c.nothing("no second echo of the duplicate")
    d = yi.delta(before, peer.tcp())
    check(d["rx_dup_segs"] == 1 and d["rx_data_bytes"] == 200,
          "counters after a duplicate: %s" % changed(d))
    say("duplicate", "a repeated segment is ACKed at once and not echoed twice "
        "(rx_dup_segs +1, rx_data_bytes +200)")


def seq_overlapping(peer, c):
    base = c.snd_nxt
    body = pattern(400, 77)
    before = peer.tcp()
    # [200,300) out of order, then [150,350) over it, then [0,180) in order overlapping
    # [150,...), then [100,400) covering the rest: 400 bytes exactly once, in order.
    for lo, hi in ((200, 300), (150, 350), (0, 180), (100, 400)):
        c.seg("PA", seq=base + lo, data=body[lo:hi])
    c.snd_nxt = base + 400
    echoed = c.collect(400, "overlapping segments")
    check(echoed == body, "overlapping segments echoed wrong")
    c.nothing("nothing more than the 400 bytes")
    d = yi.delta(before, peer.tcp())
    check(d["rx_data_bytes"] == 400 and d["rx_ooo_segs"] >= 2 and d["rx_partdup_segs"] >= 1,
          "counters after overlaps: %s" % changed(d))
    say("overlapping", "[200,300) [150,350) [0,180) [100,400): 400 bytes echoed once, "
        "in order (rx_ooo_segs +%d, rx_partdup_segs +%d)" %
        (d["rx_ooo_segs"], d["rx_partdup_segs"]))


def seq_zero_window(peer):
    """
    The peer offers 500 bytes, reads them, then closes its window: yard stops and probes
    with the persist timer, backing off; the window opens and the rest arrives intact.
    """
    c = Conn(peer, ECHO, win=500)
    c.open()
    payload = pattern(2000, 33)
    before = peer.tcp()
    c.data(payload[:1000])
    c.data(payload[1000:])
    first = c.collect(500, "the first window", ack=False)
    c.win = 0
    c.seg("A")  # 500 bytes read, window closed
    probes = []
    deadline = time.monotonic() + 10
    while len(probes) < 4 and time.monotonic() < deadline:
        p = peer.recv(c.dport, c.sport, deadline - time.monotonic())
        if p is None:
            break
        if dlen(p) == 0 and flagstr(p) == "A" and p.seq == c.rcv_nxt:
            continue  # the ACK of the data (delayed or for the window update)
        # A probe: at most one byte at rcv_nxt; it is not accepted (the window is zero).
        check(dlen(p) <= 1 and p.seq in (c.rcv_nxt, (c.rcv_nxt - 1) &
                                                         0xffffffff),
              "zero window: yard sent %s seq %d (rcv_nxt %d)" % (p.summary(), p.seq,
                                                                 c.rcv_nxt))
        probes.append(time.monotonic())
        c.seg("A")
    check(len(probes) >= 3, "zero window: %d persist probes in 10 s" % len(probes))
    gaps = [b - a for a, b in zip(probes, probes[1:])]
    check(all(g2 > g1 * 1.4 for g1, g2 in zip(gaps, gaps[1:])),
          "persist probes did not back off: gaps %s" % ["%.2f" % g for g in gaps])
    d = yi.delta(before, peer.tcp())
    check(d["tx_probes"] == len(probes) and d["tx_rexmt_segs"] == 0,
          "%d probes counted as tx_probes +%d, tx_rexmt_segs +%d" %
          (len(probes), d["tx_probes"], d["tx_rexmt_segs"]))
    # The ACKs of probes are not duplicate ACKs: no fast retransmit into a zero window.
    check(d["fast_rexmt"] == 0 and d["rx_dupacks"] == 0,
          "probe ACKs taken as duplicate ACKs: %s" % changed(d))
    c.win = 65535
    c.seg("A")  # the window opens
    rest = c.collect(1500, "after the window opened")
    check(first + rest == payload, "zero window: the 2000 bytes echoed are not intact")
    say("zero_window", "500 bytes, window 0: %d persist probes %s s apart (backing off, "
        "tx_probes +%d), window opened, 2000 bytes intact" %
        (len(probes), "/".join("%.2f" % g for g in gaps), d["tx_probes"]))
    c.reset()


def peer_data(peer):
    c = seq_out_of_order(peer)
    seq_duplicate(peer, c)
    seq_overlapping(peer, c)
    c.reset()
    seq_zero_window(peer)


# ---- tcp_scapy_5961 ----

def expect_ack(c, what, data_ok=False):
    """The next segment must be a pure ACK of c.rcv_nxt (a challenge ACK or a dup ACK)."""
    a = c.expect(what)
    check(flagstr(a) == "A" and a.ack == c.snd_nxt & 0xffffffff and
          (data_ok or dlen(a) == 0),
          "%s: a pure ACK of %d expected, got %s ack %d" % (what, c.snd_nxt, a.summary(), a.ack))
    return a


def still_alive(c, what):
    c.data(b"still-alive")
    check(c.collect(11, what) == b"still-alive", "%s: echo after it is wrong" % what)


def seq_rst_challenge(peer, c):
    before = peer.tcp()
    c.seg("R", seq=c.snd_nxt + 100)
    expect_ack(c, "RST in window, not at RCV.NXT")
    d = yi.delta(before, peer.tcp())
    check(d["rst_challenged"] == 1 and d["tx_challenge_acks"] == 1 and d["rst_accepted"] == 0,
          "challenged RST counters: %s" % changed(d))
    still_alive(c, "after the challenged RST")
    say("rst_in_window", "RST at RCV.NXT+100 draws a challenge ACK (RFC 5961 3.2), the "
        "connection lives (rst_challenged +1, tx_challenge_acks +1)")


def seq_rst_out_of_window(peer, c):
    before = peer.tcp()
    c.seg("R", seq=c.snd_nxt + 1000000)
    c.seg("R", seq=c.snd_nxt - 5000)
    c.nothing("RSTs outside the window")
    d = yi.delta(before, peer.tcp())
    check(d["drop_rst_out_window"] == 2 and d["rst_accepted"] == 0,
          "out-of-window RST counters: %s" % changed(d))
    still_alive(c, "after the out-of-window RSTs")
    say("rst_out_of_window", "RSTs at RCV.NXT+1000000 and RCV.NXT-5000 are dropped without "
        "an answer (drop_rst_out_window +2)")


def seq_syn_challenge(peer, c):
    before = peer.tcp()
    c.seg("S", seq=random.randrange(1 << 32), ack=0, options=[("MSS", 1460)])
    expect_ack(c, "SYN on an established connection")
    d = yi.delta(before, peer.tcp())
    check(d["syn_challenged"] == 1 and d["tx_challenge_acks"] == 1,
          "challenged SYN counters: %s" % changed(d))
    still_alive(c, "after the challenged SYN")
    say("syn_established", "a SYN on ESTABLISHED draws a challenge ACK (RFC 5961 4.2), the "
        "connection lives (syn_challenged +1)")


def seq_ack_range(peer, c):
    before = peer.tcp()
    base = c.snd_nxt
    c.seg("PA", ack=c.rcv_nxt + 100000, data=b"never-delivered")
    expect_ack(c, "ACK of data never sent")
    c.nothing("no echo of data under a bad ACK")
    d = yi.delta(before, peer.tcp())
    check(d["drop_ack_unsent"] == 1 and d["rx_data_bytes"] == 0,
          "ACK of unsent data counters: %s" % changed(d))
    say("ack_unsent", "an ACK of data never sent draws an ACK, its data is dropped "
        "(RFC 5961 5.2, drop_ack_unsent +1)")
    before = peer.tcp()
    c.seg("PA", ack=c.rcv_nxt - 200000, data=b"never-delivered")
    expect_ack(c, "ACK older than SND.UNA - MAX.SND.WND")
    c.nothing("no echo of data under a too old ACK")
    d = yi.delta(before, peer.tcp())
    check(d["drop_ack_too_old"] == 1 and d["rx_data_bytes"] == 0,
          "too old ACK counters: %s" % changed(d))
    check(c.snd_nxt == base, "the peer's sequence is unchanged")
    still_alive(c, "after the bad ACKs")
    say("ack_too_old", "an ACK below SND.UNA - MAX.SND.WND is dropped with an ACK "
        "(RFC 5961 5.2, drop_ack_too_old +1)")


def seq_rst_exact(peer, c):
    before = peer.tcp()
    c.seg("R")
    c.nothing("an exact RST is not answered")
    peer.wait_state(c.sport, None, "after the exact RST")
    d = yi.delta(before, peer.tcp())
    check(d["rst_accepted"] == 1 and d["resets_received"] == 1,
          "exact RST counters: %s" % changed(d))
    before = peer.tcp()
    c.seg("A")
    r = c.expect("an ACK after the reset")
    check(flagstr(r) == "R" and r.seq == c.rcv_nxt,
          "an ACK for the closed connection: RST seq %d expected, got %s" % (c.rcv_nxt,
                                                                             r.summary()))
    d = yi.delta(before, peer.tcp())
    # the echo port still listens: an ACK there is answered with a RST (RFC 9293 3.10.7.2)
    check(d["drop_listen_bad"] == 1 and d["tx_rsts"] == 1,
          "no-connection counters: %s" % changed(d))
    say("rst_exact", "a RST at RCV.NXT closes the connection (rst_accepted +1); the next "
        "segment draws a RST from the listener (drop_listen_bad +1)")


# Malformed segments: (name, what the peer sends, the counter it must bump). Each is a SYN
# to the echo port that yard must drop without an answer.
def bad_segments():
    from scapy.all import IP, TCP, Raw
    from scapy.layers.inet import in4_chksum
    ip = IP(src=KERNEL_ADDR, dst=YARD_ADDR, proto=6)

    def syn(sport, **kw):
        return TCP(sport=sport, dport=ECHO, flags="S", seq=random.randrange(1 << 32),
                   window=65535, **kw)

    def raw_opts(sport, opts):
        # the option bytes as given (scapy would repair lengths), a correct checksum: the
        # malformed option list is the only fault
        hdr = bytearray(bytes(syn(sport, dataofs=(20 + len(opts)) // 4, chksum=0))[:20])
        hdr += opts
        ck = in4_chksum(6, ip, bytes(hdr))
        hdr[16:18] = ck.to_bytes(2, "big")
        return IP(src=KERNEL_ADDR, dst=YARD_ADDR, proto=6) / Raw(bytes(hdr))

    return [
        ("zero_length_option", lambda p: raw_opts(p, b"\x02\x04\x05\xb4\x08\x00\x00\x00"),
         "drop_bad_opts"),
        ("truncated_option", lambda p: raw_opts(p, b"\x01\x01\x02\x04"),
         "drop_bad_opts"),
        ("option_beyond_header", lambda p: raw_opts(p, b"\x02\x04\x05\xb4\x01\x01\x01\x04"),
         "drop_bad_opts"),
        ("mss_zero", lambda p: ip / syn(p, options=[("MSS", 0)]), "drop_bad_mss"),
        ("bad_checksum", lambda p: ip / syn(p, chksum=0x1234), "drop_bad_cksum"),
        ("data_offset_below_5", lambda p: ip / syn(p, dataofs=3), "drop_bad_off"),
        ("data_offset_beyond_segment", lambda p: ip / syn(p, dataofs=15), "drop_bad_off"),
    ]


def seq_bad_segments(peer):
    for name, make, counter in bad_segments():
        c = Conn(peer, ECHO)
        before = peer.tcp()
        peer.send(make(c.sport))
        c.nothing(name)
        d = peer.settle(before, counter, 1)
        check(d[counter] == 1 and d["passive_opens"] == 0 and d["tx_segs"] == 0,
              "%s: %s +1 and no answer expected: %s" % (name, counter, changed(d)))
        say(name, "SYN dropped without an answer, counted %s" % counter)
    c = Conn(peer, ECHO)
    c.open()
    still_alive(c, "a good SYN after the bad ones")
    c.reset()
    say("good_syn", "a well-formed SYN after them is answered and the connection echoes")


def peer_5961(peer):
    c = Conn(peer, ECHO)
    c.open()
    still_alive(c, "first echo")
    seq_rst_challenge(peer, c)
    seq_rst_out_of_window(peer, c)
    seq_syn_challenge(peer, c)
    seq_ack_range(peer, c)
    seq_rst_exact(peer, c)
    seq_bad_segments(peer)


# ---- tcp_scapy_close ----

def expect_fin(c, what):
    """Read segments (data ACKed into got) until yard's FIN; returns it, not ACKed."""
    deadline = time.monotonic() + 5
    while True:
        p = c.peer.recv(c.dport, c.sport, max(0.01, deadline - time.monotonic()))
        check(p is not None, "%s: no FIN from yard" % what)
        c.take(p)
        if has(p, "F"):
            return p
        if dlen(p) > 0:
            c.seg("A")


def http_close(peer):
    """An HTTP request with Connection: close: yard answers and sends its FIN first."""
    c = Conn(peer, HTTP)
    c.open()
    c.data(b"GET /10 HTTP/1.1\r\nHost: yard\r\nConnection: close\r\n\r\n")
    fin = expect_fin(c, "HTTP close")
    check(c.got.endswith(b"abcdefghij"), "HTTP answer: %r" % c.got[-60:])
    return c, fin


def seq_simultaneous_close(peer):
    c, fin = http_close(peer)
    before = peer.tcp()
    # Our FIN crosses yard's: it ACKs yard's data but not yard's FIN.
    c.seg("FA", ack=fin.seq + dlen(fin))
    c.snd_nxt += 1
    a = c.expect("ACK of our FIN in FIN-WAIT-1")
    check(has(a, "A") and a.ack == c.snd_nxt & 0xffffffff,
          "simultaneous close: our FIN ACKed expected, got %s ack %d" % (a.summary(), a.ack))
    peer.wait_state(c.sport, "CLOSING", "both FINs crossed")
    c.seg("A")  # now ACK yard's FIN
    peer.wait_state(c.sport, "TIME_WAIT", "CLOSING, its FIN ACKed")
    d = yi.delta(before, peer.tcp())
    check(d["tx_rsts"] == 0 and d["resets_received"] == 0, "simultaneous close: %s" % changed(d))
    say("simultaneous_close", "FINs crossing: FIN-WAIT-1 -> CLOSING -> TIME-WAIT "
        "(states read from /yard/conns)")
    return c


def seq_timewait_fin(peer, c):
    c.drain()
    before = peer.tcp()
    c.seg("FA", seq=c.snd_nxt - 1)  # our FIN again: yard's ACK was "lost"
    expect_ack(c, "retransmitted FIN in TIME-WAIT")
    check(peer.state(c.sport) == "TIME_WAIT", "still TIME-WAIT")
    d = yi.delta(before, peer.tcp())
    check(d["rx_dup_segs"] == 1 and d["timewait_expired"] == 0,
          "FIN in TIME-WAIT counters: %s" % changed(d))
    say("timewait_fin", "TIME-WAIT answers a retransmitted FIN with an ACK and stays "
        "(rx_dup_segs +%d)" % d["rx_dup_segs"])


def seq_timewait_rst(peer, c):
    before = peer.tcp()
    c.seg("R")
    c.nothing("RST in TIME-WAIT is not answered")
    check(peer.state(c.sport) == "TIME_WAIT", "a RST does not end TIME-WAIT (RFC 1337)")
    d = yi.delta(before, peer.tcp())
    check(d["timewait_rst_ignored"] == 1 and d["rst_accepted"] == 0,
          "RST in TIME-WAIT counters: %s" % changed(d))
    say("timewait_rst", "a RST in TIME-WAIT is dropped unanswered, TIME-WAIT stays (RFC 1337, "
        "timewait_rst_ignored +1)")


def seq_fin_with_data(peer):
    c = Conn(peer, ECHO)
    c.open()
    before = peer.tcp()
    c.seg("FPA", data=b"last words")
    c.snd_nxt += len(b"last words") + 1
    fin = expect_fin(c, "echo of data with FIN")
    check(c.got == b"last words", "FIN with data: echoed %r" % c.got)
    check(fin.ack == c.snd_nxt & 0xffffffff, "yard's FIN ACKs ours")
    c.seg("A")
    peer.wait_state(c.sport, None, "LAST-ACK, its FIN ACKed")
    d = yi.delta(before, peer.tcp())
    check(d["rx_data_bytes"] == 10, "FIN with data counters: %s" % changed(d))
    say("fin_with_data", "data+FIN in one segment: the data echoed, then yard's FIN; "
        "LAST-ACK -> CLOSED on our ACK")


def seq_rst_after_fin(peer):
    c = Conn(peer, ECHO)
    c.open()
    c.seg("FA")
    c.snd_nxt += 1
    expect_fin(c, "yard's FIN after ours")
    before = peer.tcp()
    c.seg("R")
    c.nothing("RST in LAST-ACK is not answered")
    peer.wait_state(c.sport, None, "RST in LAST-ACK")
    d = yi.delta(before, peer.tcp())
    check(d["rst_accepted"] == 1, "RST after FIN counters: %s" % changed(d))
    say("rst_after_fin", "a RST instead of the last ACK closes LAST-ACK at once "
        "(rst_accepted +1)")


def seq_fin_retransmitted(peer):
    c = Conn(peer, ECHO)
    c.open()
    c.seg("FA")
    c.snd_nxt += 1
    fin = expect_fin(c, "yard's FIN after ours")
    before = peer.tcp()
    c.seg("FA", seq=c.snd_nxt - 1, ack=fin.seq)  # our FIN again, yard's not ACKed
    a = c.expect("answer to the retransmitted FIN")
    check(has(a, "A") and a.ack == c.snd_nxt & 0xffffffff,
          "retransmitted FIN: an ACK of %d, got %s ack %d" % (c.snd_nxt, a.summary(), a.ack))
    d = yi.delta(before, peer.tcp())
    check(d["rx_dup_segs"] == 1, "retransmitted FIN counters: %s" % changed(d))
    c.seg("A")
    peer.wait_state(c.sport, None, "LAST-ACK, its FIN ACKed")
    say("fin_retransmitted", "our FIN again in LAST-ACK is ACKed again (rx_dup_segs +1), "
        "the last ACK closes")


def seq_data_after_close(peer):
    """
    The echo service closed its endpoint after the peer's FIN: data arriving now has no
    reader, and yard answers with a RST (RFC 9293 3.10.7.4 / RFC 1122 4.2.2.13).
    """
    c = Conn(peer, ECHO)
    c.open()
    c.seg("FA")
    c.snd_nxt += 1
    expect_fin(c, "yard's FIN after ours")
    deadline = time.monotonic() + 3
    while not (peer.row(c.sport) or {}).get("orphan") and time.monotonic() < deadline:
        time.sleep(0.02)
    row = peer.row(c.sport)
    check(row is not None and row["state"] == "LAST_ACK" and row["orphan"],
          "echo closed its endpoint in LAST-ACK: %s" % row)
    before = peer.tcp()
    c.data(b"too late")
    r = c.expect("data after the close")
    check(has(r, "R"), "data after close: a RST expected, got %s" % r.summary())
    peer.wait_state(c.sport, None, "reset after data after close")
    d = yi.delta(before, peer.tcp())
    check(d["drop_after_close"] == 1 and d["rx_data_bytes"] == 0,
          "data after close counters: %s" % changed(d))
    say("data_after_close", "data after FIN to a closed endpoint (LAST-ACK, orphan) draws "
        "a RST, nothing delivered (drop_after_close +1)")


def seq_data_after_fin_half_close(peer):
    """
    The HTTP service released first but still holds its endpoint (it waits for the peer's
    release): the peer may still send (a half-close); yard accepts and ACKs the data.
    """
    c, fin = http_close(peer)
    c.seg("A")  # yard's FIN ACKed: FIN-WAIT-2
    peer.wait_state(c.sport, "FIN_WAIT_2", "HTTP closed first, its FIN ACKed")
    before = peer.tcp()
    req = b"GET /1 HTTP/1.1\r\nHost: yard\r\n\r\n"
    c.data(req)
    a = c.expect("ACK of data in FIN-WAIT-2")
    check(flagstr(a) == "A" and a.ack == c.snd_nxt & 0xffffffff,
          "data in FIN-WAIT-2: an ACK expected, got %s" % a.summary())
    d = yi.delta(before, peer.tcp())
    check(d["rx_data_bytes"] == len(req) and d["tx_rsts"] == 0,
          "half-close counters: %s" % changed(d))
    c.seg("FA")
    c.snd_nxt += 1
    expect_ack(c, "ACK of our FIN in FIN-WAIT-2")
    peer.wait_state(c.sport, "TIME_WAIT", "FIN-WAIT-2, the peer's FIN")
    say("data_after_fin_half_close", "data after yard's FIN while its endpoint is open "
        "(FIN-WAIT-2, a half-close) is accepted and ACKed, no RST; our FIN -> TIME-WAIT")


def peer_close(peer):
    c = seq_simultaneous_close(peer)
    seq_timewait_fin(peer, c)
    seq_timewait_rst(peer, c)
    seq_fin_with_data(peer)
    seq_rst_after_fin(peer)
    seq_fin_retransmitted(peer)
    seq_data_after_close(peer)
    seq_data_after_fin_half_close(peer)


# ---- scapy_vlan ----

VLAN = 100


def seq_vlan_arp(peer, kmac):
    """A tagged request is answered tagged; untagged and another VLAN's are dropped."""
    from scapy.all import ARP, Dot1Q, Ether
    peer.send(ARP(op=1, hwsrc=kmac, psrc=KERNEL_ADDR, pdst=YARD_ADDR))
    a = peer.recv_match(lambda p: ARP in p and p[ARP].op == 2, 3)
    check(a is not None and a[ARP].hwsrc == peer.ymac and a[ARP].psrc == YARD_ADDR and
          a[Ether].dst == kmac, "tagged ARP request: %s" % (a and a.summary()))
    arp0 = peer.tel.get("/yard/arp")
    arp0 = arp0.get("all", arp0)
    for eth in (Ether(dst=peer.ymac, src=kmac), Ether(dst=peer.ymac, src=kmac) / Dot1Q(vlan=200),
                Ether(dst=peer.ymac, src=kmac) / Dot1Q(vlan=0)):
        peer.sock.send(eth / ARP(op=1, hwsrc=kmac, psrc=KERNEL_ADDR, pdst=YARD_ADDR))
    time.sleep(0.5)
    arp = peer.tel.get("/yard/arp")
    d = yi.delta(arp0, arp.get("all", arp))
    # >= 2: anything untagged the kernel sent meanwhile would count there too
    check(d["drop_untagged"] >= 2 and d["drop_vlan"] == 1 and d["tx_replies"] == 0,
          "untagged, VLAN 200 and priority-tagged requests dropped, none answered: %s" %
          changed(d))
    say("vlan", "ARP on VLAN %d answered tagged; untagged, VLAN 200, VLAN 0 dropped" % VLAN)


def seq_vlan_icmp_udp(peer):
    """A ping and UDP echoes, one of 3000 bytes in fragments both ways, all tagged."""
    from scapy.all import ICMP, IP, UDP, Raw, defragment, fragment
    peer.send(IP(src=KERNEL_ADDR, dst=YARD_ADDR) / ICMP(id=7, seq=1) / Raw(b"vlan-ping"))
    r = peer.recv_match(lambda p: ICMP in p and p[ICMP].type == 0, 3)
    check(r is not None and bytes(r[ICMP].payload).startswith(b"vlan-ping"),
          "tagged echo reply: %s" % (r and r.summary()))
    data = pattern(100, 5)
    peer.send(IP(src=KERNEL_ADDR, dst=YARD_ADDR) / UDP(sport=40007, dport=ECHO) / Raw(data))
    r = peer.recv_match(lambda p: UDP in p and p[UDP].dport == 40007, 3)
    check(r is not None and bytes(r[UDP].payload)[:100] == data,
          "UDP echo: %s" % (r and r.summary()))
    data = pattern(3000, 9)
    for f in fragment(IP(src=KERNEL_ADDR, dst=YARD_ADDR, id=4242) /
                      UDP(sport=40008, dport=ECHO) / Raw(data), fragsize=1400):
        peer.send(f)
    frags = []
    while True:
        r = peer.recv_match(lambda p: IP in p and p[IP].proto == 17 and
                            p[IP].dst == KERNEL_ADDR, 3 if not frags else 1)
        if r is None:
            break
        frags.append(r[IP])
    whole = defragment(frags)
    check(len(frags) >= 3 and len(whole) == 1 and UDP in whole[0] and
          bytes(whole[0][UDP].payload) == data,
          "3000-byte UDP echo in %d tagged fragments, intact" % len(frags))
    say("vlan", "ping, UDP echo and a 3000-byte UDP echo (%d fragments back) tagged %d" %
        (len(frags), VLAN))


def seq_vlan_http(peer):
    """A TCP connection to the HTTP service: handshake, GET, the whole answer, tagged."""
    c = Conn(peer, HTTP)
    c.open()
    c.data(b"GET / HTTP/1.0\r\n\r\n")
    deadline = time.monotonic() + 5
    while not c.fin and time.monotonic() < deadline:
        p = c.peer.recv(c.dport, c.sport, 0.5)
        if p is not None:
            c.take(p)
            c.seg("A")
    check(c.fin and c.got.startswith(b"HTTP/1.1 200") and b"yard" in c.got,
          "HTTP over VLAN %d: fin %s, %r" % (VLAN, c.fin, c.got[:80]))
    c.seg("FA")
    c.snd_nxt += 1
    say("vlan", "HTTP GET over TCP on VLAN %d: %d bytes, released" % (VLAN, len(c.got)))


def peer_vlan(peer):
    kmac = peer.eth.src
    seq_vlan_arp(peer, kmac)
    seq_vlan_icmp_udp(peer)
    seq_vlan_http(peer)
    check(not peer.untagged, "yard sent frames without tag %d: %s" % (VLAN, peer.untagged[:3]))


PEER_GROUPS = {
    "data": peer_data,
    "5961": peer_5961,
    "close": peer_close,
    "vlan": peer_vlan,
}


def peer_main(group, iface, ymac, kmac, prefix):
    peer = Peer(iface, ymac, kmac, prefix, VLAN if group == "vlan" else 0)
    try:
        PEER_GROUPS[group](peer)
    except Failure as e:
        print("# FAIL peer %s: %s" % (group, e), flush=True)
        return 1
    print("# peer %s: ok" % group, flush=True)
    return 0


# ---- the cases (outside the namespace) ----------------------------------------------------

def scapy_case(c, group, timeout=90):
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    # The kernel would answer yard's segments for the crafted flows with RSTs: drop them.
    # (Only locally generated packets pass netfilter; the peer's packet socket does not.)
    run(["nft", "add table ip yt; add chain ip yt out { type filter hook output priority 0; }"
         "; add rule ip yt out tcp flags & rst == rst drop"], ns=c.ns)
    c.expect_ping(count=2)  # ARP resolved both ways
    port = y.get("/yard/ports,0")
    kmac = run(["cat", "/sys/class/net/yard0/address"], ns=c.ns).stdout.strip()
    p = run(["/usr/bin/python3", os.path.abspath(__file__), "--peer", group, "yard0",
             port["mac"], kmac, y.prefix], ns=c.ns, ok=False, timeout=timeout)
    sys.stdout.write(p.stdout)
    check(p.returncode == 0, "peer %s exited %d:\n%s" % (group, p.returncode, p.stderr[-3000:]))
    y.stop_clean()


def case_tcp_scapy_data(c):
    """Reassembly of 3,2,1, duplicates, overlaps; zero window, persist backoff, reopening."""
    scapy_case(c, "data")


def case_tcp_scapy_5961(c):
    """RFC 5961: RST/SYN challenge ACKs, RSTs out of window, the ACK range; bad SYNs."""
    scapy_case(c, "5961")


def case_tcp_scapy_close(c):
    """Closing races: simultaneous close, FIN with data, RST after FIN, FIN again, TIME-WAIT."""
    scapy_case(c, "close")


def case_scapy_vlan(c):
    """
    yard on VLAN 100 ([port0] vlan = 100) against a peer speaking 802.1Q (this kernel has no
    VLAN interfaces): ARP, ping, UDP echo (3000 bytes in fragments), an HTTP GET over TCP, every
    frame yard sends tagged 100 at priority 0; untagged, VLAN 200 and priority-tagged ARP
    dropped and counted.
    """
    cfg = open(c.source_config("default.ini")).read().replace("[port0]\n",
                                                              "[port0]\nvlan = %d\n" % VLAN, 1)
    y = c.yard(c.config(cfg))
    # The kernel is not on the VLAN: keep it quiet (no IPv6 chatter), then bring the tap up.
    run(["sysctl", "-qw", "net.ipv6.conf.yard0.disable_ipv6=1"], ns=c.ns, ok=False)
    run(["ip", "-n", c.ns, "link", "set", "yard0", "up"])
    port = y.get("/yard/ports,0")
    check(port.get("vlan") == VLAN, "/yard/ports,0 says vlan %s" % port.get("vlan"))
    kmac = "02:00:00:00:01:01"  # the peer's own: the kernel is not on the VLAN
    p = run(["/usr/bin/python3", os.path.abspath(__file__), "--peer", "vlan", "yard0",
             port["mac"], kmac, y.prefix], ns=c.ns, ok=False, timeout=90)
    sys.stdout.write(p.stdout)
    check(p.returncode == 0, "peer vlan exited %d:\n%s" % (p.returncode, p.stderr[-3000:]))
    y.stop_clean()


CASES = {
    "tcp_scapy_5961": case_tcp_scapy_5961,
    "tcp_scapy_close": case_tcp_scapy_close,
    "tcp_scapy_data": case_tcp_scapy_data,
    "scapy_vlan": case_scapy_vlan,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--yard", help="the yard binary")
    ap.add_argument("--source", help="the source tree (for config/)")
    ap.add_argument("--peer", nargs=5, metavar=("GROUP", "IFACE", "YARD_MAC", "KERNEL_MAC",
                                                "PREFIX"))
    ap.add_argument("case", nargs="?", choices=sorted(CASES))
    args = ap.parse_args()

    if args.peer:
        return peer_main(*args.peer)
    if not args.case or not args.yard or not args.source:
        ap.error("give --yard, --source and a case")
    args.yard = os.path.abspath(args.yard)
    args.source = os.path.abspath(args.source)
    if os.geteuid() != 0:
        print("# SKIP: integration tests need root (namespaces, taps, raw sockets)")
        return SKIP
    missing = [t for t in ("ip", "ping", "nft") if shutil.which(t) is None]
    try:
        import scapy  # noqa: F401
    except ImportError:
        missing.append("python3-scapy (for %s)" % sys.executable)
    if missing:
        print("# FAIL: missing %s; scripts/setup.sh installs them" % ", ".join(missing))
        return 1
    return yi.run_case(args, CASES)


if __name__ == "__main__":
    sys.exit(main())
