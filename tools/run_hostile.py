#!/usr/bin/env python3
"""The hostile-guest subtests of vmware-svga on the stdu machine, for
development (the check calls harness/xprime/hostile.py's run_device()).

    cd harness && flock /work/heavy.lock python3 ../tools/run_hostile.py \
        [--sanitize] [--guest-errors] [SUBTEST...]

--guest-errors adds QEMU's `-d guest_errors -D <run>/qemu-<pid>.log` to
every boot's command line (wrapping guest.qemu_command here, not changing
it), so the device's own word on each command it refused is kept.
Prints each subtest's result and why, and the run directory.
"""

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "harness"))

from xprime import guest, hostile, kernel, report, results, suite  # noqa: E402


def log_guest_errors(run_dir):
    plain = guest.qemu_command

    def with_log(*args, **kwargs):
        return plain(*args, **kwargs) + ["-d", "guest_errors",
                                         "-D", str(run_dir / "qemu-%d.log")]
    guest.qemu_command = with_log


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sanitize", action="store_true",
                        help="the QEMU built with ASan and UBSan")
    parser.add_argument("--guest-errors", action="store_true")
    parser.add_argument("--kernel", default="debian-6.12")
    parser.add_argument("subtests", nargs="*")
    args = parser.parse_args()
    machine = suite.MACHINES["stdu"]
    if args.sanitize:
        machine = dataclasses.replace(machine, sanitize=True, suffix="-stdu-sanitize")
    env = suite.Environment()
    kern = kernel.debian_kernel(args.kernel)
    run_dir = results.new_run_dir("hostile")
    if args.guest_errors:
        log_guest_errors(run_dir)
    outcome = hostile.run_device(env, kern, run_dir, machine, args.subtests or None)
    print(report.summary(outcome))
    tests = report.load_results(outcome)
    for name in hostile.expected(args.subtests or None):
        entry = tests.get(name)
        if not entry:
            print(f"{name}: missing")
            continue
        print(f"{name}: {entry['result']}"
              + ("" if entry["result"] == "pass" else f": {report.why(entry)}"))
    for boot in outcome.boots:
        print(f"boot: ending {boot.ending}")
    print(f"run directory: {run_dir}")


if __name__ == "__main__":
    main()
