#!/usr/bin/env python3
"""Benchmark: where the time of a run goes, boot by boot and phase by phase.

Runs `./xprime run ARGS...` (or reads a finished run with --results DIR) and
breaks every boot into phases from the guest console's kernel timestamps
(guest/init marks each step in the kernel log) and the harness's own clock (console-bootN.timing.json): host work before QEMU,
firmware and kernel, initramfs (modules), userland mounted, drivers bound,
the state saved, shares mounted, igt_runner started, the subtests,
results synced, power-off, host work after. Then, per configuration: each
crash's cost from the panic line to the next test's start, the host's work
between boots, and the time in subtests (results.json) against everything
else.

The guest's clock runs with the host's under TCG, so the firmware phase is
QEMU's wall time to "ready" less the guest's own time to it.

Usage: tools/bench_phases.py [--results DIR] [-- ./xprime run ARGS...]
  e.g. tools/bench_phases.py -- --kernel 6.12-debug prime_cross@import@vgem-to-vmwgfx
"""

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "harness"))

from xprime import results  # noqa: E402
STAMP = re.compile(r"^\[\s*(\d+\.\d+)\] (.*)$")
# Guest marks (guest/init) and kernel lines, in boot order.
MARKS = [
    # The kernel's own "Run /init" is below the boot's console level.
    ("kernel, to /init", re.compile(r"xprime-guest: init$|Run /init as init process")),
    ("modules loaded", re.compile(r"xprime-guest: modules loaded")),
    ("userland mounted", re.compile(r"xprime-guest: userland ready")),
    ("drivers bound", re.compile(r"xprime-guest: drivers:")),
    ("ready", re.compile(r"xprime-guest: ready")),
    ("go", re.compile(r"xprime-guest: go")),
    ("shares mounted", re.compile(r"xprime-guest: shares mounted")),
    ("igt_runner started", re.compile(r"xprime-guest: starting igt_runner")),
    ("first subtest", re.compile(r"\[IGT\] [\w-]+: starting subtest")),
    ("igt_runner exited", re.compile(r"xprime-guest: igt_runner exited")),
    ("synced", re.compile(r"xprime-guest: synced")),
    ("power-off", re.compile(r"reboot: Power down|Kernel panic - not syncing")),
]


def stamped_lines(console):
    """[(guest seconds, text)] of the console's kernel-timestamped lines."""
    lines = []
    for line in console.read_text(errors="replace").splitlines():
        m = STAMP.match(line.rstrip("\r"))
        if m:
            lines.append((float(m[1]), m[2]))
    return lines


def console_marks(lines):
    """{mark: guest seconds} of the first line of each mark."""
    found = {}
    for seconds, text in lines:
        for name, pattern in MARKS:
            if name not in found and pattern.search(text):
                found[name] = seconds
    return found


# The next test running after a crash: a binary starting, or a subtest.
SUBTEST_START = re.compile(r"\[IGT\] [\w-]+: (executing|starting (dynamic )?subtest)")
PANIC_LINE = re.compile(r"Kernel panic - not syncing")


def host_times(lines, marks, timing):
    """Host clock of the first test start and of the panic line: after
    "go" the guest's clock maps onto the host's through the go mark."""
    if "go" not in timing or "go" not in marks or "started" not in timing:
        return None, None
    origin = timing["started"] + timing["go"] - marks["go"]
    first = panic = None
    for seconds, text in lines:
        if seconds < marks["go"]:
            continue
        if first is None and SUBTEST_START.search(text):
            first = origin + seconds
        if panic is None and PANIC_LINE.search(text):
            panic = origin + seconds
    return first, panic


def boot_phases(timing, marks):
    """[(phase, seconds)] of one boot from the harness's @timing and the
    console's @marks."""
    rows, last = [], None
    if not timing.get("restored"):
        if "ready" in timing and "ready" in marks:
            rows.append(("firmware, kernel load", timing["ready"] - marks["ready"]))
        last = 0.0
    for name, _ in MARKS:
        if name not in marks:
            continue
        if last is not None:
            rows.append((name, marks[name] - last))
        last = marks[name]
        if name == "ready" and "saved" in timing:
            rows.append(("state saved (host)", timing["saved"] - timing["ready"]))
        if name == "ready" and "go" in timing:
            # While the guest waits, its clock runs on: the host's time to go.
            rows.append(("go (host)", timing["go"] - timing.get("saved", timing["ready"])))
            last = None
    if timing.get("restored") and "go" in timing:
        rows.insert(0, ("state restored (host)", timing["go"]))
    return rows


def leaf_seconds(directory):
    path = directory / "results.json"
    if not path.exists():
        return 0.0, 0
    total, count = 0.0, 0
    for entry in results.leaves(json.loads(path.read_text())["tests"]).values():
        t = entry.get("time", {})
        if "start" in t and "end" in t:
            total += t["end"] - t["start"]
            count += 1
    return total, count


def report(run_dir, wall=None, started=None):
    configs = sorted(p for p in (run_dir / "logs").iterdir() if p.is_dir())
    first_start, last_end = None, None
    for logs in configs:
        consoles = sorted((c for c in logs.glob("console-boot*.log")
                           if re.fullmatch(r"console-boot\d+\.log", c.name)),
                          key=lambda c: int(re.search(r"(\d+)", c.name)[1]))
        print(f"== {logs.name}: {len(consoles)} boot(s)")
        in_guests = 0.0
        crash_costs, panic_at = [], None
        gaps, previous_end = [], None
        for console in consoles:
            timing_file = console.with_name(console.name.replace(".log", ".timing.json"))
            timing = json.loads(timing_file.read_text()) if timing_file.exists() else {}
            lines = stamped_lines(console)
            marks = console_marks(lines)
            rows = boot_phases(timing, marks)
            if "started" in timing:
                if previous_end is not None:
                    gaps.append(timing["started"] - previous_end)
                previous_end = timing["started"] + timing.get("end", 0)
            first, panic = host_times(lines, marks, timing)
            if panic_at is not None and first is not None:
                crash_costs.append(first - panic_at)
            panic_at = panic
            end = timing.get("end")
            if end is not None:
                in_guests += end
                if "started" in timing:
                    first_start = min(first_start or timing["started"], timing["started"])
                    last_end = max(last_end or 0, timing["started"] + end)
            kind = "restored" if timing.get("restored") else "booted"
            print(f"   {console.stem} ({kind}, {timing.get('ending', '?')}): "
                  + (f"{end:.2f} s" if end is not None else "no host timing"))
            for name, seconds in rows:
                print(f"      {name:26} {seconds:6.2f} s")
        if crash_costs:
            print(f"   crashes: {len(crash_costs)}, panic line to the next test's start: "
                  f"median {sorted(crash_costs)[len(crash_costs) // 2]:.2f} s, "
                  f"max {max(crash_costs):.2f} s")
        if gaps:
            print(f"   host work between boots: {sum(gaps):.1f} s in all, median "
                  f"{sorted(gaps)[len(gaps) // 2]:.2f} s, max {max(gaps):.2f} s")
        subtests, count = leaf_seconds(run_dir / logs.name)
        print(f"   in guests {in_guests:.1f} s; in subtests {subtests:.1f} s ({count} results), "
              f"everything else {in_guests - subtests:.1f} s")
    if wall is not None:
        print(f"== wall {wall:.2f} s", end="")
        if first_start is not None:
            print(f"; host work before the first QEMU {first_start - started:.2f} s, "
                  f"after the last {started + wall - last_end:.2f} s", end="")
        print()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", type=Path, help="a finished run's directory")
    p.add_argument("args", nargs=argparse.REMAINDER, help="./xprime run's arguments")
    a = p.parse_args()
    if a.results:
        report(a.results)
        return 0
    args = [x for x in a.args if x != "--"]
    started = time.time()
    run = subprocess.run([str(REPO / "xprime"), "run", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    wall = time.time() - started
    latest = (REPO / "results" / "latest").resolve()
    print(f"./xprime run {' '.join(args)}: exit {run.returncode}")
    if run.returncode not in (0, 1):
        print(run.stdout[-3000:])
    report(latest, wall, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
