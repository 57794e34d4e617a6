"""xprime: cross-driver dma-buf tests of IGT, run in QEMU guests.

  ./xprime run [--kernel K]... [FILTER...]   run the suite, print a summary
  ./xprime check             the project's own tests (build, meson test, harness)
  ./xprime bisect --kernel-tree DIR TEST@SUBTEST...   for git bisect run
"""

import argparse
import sys
import time
from pathlib import Path

from . import expect, guest, host, initramfs, kernel, qemu, report, session, sidroot
from .setup import REPO, SetupError, require_root, say

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INFRA = 0, 1, 2, 3
EXIT_BISECT_SKIP = 125     # git bisect run: this commit cannot be tested
EXIT_BISECT_ABORT = 255    # git bisect run: stop bisecting (bad usage)

# The devices of every configuration: patched vmware-svga for vmwgfx,
# virtio-gpu without virgl; vgem needs no device.
MACHINE = guest.Machine(
    name="vmware-svga+virtio-gpu",
    # Device ids name the scanouts for the host's screendumps.
    vga=["-device", "vmware-svga,id=vmware-svga", "-device", "virtio-gpu-pci,id=virtio-gpu"],
    display=["-display", "none"],
)


class Environment:
    """What every boot needs, set up (or found in the cache) on first use."""

    def __init__(self):
        require_root()
        host.ensure_host_packages()
        self.sid_root = sidroot.sid_root()
        self.build_log = sidroot.build_tests(self.sid_root)
        self.qemu = qemu.qemu()

    def run(self, kern, run_dir, filters=(), extra_tests=None):
        config = session.Config(kern.name, kern, MACHINE)
        return session.run_config(config, run_dir, self.qemu, initramfs.initramfs_for(kern),
                                  self.sid_root, filters, extra_tests)


def kernel_spec(spec):
    """Check a --kernel value: a name, a kernel source tree DIR[:debug] or a
    prebuilt BZIMAGE[:MODULES_DIR]. Returns (kind, arguments)."""
    if spec in kernel.DEBIAN_KERNELS:
        return "debian", (spec,)
    if spec in TWIN_NAMES:
        return "twin", (spec,)
    path, _, extra = spec.partition(":")
    path = Path(path).expanduser()
    if path.is_dir() and extra in ("", "debug"):
        return "tree", (path.resolve(), extra == "debug")
    if path.is_file() and (not extra or Path(extra).is_dir()):
        return "prebuilt", (path.resolve(), Path(extra).resolve() if extra else None)
    raise session.UsageError(
        f"--kernel {spec}: not a kernel name ({', '.join(KERNEL_NAMES)}), "
        "a kernel source tree DIR[:debug] or BZIMAGE[:MODULES_DIR]")


def kernel_for(spec):
    """The kernel a checked --kernel value names, built or fetched on first use."""
    kind, arguments = spec
    if kind == "debian":
        return kernel.debian_kernel(*arguments)
    from . import kbuild
    return {"twin": kbuild.source_twin, "tree": kbuild.tree_kernel,
            "prebuilt": kbuild.prebuilt_kernel}[kind](*arguments)


TWIN_NAMES = ["6.12-debug", "6.12-nodebug"]
KERNEL_NAMES = sorted(kernel.DEBIAN_KERNELS) + TWIN_NAMES
# Stock Debian 6.12 and its source built with CONFIG_DMABUF_DEBUG, side by side.
DEFAULT_KERNELS = ["debian-6.12", "6.12-debug"]


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
    # Bad input is refused before minutes of set-up, not after.
    session.resolve_filters(args.filters, session.all_tests())
    specs = [kernel_spec(spec) for spec in args.kernel or DEFAULT_KERNELS]
    env = Environment()
    kernels = [kernel_for(spec) for spec in specs]
    expectations = [expect.load(expect.path_for(k.name)) for k in kernels]
    run_dir = new_run_dir()
    results, texts, broken = [], [], []
    for kern, expected in zip(kernels, expectations):
        try:
            outcome = env.run(kern, run_dir, args.filters)
        except SetupError as err:
            # One configuration's infrastructure failure loses no other's results.
            broken.append(f"== {kern.name}: not run to the end: {err}")
            say(f"error: {kern.name}: {err}")
            continue
        verdict = expect.compare(report.load_results(outcome), expected)
        results.append((outcome, verdict))
        texts.append("\n".join([report.summary(outcome),
                                *expect.describe(verdict, only_run_subset=bool(args.filters))]))
    text = "\n".join(texts + broken + (report.side_by_side([o for o, _ in results])
                                       if len(results) > 1 else []))
    (run_dir / "summary.txt").write_text(text + "\n")
    (run_dir / "summary.md").write_text(report.markdown(results, texts))
    (run_dir / "junit.xml").write_text(report.junit(results))
    print(text)
    say(f"results: {run_dir} (also results/latest); summary.md, junit.xml")
    if broken:
        return EXIT_INFRA
    return EXIT_PASS if all(v.ok for _, v in results) else EXIT_FAIL


def cmd_bisect(args):
    """For `git bisect run`: 0 when the named subtests pass, 1 when one fails
    or crashes, 125 (skip this commit) when the tree does not build or the
    infrastructure failed."""
    session.resolve_filters(args.tests, session.all_tests())
    if not (Path(args.kernel_tree) / "Makefile").is_file():
        raise session.UsageError(f"--kernel-tree {args.kernel_tree}: not a kernel source tree")
    try:
        env = Environment()
        from . import kbuild
        kern = kbuild.tree_kernel(Path(args.kernel_tree).resolve(), args.debug)
        run_dir = new_run_dir("bisect")
        outcome = env.run(kern, run_dir, args.tests)
    except SetupError as err:
        print(f"xprime: bisect: cannot test this commit: {err}", file=sys.stderr)
        return EXIT_BISECT_SKIP
    tests = expect.leaves(report.load_results(outcome))
    print(report.summary(outcome))
    bad = {n: e["result"] for n, e in tests.items() if e["result"] not in ("pass", "skip")}
    if not tests:
        print("xprime: bisect: no result at all", file=sys.stderr)
        return EXIT_BISECT_SKIP
    for name, result in sorted(bad.items()):
        print(f"xprime: bisect: {name}: {result}")
    print(f"xprime: bisect: {'bad' if bad else 'good'} ({len(tests) - len(bad)} of "
          f"{len(tests)} results pass or skip)")
    return EXIT_FAIL if bad else EXIT_PASS


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
    run.add_argument("--kernel", action="append", metavar="KERNEL",
                     help="kernel to boot, repeatable: " + ", ".join(KERNEL_NAMES)
                          + ", a kernel source tree DIR[:debug], or BZIMAGE:MODULES_DIR "
                          f"(default: {' and '.join(DEFAULT_KERNELS)})")
    run.set_defaults(func=cmd_run)
    bisect = sub.add_parser(
        "bisect", help="build and test a kernel tree, for git bisect run",
        description="Build the kernel tree at its current commit (incrementally), boot "
                    "it and run the named subtests. Exit 0 when they pass, 1 when one "
                    "fails or crashes, 125 when the tree does not build or the "
                    "infrastructure failed, 255 on bad usage (stops git bisect run).")
    bisect.add_argument("--kernel-tree", required=True, metavar="DIR")
    bisect.add_argument("--debug", action="store_true",
                        help="build with CONFIG_DMABUF_DEBUG and CONFIG_DMA_API_DEBUG")
    bisect.add_argument("tests", nargs="+", metavar="TEST@SUBTEST")
    bisect.set_defaults(func=cmd_bisect)
    check = sub.add_parser("check", help="run the project's own tests",
                           description="Build, meson test, harness unit tests and an "
                                       "integration test of the harness in a real guest.")
    check.set_defaults(func=cmd_check)
    return p


def main(argv=None):
    p = parser()
    argv = sys.argv[1:] if argv is None else argv
    bisecting = bool(argv) and argv[0] == "bisect"
    try:
        args = p.parse_args(argv)
    except SystemExit as exit:
        # git bisect run reads 2 as "bad": bad usage must stop it instead.
        if bisecting and exit.code:
            return EXIT_BISECT_ABORT
        raise
    try:
        return args.func(args)
    except session.UsageError as err:
        p.print_usage(sys.stderr)
        print(f"xprime: error: {err}", file=sys.stderr)
        return EXIT_BISECT_ABORT if bisecting else EXIT_USAGE
    except SetupError as err:
        print(f"xprime: error: {err}", file=sys.stderr)
        return EXIT_INFRA
    except KeyboardInterrupt:
        print("xprime: interrupted", file=sys.stderr)
        return 130
