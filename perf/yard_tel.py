#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Read one DPDK telemetry command from a running yard: yard_tel.py FILE_PREFIX COMMAND."""
import json
import socket
import sys


def query(prefix, cmd):
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    json.loads(s.recv(16384).decode())  # the greeting
    s.send(cmd.encode())
    ans = json.loads(s.recv(1 << 20).decode())
    s.close()
    return ans[cmd.split(",")[0]]


if __name__ == "__main__":
    print(json.dumps(query(sys.argv[1], sys.argv[2])))
