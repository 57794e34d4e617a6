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
   (headless): the crash cell in its colour and linked to its report, the
   mismatch's images shown;
8. the Debian package (debian/): dpkg-buildpackage in a sid root, and the
   .deb installs every test beside IGT's, depending on igt-gpu-tools-tests;
   installed by dpkg in a copy of the guest's root, its tests run by
   igt_runner from /usr/libexec/igt-gpu-tools give the integration's results;
9. `./xprime lava`'s job for some of the integration's subtests, run by
   Debian's lava-dispatcher (lava-run): the same results as test cases;
10. `./xprime upstream`: the series built patch by patch in IGT 2.5's own
   tree (../shared's tarball), IGT's checks on it (a skip, never a pass,
   when there is no tree);
11. the kernel fixes (kernel/fixes/<version>/, 6.12 and 7.2): each series
   applies to Debian's cached linux-source-<version> (git apply --check)
   and is checkpatch --strict clean (a few seconds, once the sources are
   cached; building and running the fixed kernels is a benchmark,
   docs/benchmarks.md).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from . import (expect, guest, host, kbuild, kernel, lava, package, png, report, rootimage,
               session, sidroot, upstream)
from .setup import REPO, SetupError, say

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
# panic ends a LAVA job (its results up to there are kept; README).
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
        return upstream.run(SimpleNamespace(igt_tree=None, out=None), lambda: run_dir)
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


def run(args):
    from .cli import Environment, new_run_dir

    tally, steps = Tally(), Steps()
    steps.start_step("set-up: host packages, sid root, root image, build (meson), QEMU")
    env = Environment()
    run_dir = new_run_dir("check")
    lane = HostLane(run_dir, [("package", [str(env.sid_root)]), ("unit", []),
                              ("upstream", [])])
    lane.start()
    stall = Beside(lambda: env.run(kbuild.source_twin(STALL_KERNEL), run_dir, STALL_FILTERS,
                                   extra_tests=SELFTEST), nice=STALL_NICE)
    kern = kernel.debian_kernel("debian-6.12")
    tally.check(True, "build (meson, in the sid root)")

    steps.start_step("meson test")
    try:
        sidroot.meson_test(env.sid_root)
        tally.check(True, "meson test")
    except Exception as err:  # a failing meson test is a result, not a crash
        tally.check(False, f"meson test: {err}")

    steps.start_step("meson install")
    installed = set(sidroot.install_tree(env.sid_root))
    wanted = installed_tests("usr/local/libexec/igt-gpu-tools")
    tally.check(wanted <= installed, "meson install puts every test and its .testlist in "
                "<libexecdir>/igt-gpu-tools/, driver directories kept: "
                + (", ".join(sorted(wanted - installed)) or f"{len(wanted)} files"))

    steps.start_step("kernel fixes: each series applies to its linux-source, checkpatch")
    for version in kbuild.FIXED_VERSIONS:
        problems = kbuild.check_series(version)
        tally.check(not problems, f"kernel/fixes/{version}: "
                    f"{len(kbuild.fix_series(version))} patches apply to Debian's "
                    f"linux-source-{version} (git apply --check), checkpatch --strict clean"
                    + "".join(f"\n      {p}" for p in problems))

    steps.start_step("integration: a real guest")
    outcome = env.run(kern, run_dir, INTEGRATION_FILTERS, extra_tests=SELFTEST)
    print(report.summary(outcome))
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
    tests = integration_results = report.load_results(outcome)
    for name, want in EXPECTED.items():
        got = tests.get(name, {}).get("result", "missing")
        tally.check(got == want, f"{name}: {got} (expected {want})")
    panic = tests.get("igt@xprime_selftest@kernel-panic@panic", {})
    tally.check("sysrq triggered crash" in panic.get("dmesg", ""),
                "the crash carries the kernel's panic message")
    frames = outcome.results / "frames"
    tally.check(all((frames / f"{MISMATCH}-{kind}").is_file()
                    for kind in ("expected.png", "actual.png", "diff.png")),
                f"a mismatch leaves its PNGs in {frames}")
    offsets = frames / f"{MISMATCH}-offsets.txt"
    first = offsets.read_text().splitlines()[1:2] if offsets.is_file() else []
    tally.check(first and first[0].startswith("0x00000500 (0, 5)")
                and first[0].endswith("pixel of (0, 3)"),
                f"the offsets name the first wrong pixel: {first[0] if first else 'none'}")
    verdict = expect.compare(tests, expect.load(expect.path_for(kern.name)))
    tally.check(("igt@prime_cross@import@vmwgfx-to-vgem", "crash") in
                [(n, r) for n, r, _ in verdict.expected],
                "the known vmwgfx export oops matches expectations/"
                f"{kern.name}.txt")
    # Each problem was retried and the retry went through (or the run would
    # have stopped): noise such as a spurious "Oops: int3" at boot under TCG
    # is reported, and only a result lost to it would fail the checks above.
    for problem in outcome.problems:
        say(f"note: infrastructure noise, retried: {problem}")

    steps.start_step("shards: the integration's subtests in 3 shards, merged")
    from .cli import MACHINE, merge_results, shard_work
    lines = session.resolve_filters(INTEGRATION_FILTERS, {**session.all_tests(), **SELFTEST})
    shard_dirs = []
    for k in (1, 2, 3):
        where = run_dir / f"shard-{k}"
        where.mkdir()
        shard_dirs.append(where)
        for kern_, machine, place, filters in shard_work(
                [(kern, MACHINE, where, INTEGRATION_FILTERS)], lines, k, 3):
            env.run(kern_, place, filters, extra_tests=SELFTEST, machine=machine)
    merged = merge_results(shard_dirs)[kern.name]["tests"]

    def leaf_results(entries):
        return {n: e["result"] for n, e in
                expect.leaves({n: e for n, e in entries.items() if "result" in e}).items()}
    whole, parts = leaf_results(tests), leaf_results(merged)
    differ = sorted(n for n in set(whole) | set(parts) if whole.get(n) != parts.get(n))
    tally.check(not differ, f"3 shards merged give the unsharded run's {len(whole)} results"
                + "".join(f"\n      {n}: {whole.get(n)} unsharded, {parts.get(n)} merged"
                          for n in differ[:10]))

    steps.start_step("stdu: vmwgfx on vmware-svga with guest-backed objects")
    from .cli import MACHINES
    stdu = env.run(kern, run_dir, STDU_FILTERS, machine=MACHINES["stdu"])
    print(report.summary(stdu))
    said = sorted(stdu.logs.glob("vmwgfx-boot*.txt"))
    tally.check(bool(said) and all("Screen Target display unit initialized" in p.read_text()
                                   for p in said),
                f"every stdu boot logs vmwgfx's Screen Target display unit ({len(said)} boots)")
    tests = report.load_results(stdu)
    for name, want in STDU_EXPECTED.items():
        got = tests.get(name, {}).get("result", "missing")
        tally.check(got == want, f"stdu: {name}: {got} (expected {want})")
    stdu_name = stdu.results.name
    verdict = expect.compare(tests, expect.load(expect.path_for(stdu_name)))
    tally.check(verdict.ok, f"stdu: every result as expectations/{stdu_name}.txt says")

    steps.start_step(f"integration: a kernel that stalls ({STALL_KERNEL}, beside the others)")
    stalled = stall.result()
    print(report.summary(stalled))
    tests = report.load_results(stalled)
    for name, want in STALL_EXPECTED.items():
        got = tests.get(name, {}).get("result", "missing")
        tally.check(got == want, f"{STALL_KERNEL}: {name}: {got} (expected {want})")
    stall = tests.get("igt@xprime_selftest@kernel-stall@stall", {})
    tally.check(guest.LOCKUP.search(stall.get("dmesg", "")) is not None,
                "the crash carries the kernel's lockup report")
    tally.check("in lkdtm_SOFTLOCKUP" in stall.get("signature", ""),
                f"its signature names the function that spun: {stall.get('signature')!r}")
    for problem in stalled.problems:
        say(f"note: infrastructure noise, retried: {problem}")

    steps.start_step("side by side: two ./xprime run at once, kernels of one name")
    side_by_side(tally, kbuild.source_twin(STALL_KERNEL))

    steps.start_step("report.html in chromium")
    check_report(tally, outcome, run_dir)

    steps.start_step("harness unit tests (host lane)")
    tally.check(lane.result("unit") == 0, "harness unit tests")

    steps.start_step("package: the Debian package of the tests (host lane)")
    if lane.result("package") != 0:
        raise SetupError(f"building the Debian package failed; see {lane.log('package')}")
    deb = sorted((run_dir / "package").glob(f"{package.PACKAGE}_*.deb"))[0]
    paths, depends = package.contents(deb)
    wanted = installed_tests(package.TESTDIR)
    tally.check(wanted <= set(paths) and "igt-gpu-tools-tests" in depends,
                f"{deb.name}: every test and .testlist in /{package.TESTDIR}/, "
                f"Depends: {depends}"
                + (f"; missing {sorted(wanted - set(paths))}" if wanted - set(paths) else ""))

    steps.start_step("installed: the package's tests run by igt_runner from where it installs them")
    installed = env.run(kern, run_dir, INSTALLED_FILTERS, installed=deb)
    print(report.summary(installed))
    same = {n: (r, integration_results.get(n, {}).get("result", "missing"))
            for n, r in leaf_results(report.load_results(installed)).items()}
    differ = {n: pair for n, pair in same.items() if pair[0] != pair[1]}
    metadata = installed.results / "metadata.txt"
    root = re.search(r"^test_root : (.*)$", metadata.read_text() if metadata.exists() else "",
                     re.M)
    tally.check(len(same) >= len(INSTALLED_FILTERS) and not differ
                and root and root.group(1) == session.INSTALLED_TESTS,
                f"{deb.name} installed in the guest's root, {session.INSTALLED_TESTS} as "
                f"igt_runner's test root: the same {len(same)} results as the run from the "
                "checkout (" + ", ".join(f"{n.removeprefix('igt@')} {r}"
                                         for n, (r, _) in sorted(same.items())) + ")"
                + "".join(f"\n      {n}: {a} installed, {b} from the checkout"
                          for n, (a, b) in sorted(differ.items())))

    steps.start_step("LAVA: the job ./xprime lava writes, run by lava-run")
    where = run_dir / "lava"
    job = lava.job_for(env, kern, where,
                       session.resolve_filters(LAVA_FILTERS, session.project_tests()), deb=deb)
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
    want = {n: ("pass" if integration_results.get(n, {}).get("result") == "pass" else "fail")
            for n in LAVA_SAME}
    want[LAVA_NO_HOST] = "skip"
    tally.check(state == "pass" and all(got.get(n) == r for n, r in want.items()),
                f"lava-run: job {state}, test cases "
                + ", ".join(f"{n.removeprefix('igt@')} {got.get(n, 'missing')}"
                            for n in want)
                + f" (as the run from the checkout; {LAVA_NO_HOST.removeprefix('igt@')} "
                "skips: no host channel under LAVA)" + f"; {log}")

    steps.start_step("upstream: the series in IGT's own tree (host lane)")
    code = lane.result("upstream")
    if code == upstream.EXIT_SKIP:
        tally.skipped.append("./xprime upstream: no IGT tree")
        say("  skip ./xprime upstream: no IGT tree (see above)")
    else:
        tally.check(code == 0, "./xprime upstream: every patch builds in IGT 2.5's tree, "
                    "IGT's checks pass")
    print(steps.summary(lane))
    (run_dir / "check.json").write_text(json.dumps(
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
        results = Path(where.group(1)) / kern.name if where else Path("/nonexistent")
        tests = report.results_in(results)
        got = tests.get(f"igt@{SIDE_BY_SIDE}", {}).get("result", "missing")
        # Each boot's QEMU command line names the state it restored, if any.
        restored = [re.search(r"-incoming exec:cat '?([^'\s]+\.state)", cmd.read_text())
                    for cmd in sorted((results.parent / "logs" / kern.name).glob("*.cmd"))]
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
            for name in session.project_tests() for suffix in ("", ".testlist")}


CRASH_CELL = "igt@prime_cross@import@vmwgfx-to-vgem"


def check_report(tally, outcome, run_dir):
    """The integration run's report.html as chromium shows it: a crash cell
    (its colour on the screenshot, its link to the crash's report in the
    DOM) and the mismatch's expected/actual/diff images (the diff's red)."""
    host.ensure_host_packages(["chromium"])
    page = run_dir / "report.html"
    page.write_text(report.html([outcome], run_dir))
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
    target = re.search(r'href="#(r-[\w-]+)"[^>]*>crash<', dom)
    tally.check(bool(target) and f'id="{target.group(1)}"' in dom
                and CRASH_CELL in dom,
                f"the crash cell links to the report of {CRASH_CELL}")
