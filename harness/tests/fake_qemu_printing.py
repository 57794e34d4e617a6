#!/usr/bin/env python3
"""Stands in for qemu-system-x86_64 in the watchdog's unit test: starts a
subtest, then keeps printing a stall report as a kernel stuck in an ioctl
does, with no test making progress."""

import re
import sys
import time

console = next(re.search(r"path=([^,]+)", a).group(1) for a in sys.argv if "id=console" in a)
with open(console, "w") as out:
    out.write("[    2.000000] [IGT] prime_cross: executing\n")
    out.write("[    2.100000] [IGT] prime_cross: starting subtest import\n")
    out.write("[    2.200000] [IGT] prime_cross: starting dynamic subtest vgem-to-vgem\n")
    for second in range(3, 600):
        out.write(f"[{second:5}.000000] rcu: INFO: rcu_sched self-detected stall on CPU\n")
        out.flush()
        time.sleep(0.1)
