# SPDX-License-Identifier: BSD-3-Clause
"""The burst calls a program makes into the net_pcap PMD, from a callgrind output.

The instruction-count scripts (udp_echo_instr.sh, testpmd_instr.sh) count packets the same way
for yard and for testpmd: the RX and the TX burst are called once per burst each, and net_pcap
with infinite_rx returns a full burst every time (it re-reads the capture), so packets are the
burst size times the larger of the two call counts. Neither needs a function called once per
packet (Debian's testpmd is stripped; yard has none left on the echo's path).

    python3 cg_pcap_bursts.py CALLGRIND_OUT CALLER_SUFFIX   prints the count (0: none)
"""
import re
import sys


def pcap_bursts(lines, caller):
    """The most calls=N from an object whose name ends in caller into net_pcap's."""
    names, ob, cob, bursts = {}, None, None, 0
    for line in lines:
        m = re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if m:
            if m.group(3):
                names[m.group(2)] = m.group(3)
            name = names.get(m.group(2), "")
            if m.group(1) == "ob":
                ob, cob = name, None
            else:
                cob = name
            continue
        m = re.match(r"^calls=(\d+)", line)
        if m:
            # A cob= names the callee's object for the next calls= only (none: the caller's own).
            if ob and ob.endswith(caller) and cob and "net_pcap" in cob:
                bursts = max(bursts, int(m.group(1)))
            cob = None
    return bursts


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(pcap_bursts(f, sys.argv[2]))
