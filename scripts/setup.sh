#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install the Debian 12 packages yard builds and tests with, only those that are missing.
# Idempotent: a second run installs nothing and does not touch the network. Needs root
# (or sudo) only when something is missing.
set -euo pipefail

# One package a line; later issues append the tools their layers need.
packages=(
	gcc
	pkg-config
	meson
	ninja-build
	python3          # meson's own runtime; scripts/test.sh reads meson's JSON test log with it
	dpdk
	dpdk-dev
	libdpdk-dev
	libnuma-dev
	libcriterion-dev
	iproute2         # integration tests: namespaces, veth pairs, addresses
	iputils-ping     # integration tests: ping, fragmented and flooded
	iputils-arping   # integration tests: arping
	python3-scapy    # integration tests: malformed frames (for /usr/bin/python3)
	libjansson-dev   # yardctl: JSON of DPDK telemetry
	tshark           # integration tests: read back yardctl's snoop captures
	tmux             # integration tests: yardctl stats --watch on a terminal
	curl             # integration tests: the HTTP service
	wrk              # integration tests: HTTP load with many connections
	apache2-utils    # integration tests: ab -k (keep-alive)
	netcat-openbsd   # integration tests: nc, UDP and TCP round trips
	socat            # integration tests: UDP and TCP round trips
	sockperf         # integration tests: UDP throughput against the echo service
	iperf3           # perf/tcp_bench.sh: the kernel's own TCP throughput (reference)
	openssl          # integration tests: tcp_bulk's pseudo-random data
	nftables         # integration tests: drop the kernel's RSTs for scapy's TCP flows
	libmemcached-tools  # memcached service: memccapable conformance, memcslap load
	memcached        # perf/memcached_bench.sh: the kernel baseline
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#packages[@]} packages present"
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "setup: missing ${missing[*]}, and apt-get is not here (yard targets Debian 12)" >&2
	exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "setup: missing ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/yard-setup.XXXXXX.log)
if ! { "${sudo[@]}" apt-get update -q && \
       "${sudo[@]}" apt-get install -y -q "${missing[@]}"; } >"$log" 2>&1 </dev/null; then
	tail -n 30 "$log" >&2
	echo "setup: apt-get failed (full log: $log)" >&2
	exit 1
fi
rm -f "$log"
echo "setup: done"
