#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
One large TCP echo through netem against the Linux kernel (issue 5; run by perf/tcp_loss_run.sh).

yard starts on net_tap in its own namespace with config/default.ini, exactly as the
yardctl_netem integration case does (its Case, start() and NETEM_CLIENT are reused, so the
clean-up is the same); netem ARGS is pushed on port0/q0 just below ip (both ways), and the
kernel echoes BYTES of random data through yard's echo service (port 7) while reading them
back. The only time limit is DEADLINE (generous: the point is to see the run finish).

Every 30 s a PROGRESS line (bytes yard delivered and sent so far, retransmissions, RTOs,
tail loss probes); at the end one RESULT line (machine-readable, key=value) with the
elapsed time, MB/s each way (10^6 bytes), whether the sha256 of the echo matched, and
yard's TCP and netem counters over the run, and the load average before and after.

    tcp_loss_run.py --yard Y --yardctl C --source SRCDIR NETEM_ARGS [--bytes N] [--deadline S]

Exit 0 when the echo finished intact and yard stopped cleanly, 1 otherwise, 77 without root.
"""

import argparse
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import yard_integration as yi  # noqa: E402
import yardctl_integration as yc  # noqa: E402

PROGRESS_SECS = 30
# what a line shows, besides yardctl_integration's TCP_KEYS
BYTE_KEYS = ("rx_data_bytes", "tx_data_bytes")


def counters_delta(before, after):
    return {k: after.get(k, 0) - before.get(k, 0) for k in BYTE_KEYS + yc.TCP_KEYS}


def loadavg():
    return "%.2f/%.2f/%.2f" % os.getloadavg()


def echo_run(c, netem, size, deadline):
    """Returns (finished intact?, the RESULT fields)."""
    y = yc.start(c)
    before = yc.tcp_counters(y)
    out = yc.yardctl(c, "push", "port0/q0", "netem", netem).stdout
    yi.check("pushed netem on port0/q0" in out, "push: " + out)
    load0 = loadavg()
    cmd = ["ip", "netns", "exec", c.ns, "/usr/bin/python3", "-c", yc.NETEM_CLIENT, yi.YARD_ADDR,
           str(size), str(deadline)]
    t0 = time.monotonic()
    client = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    c.procs.append(client)  # killed with its group at clean-up if we leave early
    # The client gives up by itself at deadline; 60 s more covers its start and its hashing.
    next_mark = t0 + PROGRESS_SECS
    while client.poll() is None:
        now = time.monotonic()
        if now - t0 > deadline + 60:
            os.killpg(client.pid, signal.SIGKILL)
            client.wait(timeout=10)
            break
        if now >= next_mark:
            d = counters_delta(before, yc.tcp_counters(y))
            print("PROGRESS t=%.0f rx_bytes=%d tx_bytes=%d rexmt=%d rto=%d tlp=%d load=%s" %
                  (now - t0, d["rx_data_bytes"], d["tx_data_bytes"], d["tx_rexmt_segs"],
                   d["rexmt_timeouts"], d["tlp_probes"], loadavg()), flush=True)
            next_mark += PROGRESS_SECS
        time.sleep(1)
    wall = time.monotonic() - t0
    said = client.stdout.read().strip()
    sq = y.get("/yard/streamq,port0/q0")
    out = yc.yardctl(c, "pop", "port0/q0", "netem").stdout
    yi.check("popped netem from port0/q0" in out, "pop: " + out)
    d = counters_delta(before, yc.tcp_counters(y))
    nem = {}
    for k, v in sq.items():
        if k.startswith("q") and isinstance(v, dict) and v.get("module") == "netem":
            nem = {n: v[n] for n in ("netem_wr_dropped", "netem_rd_dropped", "netem_wr_passed",
                                     "netem_rd_passed", "netem_wr_reordered",
                                     "netem_rd_reordered") if n in v}
    # NETEM_CLIENT prints "ok SECONDS" only when the sha256 of what came back matched.
    ok = said.startswith("ok ")
    secs = float(said.split()[1]) if ok else wall
    sha = "equal" if ok else ("differs" if "differs" in said else "not-compared")
    fields = {"netem": '"%s"' % netem, "bytes": size, "finished": int(ok), "secs": "%.1f" % secs,
              "mb_s_each_way": "%.3f" % (d["rx_data_bytes"] / secs / 1e6 if secs else 0),
              "sha256": sha}
    fields.update(d)
    fields.update(nem)
    fields["load_before"] = load0
    fields["load_after"] = loadavg()
    if not ok:
        fields["client"] = '"%s"' % said.replace('"', "'").replace("\n", " ")[:400]
    print("RESULT " + " ".join("%s=%s" % kv for kv in fields.items()), flush=True)
    y.stop_clean()  # exit 0 and every mbuf back: nothing leaked under loss
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--yard", required=True)
    ap.add_argument("--yardctl", required=True)
    ap.add_argument("--source", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     ".."))
    ap.add_argument("--bytes", type=int, default=100 << 20)
    ap.add_argument("--deadline", type=float, default=1200)
    ap.add_argument("netem", help='netem arguments, e.g. "drop=10%% seed=11"')
    args = ap.parse_args()
    for k in ("yard", "yardctl", "source"):
        setattr(args, k, os.path.abspath(getattr(args, k)))
    if args.bytes <= 0 or args.deadline <= 0:
        ap.error("--bytes and --deadline must be positive")
    if os.geteuid() != 0:
        print("tcp_loss_run: needs root (namespaces, taps)", file=sys.stderr)
        return yc.SKIP
    signal.signal(signal.SIGTERM, yi.on_signal)
    signal.signal(signal.SIGINT, yi.on_signal)
    try:
        with yi.Case(args, "tcp_loss_run") as c:
            ok = echo_run(c, args.netem, args.bytes, args.deadline)
    except (yi.Failure, yi.Stop) as e:
        print("tcp_loss_run: %s" % e, file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
