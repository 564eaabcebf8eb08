#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# memcslap (Debian's libmemcached-tools build of memslap) against yard's memcached service
# over net_tap, and against Debian's memcached (one worker thread, like yard's one lcore) in
# a namespace reached over a veth pair, in the same run: a kernel TCP stack on the client's
# end of both links. Each run loads EXEC keys (the "set" phase, one connection) then gets them
# from CONC threads; the median of RUNS runs of each phase's transactions/s is printed, and
# yard's busy cycles per request (/yard/lcores busy_cycles over /yard/memcached commands).
#
#   perf/memcached_bench.sh [YARD_BINARY]     env: RUNS (3), CONC (4), EXEC (20000)
# Needs root (namespaces). Prints one RESULT line per server.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
yard=${1:-$root/build/release/app/yard}
runs=${RUNS:-3}
conc=${CONC:-4}
exec_n=${EXEC:-20000}
py=/usr/bin/python3
slap=$(command -v memcslap || command -v memslap || true)
[ -x "$yard" ] || { echo "memcached_bench: no yard binary at $yard (build it first)" >&2; exit 1; }
[ -n "$slap" ] || { echo "memcached_bench: memcslap missing (libmemcached-tools)" >&2; exit 1; }
command -v memcached >/dev/null || { echo "memcached_bench: memcached missing" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "memcached_bench: needs root (namespaces)" >&2; exit 1; }

tag=mcb$$
cli=$tag-cli       # the client namespace: yard's tap and the veth's client end
srv=$tag-srv       # memcached's namespace
prefix=$tag-yard
work=$(mktemp -d /tmp/yard-mcbench.XXXXXX)
ypid=
mpid=
cleanup() {
	[ -n "$ypid" ] && kill -TERM "$ypid" 2>/dev/null && wait "$ypid" 2>/dev/null || true
	[ -n "$mpid" ] && kill -TERM "$mpid" 2>/dev/null && wait "$mpid" 2>/dev/null || true
	ip netns del "$cli" 2>/dev/null || true
	ip netns del "$srv" 2>/dev/null || true
	rm -rf "$work" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
in_cli() { ip netns exec "$cli" "$@"; }

# One memcslap run against $1 (host:port); prints "set_tps get_tps gets".
slap_run() {
	local out
	out=$(in_cli timeout 300 "$slap" --servers="$1" --concurrency="$conc" \
		--execute-number="$exec_n" --test=get --flush 2>&1) ||
		{ echo "memcached_bench: memcslap against $1 failed:" >&2; echo "$out" >&2; return 1; }
	awk '/^Time to set/ { sn = $4; st = $(NF - 1) }
	     /^Time to get/ { gn = $4; gt = $(NF - 1) }
	     END { if (st > 0 && gt > 0) printf "%.0f %.0f %d\n", sn / st, gn / gt, gn; else exit 1 }' \
		<<<"$out" || { echo "memcached_bench: cannot read memcslap's output:" >&2; echo "$out" >&2; return 1; }
}

ip netns add "$cli"
ip netns add "$srv"
ip -n "$cli" link set lo up
ip -n "$srv" link set lo up

# ---- Debian's memcached over a veth pair -------------------------------------------------------
ip -n "$cli" link add "${tag}c" type veth peer name "${tag}s" netns "$srv"
ip -n "$cli" addr add 198.18.3.1/24 dev "${tag}c"
ip -n "$srv" addr add 198.18.3.2/24 dev "${tag}s"
ip -n "$cli" link set "${tag}c" up
ip -n "$srv" link set "${tag}s" up
ip netns exec "$srv" memcached -u root -l 198.18.3.2 -p 11211 -t 1 -m 64 -c 1024 &
mpid=$!
for _ in $(seq 50); do
	in_cli bash -c 'exec 3<>/dev/tcp/198.18.3.2/11211' 2>/dev/null && break
	sleep 0.1
done
k_set=(); k_get=()
for r in $(seq "$runs"); do
	read -r s g n < <(slap_run 198.18.3.2:11211)
	k_set+=("$s"); k_get+=("$g")
	echo "RUN server=kernel-memcached run=$r set_tps=$s get_tps=$g gets=$n"
done
kill -TERM "$mpid"; wait "$mpid" 2>/dev/null || true; mpid=

# ---- yard over net_tap, one lcore ----------------------------------------------------------------
cat >"$work/yard.ini" <<INI
[yard]
lcores = 0
log_level = notice
[eal]
args = --file-prefix $prefix
[port0]
dev = net_tap0,iface=${tag}y
address = 198.18.0.2/24
[services]
memcached = 11211
[memcached]
memory = 64M
INI
tel() { "$py" "$root/perf/yard_tel.py" "$prefix" "$1"; }
ip netns exec "$cli" "$yard" --config "$work/yard.ini" >"$work/yard.log" 2>&1 &
ypid=$!
for _ in $(seq 300); do
	grep -q "yard: running on" "$work/yard.log" && break
	kill -0 "$ypid" 2>/dev/null || { echo "memcached_bench: yard exited:" >&2; cat "$work/yard.log" >&2; exit 1; }
	sleep 0.1
done
ip -n "$cli" addr add 198.18.0.1/24 dev "${tag}y"
ip -n "$cli" link set "${tag}y" up
in_cli ping -c 2 -W 2 -q 198.18.0.2 >/dev/null
y_set=(); y_get=(); y_cpr=()
for r in $(seq "$runs"); do
	la=$(tel /yard/lcores); ma=$(tel /yard/memcached)
	read -r s g n < <(slap_run 198.18.0.2:11211)
	lb=$(tel /yard/lcores); mb=$(tel /yard/memcached)
	cpr=$("$py" - "$la" "$lb" "$ma" "$mb" <<'PY'
import json, sys
la, lb, ma, mb = (json.loads(x) for x in sys.argv[1:5])
busy = sum(lb[k]["busy_cycles"] - la[k]["busy_cycles"] for k in lb if k.startswith("lcore"))
cmds = mb["commands"] - ma["commands"]
print("%.0f" % (busy / cmds if cmds else 0))
PY
)
	y_set+=("$s"); y_get+=("$g"); y_cpr+=("$cpr")
	echo "RUN server=yard run=$r set_tps=$s get_tps=$g gets=$n cycles_per_request=$cpr"
done
kill -TERM "$ypid"
wait "$ypid" || { echo "memcached_bench: yard did not stop cleanly:" >&2; cat "$work/yard.log" >&2; exit 1; }
ypid=
grep -q "mempools: 0 in use" "$work/yard.log" || { echo "memcached_bench: yard leaked mbufs" >&2; exit 1; }

med() { printf '%s\n' "$@" | median; }
printf 'RESULT bench=memcached server=kernel-memcached link=veth threads=1 conc=%s keys=%s runs=%s set_tps=%.0f get_tps=%.0f\n' \
	"$conc" "$exec_n" "$runs" "$(med "${k_set[@]}")" "$(med "${k_get[@]}")"
printf 'RESULT bench=memcached server=yard link=net_tap lcores=1 conc=%s keys=%s runs=%s set_tps=%.0f get_tps=%.0f cycles_per_request=%.0f\n' \
	"$conc" "$exec_n" "$runs" "$(med "${y_set[@]}")" "$(med "${y_get[@]}")" "$(med "${y_cpr[@]}")"
