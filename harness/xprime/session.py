"""A run of the suite in one guest configuration, across as many boots as it takes.

igt_runner writes its results directory straight onto the host (a 9p share,
synced after every write). When a subtest oopses the kernel, the boot ends
(oops=panic); the harness records the crash with the oops from the console,
boots again and lets igt_resume carry on after the culprit. Nothing that ran
before or after the culprit is lost.
"""

import importlib.util
import itertools
import json
import re
import shlex
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import guest, signature
from .setup import REPO, SetupError, cache_dir, key_of, say
from .sidroot import BUILD_DIR, GUEST_BUILD, in_root

# Upstream tests for these drivers, from Debian's igt-gpu-tools-tests.
UPSTREAM_PEERS = ["vmwgfx/vmw_prime", "vgem_basic", "prime_vgem", "dmabuf_sync_file",
                  "drm_virtgpu"]
# Test directories whose binaries keep their directory in their name, as
# upstream installs them (igt@vmwgfx/vmw_prime@...).
DRIVER_DIRS = {"vmwgfx"}

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


def project_tests():
    """The project's test binaries (one per tests/<dir>/<name>.c), by the
    name igt_runner gives them, with their path in the guest."""
    tests = {}
    for source in sorted((REPO / "tests").glob("*/*.c")):
        directory, name = source.parent.name, source.stem
        listed = f"{directory}/{name}" if directory in DRIVER_DIRS else name
        tests[listed] = f"{GUEST_BUILD}/tests/{directory}/{name}"
    return tests


def all_tests():
    tests = project_tests()
    for name in UPSTREAM_PEERS:
        tests.setdefault(name, f"/usr/libexec/igt-gpu-tools/{name}")
    return tests


class UsageError(Exception):
    """Bad input from the user: reported with exit code 2."""


class BootError(SetupError):
    """A guest ended twice before any test ran: its kernel, or the machine."""


FILTER = re.compile(r"^(igt@)?[\w/-]+(@[\w-]+){0,2}$")


def resolve_filters(filters, tests):
    """FILTER is test[@subtest[@dynamic]]; a test may be named without its
    directory. Returns igt_runner --test-list lines."""
    lines = []
    for f in filters:
        if not FILTER.match(f):
            raise UsageError(f"bad FILTER {f!r}: expected test[@subtest[@dynamic-subtest]]")
        test, _, rest = f.removeprefix("igt@").partition("@")
        matches = [t for t in tests if t == test or t.split("/")[-1] == test]
        if not matches:
            raise UsageError(f"no test named {test!r}; tests: {', '.join(sorted(tests))}")
        lines.append("@".join(["igt", matches[0]] + ([rest] if rest else [])))
    return lines


GUEST_JOB = "/xprime/job"
TEST_ROOT = "igt-root"
# Where igt-gpu-tools-tests (and the project's package) install the tests.
INSTALLED_TESTS = "/usr/libexec/igt-gpu-tools"


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


def testplan_module():
    """tools/testplan.py, the reader of the tests' doc comments."""
    spec = importlib.util.spec_from_file_location("testplan", REPO / "tools" / "testplan.py")
    testplan = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(testplan)
    return testplan


def documented_subtests():
    """{test: {subtest: [dynamic subtest names, or None when not listed]}}
    of the project's tests, from their SUBTEST: doc comments, which meson
    test keeps equal to each binary's --list-subtests (tools/testplan.py)."""
    testplan = testplan_module()
    listed = {t.split("/")[-1]: t for t in project_tests()}
    names = {}
    for test in testplan.load_tests(REPO / "tests"):
        names[listed.get(test.binary, test.binary)] = {
            sub.name: [d for d, _ in sub.dynamic()] or None for sub in test.subtests}
    return names


def check_names(lines, documented=None):
    """Refuse a test-list line whose subtest or dynamic subtest the test
    does not have, naming those it has: before any boot, not after a run
    that tested nothing. @documented defaults to documented_subtests(),
    read only when a line names a subtest."""
    if not any(line.count("@") > 1 for line in lines):
        return
    documented = documented if documented is not None else documented_subtests()
    for line in lines:
        parts = line.split("@")
        test, rest = parts[1], parts[2:]
        if not rest or test not in documented:
            continue
        subtests = {name.lower(): dynamic for name, dynamic in documented[test].items()}
        if rest[0].lower() not in subtests:
            raise UsageError(f"{test} has no subtest {rest[0]!r}; its subtests: "
                             f"{', '.join(documented[test])}")
        dynamic = subtests[rest[0].lower()]
        if (len(rest) > 1 and dynamic is not None
                and rest[1].lower() not in [d.lower() for d in dynamic]):
            raise UsageError(f"{test}@{rest[0]} has no dynamic subtest {rest[1]!r}; its "
                             f"dynamic subtests: {', '.join(dynamic)}")


def unmatched(lines, results):
    """Test-list lines that no result answers (a name the harness could not
    check before the run: an upstream test's subtest). A dynamic subtest is
    answered by its subtest's own result too: a subtest that skips as a
    whole runs none of its dynamic subtests."""
    names = [n.lower() for n in results]

    def answered(line):
        return any(n == line or n.startswith(line + "@") for n in names)

    return [line for line in lines
            if not answered(line.lower())
            and not (line.count("@") == 3 and answered(line.lower().rsplit("@", 1)[0]))]


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

    def boot(self, mode, results, logs, test_list):
        self.boots = next(self.numbers)
        write_job(self.job_dir, mode, results.relative_to(self.run_dir), test_list,
                  self.config.name, self.config.test_root)
        say(f"[{self.label}] boot {self.boots}: {mode} {results.name}")
        host = guest.HostChannel(self.home / "host",
                                 f"/xprime/results/{self.home.relative_to(self.run_dir)}/host")
        result = guest.boot(self.qemu, self.config.machine, self.config.kernel, self.initrd,
                            self.shares, logs / f"console-boot{self.boots}.log",
                            [results / "results.json", results], host=host,
                            env=self.qemu_env, root_image=self.root_image,
                            snapshot=self.snapshot)
        (logs / f"drivers-boot{self.boots}.txt").write_text(
            "".join(f"{card} {driver}\n" for card, driver in result.drivers))
        if result.display_unit:
            (logs / f"vmwgfx-boot{self.boots}.txt").write_text(result.display_unit + "\n")
        wrong = wrong_display_unit(self.config.machine, result)
        if wrong:
            # Its results would be another machine's.
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
    results = run_dir / config.name
    if part:
        # igt_runner makes its results directory, not the ones above it.
        results.mkdir(parents=True, exist_ok=True)
        results = results / f"part-{part.index}"
    outcome = Outcome(config, results, run_dir / "logs" / config.name)
    outcome.logs.mkdir(parents=True, exist_ok=True)
    vm = Guest(config, run_dir, qemu, initrd, sid_root, root_image, tests, qemu_env, part,
               home=results)
    try:
        run_to_end(vm, outcome, outcome.results, test_list, resumable=True)
        retry_suspect_crashes(vm, outcome)
        record_finished(outcome)
        rerun_after_dynamic_crashes(vm, outcome, test_list)
    finally:
        vm.close()
    finish_results(outcome)
    return outcome


def merge_parts(parts):
    """The Outcome of a configuration run in @parts (Outcomes of
    run_config's parts): their results.json joined in the configuration's
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
    found = [json.loads(path.read_text()) for path in
             (part.results / "results.json" for part in parts) if path.exists()]
    if found:
        data = found[0]
        for other in found[1:]:
            data["tests"].update(other["tests"])
            data.setdefault("runtimes", {}).update(other.get("runtimes", {}))
            # The run's span: igt_results leaves out the end of a run that a
            # crash ended before its last job wrote endtime.txt.
            span, more = data.setdefault("time_elapsed", {}), other.get("time_elapsed", {})
            for key, pick in (("start", min), ("end", max)):
                times = [s[key] for s in (span, more) if key in s]
                if times:
                    span[key] = pick(times)
        data["merged_from"] = [str(part.results) for part in parts]
        recount_totals(data)
        (outcome.results / "results.json").write_text(json.dumps(data, indent=2))
    return outcome


def run_to_end(vm, outcome, results, test_list, resumable):
    """Boot until igt_runner has finished @results; return the crashes seen.

    A resumable run carries on with igt_resume after each crash; a
    non-resumable one (a follow-up, whose job list igt_resume cannot read
    back) stops at its first crash."""
    crashes = []
    retried_noise = False
    while True:
        mode = "resume" if (results / "metadata.txt").exists() else "run"
        before = jobs_started(results)
        result = vm.boot(mode, results, outcome.logs, test_list)
        outcome.boots.append(result)
        if result.ending == "tests-done":
            generate_results(vm, results)
            return crashes
        if result.ending == "poweroff" and (results / "results.json").exists():
            return crashes
        if result.culprit and result.ending in ("panic", "watchdog"):
            crash = crash_of(result, vm.tests, vm.boots)
            crash.job = results / str(jobs_started(results) - 1)
            crashes.append(crash)
            outcome.crashes.append(crash)
            say(f"[{vm.label}] kernel {result.ending} in {crash.name}")
            if not resumable:
                generate_results(vm, results)
                return crashes
            retried_noise = False
            continue
        if jobs_started(results) == before and not retried_noise:
            # Nothing ran: infrastructure noise (such as a spurious oops at
            # boot) gets one retry; a second boot in a row that runs nothing
            # is not noise.
            what = result.oops.splitlines()[0] if result.oops else result.ending
            outcome.problems.append(f"boot {vm.boots}: no test ran ({what}); "
                                    f"console: {result.console}")
            retried_noise = True
            continue
        if jobs_started(results) == before:
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
        results = outcome.logs / f"retry-boot{crash.boot}"
        say(f"[{vm.label}] retrying {crash.name}: the report names another task")
        again = run_to_end(vm, outcome, results, [crash.name], resumable=False)
        if any(c.name == crash.name for c in again):
            crash.suspect = False
            continue
        outcome.crashes.remove(crash)
        outcome.problems.append(f"boot {crash.boot}: kernel report during {crash.name} "
                                f"did not come back on retry: {crash.report.splitlines()[0]}")
        merge_results(outcome.results, results, crash.name)


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
        results = outcome.logs / f"{vm.followups}-{count}"
        say(f"[{vm.label}] follow-up {count}: the rest of "
            + (pending[0] if len(pending) == 1 else f"{len(pending)} subtests"))
        again = run_to_end(vm, outcome, results, lines, resumable=False)
        record_finished(outcome)
        crashed = [c.name.rsplit("@", 1)[0] for c in again if c.culprit.dynamic]
        done = pending if not crashed else pending[:pending.index(crashed[0])]
        for subtest in done + crashed[:1]:
            merge_results(outcome.results, results, subtest, only_dynamic=True)
        # The crashed subtest and those after it, which did not run.
        pending = pending[len(done):] if crashed else []


# libigt's words for a dynamic subtest's end, as igt_runner would record them.
IGT_RESULTS = {"SUCCESS": "pass", "FAIL": "fail", "SKIP": "skip"}


def record_finished(outcome):
    """Record the dynamic subtests that libigt logged as finished just before
    a crash but whose record igt_runner had not written yet (the next
    dynamic subtest oopsed within a fraction of a second). Running them
    again in a follow-up would change what the kernel holds when the
    subtests after them run, so their result comes from the kernel log."""
    path = outcome.results / "results.json"
    if not path.exists():
        return
    data = json.loads(path.read_text())
    changed = False
    for crash in outcome.crashes:
        subtest = crash.name.rsplit("@", 1)[0].lower()
        for dynamic, word in crash.culprit.finished.items():
            key = f"{subtest}@{dynamic.lower()}"
            if word not in IGT_RESULTS or data["tests"].get(key, {}).get(
                    "result") not in (None, "incomplete", "notrun"):
                continue
            data["tests"][key] = {
                "result": IGT_RESULTS[word], "err": failed_assertion(crash.job, dynamic),
                "dmesg": "",
                "out": (f"xprime: result from the kernel log (\"finished dynamic subtest "
                        f"{dynamic}, {word}\"): igt_runner had not recorded it when "
                        f"{crash.name} took the kernel down (boot {crash.boot}, "
                        f"console-boot{crash.boot}.log)\n")}
            if dynamic in crash.culprit.durations:
                # As igt_runner records a dynamic subtest's time.
                data["tests"][key]["time"] = {"__type__": "TimeAttribute", "start": 0.0,
                                              "end": crash.culprit.durations[dynamic]}
            changed = True
    if changed:
        path.write_text(json.dumps(data, indent=2))


def failed_assertion(job, dynamic):
    """libigt's report of @dynamic's failure, from what igt_runner's job
    had received of the test's output (its comms file) before the crash."""
    path = job / "comms" if job else None
    if not path or not path.is_file():
        return ""
    texts = [t.decode() for t in re.findall(rb"[ -~\t\n]{4,}", path.read_bytes())]
    ends = [i for i, t in enumerate(texts) if t.strip() == f"Dynamic subtest {dynamic} failed."]
    if not ends:
        return ""
    starts = [i for i in range(ends[-1]) if texts[i].strip() == dynamic]
    part = texts[starts[-1] if starts else 0:ends[-1]]
    return "".join(t if t.endswith("\n") else t + "\n" for t in part if "CRITICAL:" in t)


def followup_pattern(outcome, subtest):
    """--dynamic-subtest pattern for what @subtest has left to run."""
    crashes = [c for c in outcome.crashes
               if c.culprit.dynamic and c.name.rsplit("@", 1)[0] == subtest]
    culprits = [c.culprit.dynamic for c in crashes]
    recorded = recorded_dynamics(outcome.results, subtest)
    # Names as the test spells them (results.json lowercases them).
    seen = {d for c in crashes for d in c.culprit.earlier_dynamics}
    skip = culprits + sorted(d for d in seen if d.lower() in recorded)
    return ",".join(["*"] + [f"!{d}" for d in skip])


def recorded_dynamics(results, subtest):
    """Lowercased names of @subtest's dynamic subtests with a final result."""
    path = results / "results.json"
    if not path.exists():
        return set()
    prefix = subtest.lower() + "@"
    return {name[len(prefix):] for name, entry in json.loads(path.read_text())["tests"].items()
            if name.startswith(prefix) and entry.get("result") not in (None, "incomplete",
                                                                       "notrun")}


def full_name(culprit, tests):
    """libigt logs argv[0]'s basename; results name the test as listed."""
    binary = next((t for t in tests if t.split("/")[-1] == culprit.binary), culprit.binary)
    return "@".join(["igt", binary, culprit.subtest]
                    + ([culprit.dynamic] if culprit.dynamic else []))


def generate_results(vm, results):
    """igt_results on the host, for a run whose guest ended in a crash or as
    soon as its tests were done (guest.TESTS_DONE)."""
    in_root(vm.sid_root, f"igt_results /xprime/results/{results.relative_to(vm.run_dir)}",
            vm.run_dir / "logs" / "igt_results.log", "igt_results",
            binds={vm.run_dir: "/xprime/results"})


RESULT_NAME = re.compile(r"^igt@[\w/-]+(@[\w-]+){0,2}$")


def merge_results(main, followup, name, only_dynamic=False):
    """Bring the follow-up's results for @name (and its dynamic subtests)
    into the main results, where those are missing or incomplete."""
    main_json, extra_json = main / "results.json", followup / "results.json"
    if not main_json.exists() or not extra_json.exists():
        return
    data = json.loads(main_json.read_text())
    extra = json.loads(extra_json.read_text())["tests"]
    key = name.lower()
    for test, entry in extra.items():
        if not RESULT_NAME.match(test):
            # igt_results' record of the test-list line itself ("...@*,!a"),
            # left when a crash came before the subtest's own output.
            continue
        mine = data["tests"].get(test)
        ours = test.startswith(key + "@") or (test == key and not only_dynamic)
        if ours and (mine is None or mine.get("result") in (None, "incomplete")):
            entry["out"] = f"xprime: from the follow-up run {followup.name}\n" + entry.get("out", "")
            data["tests"][test] = entry
    main_json.write_text(json.dumps(data, indent=2))


def jobs_started(results):
    if not results.exists():
        return 0
    return sum(1 for p in results.iterdir() if p.name.isdigit())


def finish_results(outcome):
    """What igt_runner could not know, written into results.json in one pass:
    the crashes (record_crashes) and host-load noise (forgive_host_noise)."""
    path = outcome.results / "results.json"
    if not path.exists():
        return
    data = json.loads(path.read_text())
    record_crashes(data["tests"], outcome.crashes)
    forgive_host_noise(data["tests"])
    for entry in data["tests"].values():
        if entry.get("result") not in (None, "pass", "skip", "notrun"):
            entry["signature"] = signature.of_result(entry, HOST_NOISE)
    recount_totals(data)
    path.write_text(json.dumps(data, indent=2))


def record_crashes(tests, crashes):
    """Turn each subtest that took the kernel down into a 'crash', with the
    kernel's report as its dmesg; igt_resume leaves it 'incomplete'. A
    subtest whose dynamic subtest crashed crashed too."""
    for crash in crashes:
        names = [crash.name.lower()]
        if crash.culprit.dynamic:
            names.append(crash.name.lower().rsplit("@", 1)[0])
        for key in names:
            entry = tests.setdefault(key, {"out": "", "err": "", "dmesg": ""})
            entry["result"] = "crash"
            entry["dmesg"] = crash.report + "\n" + entry.get("dmesg", "")
            entry["err"] = (entry.get("err", "") + f"\nxprime: the kernel went down in "
                            f"{crash.name}; boot {crash.boot} ended "
                            f"(console-boot{crash.boot}.log)\n")


# Warnings that a loaded host provokes in a TCG guest, not the kernel under
# test; igt_runner pins them on whichever subtest is running (printed once per
# boot, at warning level). The clocksource watchdog's read of its reference
# clock took a second when the host was busy with another guest (seen
# 2026-12-01 during a full run beside another).
HOST_NOISE = [re.compile(r"hrtimer: interrupt took \d+ ns"),
              re.compile(r"clocksource: Long readout interval, skipping watchdog check")]
WARNING_LINE = re.compile(r"^<[0-4]> ")


def forgive_host_noise(tests):
    """A dmesg-warn (dmesg-fail) whose only warnings are host noise becomes
    pass (fail), with a note in its output; any other warning keeps it."""
    for entry in tests.values():
        result = entry.get("result")
        if result not in ("dmesg-warn", "dmesg-fail"):
            continue
        warnings = [l for l in entry.get("dmesg", "").splitlines() if WARNING_LINE.match(l)]
        if warnings and all(any(p.search(l) for p in HOST_NOISE) for l in warnings):
            entry["result"] = "pass" if result == "dmesg-warn" else "fail"
            entry["out"] = (f"xprime: {result} from host-load noise only "
                            f"({warnings[0][4:].strip()}): counted as {entry['result']}\n"
                            + entry.get("out", ""))


def recount_totals(data):
    results = ["pass", "fail", "dmesg-warn", "dmesg-fail", "warn", "crash", "skip",
               "timeout", "notrun", "incomplete", "abort"]
    totals = {}
    for name, entry in data["tests"].items():
        if "result" not in entry:
            continue
        binary = "@".join(name.split("@")[:2])
        for key in ("", "root", binary):
            counts = totals.setdefault(key, {r: 0 for r in results})
            counts[entry["result"]] = counts.get(entry["result"], 0) + 1
    data["totals"] = totals
