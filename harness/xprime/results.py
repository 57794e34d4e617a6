"""Results on disk: run directories, and each configuration's results.json.

igt_runner's igt_results writes results.json; the harness changes it in
three ways, all here and all through edit(): it *joins* the results of
disjoint tests (a configuration's parts run side by side, the shards of a
run), *takes* a follow-up run's results for what a crash left missing, and
*finishes* a configuration's file with what igt_runner could not know
(crashes, results from the kernel log, host-load noise, failure signatures,
totals).
"""

import contextlib
import json
import os
import re
import time

from . import guestfiles, signature
from .cache import REPO, private_sibling
from .errors import UsageError

# The run directories this process made: an internal error's traceback
# goes to the newest.
RUN_DIRS = []


def new_run_dir(label=None):
    """A new results/<date-time>[-label] directory, results/latest pointing at it."""
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


# What a shard without work leaves in its run directory instead of
# results: joining the shards knows it had nothing to give.
EMPTY_SHARD = "empty-shard.txt"


def repeat_dirs(run_dir):
    """Where a run's results are: its repeat-K directories (--repeat N), in
    order, or the run directory itself."""
    repeats = [p for p in run_dir.glob("repeat-*") if p.name[7:].isdigit()]
    return sorted(repeats, key=lambda p: int(p.name[7:])) or [run_dir]


def config_dirs(run_dir):
    """Each configuration's results directory in a run's @run_dir."""
    return sorted(p.parent for p in run_dir.glob("*/results.json") if p.parent.name != "logs")


def results_in(directory):
    """The tests of one configuration's results @directory that have a
    result (igt_runner also files a binary's stray dmesg under
    igt@<binary>, with none)."""
    path = directory / "results.json"
    if not os.path.lexists(path):
        return {}
    return {name: entry for name, entry in guestfiles.load_json(path)["tests"].items()
            if "result" in entry}


def leaves(tests):
    """Results that are not the sum of others listed beside them: subtests
    with dynamic subtests, and a test's own entry (igt_runner's record of a
    job that a crash cut short) once its subtests have results."""
    parents = set()
    for name in tests:
        parts = name.split("@")
        parents.update("@".join(parts[:i]) for i in range(2, len(parts)))
    return {n: e for n, e in tests.items() if n not in parents}


@contextlib.contextmanager
def edit(directory):
    """results.json of @directory as a dict, written back when the block
    ends (not when it raises) if it changed; None when igt_results wrote
    none. Read and replaced through guestfiles: never through a symlink."""
    path = directory / "results.json"
    if not os.path.lexists(path):
        yield None
        return
    text = guestfiles.read_text(path, errors="strict")
    try:
        data = json.loads(text)
    except ValueError as err:
        raise guestfiles.GuestFileError(f"{path}: not JSON: {err}") from None
    yield data
    changed = json.dumps(data, indent=2)
    if changed != text:
        guestfiles.write_text(path, changed)


def leaf_names(tests):
    """The names of leaves() among @tests, entries without a result left out."""
    return set(leaves({n: e for n, e in tests.items() if "result" in e}))


# A subtest split over shards is recorded in each: the worst result stands.
SEVERITY = ["notrun", "pass", "skip", "warn", "dmesg-warn", "fail", "dmesg-fail",
            "timeout", "incomplete", "abort", "crash"]


def join_shards(sources):
    """{configuration: {"tests": results.json's tests of all @sources,
    "from": [directories]}}. A result in two of them is a usage error; a
    subtest whose dynamic subtests are in several (each records it) keeps
    its worst result. A shard that had no work gives nothing."""
    joined = {}
    for source in sources:
        found = config_dirs(source)
        if not found and (source / EMPTY_SHARD).exists():
            continue
        if not found:
            raise UsageError(f"{source}: no configuration's results.json in it")
        for results in found:
            data = guestfiles.load_json(results / "results.json")["tests"]
            into = joined.setdefault(results.name, {"tests": {}, "from": []})
            mine = into["tests"]
            both = sorted(leaf_names(mine) & leaf_names(data))
            if both:
                raise UsageError(f"{results}: {both[0]} is in another of the "
                                 "directories too: not disjoint shards")
            for name, entry in data.items():
                old = mine.get(name)
                if old is None or "result" not in old or (
                        "result" in entry and SEVERITY.index(entry["result"])
                        > SEVERITY.index(old["result"])):
                    mine[name] = entry
            into["from"].append(str(results))
    return joined


def write_joined(directory, tests, sources):
    """A configuration's results.json in @directory of joined @tests."""
    directory.mkdir(parents=True, exist_ok=True)
    write_join({"tests": tests}, sources, directory)


def write_join(data, sources, directory):
    """@data, joined from @sources, as @directory's results.json."""
    data["merged_from"] = [str(s) for s in sources]
    drop_placeholders(data["tests"])
    recount_totals(data)
    guestfiles.write_text(directory / "results.json", json.dumps(data, indent=2))


def join_parts(directories, into):
    """The results.json of a configuration's parts (@directories, which ran
    disjoint tests) joined into @into's."""
    found = [guestfiles.load_json(path) for path in
             (d / "results.json" for d in directories) if os.path.lexists(path)]
    if not found:
        return
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
    write_join(data, directories, into)


RESULT_NAME = re.compile(r"^igt@[\w/-]+(@[\w-]+){0,2}$")


def take_followup(main, followup, name, only_dynamic=False):
    """Take the follow-up's results for @name (and its dynamic subtests)
    into the main results, where those are missing or incomplete."""
    extra_json = followup / "results.json"
    if not os.path.lexists(extra_json):
        return
    extra = guestfiles.load_json(extra_json)["tests"]
    key = name.lower()
    with edit(main) as data:
        for test, entry in extra.items() if data else ():
            if not RESULT_NAME.match(test):
                # igt_results' record of the test-list line itself ("...@*,!a"),
                # left when a crash came before the subtest's own output.
                continue
            mine = data["tests"].get(test)
            ours = test.startswith(key + "@") or (test == key and not only_dynamic)
            if ours and (mine is None or mine.get("result") in (None, "incomplete")):
                entry["out"] = (f"xprime: from the follow-up run {followup.name}\n"
                                + entry.get("out", ""))
                data["tests"][test] = entry


def recorded_dynamics(results, subtest):
    """Lowercased names of @subtest's dynamic subtests with a final result."""
    prefix = subtest.lower() + "@"
    return {name[len(prefix):] for name, entry in results_in(results).items()
            if name.startswith(prefix) and entry["result"] not in ("incomplete", "notrun")}


# libigt's words for a dynamic subtest's end, as igt_runner would record them.
IGT_RESULTS = {"SUCCESS": "pass", "FAIL": "fail", "SKIP": "skip"}


def record_finished(directory, crashes):
    """Record the dynamic subtests that libigt logged as finished just before
    each of @crashes but whose record igt_runner had not written yet (the
    next dynamic subtest oopsed within a fraction of a second). Running them
    again in a follow-up would change what the kernel holds when the
    subtests after them run, so their result comes from the kernel log."""
    with edit(directory) as data:
        for crash in crashes if data else ():
            subtest = crash.name.rsplit("@", 1)[0].lower()
            for dynamic, word in crash.culprit.finished.items():
                key = f"{subtest}@{dynamic.lower()}"
                if word in IGT_RESULTS and data["tests"].get(key, {}).get(
                        "result") in (None, "incomplete", "notrun"):
                    data["tests"][key] = finished_entry(crash, dynamic, word)


def finished_entry(crash, dynamic, word):
    """The record of @dynamic, which libigt said ended with @word before @crash."""
    entry = {"result": IGT_RESULTS[word], "err": failed_assertion(crash.job, dynamic),
             "dmesg": "",
             "out": (f"xprime: result from the kernel log (\"finished dynamic subtest "
                     f"{dynamic}, {word}\"): igt_runner had not recorded it when "
                     f"{crash.name} took the kernel down (boot {crash.boot}, "
                     f"console-boot{crash.boot}.log)\n")}
    if dynamic in crash.culprit.durations:
        # As igt_runner records a dynamic subtest's time.
        entry["time"] = {"__type__": "TimeAttribute", "start": 0.0,
                         "end": crash.culprit.durations[dynamic]}
    return entry


def failed_assertion(job, dynamic):
    """libigt's report of @dynamic's failure, from what igt_runner's job
    had received of the test's output (its comms file) before the crash."""
    path = job / "comms" if job else None
    if not path or not guestfiles.is_file(path):
        return ""
    texts = [t.decode() for t in re.findall(rb"[ -~\t\n]{4,}",
                                            guestfiles.read_bytes(path, truncate=True))]
    ends = [i for i, t in enumerate(texts) if t.strip() == f"Dynamic subtest {dynamic} failed."]
    if not ends:
        return ""
    starts = [i for i in range(ends[-1]) if texts[i].strip() == dynamic]
    part = texts[starts[-1] if starts else 0:ends[-1]]
    return "".join(t if t.endswith("\n") else t + "\n" for t in part if "CRITICAL:" in t)


def finish(directory, crashes):
    """What igt_runner could not know, written into results.json in one pass:
    the @crashes (record_crashes), placeholders that real results replace
    (drop_placeholders), host-load noise (forgive_host_noise), each
    failure's signature and the totals."""
    with edit(directory) as data:
        if data is None:
            return
        record_crashes(data["tests"], crashes)
        drop_placeholders(data["tests"])
        forgive_host_noise(data["tests"])
        for entry in data["tests"].values():
            if entry.get("result") not in (None, "pass", "skip", "notrun"):
                entry["signature"] = signature.of_result(entry, HOST_NOISE)
        recount_totals(data)


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


def drop_placeholders(tests):
    """Drop igt_runner's whole-test 'incomplete' (igt@TEST, "This test didn't
    produce any output. The machine probably rebooted ungracefully.", filed
    when a crash ended a job before the test said anything it could parse)
    once the test's subtests have results of their own: left beside them,
    every reader of results.json would see the test incomplete twice."""
    for name in [n for n, e in tests.items()
                 if n.count("@") == 1 and e.get("result") == "incomplete"]:
        if any(n.startswith(name + "@") and "result" in e for n, e in tests.items()):
            del tests[name]


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
    """results.json's totals, as igt_results counts them, after a change."""
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
