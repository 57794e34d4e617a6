"""Expected results: one file per guest configuration, expectations/<config>.txt.

Each line names results (a glob over igt_runner's names) and what they are
expected to be, with the reason:

    igt@prime_cross@*@vmwgfx-to-vgem  crash  vmwgfx exports a VRAM BO ... (FACTS §6)

RESULT may list alternatives, "dmesg-warn|pass", for a warning that the
kernel prints once per boot, in whichever subtest comes first.

Results not named are expected to pass or skip. A run matches its
expectations when every result is what it should be; anything else is a new
failure, a new crash, or an unexpected pass (a known bug that went away).
"""

import fnmatch
from dataclasses import dataclass, field

from .setup import REPO, SetupError

EXPECTATIONS = REPO / "expectations"
RESULTS = {"pass", "fail", "crash", "skip", "timeout", "incomplete", "abort",
           "dmesg-warn", "dmesg-fail", "warn", "notrun"}
FINE = {"pass", "skip"}
CRASHES = {"crash", "incomplete", "abort", "timeout"}


class ExpectationError(SetupError):
    """A malformed expectations file."""


@dataclass
class Expectation:
    pattern: str
    result: str
    reason: str
    where: str          # file:line, for messages
    used: int = 0


@dataclass
class Verdict:
    expected: list = field(default_factory=list)        # (name, result, reason)
    new_failures: list = field(default_factory=list)    # (name, result)
    new_crashes: list = field(default_factory=list)
    unexpected_passes: list = field(default_factory=list)  # (name, result, expectation)
    unused: list = field(default_factory=list)          # Expectation matching nothing

    @property
    def ok(self):
        return not (self.new_failures or self.new_crashes or self.unexpected_passes)


def path_for(config_name):
    return EXPECTATIONS / f"{config_name}.txt"


def load(path):
    expectations = []
    if not path.exists():
        return expectations
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        where = f"{path.name}:{number}"
        if len(parts) < 3 or not parts[0].startswith("igt@"):
            raise ExpectationError(f"{where}: expected 'igt@NAME RESULT REASON', got {line!r}")
        if not set(parts[1].split("|")) <= RESULTS:
            raise ExpectationError(f"{where}: unknown result {parts[1]!r}; "
                                   f"one of {', '.join(sorted(RESULTS))}, or several "
                                   "joined by '|'")
        expectations.append(Expectation(parts[0].lower(), parts[1], parts[2], where))
    return expectations


def leaves(tests):
    """Results that are not the sum of others listed beside them: subtests
    with dynamic subtests, and a test's own entry (igt_runner's record of a
    job that a crash cut short) once its subtests have results."""
    parents = set()
    for name in tests:
        parts = name.split("@")
        parents.update("@".join(parts[:i]) for i in range(2, len(parts)))
    return {n: e for n, e in tests.items() if n not in parents}


def compare(tests, expectations):
    verdict = Verdict()
    for name, entry in sorted(leaves(tests).items()):
        result = entry["result"]
        exp = next((e for e in expectations if fnmatch.fnmatchcase(name, e.pattern)), None)
        if exp:
            exp.used += 1
            if result in exp.result.split("|"):
                verdict.expected.append((name, result, exp.reason))
            elif result in FINE:
                verdict.unexpected_passes.append((name, result, exp))
            elif result in CRASHES:
                verdict.new_crashes.append((name, result))
            else:
                verdict.new_failures.append((name, result))
        elif result in CRASHES:
            verdict.new_crashes.append((name, result))
        elif result not in FINE:
            verdict.new_failures.append((name, result))
    verdict.unused = [e for e in expectations if not e.used]
    return verdict


def describe(verdict, only_run_subset=False):
    lines = [f"   expectations: {len(verdict.expected)} known, "
             f"{len(verdict.new_failures)} new failures, {len(verdict.new_crashes)} new crashes, "
             f"{len(verdict.unexpected_passes)} unexpected passes"]
    for name, result in verdict.new_crashes:
        lines.append(f"   NEW CRASH: {name}: {result}")
    for name, result in verdict.new_failures:
        lines.append(f"   NEW FAILURE: {name}: {result}")
    for name, result, exp in verdict.unexpected_passes:
        lines.append(f"   UNEXPECTED {result.upper()}: {name}: expected {exp.result} "
                     f"({exp.where}: {exp.reason})")
    if not only_run_subset:
        for exp in verdict.unused:
            lines.append(f"   unused expectation {exp.where}: {exp.pattern} {exp.result}")
    return lines
