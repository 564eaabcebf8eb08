#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Integration test of [yard] idle_sleep_us: an idle yard stops burning its core, and still serves.

    idle_sleep_integration.py --yard BUILD/app/yard --source SRCDIR idle_sleep

yard on net_tap in its own namespace, the kernel as its peer, as yard_integration.py runs it
(whose Case and Yard it uses, so the clean-up is the same). First config/default.ini as it is
(lcores poll for ever): its CPU time over a few idle seconds is most of the wall time. Then
the same file with idle_sleep_us set: ping and the UDP echo still answer, and over the same
idle seconds yard's CPU time (utime + stime of the whole process, /proc/PID/stat) is a small
fraction of the wall time, the lcore's sleep counters say why, and yard stops cleanly.
The margins are wide: CI shares two cores with other work. Needs root (exit 77 otherwise).
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yard_integration as yi  # noqa: E402
from yard_integration import check, log, run, YARD_ADDR  # noqa: E402

IDLE_SECS = 3
# IDLE_SLEEP_US=10 (say) measures another value by hand; the checks are made for 1000.
SLEEP_US = int(os.environ.get("IDLE_SLEEP_US", "1000"))


def cpu_secs(pid):
    """utime + stime of process pid (every thread), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def yields(pid):
    """Voluntary context switches of the main thread, lcore 0's loop: each sleep is one."""
    with open("/proc/%d/task/%d/status" % (pid, pid)) as f:
        return int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)", f.read(), re.M).group(1))


def idle_shares(y, secs):
    """
    Over secs seconds in which nothing is sent: the share of one core yard's process used,
    and how many times lcore 0's thread gave up its core of its own accord. A polling thread
    never does, however little CPU a loaded machine lets it have (CPU time alone cannot tell
    a polling yard on a busy machine from a sleeping one).
    """
    pid = y.proc.pid  # `ip netns exec` execs yard in place: the pid is yard's
    with open("/proc/%d/comm" % pid) as f:
        comm = f.read().strip()
    check(comm.startswith("yard") or comm.startswith("rte"), "pid %d is %r, not yard" %
          (pid, comm))
    c0, v0, t0 = cpu_secs(pid), yields(pid), time.monotonic()
    time.sleep(secs)
    wall = time.monotonic() - t0
    return (cpu_secs(pid) - c0) / wall, yields(pid) - v0


def ping(c, count, size=None):
    """
    Pings until count replies are in, however late (-w: up to 30 s; without it, once one reply
    is in, ping waits only twice the slowest round trip for the last, and on a loaded machine
    a sleeping lcore's reply can come later than that). Returns (sent, received): with -w
    ping goes on sending until it has count replies.
    """
    cmd = ["ping", "-n", "-q", "-c", str(count), "-i", "0.2", "-w", "30"]
    cmd += ["-s", str(size)] if size else []
    p = run(cmd + [YARD_ADDR], timeout=60, ok=False, ns=c.ns)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", p.stdout)
    check(m is not None, "ping printed no statistics:\n%s%s" % (p.stdout, p.stderr))
    log("ping%s: %s sent, %s received; %s" % (" -s %d" % size if size else "", m.group(1),
                                              m.group(2), p.stdout.strip().splitlines()[-1]))
    return int(m.group(1)), int(m.group(2))


def expect_ping(c, y, count, size=None):
    """Every ping answered, or a failure with the counters that tell where the frames went."""
    sent, got = ping(c, count, size)
    if got < count or got != sent:
        e = "ping -c %d%s: %d sent, %d received" % (count, " -s %d" % size if size else "", sent,
                                                      got)
        link = run(["ip", "-s", "link", "show", "yard0"], ns=c.ns, ok=False).stdout
        neigh = run(["ip", "neigh"], ns=c.ns, ok=False).stdout
        raise yi.Failure("%s\nlcore 0: %s\nstats: %s\ndrops: %s\nicmp: %s\n%s%s" %
                         (e, y.get("/yard/lcores,0"), y.get("/yard/stats"), yi.drops(y),
                          yi.counters(y, "icmp"), link, neigh))


def case_idle_sleep(c):
    """Polling costs a core; idle_sleep_us gives it back, and yard still answers."""
    y = c.yard(c.source_config("default.ini"))
    c.tap_up()
    c.expect_ping(count=2)
    l0 = y.get("/yard/lcores,0")
    polling, poll_yields = idle_shares(y, IDLE_SECS)
    l1 = y.get("/yard/lcores,0")
    loops = l1["loops"] - l0["loops"]
    log("idle_sleep_us = 0: %.0f%% of a core over %d idle seconds, %d yields, %d passes, "
        "%.2f us each" % (100 * polling, IDLE_SECS, poll_yields, loops,
         1e6 * (l1["idle_cycles"] - l0["idle_cycles"]) / l1["timer_hz"] / max(loops, 1)))
    y.stop_clean()

    with open(c.source_config("default.ini")) as f:
        text = f.read()
    check("[yard]\n" in text, "config/default.ini has no [yard] section")
    text = text.replace("[yard]\n", "[yard]\nidle_sleep_us = %d\n" % SLEEP_US, 1)
    y = c.yard(c.config(text, "idle.ini"), suffix="-idle")
    c.tap_up()
    expect_ping(c, y, 5)
    expect_ping(c, y, 5, size=3000)
    p = run(["/usr/bin/python3", "-c", yi.UDP_CLIENT, YARD_ADDR], ns=c.ns, ok=False, timeout=60)
    check(p.returncode == 0 and p.stdout.strip() == "ok",
          "udp echo with idle sleep: %s%s" % (p.stdout, p.stderr))
    time.sleep(0.5)  # the last discards in
    l0 = y.get("/yard/lcores,0")
    sleeping, sleep_yields = idle_shares(y, IDLE_SECS)
    l1 = y.get("/yard/lcores,0")
    slept = (l1["sleep_cycles"] - l0["sleep_cycles"]) / l1["timer_hz"]
    log("idle_sleep_us = %d: %.1f%% of a core over %d idle seconds, %d yields; lcore 0 "
        "slept %.2f s in %d sleeps, busy_pct %d, sleep_pct %d" %
        (SLEEP_US, 100 * sleeping, IDLE_SECS, sleep_yields, slept,
         l1["sleeps"] - l0["sleeps"], l1["busy_pct"], l1["sleep_pct"]))
    # Alone, a polling yard takes 100 % of a core and a sleeping one 0.3 to 2 %. Beside other
    # work the polling one gets less (9 % seen on our 2 busy shared cores) but never yields
    # its core: that is what is checked of it, with its CPU time only against the sleeping
    # one's. Contention only lowers the sleeping one's share.
    check(poll_yields < 100, "with idle_sleep_us = 0 an idle lcore polls and never sleeps: "
          "%d voluntary context switches in %d s" % (poll_yields, IDLE_SECS))
    check(sleeping < 0.10, "with idle_sleep_us = %d an idle yard uses little CPU: %.1f%% of a "
          "core" % (SLEEP_US, 100 * sleeping))
    check(polling > 3 * sleeping, "idle sleep gives back most of a polling yard's CPU: "
          "%.1f%% against %.1f%% of a core" % (100 * sleeping, 100 * polling))
    check(sleep_yields > 50, "the idle lcore slept: %d voluntary context switches" %
          sleep_yields)
    check(l1["sleeps"] > l0["sleeps"] and slept > IDLE_SECS / 2,
          "the lcore slept most of the idle time: %.2f s" % slept)
    expect_ping(c, y, 3)  # and wakes for the next frame
    y.stop_clean()


CASES = {
    "idle_sleep": case_idle_sleep,
}


def main():
    return yi.plain_main(__doc__, CASES)


if __name__ == "__main__":
    sys.exit(main())
