#!/usr/bin/env python3
"""Markdown table of the results that differ between configurations.

Usage: tools/compat_table.py NAME=RESULTS_DIR... (igt_runner results dirs,
e.g. 6.1=results/<run>/debian-6.1). Cells are as ./xprime run shows them:
pass, skip, fail, crash, or the errno of a documented refusal.
"""

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))

from xprime import report, results  # noqa: E402


def load(path):
    tests = json.loads((Path(path) / "results.json").read_text())["tests"]
    return results.leaves({n: e for n, e in tests.items() if "result" in e})


def main():
    columns = [arg.split("=", 1) for arg in sys.argv[1:]]
    if not columns or any(len(c) != 2 for c in columns):
        sys.exit(__doc__)
    results = [(name, load(path)) for name, path in columns]
    names = sorted(set().union(*(r.keys() for _, r in results)))
    print("| configuration | " + " | ".join(n for n, _ in results) + " |")
    print("|---|" + "---|" * len(results))
    for kind in ("pass", "skip", "fail", "crash"):
        counts = [Counter(e["result"] for e in r.values())[kind] for _, r in results]
        print(f"| {kind} | " + " | ".join(map(str, counts)) + " |")
    print()
    print("| result | " + " | ".join(n for n, _ in results) + " |")
    print("|---|" + "---|" * len(results))
    for name in names:
        cells = [report.cell(r[name]) if name in r else "-" for _, r in results]
        if len(set(cells)) > 1:
            print(f"| `{name.removeprefix('igt@')}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
