"""A run of the suite in one guest configuration, across as many boots as it takes.

igt_runner writes its results directory straight onto the host (a 9p share,
synced after every write). When a subtest oopses the kernel, the boot ends
(oops=panic); the harness records the crash with the oops from the console,
boots again and lets igt_resume carry on after the culprit. Nothing that ran
before or after the culprit is lost.
"""

import itertools
import os
import shlex
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import guest, guestfiles, qemuuser, results
from .cache import cache_dir, key_of, say
from .errors import BootError, SetupError
from .filters import all_tests, resolve_filters
from .sidroot import BUILD_DIR, in_root

RUNNER_OPTS = [
    "--sync",                       # every result is on the host before the next
    "--inactivity-timeout", "180",  # a test silent this long is killed
    "--per-test-timeout", "900",
]


@dataclass
class Config:
    name: str
    kernel: object
    machine: guest.Machine
    # Where igt_runner finds the tests in the guest: by default the links the
    # host makes to the checkout's build; INSTALLED_TESTS when the root image
    # has them installed as a CI machine would (rootimage.installed_root_image).
    test_root: str | None = None
    # What keys its saved states and test costs in the cache (kernel.Kernel's
    # identity with the machine's suffix); @name by default.
    identity: str | None = None

    def __post_init__(self):
        self.identity = self.identity or self.name


def config_name(kern, machine):
    """debian-6.12, debian-6.12-blob, debian-6.12-virgl or debian-6.12-stdu:
    names results and expectations."""
    return kern.name + machine.suffix


def config_identity(kern, machine):
    """What keys a configuration's saved states and test costs in the cache:
    as config_name, with the kernel's identity for its name."""
    return kern.identity + machine.suffix


@dataclass
class Part:
    """One of the parts a configuration's tests were split into, each run
    in a guest of its own side by side (harness/xprime/schedule.py): its
    igt_runner results in part-INDEX/ of the configuration's directory, its
    boots numbered with the other parts' (their logs share a directory)."""
    index: int
    boot_numbers: itertools.count


@dataclass
class Outcome:
    config: Config
    results: Path
    logs: Path
    boots: list = field(default_factory=list)     # guest.BootResult, in order
    crashes: list = field(default_factory=list)   # Crash
    problems: list = field(default_factory=list)  # infrastructure noise, each retried


GUEST_JOB = "/xprime/job"
TEST_ROOT = "igt-root"


def write_test_root(job_dir, tests):
    """The tests as igt_runner expects them: links to the binaries (as the
    guest sees them) and test-list.txt. Made on the host, once per
    configuration: in the guest, one process per link over 9p cost seconds."""
    root = job_dir / TEST_ROOT
    for name, path in tests.items():
        link = root / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path)
    (root / "test-list.txt").write_text("TESTLIST\n" + " ".join(tests) + "\nEND TESTLIST\n")


def write_job(job_dir, mode, results, test_list, name, test_root=None):
    env = {
        "MODE": mode,
        "RESULTS": f"/xprime/results/{results}",
        "TEST_ROOT": test_root or f"{GUEST_JOB}/{TEST_ROOT}",
        # Images of mismatching contents, for every boot of the configuration.
        "FRAMES": f"/xprime/results/{name}/frames",
        # The host channel (guest.HostChannel), the guest's second serial port.
        "HOST_PORT": "/dev/ttyS1",
        "RUNNER_OPTS": " ".join(RUNNER_OPTS + ["-n", name]
                                + (["--test-list", f"{GUEST_JOB}/test-list"]
                                   if test_list else [])),
    }
    (job_dir / "job.env").write_text(
        "".join(f"{k}={shlex.quote(v)}\n" for k, v in env.items()))
    (job_dir / "test-list").write_text("".join(l + "\n" for l in test_list))


@dataclass
class Crash:
    name: str           # igt@test@subtest[@dynamic], as in results.json
    culprit: object     # guest.Culprit
    boot: int
    report: str         # the oops, panic or hang, from the console
    # The report names another task than the test (under TCG about one boot
    # in 75 hits a spurious "Oops: int3" in boot code patching): retried once
    # before it counts.
    suspect: bool = False
    job: Path = None    # igt_runner's directory of the job that was running


# Bump when what guest/init does before "ready" changes in a way its inputs
# below do not show.
SAVED_STATE_FORMAT = 1
# States kept per configuration (50-140 MB each).
SAVED_STATES_KEPT = 3


def saved_state(config, qemu, initrd, root_image, shares):
    """The Snapshot of @config's guest at "ready", kept in the cache across
    runs and named by all that makes that state: QEMU, the kernel, the
    initramfs (guest/init is in it), the root image, the machine and the
    devices. The shares' host paths are not in it: nothing is mounted yet.
    It is held in use (guest.Snapshot.hold) until released: runs side by
    side prune only the states no run holds."""
    def identity(path):
        stat = Path(path).stat()
        return [str(path), stat.st_size, stat.st_mtime_ns]

    key = key_of(SAVED_STATE_FORMAT, identity(qemu.binary), identity(config.kernel.vmlinuz),
                 identity(initrd), identity(root_image), repr(config.machine), guest.CMDLINE,
                 [(s.tag, s.writable) for s in shares])
    directory = cache_dir() / "saved-states"
    directory.mkdir(exist_ok=True)
    mine = guest.Snapshot(directory / f"{config.identity}-{key}.state")
    mine.hold()
    mine.touch()
    # A few states per configuration, the most recently used: checkouts with
    # another guest/init (a branch, a clone of main) take turns without
    # booting afresh each time; older ones are of inputs gone by. Only this
    # configuration's, a key's length after its name: debian-6.12-virgl-KEY
    # is not debian-6.12's.
    others = []
    for path in directory.glob(f"{config.identity}-{'?' * len(key)}.state"):
        try:
            if path != mine.path:
                others.append((path.stat().st_mtime, path))
        except FileNotFoundError:   # pruned by another run meanwhile
            pass
    for _, old in sorted(others, reverse=True)[SAVED_STATES_KEPT - 1:]:
        guest.Snapshot(old).prune()
    return mine


class Guest:
    """Boots one configuration with the shares of a run directory. The
    first boot saves the guest's state once its drivers are bound (where the
    machine allows), and every boot after it starts from there: a crash then
    costs a restore, not a boot."""

    def __init__(self, config, run_dir, qemu, initrd, sid_root, root_image, tests,
                 qemu_env=None, part=None, home=None):
        self.config, self.run_dir, self.qemu, self.initrd = config, run_dir, qemu, initrd
        self.label = config.name + (f" part {part.index}" if part else "")
        self.numbers = part.boot_numbers if part else itertools.count(1)
        self.followups = f"part{part.index}-followup" if part else "followup"
        # The host channel's screendumps, under the run's results directory.
        self.home = home or run_dir / config.name
        self.sid_root, self.root_image = sid_root, root_image
        self.tests, self.qemu_env = tests, qemu_env
        self.job_dir = Path(tempfile.mkdtemp(prefix="xprime-job-"))
        # QEMU, as qemuuser.USER, reads it for the guest.
        self.job_dir.chmod(0o755)
        if not config.test_root:
            write_test_root(self.job_dir, tests)
        self.shares = [
            guest.Share("modules", config.kernel.path / "modules"),
            guest.Share("build", BUILD_DIR),
            guest.Share("job", self.job_dir),
            guest.Share("results", run_dir, writable=True),
        ]
        self.snapshot = (saved_state(config, qemu, initrd, root_image, self.shares)
                         if config.machine.snapshots else None)
        self.boots = 0

    def close(self):
        shutil.rmtree(self.job_dir, ignore_errors=True)
        if self.snapshot:
            self.snapshot.release()

    def boot(self, mode, directory, logs, test_list):
        self.boots = next(self.numbers)
        write_job(self.job_dir, mode, directory.relative_to(self.run_dir), test_list,
                  self.config.name, self.config.test_root)
        say(f"[{self.label}] boot {self.boots}: {mode} {directory.name}")
        # Where the guest writes, through QEMU as qemuuser.USER: igt_runner's
        # directory and the images of mismatches (job.env's FRAMES); the
        # rest of the run directory stays the harness's.
        qemuuser.give(directory, self.run_dir / self.config.name / "frames")
        host = guest.HostChannel(self.home / "host",
                                 f"/xprime/results/{self.home.relative_to(self.run_dir)}/host")
        result = guest.boot(self.qemu, self.config.machine, self.config.kernel, self.initrd,
                            self.shares, logs / f"console-boot{self.boots}.log",
                            [directory / "results.json", directory], host=host,
                            env=self.qemu_env, root_image=self.root_image,
                            snapshot=self.snapshot)
        (logs / f"drivers-boot{self.boots}.txt").write_text(
            "".join(f"{card} {driver}\n" for card, driver in result.drivers))
        if result.display_unit:
            (logs / f"vmwgfx-boot{self.boots}.txt").write_text(result.display_unit + "\n")
        wrong = wrong_display_unit(self.config.machine, result)
        if wrong:
            # Its directory would be another machine's.
            raise SetupError(f"[{self.label}] boot {self.boots}: {wrong}; see {result.console}")
        for note in result.notes:
            say(f"[{self.label}] boot {self.boots}: {note}")
        start = "from its saved state" if result.restored else "booted"
        say(f"[{self.label}] boot {self.boots} ({start}) ended by {result.ending} "
            f"after {result.seconds:.1f} s")
        return result


def wrong_display_unit(machine, result):
    """Why the guest of boot @result is not the @machine it was asked to be,
    or None: a machine that names a display unit needs vmwgfx to say it
    drives that one. A boot that ended before binding drivers says nothing."""
    unit = machine.display_unit
    if not unit or not result.drivers or f"{unit} display unit" in result.display_unit:
        return None
    return (f"vmwgfx does not drive the {unit} display unit (it said: "
            f"{result.display_unit or 'nothing of its display unit'})")


def run_config(config, run_dir, qemu, initrd, sid_root, root_image, filters=(),
               extra_tests=None, qemu_env=None, part=None):
    tests = all_tests()
    tests.update(extra_tests or {})
    test_list = resolve_filters(filters, tests)
    directory = run_dir / config.name
    if part:
        # igt_runner makes its results directory, not the ones above it.
        directory.mkdir(parents=True, exist_ok=True)
        directory = directory / f"part-{part.index}"
    outcome = Outcome(config, directory, run_dir / "logs" / config.name)
    outcome.logs.mkdir(parents=True, exist_ok=True)
    vm = Guest(config, run_dir, qemu, initrd, sid_root, root_image, tests, qemu_env, part,
               home=directory)
    try:
        run_to_end(vm, outcome, outcome.results, test_list, resumable=True)
        retry_suspect_crashes(vm, outcome)
        results.record_finished(outcome.results, outcome.crashes)
        rerun_after_dynamic_crashes(vm, outcome, test_list)
    finally:
        vm.close()
    results.finish(outcome.results, outcome.crashes)
    return outcome


def join_parts(parts):
    """The Outcome of a configuration run in @parts (Outcomes of
    run_config's parts): their results joined in the configuration's
    results directory, their boots and crashes in the order of the boots'
    numbers. The parts ran disjoint tests."""
    first = parts[0]
    outcome = Outcome(first.config, first.results.parent, first.logs)

    def number(boot):
        return int(boot.console.stem.removeprefix("console-boot"))
    for part in parts:
        outcome.boots += part.boots
        outcome.crashes += part.crashes
        outcome.problems += part.problems
    outcome.boots.sort(key=number)
    outcome.crashes.sort(key=lambda crash: crash.boot)
    results.join_parts([part.results for part in parts], outcome.results)
    return outcome


def run_to_end(vm, outcome, directory, test_list, resumable):
    """Boot until igt_runner has finished @directory; return the crashes seen.

    A resumable run carries on with igt_resume after each crash; a
    non-resumable one (a follow-up, whose job list igt_resume cannot read
    back) stops at its first crash."""
    crashes = []
    retried_noise = False
    while True:
        mode = "resume" if (directory / "metadata.txt").exists() else "run"
        before = jobs_started(directory)
        result = vm.boot(mode, directory, outcome.logs, test_list)
        outcome.boots.append(result)
        if result.ending == "tests-done":
            generate_results(vm, directory)
            return crashes
        if result.ending == "poweroff" and (directory / "results.json").exists():
            return crashes
        if result.culprit and result.ending in ("panic", "watchdog", "flood", "qemu-crash"):
            crash = crash_of(result, vm.tests, vm.boots)
            crash.job = directory / str(jobs_started(directory) - 1)
            crashes.append(crash)
            outcome.crashes.append(crash)
            say(f"[{vm.label}] kernel {result.ending} in {crash.name}")
            if not resumable:
                generate_results(vm, directory)
                return crashes
            retried_noise = False
            continue
        if jobs_started(directory) == before and not retried_noise:
            # Nothing ran: infrastructure noise (such as a spurious oops at
            # boot) gets one retry; a second boot in a row that runs nothing
            # is not noise.
            what = result.oops.splitlines()[0] if result.oops else result.ending
            outcome.problems.append(f"boot {vm.boots}: no test ran ({what}); "
                                    f"console: {result.console}")
            retried_noise = True
            continue
        if jobs_started(directory) == before:
            raise BootError(f"[{vm.label}] boot {vm.boots} ended by {result.ending} "
                            f"before any test ran, twice; see {result.console}")
        raise SetupError(f"[{vm.label}] boot {vm.boots} ended by {result.ending} "
                         f"without finishing the run; see {result.console}")


def crash_of(result, tests, boot):
    """The Crash that boot @result ended with."""
    # A report names its task by at most 15 characters (TASK_COMM_LEN).
    suspect = bool(result.task) and result.task != result.culprit.binary[:15]
    return Crash(full_name(result.culprit, tests), result.culprit, boot,
                 result.oops or f"boot {boot} ended by the {result.ending}", suspect)


def retry_suspect_crashes(vm, outcome):
    """Run once more each culprit whose kernel report names another task.
    A crash again is a crash; anything else replaces it, and the first boot
    is kept as an infrastructure problem."""
    for crash in [c for c in outcome.crashes if c.suspect]:
        followup = outcome.logs / f"retry-boot{crash.boot}"
        say(f"[{vm.label}] retrying {crash.name}: the report names another task")
        again = run_to_end(vm, outcome, followup, [crash.name], resumable=False)
        if any(c.name == crash.name for c in again):
            crash.suspect = False
            continue
        outcome.crashes.remove(crash)
        outcome.problems.append(f"boot {crash.boot}: kernel report during {crash.name} "
                                f"did not come back on retry: {crash.report.splitlines()[0]}")
        results.take_followup(outcome.results, followup, crash.name)


def rerun_after_dynamic_crashes(vm, outcome, test_list):
    """Run the dynamic subtests that a crash kept from running or recording.

    igt_resume goes on after the interrupted subtest, so the dynamic subtests
    after the culprit never ran, and those that finished just before it may
    not have reached igt_runner's record. A follow-up run selects, for each
    such subtest, all but the culprits and those recorded, with
    --dynamic-subtest '*,!recorded,!culprit', one test-list line per subtest
    in a single boot; its results are merged. A follow-up that crashes too
    is followed up in turn, from the subtest that crashed on. Only subtests
    that the run selected whole are followed up."""
    pending = []
    for crash in outcome.crashes:
        subtest = crash.name.rsplit("@", 1)[0]
        whole = not test_list or any(line in (subtest, subtest.rsplit("@", 1)[0])
                                     for line in test_list)
        if crash.culprit.dynamic and whole and subtest not in pending:
            pending.append(subtest)
    count = 0
    while pending:
        lines = [f"{subtest}@{followup_pattern(outcome, subtest)}" for subtest in pending]
        count += 1
        followup = outcome.logs / f"{vm.followups}-{count}"
        say(f"[{vm.label}] follow-up {count}: the rest of "
            + (pending[0] if len(pending) == 1 else f"{len(pending)} subtests"))
        again = run_to_end(vm, outcome, followup, lines, resumable=False)
        results.record_finished(outcome.results, outcome.crashes)
        crashed = [c.name.rsplit("@", 1)[0] for c in again if c.culprit.dynamic]
        done = pending if not crashed else pending[:pending.index(crashed[0])]
        for subtest in done + crashed[:1]:
            results.take_followup(outcome.results, followup, subtest, only_dynamic=True)
        # The crashed subtest and those after it, which did not run.
        pending = pending[len(done):] if crashed else []


def followup_pattern(outcome, subtest):
    """--dynamic-subtest pattern for what @subtest has left to run."""
    crashes = [c for c in outcome.crashes
               if c.culprit.dynamic and c.name.rsplit("@", 1)[0] == subtest]
    culprits = [c.culprit.dynamic for c in crashes]
    recorded = results.recorded_dynamics(outcome.results, subtest)
    # Names as the test spells them (results.json lowercases them).
    seen = {d for c in crashes for d in c.culprit.earlier_dynamics}
    skip = culprits + sorted(d for d in seen if d.lower() in recorded)
    return ",".join(["*"] + [f"!{d}" for d in skip])


def full_name(culprit, tests):
    """libigt logs argv[0]'s basename; results name the test as listed."""
    binary = next((t for t in tests if t.split("/")[-1] == culprit.binary), culprit.binary)
    return "@".join(["igt", binary, culprit.subtest]
                    + ([culprit.dynamic] if culprit.dynamic else []))


def generate_results(vm, directory):
    """igt_results on the host, for a run whose guest ended in a crash or as
    soon as its tests were done (guest.TESTS_DONE)."""
    written = directory / "results.json"
    if os.path.lexists(written) and not guestfiles.is_file(written):
        # Not for igt_results to write through (the share maps such a thing
        # to a regular file: this is the harness's second line).
        written.unlink()
    in_root(vm.sid_root, f"igt_results /xprime/results/{directory.relative_to(vm.run_dir)}",
            vm.run_dir / "logs" / "igt_results.log", "igt_results",
            binds={vm.run_dir: "/xprime/results"})


def jobs_started(directory):
    if not directory.exists():
        return 0
    return sum(1 for p in directory.iterdir() if p.name.isdigit())


