#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job, until the dataplane binary exists: install what is missing, build a release,
# run the STREAMS core benchmark (perf/streams_bench.c) and print its results.
# Arguments are passed to yard-streams-bench (e.g. --hops 1,8 --msgs 2000000 --runs 9).
# Environment: YARD_BUILD_ROOT (default build), YARD_SKIP_SETUP=1.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
broot=${YARD_BUILD_ROOT:-build}
rel="$broot/release"

if [ "${YARD_SKIP_SETUP:-0}" != 1 ]; then
	bash "$root/scripts/setup.sh"
fi

mkdir -p "$broot"
how=()
[ -f "$rel/build.ninja" ] && how=(--reconfigure)
if ! meson setup "${how[@]}" "$rel" --buildtype=release -Dtests=disabled \
	>"$broot/release-setup.log" 2>&1; then
	cat "$broot/release-setup.log" >&2
	echo "bench: meson setup $rel failed" >&2
	exit 1
fi
if ! ninja -C "$rel" perf/yard-streams-bench >"$rel/ninja.log" 2>&1; then
	cat "$rel/ninja.log" >&2
	echo "bench: build failed" >&2
	exit 1
fi
echo "bench: built $rel/perf/yard-streams-bench"
exec "$rel/perf/yard-streams-bench" "$@"
