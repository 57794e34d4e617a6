"""The expectations in the conventions of the kernel's own CI (drm-ci,
drivers/gpu/drm/ci/xfails/): <name>-fails.txt with "test,Result" lines,
<name>-flakes.txt with the tests whose result varies, <name>-skips.txt with
tests not to run; test names without "igt@", comments with "#".

drm-ci lists exact names; an expectation here is a glob, so an export names
the results of a run that each expectation matched, with the expectation's
reason (and signatures) as comments above them. An import turns such files
back into expectation lines, the comments into reasons.
"""

import json
import re
from pathlib import Path

from . import expect, guestfiles
from .cache import say
from .errors import UsageError
from .results import config_dirs, leaves, repeat_dirs, results_in

# igt_runner's results as drm-ci (deqp-runner) names them, and back.
TO_DRMCI = {"fail": "Fail", "dmesg-fail": "Fail", "crash": "Crash", "incomplete": "Crash",
            "abort": "Crash", "timeout": "Timeout", "dmesg-warn": "Warn", "warn": "Warn",
            "skip": "Skip", "pass": "Pass"}
# drm-ci has one Fail for igt_runner's fail and dmesg-fail, one Crash, one Warn.
FROM_DRMCI = {"Fail": "fail|dmesg-fail", "Crash": "crash|incomplete|abort",
              "Timeout": "timeout", "Warn": "dmesg-warn|warn", "Skip": "skip", "Pass": "pass"}


# drm-ci's header of each flake (Documentation/gpu/automated_testing.rst).
FLAKE_FIELDS = ("Bug Report", "Failure Rate", "IGT Version", "Linux Version")
# Comment lines an export writes that are no part of a reason.
NOT_REASON = ("(", "signature,", "Seen:") + tuple(f"{field}:" for field in FLAKE_FIELDS)


def igt_version(runs):
    """IGT's version, from libigt's first line (igt_runner keeps it as a
    test's "igt-version")."""
    for tests in runs:
        for entry in tests.values():
            m = re.search(r"IGT-Version: (\S+)", entry.get("igt-version", ""))
            if m:
                return m.group(1)
    return "unknown"


def export(runs, expectations, header, linux="unknown"):
    """{suffix: text} of the fails, flakes and skips files for the results
    (results.json entries) of each repeat in @runs, compared with
    @expectations; @linux is the kernel's release. A flake's Failure Rate is
    the share of repeats in which it did not pass; one run measures no rate,
    and the file says so."""
    fails, flakes, seen = {}, {}, {}
    for tests in runs:
        for name, entry in leaves(tests).items():
            seen.setdefault(name, []).append(entry["result"])
    igt = igt_version(runs)
    for name, results in sorted(seen.items()):
        exp = expect.match(name, expectations)
        allowed = exp.result.split("|") if exp else []
        if not exp or not any(r in allowed for r in results):
            continue
        short = name.removeprefix("igt@")
        if len(allowed) > 1:
            flakes.setdefault(exp.where, (exp, []))[1].append((short, results))
        elif results[0] not in expect.FINE:
            fails.setdefault(exp.where, (exp, []))[1].append(
                f"{short},{TO_DRMCI[results[0]]}")

    def section(exp, lines):
        out = [f"# {exp.reason}", f"# ({exp.where}: {exp.pattern} {exp.result})"]
        out += [f"# signature, {r}: {s}" for r, sigs in exp.signatures.items() for s in sigs]
        return out + lines + [""]

    def flake(exp, name, results):
        failed = sum(r != "pass" for r in results)
        rate = round(100 * failed / len(results))
        counts = ", ".join(f"{r} {results.count(r)}/{len(results)}"
                           for r in sorted(set(results), key=results.index))
        values = {"Bug Report": f"none filed; {exp.where}",
                  "Failure Rate": f"{rate}" if len(results) > 1 else
                  f"{rate} (one run: ./xprime run --repeat N measures it)",
                  "IGT Version": igt, "Linux Version": linux}
        # drm-ci's flakes are regular expressions; these are exact names.
        return ([f"# {field}: {values[field]}" for field in FLAKE_FIELDS]
                + [f"# Seen: {counts}", re.escape(name)])

    head = [f"# {line}" for line in header] + [""]
    text = {"fails": head, "flakes": head[:], "skips": head[:]}
    for exp, lines in fails.values():
        text["fails"] += section(exp, lines)
    for exp, names in flakes.values():
        text["flakes"] += section(exp, [line for name, results in names
                                        for line in flake(exp, name, results)])
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
                if not words.startswith(NOT_REASON):
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


def import_lists(where, name):
    """`./xprime drm-ci import`: the expectation lines of drm-ci's
    @name-fails.txt and @name-flakes.txt in @where."""
    if not name:
        raise UsageError("drm-ci import needs --name DRIVER-GPU (the lists' name)")
    files = {kind: Path(where) / f"{name}-{kind}.txt" for kind in ("fails", "flakes")}
    if not any(f.exists() for f in files.values()):
        raise UsageError(f"no {files['fails']} nor {files['flakes']}")
    try:
        return import_lines(*(f.read_text() if f.exists() else "" for f in files.values()))
    except ValueError as err:
        raise UsageError(str(err)) from None


def export_run(run_dir, name, out):
    """`./xprime drm-ci export`: each configuration of the run in @run_dir
    as drm-ci's lists in @out (default: the run's drm-ci/), named @name
    (default: xprime-<configuration>)."""
    configs = config_dirs(repeat_dirs(run_dir)[0])
    if not configs:
        raise UsageError(f"{run_dir}: no configuration's results.json in it")
    if name and len(configs) > 1:
        raise UsageError(f"--name {name}: {run_dir} has {len(configs)} "
                         "configurations; give a run of one")
    out = Path(out) if out else run_dir / "drm-ci"
    out.mkdir(parents=True, exist_ok=True)
    for config in configs:
        lists = name or f"xprime-{config.name}"
        # Every repeat of `--repeat N` (repeat-K/CONFIG), or the one run.
        places = [p / config.name for p in repeat_dirs(run_dir)]
        runs = [results_in(p) for p in places if (p / "results.json").exists()]
        uname = guestfiles.load_json(config / "results.json").get("uname", "").split()
        header = [f"Expected results of xprime's {config.name} configuration "
                  f"(expectations/{config.name}.txt),",
                  f"as {len(runs)} run{'s' if len(runs) > 1 else ''} showed them: "
                  + ", ".join(str(p.resolve()) for p in places)]
        files = export(runs, expect.load(expect.path_for(config.name)), header,
                       linux=uname[2] if len(uname) > 2 else "unknown")
        for kind, text in files.items():
            (out / f"{lists}-{kind}.txt").write_text(text)
        say(f"{config.name}: {out}/{lists}-{{fails,flakes,skips}}.txt")

