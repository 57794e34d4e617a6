"""xprime: cross-driver dma-buf tests of IGT, run in QEMU guests.

  ./xprime run [FILTER...]   boot the guest(s), run the suite, print a summary
  ./xprime check             the project's own tests (build, meson test, harness)
"""

import argparse
import sys
import time
from pathlib import Path

from . import expect, guest, host, initramfs, kernel, qemu, report, session, sidroot
from .setup import REPO, SetupError, require_root, say

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INFRA = 0, 1, 2, 3

# The devices of every configuration: patched vmware-svga for vmwgfx,
# virtio-gpu without virgl; vgem needs no device.
MACHINE = guest.Machine(
    name="vmware-svga+virtio-gpu",
    vga=["-vga", "vmware", "-device", "virtio-gpu-pci"],
    display=["-display", "none"],
)


class Environment:
    """Everything a boot needs, set up (or found in the cache) on first use."""

    def __init__(self, kernel_name):
        require_root()
        host.ensure_host_packages()
        self.sid_root = sidroot.sid_root()
        self.build_log = sidroot.build_tests(self.sid_root)
        self.kernel = kernel.debian_kernel(kernel_name)
        self.initrd = initramfs.initramfs_for(self.kernel)
        self.qemu = qemu.qemu()

    def config(self):
        return session.Config(self.kernel.name, self.kernel, MACHINE)


def new_run_dir(label=None):
    results = REPO / "results"
    results.mkdir(exist_ok=True)
    name = time.strftime("%Y%m%d-%H%M%S") + (f"-{label}" if label else "")
    run_dir = results / name
    run_dir.mkdir()
    latest = results / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    latest.symlink_to(name)
    return run_dir


def cmd_run(args):
    # Bad filters are refused before minutes of set-up, not after.
    session.resolve_filters(args.filters, session.all_tests())
    expectations = expect.load(expect.path_for(args.kernel))
    env = Environment(args.kernel)
    run_dir = new_run_dir()
    outcome = session.run_config(env.config(), run_dir, env.qemu, env.initrd,
                                 env.sid_root, args.filters)
    verdict = expect.compare(report.load_results(outcome), expectations)
    text = "\n".join([report.summary(outcome),
                      *expect.describe(verdict, only_run_subset=bool(args.filters))])
    (run_dir / "summary.txt").write_text(text + "\n")
    (run_dir / "summary.md").write_text(report.markdown([(outcome, verdict)], [text]))
    (run_dir / "junit.xml").write_text(report.junit([(outcome, verdict)]))
    print(text)
    say(f"results: {run_dir} (also results/latest)")
    return EXIT_PASS if verdict.ok else EXIT_FAIL


def cmd_check(args):
    from . import selfcheck
    return selfcheck.run(args)


def parser():
    p = argparse.ArgumentParser(
        prog="xprime",
        description="Cross-driver dma-buf (prime) tests of IGT, run in QEMU guests "
                    "with vgem, virtio-gpu and vmwgfx.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    run = sub.add_parser("run", help="boot the guest and run the suite",
                         description="Boot the guest, run igt_runner over the project's "
                                     "tests and the upstream peers, print a summary.")
    run.add_argument("filters", nargs="*", metavar="FILTER",
                     help="test[@subtest[@dynamic-subtest]], e.g. "
                          "prime_cross@import@vgem-to-vmwgfx (default: everything)")
    run.add_argument("--kernel", default="debian-6.12", choices=sorted(kernel.DEBIAN_KERNELS),
                     help="kernel to boot (default: %(default)s)")
    run.set_defaults(func=cmd_run)
    check = sub.add_parser("check", help="run the project's own tests",
                           description="Build, meson test, harness unit tests and an "
                                       "integration test of the harness in a real guest.")
    check.set_defaults(func=cmd_check)
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    try:
        return args.func(args)
    except session.UsageError as err:
        p.print_usage(sys.stderr)
        print(f"xprime: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except SetupError as err:
        print(f"xprime: error: {err}", file=sys.stderr)
        return EXIT_INFRA
    except KeyboardInterrupt:
        print("xprime: interrupted", file=sys.stderr)
        return 130
