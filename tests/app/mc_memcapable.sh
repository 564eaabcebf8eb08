#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# memcapable (Debian libmemcached-tools) -a, the text-protocol conformance tests, against
# app/memcache/ served over kernel sockets by mc_kernel_server on 127.0.0.1: the protocol
# code alone, no root, no yard transport. Exit 77 (skip) when memccapable is not installed.
set -u
server=$1
tool=$(command -v memccapable || command -v memcapable) || { echo "memccapable missing"; exit 77; }
# a port of our own: 20000 + pid mod 20000, tried a few times
for try in 1 2 3 4 5; do
	port=$((20000 + (RANDOM + $$) % 20000))
	"$server" "$port" >"${TMPDIR:-/tmp}/mc_kernel_server.$$" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		grep -q ready "${TMPDIR:-/tmp}/mc_kernel_server.$$" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && break
done
rm -f "${TMPDIR:-/tmp}/mc_kernel_server.$$"
kill -0 "$pid" 2>/dev/null || { echo "mc_kernel_server did not start"; exit 1; }
out=$(timeout 120 "$tool" -h 127.0.0.1 -p "$port" -a -t 10 -v 2>&1)
rc=$?
kill "$pid"
wait "$pid" 2>/dev/null
echo "$out"
# every ascii test listed, each [pass], and the summary
[ $rc -eq 0 ] && ! grep -q FAIL <<<"$out" && grep -q "All tests passed" <<<"$out" &&
	[ "$(grep -c '^ascii .*\[pass\]' <<<"$out")" -eq 27 ]
