"""The expectations in the conventions of the kernel's own CI (drm-ci,
drivers/gpu/drm/ci/xfails/): <name>-fails.txt with "test,Result" lines,
<name>-flakes.txt with the tests whose result varies, <name>-skips.txt with
tests not to run; test names without "igt@", comments with "#".

drm-ci lists exact names; an expectation here is a glob, so an export names
the results of a run that each expectation matched, with the expectation's
reason (and signatures) as comments above them. An import turns such files
back into expectation lines, the comments into reasons.
"""

import re

from . import expect

# igt_runner's results as drm-ci (deqp-runner) names them, and back.
TO_DRMCI = {"fail": "Fail", "dmesg-fail": "Fail", "crash": "Crash", "incomplete": "Crash",
            "abort": "Crash", "timeout": "Timeout", "dmesg-warn": "Warn", "warn": "Warn",
            "skip": "Skip", "pass": "Pass"}
# drm-ci has one Fail for igt_runner's fail and dmesg-fail, one Crash, one Warn.
FROM_DRMCI = {"Fail": "fail|dmesg-fail", "Crash": "crash|incomplete|abort",
              "Timeout": "timeout", "Warn": "dmesg-warn|warn", "Skip": "skip", "Pass": "pass"}


def export(tests, expectations, header):
    """{suffix: text} of the fails, flakes and skips files for a run's
    @tests (results.json entries) compared with @expectations."""
    fails, flakes = {}, {}
    for name, entry in sorted(expect.leaves(tests).items()):
        exp = expect.match(name, expectations)
        if exp is None or entry["result"] not in exp.result.split("|"):
            continue
        short = name.removeprefix("igt@")
        if len(exp.result.split("|")) > 1:
            flakes.setdefault(exp.where, (exp, []))[1].append(short)
        elif entry["result"] not in expect.FINE:
            fails.setdefault(exp.where, (exp, []))[1].append(
                f"{short},{TO_DRMCI[entry['result']]}")

    def section(exp, lines):
        out = [f"# {exp.reason}", f"# ({exp.where}: {exp.pattern} {exp.result})"]
        out += [f"# signature, {r}: {s}" for r, sigs in exp.signatures.items() for s in sigs]
        return out + lines + [""]

    head = [f"# {line}" for line in header] + [""]
    text = {"fails": head, "flakes": head[:], "skips": head[:]}
    for exp, lines in fails.values():
        text["fails"] += section(exp, lines)
    for exp, names in flakes.values():
        # drm-ci's flakes are regular expressions; these are exact names.
        text["flakes"] += section(exp, [re.escape(n) for n in names])
    text["skips"] += ["# Nothing is skipped: every test runs, and a kernel that goes down",
                      "# in one costs a restore of the guest, not the run."]
    return {k: "\n".join(v).rstrip() + "\n" for k, v in text.items()}


def import_lines(fails="", flakes=""):
    """Expectation lines ("igt@NAME RESULT REASON") from drm-ci's fails and
    flakes files; the comment block above a line is its reason."""
    out = []
    for text, flaky in ((fails, False), (flakes, True)):
        reason = []
        for line in text.splitlines():
            line = line.strip()
            if not line:
                reason = []
                continue
            if line.startswith("#"):
                words = line.lstrip("#").strip()
                if not words.startswith(("(", "signature,")):
                    reason.append(words)
                continue
            why = "; ".join(reason) or "from drm-ci"
            if flaky:
                name = re.sub(r"\\(.)", r"\1", line)
                out.append(f"igt@{name} fail|pass {why}")
            else:
                name, _, result = line.rpartition(",")
                if result not in FROM_DRMCI:
                    raise ValueError(f"{line!r}: unknown drm-ci result {result!r}; one of "
                                     + ", ".join(sorted(FROM_DRMCI)))
                out.append(f"igt@{name} {FROM_DRMCI[result]} {why}")
    return out
