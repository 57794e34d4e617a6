#!/usr/bin/env python3
"""Fails when the project defines a global symbol that libigt.so.0 exports.

Such a symbol silently replaces libigt's own copy, also for libigt's internal
calls (symbol interposition). The only allowed overlaps are libigt's data
objects that the linker copies into an executable (COPY relocations: the jump
buffers), and the test description that libigt looks up as a weak symbol.

Usage: check_symbol_clash.py OBJECT_OR_BINARY...
The libigt checked is the one the first executable argument links against.
"""

import re
import subprocess
import sys

ALLOWED = {"__igt_test_description"}


def defined_globals(path, dynamic=False):
    args = ["nm", "--defined-only", "--extern-only"] + (["-D"] if dynamic else []) + [path]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] not in ("w", "V", "U"):
            names.add(parts[2].split("@")[0])
    return names


def copy_relocated(path):
    out = subprocess.run(["readelf", "-rW", path], capture_output=True, text=True).stdout
    return {l.split()[4].split("@")[0] for l in out.splitlines() if "R_X86_64_COPY" in l}


def libigt_of(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    m = re.search(r"libigt\.so\.0 => (\S+)", out)
    return m.group(1) if m else None


def main():
    paths = sys.argv[1:]
    libigt = next((l for l in map(libigt_of, paths) if l), None)
    if not libigt:
        sys.exit("none of the arguments links against libigt.so.0")
    exported = defined_globals(libigt, dynamic=True)
    clashes = []
    for path in paths:
        allowed = ALLOWED | copy_relocated(path)
        for name in sorted(defined_globals(path) & exported - allowed):
            clashes.append(f"{path}: {name}")
    if clashes:
        sys.exit("symbols that clash with libigt exports (rename them):\n  "
                 + "\n  ".join(clashes))
    print(f"{len(paths)} files checked against {len(exported)} exports of {libigt}: no clash")


if __name__ == "__main__":
    main()
