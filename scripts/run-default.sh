#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run yard on net_tap in a network namespace of its own and let the kernel ping it:
#   1. create the namespace "yard" (YARD_NS to change it);
#   2. start yard with config/default.ini inside it: the tap yard0 appears there, and yard
#      answers at 198.18.0.2/24;
#   3. give the kernel's side of the tap 198.18.0.1/24 and bring it up;
#   4. ping yard (a few plain pings, then one of 3000 bytes, fragmented both ways);
#   5. talk to its services: UDP echo, TCP echo (socat), HTTP (curl) and memcached (socat);
#   6. print yard's counters from DPDK telemetry (dpdk-telemetry.py), its TCP listeners and
#      UDP endpoints, and its neighbours (the kernel, learned) as yardctl shows them;
#   7. stop yard with SIGTERM (it logs "mempools: 0 in use" when every buffer came back);
#   8. remove the namespace (the tap goes with yard).
# Steps 7 and 8 run even when an earlier one fails or the script is interrupted.
# Needs root. Installs what is missing (scripts/setup.sh; YARD_SKIP_SETUP=1 skips it), builds
# yard first if YARD (the binary) is not given and build/dev/app/yard is missing. Exits
# non-zero if a ping is lost or yard does not stop cleanly.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ns=${YARD_NS:-yard}
prefix=yard-run-$$
yard=${YARD:-$root/build/dev/app/yard}
yardctl=${YARDCTL:-$root/build/dev/app/yardctl/yardctl}
log=$(mktemp /tmp/yard-run.XXXXXX.log)
pid=

if [ "$(id -u)" -ne 0 ]; then
	echo "run-default: needs root (network namespaces and taps)" >&2
	exit 1
fi
if [ "${YARD_SKIP_SETUP:-0}" != 1 ]; then
	bash "$root/scripts/setup.sh"
fi
for tool in ip ping curl socat dpdk-telemetry.py; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run-default: $tool is missing; run scripts/setup.sh" >&2
		exit 1
	fi
done
if [ ! -x "$yard" ] || [ ! -x "$yardctl" ]; then
	echo "run-default: building yard and yardctl in build/dev"
	[ -f "$root/build/dev/build.ninja" ] || meson setup "$root/build/dev" "$root" >/dev/null
	ninja -C "$root/build/dev" app/yard app/yardctl/yardctl >/dev/null
fi

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "/var/run/dpdk/$prefix"
	rm -f "$log"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ip netns list | grep -qw "$ns"; then
	echo "run-default: namespace $ns exists already (YARD_NS picks another)" >&2
	exit 1
fi
echo "== 1. namespace $ns"
ip netns add "$ns"
ip -n "$ns" link set lo up

echo "== 2. yard --config config/default.ini (in $ns)"
ip netns exec "$ns" "$yard" --config "$root/config/default.ini" -- --file-prefix "$prefix" \
	>"$log" 2>&1 &
pid=$!
for _ in $(seq 150); do
	grep -q "yard: running on" "$log" && break
	if ! kill -0 "$pid" 2>/dev/null; then
		cat "$log" >&2
		echo "run-default: yard exited while starting" >&2
		exit 1
	fi
	sleep 0.2
done
if ! grep -q "yard: running on" "$log"; then
	cat "$log" >&2
	echo "run-default: yard did not start within 30 s" >&2
	exit 1
fi
grep "^yard" "$log" | sed 's/^/   /'

echo "== 3. kernel side: 198.18.0.1/24 on yard0"
ip -n "$ns" addr add 198.18.0.1/24 dev yard0
ip -n "$ns" link set yard0 up
ip -n "$ns" -br addr show yard0 | sed 's/^/   /'

echo "== 4. ping yard at 198.18.0.2"
ip netns exec "$ns" ping -c 4 -i 0.3 -W 2 198.18.0.2
ip netns exec "$ns" ping -c 2 -i 0.3 -W 2 -s 3000 198.18.0.2

echo "== 5. the services: UDP echo (7), TCP echo (7), HTTP (80), memcached (11211)"
printf 'hello over UDP\n' | ip netns exec "$ns" socat -T 2 - UDP:198.18.0.2:7 | sed 's/^/   udp echo: /'
printf 'hello over TCP\n' | ip netns exec "$ns" socat -T 2 - TCP:198.18.0.2:7,shut-down |
	sed 's/^/   tcp echo: /'
ip netns exec "$ns" curl -sS -m 5 -D - -o /dev/null http://198.18.0.2/1000 | sed 's/^/   http: /'
printf 'set greeting 0 0 5\r\nhello\r\nget greeting\r\nquit\r\n' |
	ip netns exec "$ns" socat -T 2 - TCP:198.18.0.2:11211 | tr -d '\r' | sed 's/^/   memcached: /'

echo "== 6. yard's counters (dpdk-telemetry.py -f $prefix)"
printf '/yard/icmp,0\n/yard/ip,0\n/yard/udp\n/yard/tcp\n/yard/ports,0\n' |
	dpdk-telemetry.py -f "$prefix" |
	python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    for cmd, d in json.loads(line).items():
        shown = {k: v for k, v in d.items() if isinstance(v, int) and v and k not in
                 ("mtu", "port_id", "rx_queues", "tx_queues", "rx_desc", "tx_desc", "caps",
                  "speed_mbps", "rx_offloads", "tx_offloads", "rss_hf", "rx_pool_in_use")}
        print("   %s: %s" % (cmd, ", ".join("%s %d" % kv for kv in shown.items())))
'
echo "   yardctl --file-prefix $prefix conns:"
"$yardctl" --file-prefix "$prefix" conns | sed 's/^/   /'
echo "   yardctl --file-prefix $prefix neigh:"
"$yardctl" --file-prefix "$prefix" neigh | sed 's/^/   /'

echo "== 7. SIGTERM"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
grep -E "yard: (stopping|mempools|stopped)" "$log" | sed 's/^/   /'
if [ "$rc" -ne 0 ] || ! grep -q "yard: mempools: 0 in use" "$log"; then
	echo "run-default: yard did not stop cleanly (exit $rc)" >&2
	exit 1
fi

echo "== 8. namespace $ns removed"
