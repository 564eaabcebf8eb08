#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP benchmarks (perf/tcp_bench.py says what each measures): (a) yard <-> yard over net_memif
# without the kernel (yard rr client -> yard echo, yard source -> yard discard); (b) yard <->
# the kernel over net_tap (wrk -c 1 -> yard HTTP, nc -> yard discard, yard rr -> socat echo,
# yard source -> nc -l); (c) the kernel's own loopback in a namespace as the reference
# (sockperf ping-pong --tcp, iperf3). Median of RUNS runs of SECS seconds; one RUN line per
# run, one RESULT line per measurement: transactions/s or Gbit/s per lcore and yard's cycles
# per TCP segment (busy cycles of its lcore over segments sent and received). Root only.
#
#   perf/tcp_bench.sh [YARD_BINARY]     env: RUNS (3), SECS (5), SIZE (64), BULK (bytes nc
#                                       sends, 268435456), ONLY (memif,tap,lo; self: yard
#                                       against its own services on one lcore)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
yard=${1:-$root/build/release/app/yard}
[ -x "$yard" ] || { echo "tcp_bench: no yard binary at $yard (build it first)" >&2; exit 1; }
for t in ip nc socat wrk sockperf iperf3 openssl; do
	command -v "$t" >/dev/null || { echo "tcp_bench: $t missing (scripts/setup.sh)" >&2; exit 1; }
done
exec /usr/bin/python3 "$root/perf/tcp_bench.py" "$yard" --runs "${RUNS:-3}" --secs "${SECS:-5}" \
	--size "${SIZE:-64}" --bulk "${BULK:-268435456}" --only "${ONLY:-memif,tap,self,lo}"
