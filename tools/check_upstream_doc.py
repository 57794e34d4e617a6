#!/usr/bin/env python3
"""Checks that docs/upstream.md's meson lines name every test and library
source of the project, and nothing that is neither the project's nor one of
the upstream neighbours shown for context: the guide must not drift from
the tree it describes.

Usage: check_upstream_doc.py SOURCE_ROOT [--doc FILE]
"""

import argparse
import re
import sys
from pathlib import Path

# Upstream's own entries that the guide's meson lines show around ours;
# `./xprime upstream` checks them against IGT's tree (check_guide()).
UPSTREAM_NEIGHBOURS = {"meta_test", "prime_vgem", "sriov_basic", "vmw_prime", "vmw_ref_count",
                       "vmw_surface_copy", "igt_vgem.c", "igt_no_exit"}
# Project files whose upstream namesake exists: appended, not listed.
APPENDED = {"igt_vmwgfx.c": "lib/igt_vmwgfx.[ch]"}


def meson_names(doc):
    """The quoted names in the ```meson blocks of @doc."""
    names = set()
    for block in re.findall(r"```meson\n(.*?)```", doc, re.S):
        names.update(re.findall(r"'([^']+)'", block))
    return names


def wanted(root):
    """Names the guide's meson lines must have: test programs, library
    sources and library tests (lib/tests/X_selftest.c is upstream's X)."""
    names = {p.stem for p in root.glob("tests/*/*.c")}
    names |= {p.name for p in root.glob("lib/*.c") if p.name not in APPENDED}
    names |= {p.stem.removesuffix("_selftest") for p in root.glob("lib/tests/*.c")}
    return names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--doc", type=Path)
    args = parser.parse_args()
    doc_path = args.doc or args.root / "docs" / "upstream.md"
    doc = doc_path.read_text(encoding="utf-8")

    listed, want = meson_names(doc), wanted(args.root)
    errors = [f"{doc_path}: no meson line for {n}" for n in sorted(want - listed)]
    errors += [f"{doc_path}: meson line for {n}, which is not in the tree"
               for n in sorted(listed - want - UPSTREAM_NEIGHBOURS)]
    errors += [f"{doc_path}: {f} is not mentioned (it is appended upstream)"
               for f in APPENDED.values() if f"`{f}`" not in doc]
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    print(f"{doc_path}: names all {len(want)} test programs and library sources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
