# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Sourced by udp_echo_instr.sh: the reference of its instruction counts, dpdk-testpmd
# --forward-mode=5tswap (the bare reflector issue 4 compares yard with) on the same capture
# and vdev, under the same callgrind, in the same invocation.
#
#   testpmd_instr DIR PREFIX SECS     prints "instructions packets" of the forwarding thread
#
# Debian's testpmd is stripped, so neither a function to toggle collection on nor one called
# once per packet can be named. Instead: collection is zeroed once forwarding runs and dumped
# SECS later, per thread (--separate-threads), and the forwarding thread is the one with the
# most instructions. Packets are counted from its calls into the net_pcap PMD: testpmd calls
# the RX burst and the TX burst once per burst each, and net_pcap with infinite_rx returns a
# full burst every time (it re-reads the capture; yard's run shows the same, its datagrams
# are exactly 32 times its RX calls), so packets = 32 * the larger of those call counts,
# with --burst=32 set here rather than left to testpmd's default.
testpmd_instr() {
	local dir=$1 prefix=$2 secs=$3 tpid=
	command -v dpdk-testpmd >/dev/null || { echo "testpmd_instr: dpdk-testpmd missing" >&2; return 1; }
	valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$dir/tp.out" \
		dpdk-testpmd --no-huge -m 1024 --no-pci --file-prefix "$prefix" -l 0-1 \
		--log-level='*:error' --vdev="net_pcap0,rx_pcap=$dir/in.pcap,infinite_rx=1" -- \
		--forward-mode=5tswap --auto-start --nb-cores=1 --burst=32 --rxd=2048 --txd=2048 \
		--stats-period 3600 </dev/null >"$dir/tp.log" 2>&1 &
	tpid=$!
	# Forwarding starts with --auto-start once the port is up; under valgrind that takes a while.
	for _ in $(seq 240); do
		grep -q "Port statistics\|Start automatic packet forwarding\|Press enter to exit" \
			"$dir/tp.log" 2>/dev/null && break
		kill -0 "$tpid" 2>/dev/null || { echo "testpmd_instr: testpmd did not start:" >&2; cat "$dir/tp.log" >&2; return 1; }
		sleep 0.5
	done
	sleep 5
	callgrind_control -z "$tpid" >/dev/null
	sleep "$secs"
	callgrind_control -d "$tpid" >/dev/null
	sleep 2
	kill -9 "$tpid" 2>/dev/null || true
	wait "$tpid" 2>/dev/null || true
	rm -rf "/var/run/dpdk/$prefix"
	/usr/bin/python3 - "$dir" "$(dirname "${BASH_SOURCE[0]}")" <<'PY'
import glob, re, sys
sys.path.insert(0, sys.argv[2])
from cg_pcap_bursts import pcap_bursts  # the same count as udp_echo_instr.sh's
best = None
for f in glob.glob(sys.argv[1] + "/tp.out.*"):
    txt = open(f).read()
    m = re.search(r"^summary: (\d+)", txt, re.M)
    if m and (best is None or int(m.group(1)) > best[0]):
        best = (int(m.group(1)), txt)
if best is None or best[0] == 0:
    sys.exit("testpmd_instr: no thread ran")
bursts = pcap_bursts(best[1].splitlines(), "dpdk-testpmd")
if bursts == 0:
    sys.exit("testpmd_instr: no calls from testpmd into net_pcap were recorded")
print(best[0], bursts * 32)
PY
}
