#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Two yard builds timed against each other on the UDP echo benchmark's set-up, alternated.
#
# On a virtual machine a single run moves by up to +-30 % with nothing else running; two
# binaries timed in separate invocations compare the hypervisor's moods as much as the code.
# Alternating them PAIRS times (A, B, A, B, ...) puts both under the same conditions; the
# medians, the best of each and how many pairs each won say whether B is faster, and by how
# much. (For an exact comparison of work done, use udp_echo_instr.sh.)
#
#   perf/udp_echo_ab.sh YARD_A YARD_B        env: PAIRS (8), SECS (3: time measured per run)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -eq 2 ] || { echo "usage: perf/udp_echo_ab.sh YARD_A YARD_B" >&2; exit 2; }
a=$1
b=$2
pairs=${PAIRS:-8}
secs=${SECS:-3}
py=/usr/bin/python3
# shellcheck source=perf/udp_echo_setup.sh
. "$root/perf/udp_echo_setup.sh"
for y in "$a" "$b"; do
	[ -x "$y" ] || { echo "udp_echo_ab: no yard binary at $y" >&2; exit 1; }
done

work=$(mktemp -d /tmp/yard-ab.XXXXXX)
prefix="ya-$$"
ypid=
cleanup() {
	[ -n "$ypid" ] && kill -TERM "$ypid" 2>/dev/null || true
	rm -rf "$work" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT
udp_echo_setup "$work" "$prefix"
tel() { "$py" "$root/perf/yard_tel.py" "$prefix" "$1"; }

# One run of binary $1: packets sent per second, over SECS after a second's warm-up.
one_run() {
	local before after
	"$1" --config "$work/yard.ini" >"$work/yard.log" 2>&1 &
	ypid=$!
	for _ in $(seq 100); do
		[ -S "/var/run/dpdk/$prefix/dpdk_telemetry.v2" ] && tel /yard/info >/dev/null 2>&1 && break
		kill -0 "$ypid" 2>/dev/null || { echo "udp_echo_ab: $1 did not start:" >&2; cat "$work/yard.log" >&2; exit 1; }
		sleep 0.1
	done
	sleep 1
	before=$(tel /yard/ports)
	sleep "$secs"
	after=$(tel /yard/ports)
	kill -TERM "$ypid"
	wait "$ypid" || { echo "udp_echo_ab: $1 did not stop cleanly:" >&2; cat "$work/yard.log" >&2; exit 1; }
	ypid=
	grep -q "mempools: 0 in use" "$work/yard.log" || { echo "udp_echo_ab: $1 leaked mbufs:" >&2; cat "$work/yard.log" >&2; exit 1; }
	"$py" -c 'import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print((b["port0"]["opackets"] - a["port0"]["opackets"]) / float(sys.argv[3]) / 1e6)' \
		"$before" "$after" "$secs"
}

ra=()
rb=()
for p in $(seq "$pairs"); do
	x=$(one_run "$a")
	y=$(one_run "$b")
	ra+=("$x")
	rb+=("$y")
	printf 'PAIR %d a_mpps=%.3f b_mpps=%.3f\n' "$p" "$x" "$y"
done
"$py" - "${ra[*]}" "${rb[*]}" <<'PY'
import statistics, sys
a = [float(v) for v in sys.argv[1].split()]
b = [float(v) for v in sys.argv[2].split()]
wins = sum(1 for x, y in zip(a, b) if y > x)
ma, mb = statistics.median(a), statistics.median(b)
print(f"RESULT bench=udp_echo_ab pairs={len(a)} a_median_mpps={ma:.3f} b_median_mpps={mb:.3f} "
      f"a_best_mpps={max(a):.3f} b_best_mpps={max(b):.3f} b_over_a_median={mb / ma:.3f} "
      f"b_over_a_best={max(b) / max(a):.3f} b_won={wins}/{len(a)}")
PY
