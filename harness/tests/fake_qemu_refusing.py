#!/usr/bin/env python3
"""Stands in for qemu-system-x86_64 whose saved state will not load: with
-incoming it says so and exits, as QEMU does for a state of another build;
without, it boots as fake_qemu_ready.py."""

import runpy
import sys
from pathlib import Path

if "-incoming" in sys.argv:
    print("qemu-system-x86_64: load of migration failed: Invalid argument", file=sys.stderr)
    sys.exit(1)
runpy.run_path(str(Path(__file__).with_name("fake_qemu_ready.py")), run_name="__main__")
