"""xprime: cross-driver dma-buf tests of IGT, run in QEMU guests.

  ./xprime run [--kernel K]... [--machine M]... [FILTER...]   run the suite
  ./xprime check             the project's own tests (what CI runs)
  ./xprime bisect --kernel-tree DIR TEST@SUBTEST...   for git bisect run
  ./xprime merge RUN_DIR...  the shards' results joined into one run
  ./xprime drm-ci export|import   the expectations as drm-ci's lists, and back
  ./xprime expect [RUN_DIR]  pin expectations to the signatures a run saw
  ./xprime upstream          the series, built patch by patch in IGT's tree
  ./xprime lava              a LAVA job that runs the tests

The commands parse their arguments here and call the layer below: suite
(a run), bisect, results, expect, drmci, upstream, lava and selfcheck.
"""

import argparse
import sys
from pathlib import Path

from . import bisect, drmci, expect, host, lava, results, schedule, selfcheck, suite, upstream
from .cache import REPO, cache_dir, require_root
from .errors import (EXIT_BISECT_ABORT, EXIT_BISECT_SKIP, EXIT_INFRA, EXIT_PASS, EXIT_USAGE,
                     SetupError, UsageError, internal_error)
from .suite import DEFAULT_CONFIGS, DEFAULT_KERNELS, KERNEL_NAMES, MACHINE_HELP, MACHINES


def latest_or(run_dir):
    return Path(run_dir) if run_dir else REPO / "results" / "latest"


def cmd_run(args):
    return suite.run(suite.Request(args.filters, args.kernel or [], args.machine or [],
                                   args.jobs, args.repeat, args.shard))


def cmd_bisect(args):
    return bisect.run(args.kernel_tree, args.tests, args.debug, args.no_boot_is_bad)


def cmd_check(args):
    return selfcheck.run()


def cmd_merge(args):
    out = Path(args.out) if args.out else results.new_run_dir("merge")
    return suite.join_runs([Path(d) for d in args.run_dirs], out, args.whole)


def cmd_drmci(args):
    if args.action == "import":
        print("\n".join(drmci.import_lists(args.dir or ".", args.name)))
    else:
        drmci.export_run(latest_or(args.dir), args.name, args.out)
    return EXIT_PASS


def cmd_expect(args):
    expect.pin_run(latest_or(args.run_dir), args.write)
    return EXIT_PASS


def cmd_upstream(args):
    require_root()
    host.ensure_host_packages()
    return upstream.run(args.igt_tree, args.out)


def cmd_lava(args):
    return lava.command(args.filters, args.kernel, args.shard, args.out, args.run)


def add_run(sub):
    """./xprime run's arguments."""
    run = sub.add_parser("run", help="boot the guests and run the suite",
                         description="Boot the guests, run igt_runner over the project's "
                                     "tests and the upstream peers, print a summary.")
    run.add_argument("filters", nargs="*", metavar="FILTER",
                     help="test[@subtest[@dynamic-subtest]], e.g. "
                          "prime_cross@import@vgem-to-vmwgfx (default: everything)")
    run.add_argument("--kernel", action="append", metavar="KERNEL",
                     help="kernel to boot, repeatable: " + ", ".join(KERNEL_NAMES)
                          + ", a kernel source tree DIR[:debug], or BZIMAGE:MODULES_DIR "
                          f"(default: {' and '.join(DEFAULT_KERNELS)})")
    run.add_argument("--machine", action="append", choices=sorted(MACHINES),
                     help="guest devices, repeatable: "
                          + "; ".join(f"{name} ({what})" for name, what in MACHINE_HELP.items())
                          + ". Each --kernel runs on each (default: plain; with neither "
                          "option, " + ", ".join(f"{k} on {m}" for k, m in DEFAULT_CONFIGS)
                          + ")")
    run.add_argument("--shard", metavar="K/N",
                     help="run only shard K of N: a fixed 1/N of the (configuration, "
                          "test) pairs, so that N machines cover a run (tests dealt by "
                          "subtest, then by dynamic subtest, when they are fewer than "
                          "the shards; a shard left without work exits 0 and says so); "
                          "join their results with ./xprime merge")
    run.add_argument("--repeat", type=int, default=1, metavar="N",
                     help="run everything N times and show each result's distribution "
                          "(default: 1)")
    jobs = schedule.default_jobs()
    run.add_argument("--jobs", type=int, default=jobs, metavar="N",
                     help="guests at once, one virtual CPU each when more than 1, each "
                          "configuration's tests split among them (default: the host's "
                          f"cores, as many as its memory holds guests: {jobs} here)")
    run.set_defaults(func=cmd_run)


def add_check(sub):
    """./xprime check's arguments."""
    check = sub.add_parser("check", help="run the project's own tests",
                           description="The project's own tests, what CI runs: set-up "
                                       "and the build, then "
                                       + "; ".join(name for name, _ in selfcheck.STEPS)
                                       + ". Exit 0 when every check passes.")
    check.set_defaults(func=cmd_check)


def add_bisect(sub):
    """./xprime bisect's arguments."""
    cmd = sub.add_parser(
        "bisect", help="build and test a kernel tree, for git bisect run",
        description="Build the kernel tree at its current commit (incrementally), boot "
                    "it and run the named subtests. Exit 0 when they pass, 1 when one "
                    "fails or crashes, 125 when the tree does not build, the kernel "
                    "does not boot or the infrastructure failed during the run, 255 "
                    "(stops git bisect run) on bad usage or when a set-up step that "
                    "does not depend on the commit fails.")
    cmd.add_argument("--kernel-tree", required=True, metavar="DIR")
    cmd.add_argument("--debug", action="store_true",
                     help="build with CONFIG_DMABUF_DEBUG and CONFIG_DMA_API_DEBUG")
    cmd.add_argument("--no-boot-is-bad", action="store_true",
                     help="a kernel that ends twice before any test runs is bad "
                          "(1), not skipped (125): to hunt a boot regression")
    cmd.add_argument("tests", nargs="+", metavar="TEST@SUBTEST")
    cmd.set_defaults(func=cmd_bisect)


def add_merge(sub):
    """./xprime merge's arguments."""
    merge = sub.add_parser(
        "merge", help="join the results of shards into one run",
        description="Join the results directories of runs of disjoint tests (the "
                    "shards of ./xprime run --shard K/N) into one results directory "
                    "per configuration and one summary, with the expectations applied "
                    "to the whole. Exit 0 when it matches them, 1 when not.")
    merge.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    merge.add_argument("--out", metavar="DIR", help="where to write (default: a new "
                                                    "results/<date-time>-merge)")
    merge.add_argument("--whole", action="store_true",
                       help="the shards cover the whole suite: report expectations "
                            "that matched nothing")
    merge.set_defaults(func=cmd_merge)


def add_drmci(sub):
    """./xprime drm-ci's arguments."""
    drm = sub.add_parser(
        "drm-ci", help="expectations as the kernel's drm-ci lists, and back",
        description="export: write each configuration of a run as drm-ci's "
                    "NAME-fails.txt, -flakes.txt and -skips.txt (test,Result lines; "
                    "the expectations' reasons and signatures as comments). import: "
                    "print the expectation lines of drm-ci's NAME-fails.txt and "
                    "-flakes.txt in DIR.")
    drm.add_argument("action", choices=["export", "import"])
    drm.add_argument("dir", nargs="?", metavar="DIR",
                     help="export: a run's results directory (default: results/latest); "
                          "import: where the lists are (default: .)")
    drm.add_argument("--name", metavar="DRIVER-GPU",
                     help="the lists' name, e.g. virtio_gpu-none (default for export: "
                          "xprime-<configuration>)")
    drm.add_argument("--out", metavar="DIR", help="export: where to write (default: "
                                                  "the run's drm-ci/)")
    drm.set_defaults(func=cmd_drmci)


def add_expect(sub):
    """./xprime expect's arguments."""
    pin = sub.add_parser(
        "expect", help="pin each expectation to the failure signatures a run saw",
        description="For each configuration of a run, show the signature lines that "
                    "its expectations file lacks for what the run saw (a diff), and "
                    "the non-pass results no expectation covers; --write adds the "
                    "signature lines to the files.")
    pin.add_argument("run_dir", nargs="?", metavar="RUN_DIR",
                     help="a run's results directory (default: results/latest)")
    pin.add_argument("--write", action="store_true", help="change the files")
    pin.set_defaults(func=cmd_expect)


def add_upstream(sub):
    """./xprime upstream's arguments."""
    up = sub.add_parser(
        "upstream", help="build the series for IGT patch by patch in IGT's own tree",
        description="Apply the project to an IGT tree as the patch series of "
                    "docs/upstream.md, build libigt and each patch's additions after "
                    "each patch in a root with IGT's build dependencies, run IGT's "
                    "checks (meson test, .testlist targets, igt_doc.py, checkpatch) "
                    "and write the series for git send-email. Exit 0 when all pass, "
                    "1 when one does not, 77 when there is no tree to build in.")
    up.add_argument("--igt-tree", metavar="DIR|TARBALL",
                    help="an IGT source tree or release tarball (default: "
                         "../shared/upstream/igt-gpu-tools-2.5.tar.xz)")
    up.add_argument("--out", metavar="DIR",
                    help="where to write the series (default: the run's upstream/series)")
    up.set_defaults(func=cmd_upstream)


def add_lava(sub):
    """./xprime lava's arguments."""
    lv = sub.add_parser(
        "lava", help="write a LAVA job that runs the tests with igt_runner in the guest "
                     "(and run it with lava-run)",
        description="Writes job.yaml, a device dictionary for the project's QEMU "
                    "(device type qemu) and the artifacts (kernel, initramfs, the root "
                    "with the project's package installed) for one kernel on the plain "
                    "machine; with --run, runs the job with Debian's lava-dispatcher.")
    lv.add_argument("filters", nargs="*", metavar="FILTER",
                    help="test[@subtest[@dynamic-subtest]] (default: every project test)")
    lv.add_argument("--kernel", default="debian-6.12", metavar="KERNEL",
                    help="as ./xprime run --kernel (default: debian-6.12)")
    lv.add_argument("--shard", metavar="K/N", help="only shard K of N of the test list")
    lv.add_argument("--out", metavar="DIR", help="where to write (default: a new "
                    "results/<date-time>-lava/)")
    lv.add_argument("--run", action="store_true", help="run the job with lava-run here")
    lv.set_defaults(func=cmd_lava)


def parser():
    p = argparse.ArgumentParser(
        prog="xprime",
        description="Cross-driver dma-buf (prime) tests of IGT, run in QEMU guests "
                    "with vgem, virtio-gpu and vmwgfx.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in (add_run, add_check, add_bisect, add_merge, add_drmci, add_expect,
                add_upstream, add_lava):
        add(sub)
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
    except UsageError as err:
        p.print_usage(sys.stderr)
        print(f"xprime: error: {err}", file=sys.stderr)
        return EXIT_BISECT_ABORT if bisecting else EXIT_USAGE
    except SetupError as err:
        print(f"xprime: error: {err}", file=sys.stderr)
        return EXIT_BISECT_SKIP if bisecting else EXIT_INFRA
    except Exception as err:     # noqa: BLE001: whatever it is, not a test's verdict
        where = results.RUN_DIRS[-1] if results.RUN_DIRS else cache_dir() / "logs"
        print(f"xprime: error: {internal_error(err, where)}", file=sys.stderr)
        # git bisect run reads 1-127 but 125 as "bad": this commit is untested.
        return EXIT_BISECT_SKIP if bisecting else EXIT_INFRA
    except KeyboardInterrupt:
        print("xprime: interrupted", file=sys.stderr)
        return 130
