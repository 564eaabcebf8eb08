#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Instructions per echoed datagram, by function: the UDP echo benchmark's set-up (net_pcap
# infinite_rx, 1024 flows of 64-byte frames, one lcore) run under valgrind's callgrind.
#
# Timing on a shared 2-core machine moves by 10-20 % from run to run; instruction counts do not
# (a run repeats to within 0.1 %), so this is the figure to compare two builds with, and
# udp_echo_bench.sh the one to report speed with. Only the scheduler's loop is counted
# (--toggle-collect=yard_sched_run_once): start-up, telemetry and shutdown are not. The
# denominator is the datagrams yard received, counted as the reference counts its packets
# (perf/testpmd_instr.sh): 32 (YARD_PMD_RX_BURST) times yard's calls into the net_pcap PMD,
# whose RX burst with infinite_rx is always full and is called as often as its TX burst. Until
# yard_t_udata_reply() became inline it was its calls, once per datagram the echo turns
# around; the two counts were equal to the datagram (6405184 and 5294816 in two runs), and
# where a binary still calls it they are compared and a difference is reported.
#
#   perf/udp_echo_instr.sh [YARD_BINARY]     env: SECS (30: time collecting), TOP (40: lines),
#                                            REF (1: also count testpmd 5tswap; 0: do not),
#                                            VLAN (0: frames and port on that 802.1Q VLAN)
#                                            GROUP (none: frames to that multicast group)
#                                            SSM (none: 1 joins GROUP for the generator only)
#
# The reference (perf/testpmd_instr.sh): dpdk-testpmd --forward-mode=5tswap on the same capture
# under the same callgrind, its forwarding thread's instructions per packet, and the ratio
# testpmd / yard -- the instruction-count analogue of udp_echo_bench.sh's Mpps ratio (the two
# differ: yard's code runs at a higher IPC than the PMD's copy loop).
#
# Build the binary with debug information for per-line figures (callgrind_annotate --auto=yes
# on the kept output): meson setup build/prof --buildtype=release -Ddebug=true.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
yard=${1:-$root/build/release/app/yard}
secs=${SECS:-30}
top=${TOP:-40}
py=/usr/bin/python3
# shellcheck source=perf/udp_echo_setup.sh
. "$root/perf/udp_echo_setup.sh"
# shellcheck source=perf/testpmd_instr.sh
. "$root/perf/testpmd_instr.sh"
[ -x "$yard" ] || { echo "udp_echo_instr: no yard binary at $yard (build it first)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "udp_echo_instr: valgrind missing (apt-get install valgrind)" >&2; exit 1; }

work=$(mktemp -d /tmp/yard-instr.XXXXXX)
prefix="yi-$$"
vpid=
cleanup() {
	[ -n "$vpid" ] && kill -9 "$vpid" 2>/dev/null || true
	pkill -9 -f -- "--file-prefix $prefix-tp " 2>/dev/null || true
	rm -rf "/var/run/dpdk/$prefix" "$work"
}
trap cleanup EXIT
udp_echo_setup "$work" "$prefix"
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" --dump-instr=yes \
	--collect-atstart=no --toggle-collect=yard_sched_run_once \
	"$yard" --config "$work/yard.ini" >"$work/yard.log" 2>&1 &
vpid=$!
for _ in $(seq 600); do
	grep -q "SIGINT or SIGTERM stops" "$work/yard.log" && break
	kill -0 "$vpid" 2>/dev/null || { echo "udp_echo_instr: yard did not start:" >&2; cat "$work/yard.log" >&2; exit 1; }
	sleep 0.5
done
sleep "$secs"
# Dump while it runs (a shutdown under valgrind takes minutes and is not what is measured).
callgrind_control -d "$vpid" >/dev/null
for _ in $(seq 120); do
	ls "$work"/cg.out.* >/dev/null 2>&1 && [ -s "$(ls "$work"/cg.out.* | head -1)" ] && break
	sleep 0.5
done
sleep 2
kill -9 "$vpid" 2>/dev/null || true
wait "$vpid" 2>/dev/null || true
vpid=
out=$(ls "$work"/cg.out.* | head -1)
keep=${KEEP:-/tmp/yard-udp-echo.callgrind}
cp "$out" "$keep"
"$py" - "$out" "$top" "$root/perf" >"$work/yard.res" <<'PY'
import os, re, subprocess, sys
out, top, perfdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
txt = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", out],
                     capture_output=True, text=True, check=True, cwd=os.path.dirname(out)).stdout
tree = subprocess.run(["callgrind_annotate", "--tree=caller", "--threshold=99.9", out],
                      capture_output=True, text=True, check=True, cwd=os.path.dirname(out)).stdout
total = int(re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", txt).group(1).replace(",", ""))
sys.path.insert(0, perfdir)
from cg_pcap_bursts import pcap_bursts
with open(out) as f:
    bursts = pcap_bursts(f, "/yard")
if bursts == 0:
    sys.exit("udp_echo_instr: no calls from yard into net_pcap: nothing was received")
dgrams = 32 * bursts  # YARD_PMD_RX_BURST
# A binary that still calls yard_t_udata_reply() out of line: its calls (the callers' lines;
# callgrind may name it by several files, each entry's callers summed) are the echoed datagrams.
replies = 0
block = []
for line in tree.splitlines():
    if re.search(r"\*\s+\S*:yard_t_udata_reply\b", line):
        for b in block:
            m = re.search(r"\(([\d,]+)x\)", b)
            if m:
                replies += int(m.group(1).replace(",", ""))
        block = []
    elif line.strip() == "":
        block = []
    else:
        block.append(line)
if replies != 0 and abs(replies - dgrams) > 32:
    print(f"udp_echo_instr: {dgrams} datagrams received but {replies} turned around", file=sys.stderr)
print(f"RESULT bench=udp_echo_instr datagrams={dgrams} instructions={total} "
      f"instr_per_datagram={total / dgrams:.0f}")
rows = []
for line in txt.splitlines():
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+)", line)
    if m and "PROGRAM TOTALS" not in line:
        fn = m.group(2)
        fn = re.sub(r"^.*/(build/[^/]+/\.\./\.\./)?", "", fn) if "/" in fn else fn
        rows.append((int(m.group(1).replace(",", "")), fn))
for n, fn in rows[:top]:
    print(f"{n / dgrams:8.1f}  {fn}")
print("(callgrind output kept in $KEEP, default /tmp/yard-udp-echo.callgrind: callgrind_annotate --auto=yes it from the build directory)")
PY
cat "$work/yard.res"
[ "${REF:-1}" = 0 ] && exit 0
ypd=$(sed -n 's/^RESULT.* instr_per_datagram=\([0-9]*\).*/\1/p' "$work/yard.res")
read -r tinstr tpkts < <(testpmd_instr "$work" "$prefix-tp" "$secs")
awk -v ti="$tinstr" -v tp="$tpkts" -v y="$ypd" 'BEGIN {
	printf "RESULT bench=udp_echo_instr_ref testpmd_5tswap_packets=%d testpmd_5tswap_instr_per_pkt=%.0f yard_instr_per_datagram=%d instr_ratio=%.3f\n",
		tp, ti / tp, y, (ti / tp) / y }'
