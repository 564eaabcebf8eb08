#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# One large TCP echo through yard's netem module against the Linux kernel (issue 5), run to
# completion: yard on net_tap in its own namespace, netem ARGS pushed below ip on port0/q0,
# BYTES echoed through yard's echo service (perf/tcp_loss_run.py says how). Prints PROGRESS
# lines every 30 s and one RESULT line: elapsed time, MB/s each way, sha256 equal or not,
# yard's retransmission/RTO/TLP counters, netem's drops. Root only; not a test.
#
#   perf/tcp_loss_run.sh NETEM_ARGS [BYTES (104857600)] [DEADLINE_SECS (1200)]
#   env: BUILD (build directory with app/yard and app/yardctl/yardctl; $root/build/dev)
#   e.g. BUILD=build/release perf/tcp_loss_run.sh "drop=10% seed=11"
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -ge 1 ] && [ $# -le 3 ] || { sed -n '9,11s/^# \{0,1\}//p' "$0" >&2; exit 2; }
build=${BUILD:-$root/build/dev}
for b in app/yard app/yardctl/yardctl; do
	[ -x "$build/$b" ] || { echo "tcp_loss_run: no $build/$b (build it first)" >&2; exit 1; }
done
command -v ip >/dev/null || { echo "tcp_loss_run: ip missing (scripts/setup.sh)" >&2; exit 1; }
exec /usr/bin/python3 "$root/perf/tcp_loss_run.py" --yard "$build/app/yard" \
	--yardctl "$build/app/yardctl/yardctl" --source "$root" \
	--bytes "${2:-104857600}" --deadline "${3:-1200}" "$1"
