"""./xprime check: the project's own tests.

1. the build, `meson install`'s layout (every test and its .testlist in
   <libexecdir>/igt-gpu-tools/) and `meson test` (test binaries'
   --help/--list-subtests, the libigt symbol-clash check, unit tests of
   lib/), in the sid root;
2. unit tests of the harness (harness/tests, host Python);
3. an integration test in a real guest: the three drivers bind, a crossing
   passes, a subtest that takes the kernel down is recorded as a crash, and
   the subtests after it, dynamic ones included, still run, in boots that
   start from the guest's saved state;
4. the same for a kernel that stalls (LKDTM's SOFTLOCKUP, in the debug twin,
   which builds LKDTM in): a crash with the lockup report and its signature;
5. the integration's subtests again in 3 shards (--shard K/3), merged
   (./xprime merge): every result the same as unsharded;
6. two `./xprime run` at once, of two kernels of one name (the twin as
   BZIMAGE:MODULES_DIR from two directories): each its own results and
   saved state;
7. report.html of the integration run, rendered by Debian's chromium
   (headless): the crash cell in its colour, linked to its report and
   marked known under the run's verdict, the mismatch's images shown;
8. the Debian package (debian/): dpkg-buildpackage in a sid root, and the
   .deb installs every test beside IGT's, depending on igt-gpu-tools-tests;
   installed by dpkg in a copy of the guest's root, its tests run by
   igt_runner from /usr/libexec/igt-gpu-tools give the integration's results;
9. `./xprime lava`'s job for some of the integration's subtests, run by
   Debian's lava-dispatcher (lava-run): the same results as test cases;
10. `./xprime upstream`: the series built patch by patch in IGT 2.5's own
   tree (the release tarball beside the checkout,
   ../shared/upstream/igt-gpu-tools-2.5.tar.xz, by default), IGT's checks
   on it (a skip, never a pass, when there is no tree);
11. the stdu machine: vmwgfx drives vmware-svga's guest-backed objects with
   its Screen Target display unit, every result as its expectations say;
12. a guest's root against the host (xprime_selftest@host-escape): no
   set-id file, device node or symlink of the guest's on the host, a host
   file it linked results.json to untouched, several GiB capped and ended
   as a flood (a crash with that reason, the subtest after it run), QEMU
   never root;
13. a hostile guest against its device, on the stdu machine with QEMU built
   with ASan and UBSan: vmw_surface_bad_input (vmwgfx's render node as an
   unprivileged user) as its expectations say and vmware_svga_hostile (the
   raw device as guest root, random command streams too) passing, no
   sanitizer report; that machine's saved state edited as a hostile
   migration source would, each edit refused by -incoming, the unedited
   state loaded;
14. the kernel fixes (kernel/fixes/<version>/, 6.12 and 7.2): each series
   applies to Debian's cached linux-source-<version> (git apply --check)
   and is checkpatch --strict clean, and its cover letter (0000-, neither
   applied nor checkpatch'ed) names every patch (a few seconds, once the
   sources are cached; building and running the fixed kernels is a benchmark,
   docs/benchmarks.md).
"""

import contextlib
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import (expect, guest, guestfiles, host, initramfs, kbuild, kernel, lava, package,
               png, hostile, qemu_build, qemuuser, report, results, rootimage, session,
               shards, sidroot, state_edits, suite, upstream)
from .cache import REPO, say
from .errors import SetupError
from .filters import INSTALLED_TESTS, all_tests, project_tests, resolve_filters

SELFTEST = {"xprime_selftest": "/xprime/build/tools/xprime_selftest"}

INTEGRATION_FILTERS = [
    "prime_cross@import@vgem-to-vmwgfx",
    "prime_cross@import@vmwgfx-to-vgem",
    "xprime_selftest@pass",
    "xprime_selftest@kernel-panic",
    "xprime_selftest@after-panic",
    "prime_cross@dmabuf-read@virtio-gpu-to-vmwgfx",
    "xprime_selftest@mismatch",
    "vmw_prime_scanout@native",
]
# The integration's subtests of the project's package (xprime_selftest is not
# in it), the crash too: run from where the .deb installs them.
INSTALLED_FILTERS = [f for f in INTEGRATION_FILTERS if not f.startswith("xprime_selftest")]
# The LAVA job's subtests: those that pass in the integration, and a scanout
# check, which skips there (LAVA's QEMU has no host channel). No crash: a
# panic ends a LAVA job (its results up to there are kept; docs/ci.md).
LAVA_SAME = ["igt@prime_cross@import@vgem-to-vmwgfx",
             "igt@prime_cross@dmabuf-read@virtio-gpu-to-vmwgfx"]
LAVA_NO_HOST = "igt@vmwgfx/vmw_prime_scanout@native"
LAVA_FILTERS = [n.removeprefix("igt@") for n in LAVA_SAME + [LAVA_NO_HOST]]
# The images and offsets of xprime_selftest@mismatch (lib/igt_pattern.c).
MISMATCH = "xprime_selftest@mismatch@selftest-buffer"

# What the integration run must record: result name -> result.
EXPECTED = {
    "igt@prime_cross@import@vgem-to-vmwgfx": "pass",
    "igt@prime_cross@import@vmwgfx-to-vgem": "crash",
    "igt@xprime_selftest@pass": "pass",
    "igt@xprime_selftest@kernel-panic@before": "pass",
    "igt@xprime_selftest@kernel-panic@panic": "crash",
    "igt@xprime_selftest@kernel-panic@after": "pass",
    "igt@xprime_selftest@after-panic": "pass",
    "igt@prime_cross@dmabuf-read@virtio-gpu-to-vmwgfx": "pass",
    "igt@xprime_selftest@mismatch": "fail",
    # The host channel: a modeset checked against QEMU's screendump.
    "igt@vmwgfx/vmw_prime_scanout@native": "pass",
}
DRIVERS = {"vgem", "vmwgfx", "virtio_gpu"}

# The stdu machine: vmwgfx on guest-backed objects. The host's view of an
# import on a screen target, an export that the Legacy Display Unit's VRAM
# buffers make oops, and the device's read of an import, a known failure of
# Debian's 6.12 (vmw_ttm_map_dma(): expectations/debian-6.12-stdu.txt).
STDU_FILTERS = ["vmw_prime_scanout@imported@vgem-to-vmwgfx",
                "prime_cross@import@vmwgfx-to-vgem",
                "vmw_prime_surface@read-one-page@vgem-to-vmwgfx"]
STDU_EXPECTED = {
    "igt@vmwgfx/vmw_prime_scanout@imported@vgem-to-vmwgfx": "pass",
    "igt@prime_cross@import@vmwgfx-to-vgem": "pass",
    "igt@vmwgfx/vmw_prime_surface@read-one-page@vgem-to-vmwgfx": "dmesg-fail",
}

# A guest's root against the host (xprime_selftest@host-escape): what it
# leaves in the results share, the host file it points results.json at
# (made here, JSON so that a harness following the link would rewrite it),
# and the subtest after it, in the boot after the flood.
ESCAPE_FILTERS = ["xprime_selftest@host-escape", "xprime_selftest@after-panic"]
ESCAPE_VICTIM = Path("/tmp/xprime-escape-victim.json")
ESCAPE_EXPECTED = {
    "igt@xprime_selftest@host-escape": "crash",
    "igt@xprime_selftest@after-panic": "pass",
}

# A kernel that stalls: the twin has LKDTM (kernel/xprime.config).
STALL_KERNEL = "6.12-debug"
STALL_FILTERS = ["xprime_selftest@kernel-stall", "xprime_selftest@after-panic"]
# Two runs at once of two kernels named alike: the twin as prebuilt
# kernels of two directories (in the cache, so that their saved states are
# found by the next check).
SIDE_BY_SIDE = "prime_cross@import@vgem-to-vgem"
STALL_EXPECTED = {
    "igt@xprime_selftest@kernel-stall@before": "pass",
    "igt@xprime_selftest@kernel-stall@stall": "crash",
    "igt@xprime_selftest@kernel-stall@after": "pass",
    "igt@xprime_selftest@after-panic": "pass",
}


class Steps:
    """The wall time of each step of the check: a step ends where the next
    begins, its time printed then and all of them again at the end, so that
    a slow step shows."""

    def __init__(self):
        self.times, self.name, self.start = [], None, time.monotonic()
        self.begun = self.start

    def start_step(self, name):
        self.end_step()
        say(name)
        self.name, self.start = name, time.monotonic()

    def end_step(self):
        if self.name is not None:
            took = time.monotonic() - self.start
            self.times.append((self.name, took))
            say(f"  ({took:.1f} s) {self.name}")
        self.name = None

    def summary(self, lane=None):
        self.end_step()
        total = time.monotonic() - self.begun
        return "\n".join([f"check: wall time per step (total {total:.1f} s):"]
                         + [f"  {took:7.1f} s  {name}" for name, took in self.times]
                         + ([f"  beside them, in the host lane ({lane.name}):"]
                            + [f"  {took:7.1f} s  {name}" for name, took in lane.times()]
                            if lane else []))


# A host job of the check in a child process (HostLane): its output in a log.
CHILD = "import sys; from xprime import selfcheck; sys.exit(selfcheck.child(*sys.argv[1:]))"


def child(job, run_dir, *args):
    run_dir = Path(run_dir)
    if job == "package":
        deb = package.build(run_dir / "package")
        # The guest's root with it, which the installed run and LAVA boot.
        rootimage.installed_root_image(Path(args[0]), deb)
        return 0
    if job == "unit":
        return subprocess.run([sys.executable, "-m", "unittest", "discover", "-s",
                               str(REPO / "harness" / "tests"), "-t", str(REPO / "harness")],
                              cwd=REPO / "harness").returncode
    if job == "upstream":
        return upstream.run(run_dir=run_dir)
    raise ValueError(job)


# The stall integration's guest spins until the kernel sees the lockup (2 s
# by the clock: the subtest sets the watchdog's threshold to 1 s), however
# much CPU it gets: at a lower priority, the other steps have the cores
# meanwhile.
STALL_NICE = 5


class Beside(threading.Thread):
    """@work() in a thread of its own, from now on, at niceness @nice (Linux
    keeps it per thread, and the processes it starts inherit it)."""

    def __init__(self, work, nice=0):
        super().__init__(daemon=True)
        self.work, self.nice, self.value, self.error = work, nice, None, None
        self.start()

    def run(self):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
            self.value = self.work()
        except BaseException as err:  # re-raised where the result is wanted
            self.error = err

    def result(self):
        self.join()
        if self.error:
            raise self.error
        return self.value


class HostLane(threading.Thread):
    """The check's host jobs (the package, the unit tests, the series in
    IGT's tree), one after the other in child processes while the guests
    run: a guest keeps one of the 2 cores busy, they the other. Each job's
    output is shown, and its verdict taken, where its step comes."""

    def __init__(self, run_dir, jobs):
        super().__init__(daemon=True)
        self.run_dir, self.jobs = run_dir, jobs
        self.name = ", then ".join(job for job, _ in jobs)
        self.done = {job: threading.Event() for job, _ in jobs}
        self.code, self.took = {}, {}

    def log(self, job):
        return self.run_dir / f"{job}.log"

    def run(self):
        for job, args in self.jobs:
            start = time.monotonic()
            try:
                with open(self.log(job), "w") as out:
                    self.code[job] = subprocess.run(
                        [sys.executable, "-u", "-c", CHILD, job, str(self.run_dir), *args],
                        cwd=REPO / "harness", stdout=out, stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL).returncode
            except OSError as err:
                self.code[job] = f"not started: {err}"
            self.took[job] = time.monotonic() - start
            self.done[job].set()

    def result(self, job):
        """Wait for @job; print its output; its exit code."""
        self.done[job].wait()
        print(self.log(job).read_text(errors="replace"), end="", flush=True)
        return self.code[job]

    def times(self):
        return [(job, self.took[job]) for job, _ in self.jobs if job in self.took]


class Tally:
    def __init__(self):
        self.passed, self.failed, self.skipped = [], [], []

    def check(self, ok, what):
        (self.passed if ok else self.failed).append(what)
        say(f"  {'ok  ' if ok else 'FAIL'} {what}")
        return ok


class Check:
    """What the steps share: the tally, the environment, the run directory,
    the jobs beside the guests (the host lane, the stalling guest) and what
    earlier steps found (the integration run, the package)."""

    def __init__(self):
        self.tally = Tally()
        self.env = suite.Environment()
        self.tally.check(True, "build (meson, in the sid root)")
        self.run_dir = results.new_run_dir("check")
        self.lane = HostLane(self.run_dir, [("package", [str(self.env.sid_root)]),
                                            ("unit", []), ("upstream", [])])
        self.lane.start()
        self.stall = Beside(lambda: self.env.run(kbuild.source_twin(STALL_KERNEL),
                                                 self.run_dir, STALL_FILTERS,
                                                 extra_tests=SELFTEST), nice=STALL_NICE)
        self.kern = kernel.debian_kernel("debian-6.12")
        self.integration = None         # the integration run's Outcome
        self.integration_results = {}
        self.deb = None

    def expect_results(self, tests, expected, label=""):
        """A check per entry of @expected {name: result} against @tests."""
        for name, want in expected.items():
            got = tests.get(name, {}).get("result", "missing")
            self.tally.check(got == want, f"{label}{name}: {got} (expected {want})")


def leaf_results(entries):
    return {n: e["result"] for n, e in
            results.leaves({n: e for n, e in entries.items() if "result" in e}).items()}


def step_meson_test(check):
    try:
        sidroot.meson_test(check.env.sid_root)
        check.tally.check(True, "meson test")
    except Exception as err:  # a failing meson test is a result, not a crash
        check.tally.check(False, f"meson test: {err}")


def step_meson_install(check):
    installed = set(sidroot.install_tree(check.env.sid_root))
    wanted = installed_tests("usr/local" + INSTALLED_TESTS.removeprefix("/usr"))
    check.tally.check(wanted <= installed, "meson install puts every test and its .testlist "
                      "in <libexecdir>/igt-gpu-tools/, driver directories kept: "
                      + (", ".join(sorted(wanted - installed)) or f"{len(wanted)} files"))


def step_kernel_fixes(check):
    for version in kbuild.FIXED_VERSIONS:
        problems = kbuild.check_series(version)
        check.tally.check(not problems, f"kernel/fixes/{version}: "
                          f"{len(kbuild.fix_series(version))} patches apply to Debian's "
                          f"linux-source-{version} (git apply --check), checkpatch --strict "
                          "clean, the cover letter names each"
                          + "".join(f"\n      {p}" for p in problems))


def step_integration(check):
    tally, kern = check.tally, check.kern
    outcome = check.env.run(kern, check.run_dir, INTEGRATION_FILTERS, extra_tests=SELFTEST)
    print(report.summary(outcome))
    check.integration = outcome
    # A crash costs a restore of the state saved at "ready", not a boot:
    # every boot after the first that got there (one before it may have
    # ended in infrastructure noise, below, and been retried).
    saved = next((i for i, b in enumerate(outcome.boots)
                  if b.restored or "saved" in b.timing), None)
    tally.check(saved is not None and len(outcome.boots) > saved + 1
                and all(b.restored for b in outcome.boots[saved + 1:]),
                "every boot after the first to reach ready starts from the saved guest "
                "state: " + ", ".join("restored" if b.restored else "booted"
                                      for b in outcome.boots))
    bound = {driver for _, driver in report.bound_drivers(outcome)}
    tally.check(DRIVERS <= bound, f"drivers bound: {', '.join(sorted(bound)) or 'none'}")
    tests = check.integration_results = report.load_results(outcome)
    check.expect_results(tests, EXPECTED)
    panic = tests.get("igt@xprime_selftest@kernel-panic@panic", {})
    tally.check("sysrq triggered crash" in panic.get("dmesg", ""),
                "the crash carries the kernel's panic message")
    frames = outcome.results / "frames"
    tally.check(all((frames / f"{MISMATCH}-{kind}").is_file()
                    for kind in ("expected.png", "actual.png", "diff.png")),
                f"a mismatch leaves its PNGs in {frames}")
    offsets = frames / f"{MISMATCH}-offsets.txt"
    first = (guestfiles.read_text(offsets).splitlines()[1:2] if guestfiles.is_file(offsets)
             else [])
    tally.check(first and first[0].startswith("0x00000500 (0, 5)")
                and first[0].endswith("pixel of (0, 3)"),
                f"the offsets name the first wrong pixel: {first[0] if first else 'none'}")
    verdict = expect.compare(tests, expect.load(expect.path_for(kern.name)))
    tally.check((CRASH_CELL, "crash") in [(n, r) for n, r, _ in verdict.expected],
                f"the known vmwgfx export oops matches expectations/{kern.name}.txt")
    # Each problem was retried and the retry went through (or the run would
    # have stopped): noise such as a spurious "Oops: int3" at boot under TCG
    # is reported, and only a result lost to it would fail the checks above.
    for problem in outcome.problems:
        say(f"note: infrastructure noise, retried: {problem}")


def step_shards(check):
    lines = resolve_filters(INTEGRATION_FILTERS, {**all_tests(), **SELFTEST})
    shard_dirs = []
    for k in (1, 2, 3):
        where = check.run_dir / f"shard-{k}"
        where.mkdir()
        shard_dirs.append(where)
        for kern, machine, place, filters in shards.shard_work(
                [(check.kern, suite.MACHINE, where, INTEGRATION_FILTERS)], lines, k, 3):
            check.env.run(kern, place, filters, extra_tests=SELFTEST, machine=machine)
    joined = results.join_shards(shard_dirs)[check.kern.name]["tests"]
    whole, parts = leaf_results(check.integration_results), leaf_results(joined)
    differ = sorted(n for n in set(whole) | set(parts) if whole.get(n) != parts.get(n))
    check.tally.check(not differ, f"3 shards merged give the unsharded run's {len(whole)} "
                      "results" + "".join(f"\n      {n}: {whole.get(n)} unsharded, "
                                          f"{parts.get(n)} merged" for n in differ[:10]))


def step_stdu(check):
    stdu = check.env.run(check.kern, check.run_dir, STDU_FILTERS, machine=suite.MACHINES["stdu"])
    print(report.summary(stdu))
    said = sorted(stdu.logs.glob("vmwgfx-boot*.txt"))
    check.tally.check(bool(said) and all("Screen Target display unit initialized"
                                         in guestfiles.read_text(p) for p in said),
                      "every stdu boot logs vmwgfx's Screen Target display unit "
                      f"({len(said)} boots)")
    tests = report.load_results(stdu)
    check.expect_results(tests, STDU_EXPECTED, "stdu: ")
    name = stdu.results.name
    verdict = expect.compare(tests, expect.load(expect.path_for(name)))
    check.tally.check(verdict.ok, f"stdu: every result as expectations/{name}.txt says")


def step_escape(check):
    where = check.run_dir / "escape"
    where.mkdir()
    guestfiles.write_text(ESCAPE_VICTIM, '{"tests": {}}\n')
    victim = (ESCAPE_VICTIM.read_bytes(), ESCAPE_VICTIM.stat().st_mtime_ns)
    try:
        outcome = check.env.run(check.kern, where, ESCAPE_FILTERS, extra_tests=SELFTEST)
        print(report.summary(outcome))
        check_escape(check, outcome, where, victim)
    finally:
        ESCAPE_VICTIM.unlink(missing_ok=True)


def check_escape(check, outcome, where, victim):
    """What a guest's root left on the host (xprime_selftest@host-escape)."""
    tally, found = check.tally, guestfiles.audit(where)

    def listed(paths):
        return ", ".join(str(Path(p).relative_to(where)) for p in paths[:5]) or "none"
    tally.check(not found["setid"], f"escape: no set-uid or set-gid file in {where}: "
                + listed(found["setid"]))
    tally.check(not found["devices"] and not found["other"],
                "escape: no device node (nor FIFO, socket): "
                + listed(found["devices"] + found["other"]))
    tally.check(not found["symlinks"], "escape: no symlink: " + listed(found["symlinks"]))
    now = (ESCAPE_VICTIM.read_bytes(), ESCAPE_VICTIM.stat().st_mtime_ns)
    tally.check(now == victim, f"escape: the host file the guest linked results.json to "
                f"({ESCAPE_VICTIM}) untouched, content and mtime")
    sizes = {name: guestfiles.size(outcome.results / name)
             for name in ("escape-big", "escape-sparse")}
    tally.check(0 < sizes["escape-big"] <= guest.FILE_CAP
                and sizes["escape-sparse"] < guest.FILE_CAP,
                f"escape: 4 GiB of zeros capped at {guest.FILE_CAP >> 20} MiB, a sparse file "
                f"at 3 GiB and a truncate to 4 GiB refused: "
                + ", ".join(f"{n} {b} bytes" for n, b in sizes.items()))
    tests = report.load_results(outcome)
    check.expect_results(tests, ESCAPE_EXPECTED, "escape: ")
    crash = tests.get("igt@xprime_selftest@host-escape", {}).get("dmesg", "")
    tally.check("flood: " in crash, "escape: the flood is the crash's report: "
                + (crash.splitlines()[0] if crash else "none"))
    uids = [boot.qemu_uid for boot in outcome.boots]
    tally.check(bool(uids) and all(uid not in (None, 0) for uid in uids),
                f"escape: QEMU ran as {qemuuser.USER}, never root: uids {uids}")
    modes = [boot.qemu_seccomp for boot in outcome.boots]
    tally.check(bool(modes) and all(mode == 2 for mode in modes),
                f"escape: QEMU ran under its seccomp filter: Seccomp {modes}")


def step_stall(check):
    stalled = check.stall.result()
    print(report.summary(stalled))
    tests = report.load_results(stalled)
    check.expect_results(tests, STALL_EXPECTED, f"{STALL_KERNEL}: ")
    stall = tests.get("igt@xprime_selftest@kernel-stall@stall", {})
    check.tally.check(guest.LOCKUP.search(stall.get("dmesg", "")) is not None,
                      "the crash carries the kernel's lockup report")
    check.tally.check("in lkdtm_SOFTLOCKUP" in stall.get("signature", ""),
                      "its signature names the function that spun: "
                      f"{stall.get('signature')!r}")
    for problem in stalled.problems:
        say(f"note: infrastructure noise, retried: {problem}")


# The hostile-guest checks: the stdu machine on the QEMU built with
# sanitizers, so that an access out of range is a report, not luck.
HOSTILE_MACHINE = dataclasses.replace(suite.MACHINES["stdu"], sanitize=True,
                                      suffix="-stdu-sanitize")


@contextlib.contextmanager
def saved_state_command(env, kern, machine, workdir):
    """The saved state of @kern's guest on @machine at "ready" (saved by a
    boot if there is none yet), a function of (state_fd, log, qmp) that
    gives the QEMU command line which loads a state in its place (the
    command line of the boots that restore it) and QEMU's environment."""
    config = session.Config(session.config_name(kern, machine), kern, machine,
                            identity=session.config_identity(kern, machine))
    qemu = qemu_build.build(sanitize=machine.sanitize)
    initrd = initramfs.initramfs_for(kern)
    vm = session.Guest(config, workdir, qemu, initrd, env.sid_root, env.root_image, SELFTEST)
    try:
        if not vm.snapshot.saved:
            env.run(kern, workdir, ["xprime_selftest@pass"], extra_tests=SELFTEST,
                    machine=machine)

        def command(state_fd, log, qmp):
            host = guest.HostChannel(workdir / "host", "/xprime/results/host")
            return guest.qemu_command(qemu, machine, kern, initrd, vm.shares,
                                      log.with_suffix(".console"), qmp, guest.CMDLINE,
                                      host, env.root_image, log.with_suffix(".control"),
                                      state_fd)
        yield vm.snapshot.path, command, {**os.environ, **qemu.env()}
    finally:
        vm.close()


# vmwgfx's render node as an unprivileged user: its known results are the
# stdu machine's.
BAD_INPUT = "vmw_surface_bad_input"
BAD_INPUT_EXPECTATIONS = "debian-6.12-stdu"


def step_hostile_guest(check):
    place = check.run_dir / "hostile"
    place.mkdir()
    outcome = check.env.run(check.kern, place, [BAD_INPUT, *hostile.filters()],
                            extra_tests=hostile.HOSTILE_TESTS, machine=HOSTILE_MACHINE)
    print(report.summary(outcome))
    tests = report.load_results(outcome)
    check.expect_results(tests, hostile.expected(), "hostile root: ")
    mine = {name: entry for name, entry in tests.items()
            if name.startswith(f"igt@vmwgfx/{BAD_INPUT}@")}
    verdict = expect.compare(mine, expect.load(expect.path_for(BAD_INPUT_EXPECTATIONS)))
    check.tally.check(len(results.leaves(mine)) >= 30 and verdict.ok,
                      f"hostile user: {len(results.leaves(mine))} results of {BAD_INPUT}, "
                      f"each as expectations/{BAD_INPUT_EXPECTATIONS}.txt says")
    reports = [log for log in sorted(place.glob("logs/*/*.qemu.log"))
               if guest.SANITIZER.search(guest.read_console(log))]
    check.tally.check(not reports, "no sanitizer report in QEMU's logs"
                      + (f": {', '.join(map(str, reports))}" if reports else ""))


def step_hostile_states(check):
    workdir = check.run_dir / "state-edits"
    workdir.mkdir()
    with saved_state_command(check.env, check.kern, HOSTILE_MACHINE,
                             workdir) as (state, command, env):
        outcomes = state_edits.run(state, command, workdir, env)
        outcomes.append(state_edits.screendump_while_loading(state, command, workdir, env))
    for outcome in outcomes:
        want = "loaded" if outcome.name in state_edits.LOADS else "refused"
        check.tally.check(outcome.verdict == want,
                          f"saved state {outcome.name}: {outcome.verdict} (expected "
                          f"{want}): {outcome.detail}")


def step_side_by_side(check):
    side_by_side(check.tally, kbuild.source_twin(STALL_KERNEL))


def step_report(check):
    check_report(check.tally, check.integration, check.run_dir)


def step_unit(check):
    check.tally.check(check.lane.result("unit") == 0, "harness unit tests")


def step_package(check):
    if check.lane.result("package") != 0:
        raise SetupError("building the Debian package failed; see "
                         f"{check.lane.log('package')}")
    deb = check.deb = sorted((check.run_dir / "package").glob(f"{package.PACKAGE}_*.deb"))[0]
    paths, depends = package.contents(deb)
    wanted = installed_tests(package.TESTDIR)
    check.tally.check(wanted <= set(paths) and "igt-gpu-tools-tests" in depends,
                      f"{deb.name}: every test and .testlist in /{package.TESTDIR}/, "
                      f"Depends: {depends}" + (f"; missing {sorted(wanted - set(paths))}"
                                               if wanted - set(paths) else ""))


def step_installed(check):
    installed = check.env.run(check.kern, check.run_dir, INSTALLED_FILTERS, installed=check.deb)
    print(report.summary(installed))
    same = {n: (r, check.integration_results.get(n, {}).get("result", "missing"))
            for n, r in leaf_results(report.load_results(installed)).items()}
    differ = {n: pair for n, pair in same.items() if pair[0] != pair[1]}
    metadata = installed.results / "metadata.txt"
    root = re.search(r"^test_root : (.*)$", guestfiles.read_text(metadata)
                     if guestfiles.is_file(metadata) else "", re.M)
    check.tally.check(
        len(same) >= len(INSTALLED_FILTERS) and not differ
        and root and root.group(1) == INSTALLED_TESTS,
        f"{check.deb.name} installed in the guest's root, {INSTALLED_TESTS} as "
        f"igt_runner's test root: the same {len(same)} results as the run from the "
        "checkout (" + ", ".join(f"{n.removeprefix('igt@')} {r}"
                                 for n, (r, _) in sorted(same.items())) + ")"
        + "".join(f"\n      {n}: {a} installed, {b} from the checkout"
                  for n, (a, b) in sorted(differ.items())))


def step_lava(check):
    where = check.run_dir / "lava"
    job = lava.job_for(check.env, check.kern, where,
                       resolve_filters(LAVA_FILTERS, project_tests()), deb=check.deb)
    state, cases, log = lava.run_job(where, job)
    if state != "pass" and not cases:
        # The guest died before the test shell (a TCG guest's spurious
        # "Oops: int3" in boot code patching, under load): as ./xprime run
        # retries such a boot, once, and says so.
        say(f"note: infrastructure noise, retried: the LAVA job ended before any test "
            f"case ({log.rename(log.with_name('lava-run-1.log'))})")
        shutil.rmtree(where / "lava-output", ignore_errors=True)
        state, cases, log = lava.run_job(where, job)
    got = dict(cases)
    want = {n: ("pass" if check.integration_results.get(n, {}).get("result") == "pass"
                else "fail") for n in LAVA_SAME}
    want[LAVA_NO_HOST] = "skip"
    passed = check.tally.check(
        state == "pass" and all(got.get(n) == r for n, r in want.items()),
        f"lava-run: job {state}, test cases "
        + ", ".join(f"{n.removeprefix('igt@')} {got.get(n, 'missing')}"
                    for n in want)
        + f" (as the run from the checkout; "
        f"{LAVA_NO_HOST.removeprefix('igt@')} skips: no host channel under "
        f"LAVA); {log}")
    if passed:
        # The job's artifacts are the guest's kernel, initramfs and root image
        # (about 500 MB, hard links into the cache): kept only when it failed.
        shutil.rmtree(where / "artifacts", ignore_errors=True)


def step_upstream(check):
    code = check.lane.result("upstream")
    if code == upstream.EXIT_SKIP:
        check.tally.skipped.append("./xprime upstream: no IGT tree")
        say("  skip ./xprime upstream: no IGT tree (see above)")
    else:
        check.tally.check(code == 0, "./xprime upstream: every patch builds in IGT 2.5's "
                          "tree, IGT's checks pass")


# The check's steps in order, each with what it says when it starts.
# Set-up (host packages, the sid root, the root image, the build, QEMU)
# comes first, in Check().
STEPS = [
    ("meson test", step_meson_test),
    ("meson install", step_meson_install),
    ("kernel fixes: each series applies to its linux-source, checkpatch", step_kernel_fixes),
    ("integration: a real guest", step_integration),
    ("shards: the integration's subtests in 3 shards, merged", step_shards),
    ("stdu: vmwgfx on vmware-svga with guest-backed objects", step_stdu),
    (f"integration: a kernel that stalls ({STALL_KERNEL}, beside the others)", step_stall),
    ("hostile guest: vmwgfx's bad input and the raw device, QEMU with sanitizers",
     step_hostile_guest),
    ("hostile states: edited saved states refused by -incoming", step_hostile_states),
    ("side by side: two ./xprime run at once, kernels of one name", step_side_by_side),
    ("escape: a guest's root against the host, through the results share", step_escape),
    ("report.html in chromium", step_report),
    ("harness unit tests (host lane)", step_unit),
    ("package: the Debian package of the tests (host lane)", step_package),
    ("installed: the package's tests run by igt_runner from where it installs them",
     step_installed),
    ("LAVA: the job ./xprime lava writes, run by lava-run", step_lava),
    ("upstream: the series in IGT's own tree (host lane)", step_upstream),
]


def run():
    """Every step of STEPS; the exit code: 0 when every check passed."""
    steps = Steps()
    steps.start_step("set-up: host packages, sid root, root image, build (meson), QEMU")
    check = Check()
    for name, step in STEPS:
        steps.start_step(name)
        step(check)
    tally = check.tally
    print(steps.summary(check.lane))
    (check.run_dir / "check.json").write_text(json.dumps(
        {"passed": tally.passed, "failed": tally.failed, "skipped": tally.skipped}, indent=2))
    print(f"check: {len(tally.passed)} passed, {len(tally.failed)} failed"
          + (f", {len(tally.skipped)} skipped" if tally.skipped else ""))
    return 0 if not tally.failed else 1


def side_by_side(tally, twin):
    """Two `./xprime run --kernel BZIMAGE:MODULES_DIR` at once, the same
    bzImage with modules directories in two places: two kernels of one
    name, each of which must finish with its own results, booting or
    restoring only its own saved state."""
    base = kbuild.cache_dir() / "check-side-by-side"
    kernels = []
    for side in ("a", "b"):
        modules = base / side / twin.release
        if not modules.is_dir():
            modules.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(twin.modules, modules)
        kernels.append((f"{twin.vmlinuz}:{modules}",
                        kbuild.prebuilt_kernel(twin.vmlinuz, modules)))
    runs = [subprocess.Popen([str(REPO / "xprime"), "run", "--jobs", "1", "--kernel", spec,
                              SIDE_BY_SIDE], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, text=True) for spec, _ in kernels]
    outputs = [run.communicate()[0] for run in runs]
    states = kbuild.cache_dir() / "saved-states"
    for (spec, kern), run, output in zip(kernels, runs, outputs):
        where = re.search(r"^xprime: results: (\S+)", output, re.M)
        config_dir = Path(where.group(1)) / kern.name if where else Path("/nonexistent")
        tests = results.results_in(config_dir)
        got = tests.get(f"igt@{SIDE_BY_SIDE}", {}).get("result", "missing")
        # Each boot's QEMU command line names the state it restored, if any.
        restored = [re.search(r"^# -incoming fd:\d+ is (\S+\.state)$", cmd.read_text(), re.M)
                    for cmd in sorted((config_dir.parent / "logs" / kern.name).glob("*.cmd"))]
        others = [Path(m.group(1)).name for m in restored if m]
        others = [name for name in others if not name.startswith(kern.identity + "-")]
        own = list(states.glob(f"{kern.identity}-*.state"))
        tally.check(run.returncode == 0 and got == "pass" and own and not others,
                    f"{kern.name} ({kern.identity}), beside a kernel of its name: exit "
                    f"{run.returncode}, {SIDE_BY_SIDE} {got}, its saved state "
                    f"{own[0].name if own else 'missing'}"
                    + (f", restored another's: {others}" if others else "")
                    + ("" if run.returncode == 0 and got == "pass"
                       else "\n" + "\n".join(output.splitlines()[-15:])))
    tally.check(len({k.identity for _, k in kernels}) == 2
                and len({k.name for _, k in kernels}) == 1,
                "the two kernels share a name, not an identity")


def installed_tests(testdir):
    """Every test binary and its .testlist, as installed under @testdir."""
    return {f"{testdir}/{name}{suffix}"
            for name in project_tests() for suffix in ("", ".testlist")}


CRASH_CELL = "igt@prime_cross@import@vmwgfx-to-vgem"


def check_report(tally, outcome, run_dir):
    """The integration run's report.html as chromium shows it: a crash cell
    (its colour on the screenshot, its link to the crash's report in the
    DOM) and the mismatch's expected/actual/diff images (the diff's red)."""
    host.ensure_host_packages(["chromium"])
    page = run_dir / "report.html"
    verdict = expect.compare(report.load_results(outcome),
                             expect.load(expect.path_for(outcome.config.name)))
    page.write_text(report.html([(outcome, verdict)], run_dir))
    shot = run_dir / "report.png"
    browser = ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
               "--hide-scrollbars", "--window-size=1200,1400"]
    subprocess.run([*browser, f"--screenshot={shot}", page.as_uri()], capture_output=True,
                   timeout=120)
    dom = subprocess.run([*browser, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120).stdout
    if not shot.exists():
        tally.check(False, "chromium took a screenshot of report.html")
        return
    _, _, rows = png.pixels(shot.read_bytes())
    crash = tuple(int(report.COLOURS["crash"][i:i + 2], 16) for i in (1, 3, 5))
    tally.check(png.count(rows, crash) > 0,
                f"report.html shows the crash cell in {report.COLOURS['crash']} ({shot})")
    tally.check(png.count(rows, (255, 0, 0)) > 0,
                "report.html shows the mismatch's diff image (its red pixels)")
    target = re.search(r'href="#(r-[\w-]+)"[^>]*>crash</a><small class="mark">(\w+)<', dom)
    tally.check(bool(target) and f'id="{target.group(1)}"' in dom
                and CRASH_CELL in dom,
                f"the crash cell links to the report of {CRASH_CELL}")
    top = re.search(r'<p id="verdict"><b>([^<]*)<', dom)
    tally.check(bool(target) and target.group(2) == "known" and bool(top)
                and top.group(1) == report.verdict_line([(outcome, verdict)]),
                "report.html marks the known crash known, under the run's verdict: "
                f"{top.group(1) if top else 'no verdict'}")
