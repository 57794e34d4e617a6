#!/usr/bin/env python3
"""Checks an IGT test binary the way upstream's meson test does: --help and
--list-subtests exit 0, subtest names are unique and spelled with '-'."""

import re
import subprocess
import sys

NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def run(binary, *args):
    proc = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        sys.exit(f"{binary} {' '.join(args)}: exit {proc.returncode}\n{proc.stderr}")
    return proc.stdout


def main():
    binary = sys.argv[1]
    run(binary, "--help")
    names = run(binary, "--list-subtests").split()
    errors = []
    if not names:
        errors.append("lists no subtests")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        errors.append(f"duplicate subtests: {' '.join(dupes)}")
    bad = [n for n in names if not NAME.match(n)]
    if bad:
        errors.append(f"subtest names not in lower case with '-': {' '.join(bad)}")
    if errors:
        sys.exit(f"{binary}: " + "; ".join(errors))
    print(f"{binary}: {len(names)} subtests: {' '.join(names)}")


if __name__ == "__main__":
    main()
