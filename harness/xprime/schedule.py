"""Guests side by side (--jobs N): each configuration's tests split into
parts of about equal cost, every part a guest of its own, the costliest
parts started first, so that no guest is left running alone at the end;
the parts of a configuration joined again when they are done.

A test's cost is the guest time it took in its configuration's last run,
kept in the cache (crashes and the restores after them included: they are
most of it); a test never run whole costs the median of the known ones.
"""

import itertools
import json
import os
import re
import statistics
from concurrent.futures import ThreadPoolExecutor

from . import guest
from .cache import cache_dir, private_sibling, say
from .errors import SetupError, internal_error
from .filters import test_list
from .session import Part, config_identity, config_name, join_parts

# igt_runner's line for each job it starts: "[7.036551] [10/91] prime_cross (import)".
JOB_LINE = re.compile(r"^\[\s*(\d+\.\d+)\] \[\d+/\d+\] (\S+)", re.M)
TIMESTAMP = re.compile(r"^\[\s*(\d+\.\d+)\]", re.M)


def test_of(line):
    """igt@test of a test-list line igt@test[@subtest[@dynamic]]."""
    return "@".join(line.split("@")[:2])


def boot_costs(console_text, seconds):
    """{igt@test: seconds} of one boot of @seconds (the harness's clock):
    each job from igt_runner's line for it to the next job's line (the last
    to the console's last timestamp); the boot's start up to its first job
    goes to that job's test."""
    jobs = [(float(m.group(1)), "igt@" + m.group(2)) for m in JOB_LINE.finditer(console_text)]
    if not jobs:
        return {}
    stamps = [float(s) for s in TIMESTAMP.findall(console_text)]
    end = max(stamps + [jobs[-1][0]])
    costs = {}
    for (start, test), (after, _) in zip(jobs, jobs[1:] + [(end, None)]):
        costs[test] = costs.get(test, 0.0) + after - start
    first = jobs[0][1]
    costs[first] += max(0.0, seconds - (end - jobs[0][0]))
    return costs


def costs_of(boots):
    """{igt@test: seconds} over @boots (guest.BootResult)."""
    costs = {}
    for boot in boots:
        text = guest.read_console(boot.console)
        for test, seconds in boot_costs(text, boot.seconds).items():
            costs[test] = costs.get(test, 0.0) + seconds
    return costs


def _path(config_name):
    return cache_dir() / "test-costs" / f"{config_name}.json"


def known_costs(config_name):
    try:
        return json.loads(_path(config_name).read_text())
    except (OSError, ValueError):
        return {}


def remember(config_name, boots, lines):
    """Keep the costs of the tests that @boots ran whole: those that @lines
    (the test list) names as igt@test."""
    whole = set(lines)
    measured = {t: round(s, 1) for t, s in costs_of(boots).items() if t in whole}
    if not measured:
        return
    costs = known_costs(config_name)
    costs.update(measured)
    path = _path(config_name)
    path.parent.mkdir(exist_ok=True)
    tmp = private_sibling(path)
    tmp.write_text(json.dumps(costs, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def split(lines, costs, parts):
    """@lines (test-list lines) dealt into at most @parts parts of about
    equal cost, costliest line first to the cheapest part so far. Returns
    [(cost, lines)], each part's lines in the order of @lines, the costliest
    part first. A line of a test named by several lines costs its share."""
    per_test = {}
    for line in lines:
        per_test[test_of(line)] = per_test.get(test_of(line), 0) + 1
    default = statistics.median(costs.values()) if costs else 1.0

    def cost(line):
        return costs.get(test_of(line), default) / per_test[test_of(line)]

    dealt = [[0.0, set()] for _ in range(min(parts, len(lines)))]
    for line in sorted(lines, key=cost, reverse=True):
        cheapest = min(dealt, key=lambda part: part[0])
        cheapest[0] += cost(line)
        cheapest[1].add(line)
    return sorted(((total, [l for l in lines if l in mine]) for total, mine in dealt if mine),
                  key=lambda part: -part[0])


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


def split_work(work, jobs, tests):
    """@work's (configuration, place) runs in parts for @jobs guests side by
    side (split()), the costliest first: [(run, part lines, part index or
    None)]. A run whose tests make one part stays whole."""
    parts = []
    for order, run in enumerate(work):
        kern, machine, _, filters = run
        lines = test_list(filters, tests)
        costs = known_costs(config_identity(kern, machine))
        dealt = split(lines, costs, jobs)
        if len(dealt) == 1:
            parts.append((dealt[0][0], order, run, None, None))
            continue
        for index, (cost, mine) in enumerate(dealt, 1):
            parts.append((cost, order, run, mine, index))
    parts.sort(key=lambda p: (-p[0], p[1]))
    return [(run, mine, index) for _, _, run, mine, index in parts]


def run_work(work, jobs, run_one, tests):
    """Run @work, @jobs guests at a time, by run_one(kern, machine, where,
    filters, part); @tests, the tests a run without filters runs. Returns,
    for each run of @work, (its Outcome or None, the SetupErrors of its
    parts, an unexpected exception's among them); a run split in parts
    (split_work) is joined again (session.join_parts)."""
    pieces = (split_work(work, jobs, tests) if jobs > 1
              else [(run, None, None) for run in work])
    numbers = {id(run): itertools.count(1) for run in work}

    def run_piece(piece):
        (kern, machine, where, filters), lines, index = piece
        part = Part(index, numbers[id(piece[0])]) if index else None
        try:
            return run_one(kern, machine, where, lines if part else filters, part)
        except Exception as err:     # noqa: BLE001: a harness bug loses no other's results
            name = config_name(kern, machine)
            err = SetupError(internal_error(err, where / "logs" / name))
            say(f"error: {name}: {err}")
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
                   else join_parts(good))
        joined.append((outcome, errors))
    return joined
