#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Write a pcap of UDP datagrams to yard's echo service for net_pcap to replay (infinite_rx=1):
64-byte frames on the wire (60 in the file; the NIC adds the FCS), many flows (source ports),
from the benchmark peer 198.18.2.1 / 02:00:00:00:00:01 to yard at 198.18.2.2, broadcast MAC
(yard's net_pcap MAC is not known in advance; its arp module takes broadcast frames).
Checksums are valid: yard verifies them. With VLAN (1..4094) each frame carries an 802.1Q tag
with that ID, 4 bytes more than FRAME_LEN (the same datagrams). With GROUP (a multicast
address) the datagrams go to that group instead, at its MAC (01:00:5e + 23 bits), TTL 1.

    mkpcap.py OUT.pcap [FLOWS] [FRAME_LEN] [VLAN] [GROUP]
"""
import sys

from scapy.all import IP, UDP, Dot1Q, Ether, Raw, wrpcap

out = sys.argv[1]
flows = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
frame = int(sys.argv[3]) if len(sys.argv) > 3 else 60
vlan = int(sys.argv[4]) if len(sys.argv) > 4 else 0
group = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None
if not 0 <= vlan <= 4094:
    sys.exit("mkpcap: VLAN %d is not 0 (none) or 1..4094" % vlan)
dst, dmac, ttl = "198.18.2.2", "ff:ff:ff:ff:ff:ff", 64
if group is not None:
    g = [int(x) for x in group.split(".")]
    if len(g) != 4 or not 224 <= g[0] <= 239 or any(not 0 <= x <= 255 for x in g):
        sys.exit("mkpcap: GROUP %s is not a multicast address" % group)
    dst, dmac, ttl = group, "01:00:5e:%02x:%02x:%02x" % (g[1] & 0x7f, g[2], g[3]), 1
payload = frame - 14 - 20 - 8
if payload < 0:
    sys.exit("mkpcap: a frame of %d bytes cannot hold Ethernet/IPv4/UDP headers" % frame)
eth = Ether(src="02:00:00:00:00:01", dst=dmac)
if vlan:
    eth = eth / Dot1Q(vlan=vlan)
pkts = [eth /
        IP(src="198.18.2.1", dst=dst, ttl=ttl) /
        UDP(sport=1024 + (i % 64000), dport=7) /
        Raw(bytes((i + k) % 256 for k in range(payload)))
        for i in range(flows)]
wrpcap(out, pkts)
print("mkpcap: %s: %d frames of %d bytes, %d flows" % (out, len(pkts), len(bytes(pkts[0])), flows))
