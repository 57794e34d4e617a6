#!/usr/bin/env python3
"""Stands in for qemu-system-x86_64 in the watchdog's unit test: writes a
console that starts a subtest, then hangs as a stuck guest would."""

import re
import sys
import time

console = next(re.search(r"path=([^,]+)", a).group(1) for a in sys.argv if "id=console" in a)
with open(console, "w") as out:
    out.write("[    1.000000] Run /init as init process\n")
    out.write("[    2.000000] [IGT] prime_cross: executing\n")
    out.write("[    2.100000] [IGT] prime_cross: starting subtest import\n")
    out.write("[    2.200000] [IGT] prime_cross: starting dynamic subtest vgem-to-vgem\n")
    out.flush()
    time.sleep(600)
