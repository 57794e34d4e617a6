"""Expected results: one file per guest configuration, expectations/<config>.txt.

Each line names results (a glob over igt_runner's names) and what they are
expected to be, with the reason:

    igt@prime_cross@*@vmwgfx-to-vgem  crash  vmwgfx exports a VRAM BO ...

RESULT may list alternatives, "dmesg-warn|pass", for a warning that the
kernel prints once per boot, in whichever subtest comes first.

Indented lines under an expectation pin what each result failed of, by its
signature (harness/xprime/signature.py; "*" stands for any text):

    igt@prime_*@vmwgfx-to-vgem  crash  vmwgfx exports a VRAM BO ...
        crash: BUG: kernel NULL pointer dereference in vmw_gem_object_get_sg_table

A result whose signature is not among those listed for it is new, as a new
failure is: the known bug is still there, but something else broke too.

Results not named are expected to pass or skip. A run matches its
expectations when every result is what it should be; anything else is a new
failure, a new crash, or an unexpected pass (a known bug that went away).
"""

import difflib
import fnmatch
import sys
from dataclasses import dataclass, field

from . import results, signature
from .cache import REPO, say
from .errors import SetupError, UsageError

EXPECTATIONS = REPO / "expectations"
RESULTS = {"pass", "fail", "crash", "skip", "timeout", "incomplete", "abort",
           "dmesg-warn", "dmesg-fail", "warn", "notrun"}
FINE = {"pass", "skip"}
# Results that end a subtest where they happen: what it would check after
# that point is never checked.
STOPPING = {"crash", "fail", "dmesg-fail", "timeout", "incomplete", "abort"}
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
    signatures: dict = field(default_factory=dict)  # result -> [signature pattern]

    def pinned(self, result, sig):
        """Whether @sig is a signature this expectation allows for @result."""
        allowed = self.signatures.get(result)
        return allowed is None or any(signature.matches(sig, p) for p in allowed)


@dataclass
class Verdict:
    expected: list = field(default_factory=list)        # (name, result, reason)
    new_failures: list = field(default_factory=list)    # (name, result)
    new_crashes: list = field(default_factory=list)
    unexpected_passes: list = field(default_factory=list)  # (name, result, expectation)
    new_signatures: list = field(default_factory=list)  # (name, result, signature, expectation)
    stopped: list = field(default_factory=list)  # known and STOPPING: (name, result, signature, exp)
    # Known results whose output igt_runner had not recorded when the kernel
    # went down (their result comes from the kernel log): nothing to derive a
    # signature from, so theirs cannot be checked.
    unsigned: list = field(default_factory=list)
    unused: list = field(default_factory=list)          # Expectation matching nothing

    @property
    def unknown(self):
        """The names of the results the expectations did not know: new
        failures and crashes, unexpected passes, known results with a new
        cause."""
        return [entry[0] for found in (self.new_failures, self.new_crashes,
                                       self.unexpected_passes, self.new_signatures)
                for entry in found]

    @property
    def ok(self):
        return not self.unknown


def path_for(config_name):
    return EXPECTATIONS / f"{config_name}.txt"


def load(path):
    expectations = []
    if not path.exists():
        return expectations
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path.name}:{number}"
        if raw[0].isspace():
            result, colon, sig = line.partition(":")
            if not expectations or not colon or not sig.strip():
                raise ExpectationError(f"{where}: an indented line is 'RESULT: SIGNATURE' "
                                       f"under an expectation, got {line!r}")
            if result not in expectations[-1].result.split("|"):
                raise ExpectationError(f"{where}: {result!r} is not a result that "
                                       f"{expectations[-1].where} expects")
            expectations[-1].signatures.setdefault(result, []).append(sig.strip())
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or not parts[0].startswith("igt@"):
            raise ExpectationError(f"{where}: expected 'igt@NAME RESULT REASON', got {line!r}")
        if not set(parts[1].split("|")) <= RESULTS:
            raise ExpectationError(f"{where}: unknown result {parts[1]!r}; "
                                   f"one of {', '.join(sorted(RESULTS))}, or several "
                                   "joined by '|'")
        expectations.append(Expectation(parts[0].lower(), parts[1], parts[2], where))
    return expectations


def compare(tests, expectations):
    verdict = Verdict()
    for name, entry in sorted(results.leaves(tests).items()):
        result = entry["result"]
        exp = match(name, expectations)
        if exp:
            exp.used += 1
            sig = entry.get("signature", "")
            if result in exp.result.split("|") and not sig and result not in FINE:
                verdict.expected.append((name, result, exp.reason))
                verdict.unsigned.append(name)
            elif result in exp.result.split("|") and not exp.pinned(result, sig):
                verdict.new_signatures.append((name, result, sig, exp))
            elif result in exp.result.split("|"):
                verdict.expected.append((name, result, exp.reason))
                if result in STOPPING:
                    verdict.stopped.append((name, result, sig, exp))
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


def match(name, expectations):
    """The first expectation whose pattern names result @name, or None."""
    return next((e for e in expectations if fnmatch.fnmatchcase(name, e.pattern)), None)


def describe(verdict, only_run_subset=False):
    lines = [f"   expectations: {len(verdict.expected)} known, "
             f"{len(verdict.new_failures)} new failures, {len(verdict.new_crashes)} new crashes, "
             f"{len(verdict.new_signatures)} known results with a new cause, "
             f"{len(verdict.unexpected_passes)} unexpected passes"]
    for name, result, sig, exp in verdict.new_signatures:
        lines.append(f"   NEW CAUSE: {name}: {result}, not of what {exp.where} expects")
        for pattern in exp.signatures[result]:
            lines.append(f"      expected: {pattern}")
        lines.append(f"      seen:     {sig or '(no signature: nothing recorded to derive one)'}")
    for name, result in verdict.new_crashes:
        lines.append(f"   NEW CRASH: {name}: {result}")
    for name, result in verdict.new_failures:
        lines.append(f"   NEW FAILURE: {name}: {result}")
    for name, result, exp in verdict.unexpected_passes:
        lines.append(f"   UNEXPECTED {result.upper()}: {name}: expected {exp.result} "
                     f"({exp.where}: {exp.reason})")
    if verdict.unsigned:
        lines.append(f"   {len(verdict.unsigned)} known results without output to check "
                     "their signature against (the kernel went down before igt_runner "
                     "recorded it): " + ", ".join(verdict.unsigned))
    lines += stopped_checks(verdict)
    if not only_run_subset:
        for exp in verdict.unused:
            lines.append(f"   unused expectation {exp.where}: {exp.pattern} {exp.result}")
    return lines


def pin(path, tests):
    """The text of expectations file @path with the signatures that @tests
    (a run's results) show for each expectation added under it, and the
    results that no expectation covers, as (name, result, signature)."""
    expectations = load(path)
    seen, uncovered = {}, []
    for name, entry in sorted(results.leaves(tests).items()):
        result = entry["result"]
        # Results written before signatures were: derived now.
        sig = entry.get("signature", signature.of_result(entry))
        exp = match(name, expectations)
        if exp is None or result not in exp.result.split("|"):
            if result not in FINE:
                uncovered.append((name, result, sig))
            continue
        if result in FINE or not sig or exp.pinned(result, sig) and result in exp.signatures:
            continue
        wanted = seen.setdefault(exp.where, [])
        if (result, sig) not in wanted:
            wanted.append((result, sig))
    lines = path.read_text().splitlines()
    out, pending = [], []
    for number, raw in enumerate(lines, 1):
        if pending and not (raw[:1].isspace() and raw.strip()):
            out += [f"    {result}: {sig}" for result, sig in pending]
            pending = []
        out.append(raw)
        pending += seen.get(f"{path.name}:{number}", [])
    out += [f"    {result}: {sig}" for result, sig in pending]
    return "\n".join(out) + "\n", uncovered


def stopped_checks(verdict):
    """The crossing checks that known failures keep from running to their
    end, by cause: a new bug behind a known one shows nowhere else."""
    causes = {}
    for name, result, sig, exp in verdict.stopped:
        check, _, crossing = name.removeprefix("igt@").rpartition("@")
        if "-to-" in crossing:
            cause = causes.setdefault(f"{result} {sig or exp.reason}", {})
            cause.setdefault(crossing, []).append(check)
    if not causes:
        return []
    total = sum(len(c) for cause in causes.values() for c in cause.values())
    lines = [f"   known failures stop {total} crossing checks before their end:"]
    for cause, crossings in sorted(causes.items(), key=lambda kv: -sum(map(len, kv[1].values()))):
        checks = sorted({c for found in crossings.values() for c in found})
        lines += [f"     {sum(map(len, crossings.values()))} by {cause}",
                  "       in " + ", ".join(f"{x} ({len(c)})" for x, c in sorted(crossings.items())),
                  "       of " + ", ".join(checks)]
    return lines


def pin_run(run_dir, write=False):
    """`./xprime expect`: for each configuration of the run in @run_dir, the
    signature lines its expectations file lacks (a diff on stdout) and the
    results no expectation covers; @write: the lines added to the files."""
    configs = results.config_dirs(run_dir)
    if not configs:
        raise UsageError(f"{run_dir}: no configuration's results.json in it")
    for config in configs:
        path = path_for(config.name)
        name = str(path.relative_to(REPO))
        if not path.exists():
            say(f"{config.name}: no {name}, nothing to pin")
            continue
        text, uncovered = pin(path, results.results_in(config))
        sys.stdout.writelines(difflib.unified_diff(
            path.read_text().splitlines(keepends=True), text.splitlines(keepends=True),
            name, name))
        for test, result, sig in uncovered:
            print(f"{config.name}: not expected, add it with its reason: {test} {result}"
                  + (f"\n    {result}: {sig}" if sig else ""))
        if write and text != path.read_text():
            path.write_text(text)
            say(f"{config.name}: {name} written")

