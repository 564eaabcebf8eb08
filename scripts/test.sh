#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test run, as CI does it (.ci/run calls this):
#   1. install what is missing (scripts/setup.sh);
#   2. build with warnings as errors in build/ci and run every meson test suite;
#   3. build again with ASan+UBSan in build/asan and run the unit and integration suites under
#      the sanitizers (the integration cases then start the sanitized yard against the kernel);
#   4. end with one line "N passed, N failed[, N skipped]" summing both runs, counted from
#      meson's own logs (meson-logs/testlog.json: one entry per test program), plus one
#      failure per process that left a sanitizer report (see count() below).
# Exits non-zero if anything failed, a build failed, or no test ran.
# Environment: YARD_BUILD_ROOT (default build), YARD_SKIP_SETUP=1, YARD_SKIP_SAN=1.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
broot=${YARD_BUILD_ROOT:-build}

if [ "${YARD_SKIP_SETUP:-0}" != 1 ]; then
	bash "$root/scripts/setup.sh"
fi

# configure DIR OPTIONS...: meson setup, or reconfigure an existing build dir; quiet unless it fails.
configure() {
	local dir=$1
	shift
	local log="$broot/$(basename "$dir")-setup.log"
	mkdir -p "$broot"
	local how=()
	[ -f "$dir/build.ninja" ] && how=(--reconfigure)
	if ! meson setup "${how[@]}" "$dir" "$@" >"$log" 2>&1; then
		cat "$log" >&2
		echo "test: meson setup $dir failed" >&2
		exit 1
	fi
}

build() {
	local dir=$1
	if ! ninja -C "$dir" >"$dir/ninja.log" 2>&1; then
		grep -v '^\[' "$dir/ninja.log" | head -n 200 >&2
		echo "test: build in $dir failed (log: $dir/ninja.log)" >&2
		exit 1
	fi
	echo "test: built $dir ($(grep -c '^\[' "$dir/ninja.log" || true) steps)"
}

# count DIR LABEL [SANLOGDIR]: print this run's counts and append "passed failed skipped" to
# $counts. Test programs are counted from meson's testlog.json; the cases inside them (TAP) from
# its JUnit log, for information. With SANLOGDIR, every process that left a sanitizer report
# there counts as one more failure: Criterion ignores what happens in a test's .fini and at a
# worker's exit, so a leak or an error reported there would otherwise pass unnoticed.
counts=$(mktemp /tmp/yard-test-counts.XXXXXX)
trap 'rm -f "$counts"' EXIT
count() {
	python3 - "$1/meson-logs/testlog.json" "$2" "$counts" "${3:-}" <<'PY'
import glob, json, os, sys
import xml.etree.ElementTree as ET
path, label, out, sandir = sys.argv[1:5]
passed = failed = skipped = 0
bad = []
try:
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            res = r.get("result")
            if res in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif res == "SKIP":
                skipped += 1
            else:  # FAIL, UNEXPECTEDPASS, TIMEOUT, ERROR, anything unknown
                failed += 1
                bad.append("%s (%s)" % (r.get("name"), res))
except FileNotFoundError:
    pass
cases = cases_bad = 0
try:
    for tc in ET.parse(os.path.join(os.path.dirname(path), "testlog.junit.xml")).iter("testcase"):
        cases += 1
        if tc.find("failure") is not None or tc.find("error") is not None:
            cases_bad += 1
except (FileNotFoundError, ET.ParseError):
    pass
reports = []
if sandir:
    for f in sorted(glob.glob(os.path.join(sandir, "*"))):
        with open(f, errors="replace") as fh:
            text = fh.read()
        if "ERROR: " in text or "runtime error" in text:
            reports.append((f, text))
for f, text in reports:
    print("test: sanitizer report in %s:" % f)
    print("\n".join(text.splitlines()[:60]))
failed += len(reports)
print("test: %s: ok %d, failing %d, skipped %d (programs); %d cases, %d not ok%s%s" % (
      label, passed, failed, skipped, cases, cases_bad,
      ("; %d sanitizer report(s) outside test bodies, counted as failures" % len(reports))
      if reports else "",
      (" - " + ", ".join(bad)) if bad else ""))
with open(out, "a") as f:
    f.write("%d %d %d\n" % (passed, failed, skipped))
PY
}

# 1. Warnings as errors, every suite.
ci="$broot/ci"
configure "$ci" -Dwerror=true
build "$ci"
rm -f "$ci/meson-logs/testlog.json"
echo "test: meson test (all suites) in $ci"
meson test -C "$ci" --print-errorlogs --num-processes "$(nproc)" </dev/null || true
count "$ci" "all suites, -Werror build"

# 2. ASan + UBSan: the unit suite, and the integration suite, whose cases start this build's
# yard (and yardctl) against the kernel's tools, so the binary's own paths (configuration,
# telemetry, real peers' traffic, shutdown) run under the sanitizers too. The soak suite is
# left to step 1 (CI's time). b_lundef=false: the sanitizer runtimes resolve at load time.
if [ "${YARD_SKIP_SAN:-0}" != 1 ]; then
	san="$broot/asan"
	configure "$san" -Db_sanitize=address,undefined -Db_lundef=false
	build "$san"
	rm -f "$san/meson-logs/testlog.json"
	# Every process writes its sanitizer reports to a file of its own here (see count()).
	sanlog="$san/sanitizer-logs"
	rm -rf "$sanlog"
	mkdir -p "$sanlog"
	lsan="print_suppressions=0"
	# DPDK-internal leaks only, never yard's (see docs/testing.md); none needed so far.
	[ -f "$root/tests/lsan.supp" ] && lsan="suppressions=$root/tests/lsan.supp:$lsan"
	echo "test: meson test (unit and integration suites) under ASan+UBSan in $san"
	ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:print_summary=1:log_path=$sanlog/asan" \
	LSAN_OPTIONS="$lsan" \
	UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1:log_path=$sanlog/ubsan" \
		meson test -C "$san" --suite unit --suite integration --print-errorlogs \
			--timeout-multiplier 3 \
			--num-processes "$(nproc)" </dev/null || true
	count "$san" "unit and integration suites, ASan+UBSan build" "$sanlog"
fi

read -r passed failed skipped < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$counts")
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
	exit 1
fi
