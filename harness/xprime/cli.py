"""xprime: cross-driver dma-buf tests of IGT, run in QEMU guests.

  ./xprime run [--kernel K]... [--machine M]... [FILTER...]   run the suite
  ./xprime check             the project's own tests (what CI runs)
  ./xprime bisect --kernel-tree DIR TEST@SUBTEST...   for git bisect run
  ./xprime merge RUN_DIR...  the shards' results joined into one run
  ./xprime drm-ci export|import   the expectations as drm-ci's lists, and back
  ./xprime expect [RUN_DIR]  pin expectations to the signatures a run saw
  ./xprime upstream          the series, built patch by patch in IGT's tree
  ./xprime lava              a LAVA job that runs the tests
"""

import argparse
import contextlib
import dataclasses
import difflib
import itertools
import json
import os
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import (display, expect, guest, host, initramfs, kbuild, kernel, qemu, report,
               rootimage, schedule, session, sidroot)
from .setup import (REPO, SetupError, cache_dir, internal_error, private_sibling,
                    require_root, say)

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INFRA = 0, 1, 2, 3
EXIT_BISECT_SKIP = 125     # git bisect run: this commit cannot be tested
EXIT_BISECT_ABORT = 255    # git bisect run: stop bisecting (bad usage)

# The guests' devices: patched vmware-svga for vmwgfx, and virtio-gpu without
# virgl ("plain"), the same with blob resources ("blob": guest RAM from a
# memfd, QEMU with qemu/virtio-gpu-blob-memfd.patch, as the host has no
# /dev/udmabuf, and qemu/virtio-gpu-blob-migration.patch to save its state;
# Linux >= 6.14 then imports other drivers' dma-bufs into virtio-gpu as
# guest blobs) or with virgl, rendering on the host with Mesa's llvmpipe
# under Xvfb ("virgl"); vgem needs no device. "stdu" is "plain" with
# vmware-svga's guest-backed objects (qemu/vmware-svga-gb.patch): vmwgfx then
# drives it as it drives VMware's device, with MOBs, GB surfaces and the
# Screen Target display unit. Device ids name the scanouts for the host's
# screendumps.
MACHINES = {
    "plain": guest.Machine(
        name="vmware-svga+virtio-gpu",
        vga=["-device", "vmware-svga,id=vmware-svga",
             "-device", "virtio-gpu-pci,id=virtio-gpu"],
        display=["-display", "none"]),
    # Saved states need qemu/virtio-gpu-blob-migration.patch: QEMU 7.2's
    # virtio_gpu_save reads a pixman image, which a blob resource has not.
    "blob": guest.Machine(
        name="vmware-svga+virtio-gpu-blob",
        vga=["-device", "vmware-svga,id=vmware-svga",
             "-device", "virtio-gpu-pci,id=virtio-gpu,blob=true"],
        display=["-display", "none"],
        blob=True, suffix="-blob"),
    # Saved states need qemu/virtio-gpu-gl-migration.patch: QEMU 7.2 blocks
    # migration for virgl; the patch only does once the guest submits 3D commands.
    "virgl": guest.Machine(
        name="vmware-svga+virtio-gpu-gl",
        vga=["-device", "vmware-svga,id=vmware-svga",
             "-device", "virtio-gpu-gl-pci,id=virtio-gpu"],
        display=["-display", "gtk,gl=on"],
        virgl=True, suffix="-virgl"),
    # A guest that falls back to the Legacy Display Unit is an
    # infrastructure error: its results would be plain's.
    "stdu": guest.Machine(
        name="vmware-svga-gb+virtio-gpu",
        vga=["-device", "vmware-svga,id=vmware-svga,guest-backed=on",
             "-device", "virtio-gpu-pci,id=virtio-gpu"],
        display=["-display", "none"],
        suffix="-stdu", display_unit="Screen Target"),
}
MACHINE = MACHINES["plain"]
# What --machine's help says of each machine.
MACHINE_HELP = {
    "plain": "vmware-svga and virtio-gpu without virgl",
    "blob": "plain with virtio-gpu blob resources, for Linux >= 6.14 to import "
            "other drivers' buffers into virtio-gpu",
    "virgl": "virtio-gpu-gl under Xvfb with llvmpipe",
    "stdu": "plain with vmware-svga's guest-backed objects: vmwgfx's "
            "Screen Target display unit, MOBs and GB surfaces",
}


class Environment:
    """What every boot needs, set up (or found in the cache) on first use."""

    def __init__(self):
        require_root()
        host.ensure_host_packages()
        self.sid_root = sidroot.sid_root()
        self.root_image = rootimage.root_image(self.sid_root)
        self.build_log = sidroot.build_tests(self.sid_root)
        self.qemu = qemu.qemu()
        # Guests side by side set up what they share once, not each.
        self.setting_up = threading.Lock()

    def run(self, kern, run_dir, filters=(), extra_tests=None, machine=MACHINE,
            installed=None, part=None):
        """@installed: a .deb of the tests; the guest's root has it installed
        and igt_runner runs the tests from where it put them. @part: a
        session.Part, when the configuration's tests are split over guests."""
        config = session.Config(config_name(kern, machine), kern, machine,
                                identity=config_identity(kern, machine))
        root_image = self.root_image
        if installed:
            root_image = rootimage.installed_root_image(self.sid_root, installed)
            config = dataclasses.replace(config, name=f"{config.name}-installed",
                                         identity=f"{config.identity}-installed",
                                         test_root=session.INSTALLED_TESTS)
        with self.setting_up:
            build = (qemu.qemu(virgl=True) if machine.virgl
                     else qemu.qemu(blob=True) if machine.blob else self.qemu)
            initrd = initramfs.initramfs_for(kern)
        with display.xvfb() if machine.virgl else contextlib.nullcontext() as qemu_env:
            return session.run_config(config, run_dir, build, initrd, self.sid_root,
                                      root_image, filters, extra_tests, qemu_env, part)


def parse_shard(text):
    """K/N, 1 <= K <= N."""
    m = re.fullmatch(r"(\d+)/(\d+)", text)
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise session.UsageError(f"--shard {text}: expected K/N with 1 <= K <= N, e.g. 2/3")
    return int(m.group(1)), int(m.group(2))


def shard_work(work, lines, k, n):
    """Shard @k of @n of the (configuration, test-list line) pairs of @work,
    dealt round-robin in a fixed order: the same pairs on every machine."""
    pairs = sorted({(config_name(kern, machine), line) for kern, machine, _, _ in work
                    for line in lines})
    mine = {pair for i, pair in enumerate(pairs) if i % n == k - 1}
    return [(kern, machine, where, [l for l in lines if (config_name(kern, machine), l) in mine])
            for kern, machine, where, _ in work
            if any((config_name(kern, machine), l) in mine for l in lines)]


def default_jobs():
    """A guest per host core: a TCG guest's work is one thread, so one guest
    of two virtual CPUs leaves a core idle most of the time. As many as the
    host's memory holds (a guest: its RAM and QEMU's own, about 1.5 GiB)."""
    cores = len(os.sched_getaffinity(0))
    try:
        with open("/proc/meminfo") as meminfo:
            available = next(int(line.split()[1]) for line in meminfo
                             if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        return cores
    return max(1, min(cores, available // (3 << 19)))


def test_list(filters, tests):
    """The test-list lines of @filters, or of every test of @tests."""
    return session.resolve_filters(filters, tests) or [f"igt@{t}" for t in tests]


def split_work(work, jobs, tests):
    """@work's (configuration, place) runs in parts for @jobs guests side by
    side (schedule.split), the costliest first: [(run, part lines, part
    index or None)]. A run whose tests make one part stays whole."""
    parts = []
    for order, run in enumerate(work):
        kern, machine, _, filters = run
        lines = test_list(filters, tests)
        costs = schedule.known_costs(config_identity(kern, machine))
        split = schedule.split(lines, costs, jobs)
        if len(split) == 1:
            parts.append((split[0][0], order, run, None, None))
            continue
        for index, (cost, mine) in enumerate(split, 1):
            parts.append((cost, order, run, mine, index))
    parts.sort(key=lambda p: (-p[0], p[1]))
    return [(run, mine, index) for _, _, run, mine, index in parts]


def run_work(work, jobs, run_one, tests):
    """Run @work, @jobs guests at a time, by run_one(kern, machine, where,
    filters, part); @tests, the tests a run without filters runs. Returns,
    for each run of @work, (its Outcome or None, the SetupErrors of its
    parts, an unexpected exception's among them); a run split in parts
    (split_work) is joined again (session.merge_parts)."""
    pieces = (split_work(work, jobs, tests) if jobs > 1
              else [(run, None, None) for run in work])
    numbers = {id(run): itertools.count(1) for run in work}

    def run_piece(piece):
        (kern, machine, where, filters), lines, index = piece
        part = session.Part(index, numbers[id(piece[0])]) if index else None
        try:
            return run_one(kern, machine, where, lines if part else filters, part)
        except Exception as err:     # noqa: BLE001: a harness bug loses no other's results
            err = SetupError(internal_error(err, where / "logs" / config_name(kern, machine)))
            say(f"error: {config_name(kern, machine)}: {err}")
            return err
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = list(pool.map(run_piece, pieces))
    joined = []
    for run in work:
        mine = sorted(((index or 0, outcome) for (of, _, index), outcome in zip(pieces, done)
                       if of is run), key=lambda pair: pair[0])
        good = [o for _, o in mine if not isinstance(o, SetupError)]
        errors = [o for _, o in mine if isinstance(o, SetupError)]
        outcome = (None if not good else good[0] if len(mine) == 1
                   else session.merge_parts(good))
        joined.append((outcome, errors))
    return joined


def config_name(kern, machine):
    """debian-6.12, debian-6.12-blob, debian-6.12-virgl or debian-6.12-stdu:
    names results and expectations."""
    return kern.name + machine.suffix


def config_identity(kern, machine):
    """What keys a configuration's saved states and test costs in the cache:
    as config_name, with the kernel's identity for its name."""
    return kern.identity + machine.suffix


def distinct_names(kernels):
    """Two kernels of one name in a run (~/a/linux and ~/b/linux) are named
    by their identities instead, so their results do not meet."""
    identities = {}
    for kern in kernels:
        identities.setdefault(kern.name, set()).add(kern.identity)
    for kern in kernels:
        if len(identities[kern.name]) > 1:
            kern.name = kern.identity


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
        with open(path, "rb") as image:
            header = image.read(0x206)
        if not kbuild.is_bzimage(header):
            raise session.UsageError(f"--kernel {spec}: {path} is not a kernel image "
                                     "(no x86 bzImage setup header)")
        return "prebuilt", (path.resolve(), Path(extra).resolve() if extra else None)
    raise session.UsageError(
        f"--kernel {spec}: not a kernel name ({', '.join(KERNEL_NAMES)}), "
        "a kernel source tree DIR[:debug] or BZIMAGE[:MODULES_DIR]")


def kernel_for(spec):
    """The kernel a checked --kernel value names, built or fetched on first use."""
    kind, arguments = spec
    if kind == "debian":
        return kernel.debian_kernel(*arguments)
    return {"twin": kbuild.source_twin, "tree": kbuild.tree_kernel,
            "prebuilt": kbuild.prebuilt_kernel}[kind](*arguments)


TWIN_NAMES = kbuild.TWIN_NAMES
KERNEL_NAMES = sorted(kernel.DEBIAN_KERNELS) + TWIN_NAMES
# Stock Debian 6.12 and its source built with CONFIG_DMABUF_DEBUG, side by side.
DEFAULT_KERNELS = ["debian-6.12", "6.12-debug"]
# Without --kernel and --machine: both 6.12 kernels with vmware-svga as QEMU
# has it and as VMware has it, and stock 6.12 with virgl.
DEFAULT_CONFIGS = [("debian-6.12", "plain"), ("debian-6.12", "virgl"),
                   ("debian-6.12", "stdu"), ("6.12-debug", "plain"),
                   ("6.12-debug", "stdu")]


def configurations(args):
    """(kernel spec, machine) pairs to run: every --kernel on every --machine."""
    if not args.kernel and not args.machine:
        pairs = DEFAULT_CONFIGS
    else:
        pairs = [(k, m) for k in args.kernel or DEFAULT_KERNELS for m in args.machine or ["plain"]]
    machines = {name: MACHINES[name] for _, name in pairs}
    if args.jobs > 1:
        # Guests side by side: a virtual CPU each, as many as there are jobs.
        machines = {n: dataclasses.replace(m, cpus=1) for n, m in machines.items()}
    return [(kernel_spec(k), machines[m]) for k, m in pairs]


# The run directories this process made: an internal error's traceback
# goes to the newest.
RUN_DIRS = []


def new_run_dir(label=None):
    results = REPO / "results"
    results.mkdir(exist_ok=True)
    name = time.strftime("%Y%m%d-%H%M%S") + (f"-{label}" if label else "")
    run_dir, n = results / name, 1
    while True:
        try:
            run_dir.mkdir()
            break
        except FileExistsError:     # another run started in the same second
            n += 1
            run_dir = results / f"{name}-{n}"
    # Replaced in one step: runs side by side each point it at their own.
    link = private_sibling(results / "latest")
    link.unlink(missing_ok=True)
    link.symlink_to(run_dir.name)
    os.replace(link, results / "latest")
    RUN_DIRS.append(run_dir)
    return run_dir


def cmd_run(args):
    # Bad input is refused before minutes of set-up, not after.
    known_tests = session.all_tests()
    lines = session.resolve_filters(args.filters, known_tests)
    session.check_names(lines)
    if args.jobs < 1:
        raise session.UsageError(f"--jobs {args.jobs}: must be 1 or more")
    if args.repeat < 1:
        raise session.UsageError(f"--repeat {args.repeat}: must be 1 or more")
    shard = parse_shard(args.shard) if args.shard else None
    configs = configurations(args)
    env = Environment()
    kernels = {spec: kernel_for(spec) for spec, _ in configs}
    distinct_names(kernels.values())
    runs = [(kernels[spec], machine) for spec, machine in configs]
    expectations = [expect.load(expect.path_for(config_name(k, m))) for k, m in runs]
    run_dir = new_run_dir()

    def run_one(kern, machine, where, filters, part=None):
        try:
            return env.run(kern, where, filters, machine=machine, part=part)
        except SetupError as err:
            # One configuration's infrastructure failure loses no other's results.
            say(f"error: {config_name(kern, machine)}: {err}")
            return err

    # Each repeat in a directory of its own (repeat-K/) when there are several.
    places = [run_dir] if args.repeat == 1 else \
        [run_dir / f"repeat-{k}" for k in range(1, args.repeat + 1)]
    work = [(kern, machine, where, args.filters)
            for where in places for kern, machine in runs]
    if shard:
        work = shard_work(work, test_list(args.filters, known_tests), *shard)
        if not work:
            raise session.UsageError(f"--shard {args.shard}: this shard has no work "
                                     "(fewer tests and configurations than shards)")
    for where in places:
        where.mkdir(exist_ok=True)
    outcomes = run_work(work, args.jobs, run_one, known_tests)
    results, texts, broken, missing = [], [], [], set()
    expected_of = {config_name(k, m): e for (k, m), e in zip(runs, expectations)}
    for (kern, machine, where, filters), (outcome, errors) in zip(work, outcomes):
        expected = expected_of[config_name(kern, machine)]
        label = config_name(kern, machine) + (f" ({where.name})" if where != run_dir else "")
        broken += [f"== {label}: not run to the end: {err}" for err in errors]
        if outcome is None:
            continue
        asked = session.resolve_filters(filters, known_tests)
        schedule.remember(config_identity(kern, machine), outcome.boots,
                          asked or test_list((), known_tests))
        tests = report.load_results(outcome)
        missing.update(session.unmatched(asked, tests))
        verdict = expect.compare(tests, [dataclasses.replace(e, used=0) for e in expected])
        results.append((outcome, verdict))
        texts.append("\n".join([report.summary(outcome),
                                *expect.describe(verdict, only_run_subset=bool(
                                    args.filters or shard))]))
    text = "\n".join(texts + broken + (report.side_by_side([o for o, _ in results])
                                       if len(results) > 1 and len(places) == 1 else [])
                     + (report.repeats(results) if len(places) > 1 else []))
    (run_dir / "summary.txt").write_text(text + "\n")
    (run_dir / "summary.md").write_text(report.markdown(results, texts))
    (run_dir / "junit.xml").write_text(report.junit(results))
    (run_dir / "report.html").write_text(report.html([o for o, _ in results], run_dir))
    print(text)
    say(f"results: {run_dir} (also results/latest); summary.md, junit.xml, report.html")
    if broken:
        return EXIT_INFRA
    if missing:
        print(f"xprime: error: no test, subtest or dynamic subtest answers "
              f"{', '.join(sorted(missing))}: misspelt?", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_PASS if all(v.ok for _, v in results) else EXIT_FAIL


def cmd_bisect(args):
    """For `git bisect run`: 0 when the named subtests pass, 1 when one fails
    or crashes, 125 (skip this commit) when the tree does not build, the
    kernel does not boot, the run failed for want of infrastructure or a name
    ran nothing but skips, and 255 (stop) when a set-up step that does not
    depend on the commit fails, as it would for every commit."""
    lines = session.resolve_filters(args.tests, session.all_tests())
    session.check_names(lines)
    if not (Path(args.kernel_tree) / "Makefile").is_file():
        raise session.UsageError(f"--kernel-tree {args.kernel_tree}: not a kernel source tree")
    try:
        env = Environment()
    except SetupError as err:
        print(f"xprime: bisect: stopping: a set-up step that does not depend on the "
              f"commit failed: {err}", file=sys.stderr)
        return EXIT_BISECT_ABORT
    try:
        kern = kbuild.tree_kernel(Path(args.kernel_tree).resolve(), args.debug)
        run_dir = new_run_dir("bisect")
        outcome = env.run(kern, run_dir, args.tests)
    except session.BootError as err:
        if args.no_boot_is_bad:
            print(f"xprime: bisect: bad: the kernel does not boot: {err}", file=sys.stderr)
            return EXIT_FAIL
        print(f"xprime: bisect: cannot test this commit: {err}", file=sys.stderr)
        return EXIT_BISECT_SKIP
    except SetupError as err:
        print(f"xprime: bisect: cannot test this commit: {err}", file=sys.stderr)
        return EXIT_BISECT_SKIP
    tests = expect.leaves(report.load_results(outcome))
    print(report.summary(outcome))
    bad = {n: e["result"] for n, e in tests.items() if e["result"] not in ("pass", "skip")}
    for name, result in sorted(bad.items()):
        print(f"xprime: bisect: {name}: {result}")
    # A name that ran nothing (misspelt, or its driver did not bind) leaves
    # only a skip; calling that good would steer git bisect the wrong way.
    untested = [line for line in lines
                if not any(e["result"] != "skip" for n, e in tests.items()
                           if n.lower() == line.lower()
                           or n.lower().startswith(line.lower() + "@"))]
    if untested and not bad:
        print(f"xprime: bisect: cannot test this commit: nothing ran for "
              f"{', '.join(untested)} (every result skip, or none)", file=sys.stderr)
        return EXIT_BISECT_SKIP
    print(f"xprime: bisect: {'bad' if bad else 'good'} ({len(tests) - len(bad)} of "
          f"{len(tests)} results pass or skip)")
    return EXIT_FAIL if bad else EXIT_PASS


def cmd_check(args):
    from . import selfcheck
    return selfcheck.run(args)


# A subtest split over shards is recorded in each: the worst result stands.
SEVERITY = ["notrun", "pass", "skip", "warn", "dmesg-warn", "fail", "dmesg-fail",
            "timeout", "incomplete", "abort", "crash"]


def merge_results(sources):
    """{configuration: {"tests": results.json's tests of all @sources,
    "from": [directories]}}. A result in two of them is a usage error; a
    subtest whose dynamic subtests are in several (each records it) keeps
    its worst result."""
    merged = {}
    for source in sources:
        found = report.config_dirs(source)
        if not found:
            raise session.UsageError(f"{source}: no configuration's results.json in it")
        for results in found:
            data = json.loads((results / "results.json").read_text())["tests"]
            into = merged.setdefault(results.name, {"tests": {}, "from": []})
            mine = into["tests"]

            def leaves(tests):
                return set(expect.leaves({n: e for n, e in tests.items() if "result" in e}))
            both = sorted(leaves(mine) & leaves(data))
            if both:
                raise session.UsageError(f"{results}: {both[0]} is in another of the "
                                         "directories too: not disjoint shards")
            for name, entry in data.items():
                old = mine.get(name)
                if old is None or "result" not in old or (
                        "result" in entry and SEVERITY.index(entry["result"])
                        > SEVERITY.index(old["result"])):
                    mine[name] = entry
            into["from"].append(str(results))
    return merged


def cmd_merge(args):
    """Join the results of shards (or any runs of disjoint tests) into one
    results directory per configuration, with the expectations applied to
    the whole."""
    merged = merge_results([Path(d) for d in args.run_dirs])
    out = Path(args.out) if args.out else new_run_dir("merge")
    texts, ok = [], True
    for name, into in sorted(merged.items()):
        (out / name).mkdir(parents=True, exist_ok=True)
        data = {"tests": into["tests"], "merged_from": into["from"]}
        session.recount_totals(data)
        (out / name / "results.json").write_text(json.dumps(data, indent=2))
        tests = {n: e for n, e in into["tests"].items() if "result" in e}
        verdict = expect.compare(tests, expect.load(expect.path_for(name)))
        ok = ok and verdict.ok
        texts.append("\n".join([f"== {name}: {len(expect.leaves(tests))} results from "
                                f"{len(into['from'])} directories, in {out / name}",
                                *report.matrices(tests),
                                *expect.describe(verdict, only_run_subset=not args.whole)]))
    text = "\n".join(texts)
    (out / "summary.txt").write_text(text + "\n")
    print(text)
    return EXIT_PASS if ok else EXIT_FAIL


def repeat_dirs(run_dir):
    """Where a run's results are: its repeat-K directories (--repeat N), in
    order, or the run directory itself."""
    repeats = [p for p in run_dir.glob("repeat-*") if p.name[7:].isdigit()]
    return sorted(repeats, key=lambda p: int(p.name[7:])) or [run_dir]


def cmd_drmci(args):
    from . import drmci
    if args.action == "import":
        if not args.name:
            raise session.UsageError("drm-ci import needs --name DRIVER-GPU (the lists' name)")
        where = Path(args.dir or ".")
        files = {kind: where / f"{args.name}-{kind}.txt" for kind in ("fails", "flakes")}
        if not any(f.exists() for f in files.values()):
            raise session.UsageError(f"no {files['fails']} nor {files['flakes']}")
        try:
            lines = drmci.import_lines(*(f.read_text() if f.exists() else ""
                                         for f in files.values()))
        except ValueError as err:
            raise session.UsageError(str(err)) from None
        print("\n".join(lines))
        return EXIT_PASS
    run_dir = Path(args.dir) if args.dir else REPO / "results" / "latest"
    configs = report.config_dirs(repeat_dirs(run_dir)[0])
    if not configs:
        raise session.UsageError(f"{run_dir}: no configuration's results.json in it")
    if args.name and len(configs) > 1:
        raise session.UsageError(f"--name {args.name}: {run_dir} has {len(configs)} "
                                 "configurations; give a run of one")
    out = Path(args.out) if args.out else run_dir / "drm-ci"
    out.mkdir(parents=True, exist_ok=True)
    for results in configs:
        name = args.name or f"xprime-{results.name}"
        # Every repeat of `--repeat N` (repeat-K/CONFIG), or the one run.
        places = [p / results.name for p in repeat_dirs(run_dir)]
        runs = [report.results_in(p) for p in places if (p / "results.json").exists()]
        uname = json.loads((results / "results.json").read_text()).get("uname", "").split()
        header = [f"Expected results of xprime's {results.name} configuration "
                  f"(expectations/{results.name}.txt),",
                  f"as {len(runs)} run{'s' if len(runs) > 1 else ''} showed them: "
                  + ", ".join(str(p.resolve()) for p in places)]
        files = drmci.export(runs, expect.load(expect.path_for(results.name)), header,
                             linux=uname[2] if len(uname) > 2 else "unknown")
        for kind, text in files.items():
            (out / f"{name}-{kind}.txt").write_text(text)
        say(f"{results.name}: {out}/{name}-{{fails,flakes,skips}}.txt")
    return EXIT_PASS


def cmd_lava(args):
    from . import lava
    lines = session.resolve_filters(args.filters, session.project_tests())
    session.check_names(lines)
    lines = lines or [f"igt@{t}" for t in session.project_tests()]
    shard = parse_shard(args.shard) if args.shard else None
    spec = kernel_spec(args.kernel)
    env = Environment()
    kern = kernel_for(spec)
    if shard:
        work = shard_work([(kern, MACHINE, None, lines)], lines, *shard)
        if not work:
            raise session.UsageError(f"--shard {args.shard}: this shard has no work")
        lines = work[0][3]
    out = Path(args.out) if args.out else new_run_dir("lava")
    out.mkdir(parents=True, exist_ok=True)
    job = lava.job_for(env, kern, out, lines, f" shard {args.shard}" if shard else "")
    say(f"LAVA job: {job}; device dictionary: {out / 'xprime-qemu.jinja2'}; "
        f"artifacts: {out / 'artifacts'}")
    if not args.run:
        return EXIT_PASS
    state, cases, log = lava.run_job(out, job)
    for case, result in cases:
        print(f"   {result:5} {case}")
    print(f"lava-run: job {state}, {len(cases)} test cases (log {log})")
    return EXIT_PASS if state == "pass" and cases else EXIT_FAIL


def cmd_upstream(args):
    from . import upstream
    require_root()
    host.ensure_host_packages()
    return upstream.run(args, lambda: new_run_dir("upstream"))


def cmd_expect(args):
    run_dir = Path(args.run_dir) if args.run_dir else REPO / "results" / "latest"
    configs = report.config_dirs(run_dir)
    if not configs:
        raise session.UsageError(f"{run_dir}: no configuration's results.json in it")
    for results in configs:
        path = expect.path_for(results.name)
        if not path.exists():
            say(f"{results.name}: no {path.relative_to(REPO)}, nothing to pin")
            continue
        text, uncovered = expect.pin(path, report.results_in(results))
        diff = difflib.unified_diff(path.read_text().splitlines(keepends=True),
                                    text.splitlines(keepends=True),
                                    str(path.relative_to(REPO)), str(path.relative_to(REPO)))
        sys.stdout.writelines(diff)
        for name, result, sig in uncovered:
            print(f"{results.name}: not expected, add it with its reason: {name} {result}"
                  + (f"\n    {result}: {sig}" if sig else ""))
        if args.write and text != path.read_text():
            path.write_text(text)
            say(f"{results.name}: {path.relative_to(REPO)} written")
    return 0


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
    run.add_argument("--machine", action="append", choices=sorted(MACHINES),
                     help="guest devices, repeatable: "
                          + "; ".join(f"{name} ({what})" for name, what in MACHINE_HELP.items())
                          + ". Each --kernel runs on each (default: plain; with neither "
                          "option, " + ", ".join(f"{k} on {m}" for k, m in DEFAULT_CONFIGS)
                          + ")")
    run.add_argument("--shard", metavar="K/N",
                     help="run only shard K of N: a fixed 1/N of the (configuration, "
                          "test) pairs, so that N machines cover a run; join their "
                          "results with ./xprime merge")
    run.add_argument("--repeat", type=int, default=1, metavar="N",
                     help="run everything N times and show each result's distribution "
                          "(default: 1)")
    jobs = default_jobs()
    run.add_argument("--jobs", type=int, default=jobs, metavar="N",
                     help="guests at once, one virtual CPU each when more than 1, each "
                          "configuration's tests split among them (default: the host's "
                          f"cores, as many as its memory holds guests: {jobs} here)")
    run.set_defaults(func=cmd_run)
    bisect = sub.add_parser(
        "bisect", help="build and test a kernel tree, for git bisect run",
        description="Build the kernel tree at its current commit (incrementally), boot "
                    "it and run the named subtests. Exit 0 when they pass, 1 when one "
                    "fails or crashes, 125 when the tree does not build, the kernel "
                    "does not boot or the infrastructure failed during the run, 255 "
                    "(stops git bisect run) on bad usage or when a set-up step that "
                    "does not depend on the commit fails.")
    bisect.add_argument("--kernel-tree", required=True, metavar="DIR")
    bisect.add_argument("--debug", action="store_true",
                        help="build with CONFIG_DMABUF_DEBUG and CONFIG_DMA_API_DEBUG")
    bisect.add_argument("--no-boot-is-bad", action="store_true",
                        help="a kernel that ends twice before any test runs is bad "
                             "(1), not skipped (125): to hunt a boot regression")
    bisect.add_argument("tests", nargs="+", metavar="TEST@SUBTEST")
    bisect.set_defaults(func=cmd_bisect)
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

    check = sub.add_parser("check", help="run the project's own tests",
                           description="Build, meson install and meson test, the harness's "
                                       "unit tests; in real guests a crash and a stall "
                                       "survived, the same subtests in shards merged, "
                                       "two runs side by side, report.html in chromium, "
                                       "the Debian package installed and run, a LAVA job; "
                                       "the series built in IGT's tree; the kernel "
                                       "fixes applied to their source, checkpatch.")
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
        return EXIT_BISECT_SKIP if bisecting else EXIT_INFRA
    except Exception as err:     # noqa: BLE001: whatever it is, not a test's verdict
        where = RUN_DIRS[-1] if RUN_DIRS else cache_dir() / "logs"
        print(f"xprime: error: {internal_error(err, where)}", file=sys.stderr)
        # git bisect run reads 1-127 but 125 as "bad": this commit is untested.
        return EXIT_BISECT_SKIP if bisecting else EXIT_INFRA
    except KeyboardInterrupt:
        print("xprime: interrupted", file=sys.stderr)
        return 130
