#!/usr/bin/env python3
"""Stands in for qemu-system-x86_64 in the ready/go unit test: a guest that
says "ready" on its console, waits for the host's "go" on the control port,
runs its tests and starts writing results.json, as igt_runner does."""

import re
import socket
import sys
import time

args = sys.argv[1:]
console = next(re.search(r"path=([^,]+)", a).group(1) for a in args if "id=console" in a)
control = next(re.search(r"path=([^,]+)", a).group(1) for a in args if "id=control" in a)
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(control)
server.listen(1)
with open(console, "w") as out:
    out.write("[    1.000000] xprime-guest: drivers: card0=vgem card1=vmwgfx\r\n")
    out.write("[    1.100000] xprime-guest: ready\r\n")
    out.flush()
    conn, _ = server.accept()
    word = conn.makefile().readline().split()
    if word[:1] != ["go"]:
        sys.exit(1)
    out.write("[    2.000000] xprime-guest: go\r\n")
    out.write("[    2.100000] [IGT] prime_cross: starting subtest import\r\n")
    out.write("results: parsing output: 0/ for test: prime_cross\r\n")
    out.flush()
    time.sleep(600)
