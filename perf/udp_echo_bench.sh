#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# UDP echo of 64-byte frames through the whole yard stack (pmd -> arp -> ip -> udp -> timod ->
# stream head -> the XTI echo service and back) on one lcore, driven by net_pcap replaying a
# capture of many flows (infinite_rx=1; TX dropped), against dpdk-testpmd
# --forward-mode=5tswap (the bare reflector) on the same vdev, in the same run.
# Prints Mpps of each (median of RUNS runs of SECS seconds), the ratio, yard's cycles per
# packet, and the bytes yard copied (0: the payload is never copied).
#
#   perf/udp_echo_bench.sh [YARD_BINARY]        env: RUNS (3), SECS (5), FLOWS (1024),
#                                               VLAN (0: frames and port on that 802.1Q VLAN)
#                                               GROUP (none: frames to that multicast group)
#                                               SSM (none: 1 joins GROUP for the generator only)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
yard=${1:-$root/build/release/app/yard}
runs=${RUNS:-3}
secs=${SECS:-5}
flows=${FLOWS:-1024}
py=/usr/bin/python3
# shellcheck source=perf/udp_echo_setup.sh
. "$root/perf/udp_echo_setup.sh"
[ -x "$yard" ] || { echo "udp_echo_bench: no yard binary at $yard (build it first)" >&2; exit 1; }
command -v dpdk-testpmd >/dev/null || { echo "udp_echo_bench: dpdk-testpmd missing" >&2; exit 1; }

work=$(mktemp -d /tmp/yard-bench.XXXXXX)
# EAL's runtime directories of both programs go too (/var/run/dpdk/yb-PID-*).
cleanup() {
	pkill -TERM -f "file-prefix yb-$$" 2>/dev/null || true
	rm -rf "$work" "/var/run/dpdk/yb-$$-tp" "/var/run/dpdk/yb-$$-yard"
}
trap cleanup EXIT
udp_echo_setup "$work" "yb-$$-yard" "$flows" # in.pcap for both, yard.ini for yard

# Hugepages when mounted, like yard; otherwise both run with --no-huge. Without hugepages (IOVA
# as VA) yard packs its mbuf pools across 4 KiB pages (streams/mblk.c), which roughly doubles
# what a forwarder does there; testpmd gets the same layout (--mp-alloc=anon --no-iova-contig),
# so that the ratio compares the stacks, not the mempool layouts. With hugepages both use
# rte_pktmbuf_pool_create()'s.
mem=(--no-huge -m 1024)
tp_pool=(--mp-alloc=anon --no-iova-contig)
layout=packed-4k
if awk '/HugePages_Total/ { exit !($2 > 0) }' /proc/meminfo && grep -q hugetlbfs /proc/mounts; then
	mem=()
	tp_pool=()
	layout=hugepages
fi

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# CPU time (ns) a thread of pid (by name) has run, from the scheduler's accounting: on a machine shared
# with other work, packets per CPU-second compare the two programs where packets per wall-clock
# second cannot (a thread that was preempted did not run, and is not charged).
thread_cpu() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] && { awk '{ print $1 }' "$t/schedstat"; return; }
	done
	echo 0
}

# ---- the reference: testpmd 5tswap on lcore 1 --------------------------------------------------
# tp_measure NAME [testpmd pool options]: RUNS runs; sets tp_runs and tp_cpu_runs.
tp_measure() {
	local name=$1 r tpid tcpu pps tot cpps
	shift
	tp_runs=()
	tp_cpu_runs=()
	for r in $(seq "$runs"); do
		dpdk-testpmd "${mem[@]}" --no-pci --no-shconf \
			--file-prefix "yb-$$-tp" -l 0-1 --log-level='*:error' \
			--vdev="net_pcap0,rx_pcap=$work/in.pcap,infinite_rx=1" -- \
			--forward-mode=5tswap --auto-start --stats-period "$secs" --nb-cores=1 \
			--rxd=2048 --txd=2048 "$@" </dev/null >"$work/tp-$r.log" 2>&1 &
		tpid=$!
		sleep $((2 * secs + 3))
		tcpu=$(thread_cpu "$tpid" rte-worker-1)
		kill -INT "$tpid" 2>/dev/null || true
		wait "$tpid" || true
		pps=$(awk '/Tx-pps:/ { v = $2 } END { print v + 0 }' "$work/tp-$r.log")
		# Every packet forwarded over the forwarding thread's whole CPU time.
		tot=$(awk '/Accumulated forward statistics/ { f = 1 } f && /TX-packets:/ { print $2; exit }' \
			"$work/tp-$r.log")
		cpps=$(awk -v p="${tot:-0}" -v c="$tcpu" 'BEGIN { print (c > 0) ? p / (c / 1e9) : 0 }')
		tp_runs+=("$pps")
		tp_cpu_runs+=("$cpps")
		echo "RUN ref=testpmd-5tswap pools=$name run=$r tx_pps=$pps tx_per_cpu_s=$cpps"
	done
}
# Also testpmd's own default pools without hugepages, as every figure before yard packed its
# pools was taken against (one mbuf per 4 KiB page): reported, not the ratio.
tpn=0
if [ "$layout" = packed-4k ]; then
	tp_measure page-bound
	tpn=$(printf '%s\n' "${tp_runs[@]}" | median)
fi
tp_measure "$layout" "${tp_pool[@]}"
tp=$(printf '%s\n' "${tp_runs[@]}" | median)
tpc=$(printf '%s\n' "${tp_cpu_runs[@]}" | median)

# ---- yard: the echo service on lcore 1 (the same core testpmd forwarded on) --------------------
tel() { "$py" "$root/perf/yard_tel.py" "yb-$$-yard" "$1"; }
y_runs=()
y_cpu_runs=()
cpp_runs=()
copied=0
for r in $(seq "$runs"); do
	"$yard" --config "$work/yard.ini" >"$work/yard-$r.log" 2>&1 &
	ypid=$!
	for _ in $(seq 100); do
		[ -S "/var/run/dpdk/yb-$$-yard/dpdk_telemetry.v2" ] && tel /yard/info >/dev/null 2>&1 && break
		sleep 0.1
	done
	sleep 1 # warm up
	a=$(tel /yard/ports); la=$(tel /yard/lcores); ca=$(awk '{ print $1 }' "/proc/$ypid/task/$ypid/schedstat")
	sleep "$secs"
	b=$(tel /yard/ports); lb=$(tel /yard/lcores); cb=$(awk '{ print $1 }' "/proc/$ypid/task/$ypid/schedstat")
	m=$(tel /yard/mempool)
	kill -TERM "$ypid"; wait "$ypid" || { echo "udp_echo_bench: yard did not stop cleanly:" >&2; cat "$work/yard-$r.log" >&2; exit 1; }
	grep -q "mempools: 0 in use" "$work/yard-$r.log" || { echo "udp_echo_bench: yard leaked mbufs:" >&2; cat "$work/yard-$r.log" >&2; exit 1; }
	read -r pps cpp rxpps cpps < <("$py" - "$a" "$b" "$la" "$lb" "$secs" "$ca" "$cb" <<'PY'
import json, sys
a, b, la, lb = (json.loads(x) for x in sys.argv[1:5])
secs = float(sys.argv[5])
cpu = (int(sys.argv[7]) - int(sys.argv[6])) / 1e9
tx = b["port0"]["opackets"] - a["port0"]["opackets"]
rx = b["port0"]["ipackets"] - a["port0"]["ipackets"]
busy = sum(lb[k]["busy_cycles"] - la[k]["busy_cycles"] for k in lb if k.startswith("lcore"))
print(tx / secs, busy / tx if tx else 0, rx / secs, tx / cpu if cpu > 0 else 0)
PY
)
	copied=$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["copied_bytes"])' "$m")
	y_runs+=("$pps")
	y_cpu_runs+=("$cpps")
	cpp_runs+=("$cpp")
	echo "RUN yard-udp-echo run=$r tx_pps=$pps rx_pps=$rxpps tx_per_cpu_s=$cpps cycles_per_pkt=$cpp copied_bytes=$copied"
done
ymed=$(printf '%s\n' "${y_runs[@]}" | median)
ycmed=$(printf '%s\n' "${y_cpu_runs[@]}" | median)
cmed=$(printf '%s\n' "${cpp_runs[@]}" | median)
ratio=$(awk -v y="$ymed" -v t="$tp" 'BEGIN { printf "%.3f", (t > 0) ? y / t : 0 }')
cratio=$(awk -v y="$ycmed" -v t="$tpc" 'BEGIN { printf "%.3f", (t > 0) ? y / t : 0 }')
# cpu_* are packets per second of the forwarding thread's own CPU time (load-independent);
# yard_cycles_per_pkt is wall-clock TSC cycles of busy scheduler passes (inflated under load).
printf 'RESULT bench=udp_echo frame=64 flows=%s runs=%s secs=%s testpmd_5tswap_mpps=%.3f yard_mpps=%.3f ratio=%s testpmd_cpu_mpps=%.3f yard_cpu_mpps=%.3f cpu_ratio=%s yard_cycles_per_pkt=%.0f copied_bytes=%s pools=%s testpmd_page_bound_mpps=%.3f load1=%s\n' \
	"$flows" "$runs" "$secs" "$(awk -v v="$tp" 'BEGIN { print v / 1e6 }')" \
	"$(awk -v v="$ymed" 'BEGIN { print v / 1e6 }')" "$ratio" \
	"$(awk -v v="$tpc" 'BEGIN { print v / 1e6 }')" "$(awk -v v="$ycmed" 'BEGIN { print v / 1e6 }')" \
	"$cratio" "$cmed" "$copied" "$layout" "$(awk -v v="$tpn" 'BEGIN { print v / 1e6 }')" \
	"$(cut -d' ' -f1 /proc/loadavg)"
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.6) }' && echo "TARGET udp_echo ratio>=0.60 met" ||
	echo "TARGET udp_echo ratio>=0.60 NOT-met"
