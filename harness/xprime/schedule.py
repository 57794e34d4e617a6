"""Guests side by side (--jobs N): each configuration's tests split into
parts of about equal cost, every part a guest of its own, the costliest
parts started first, so that no guest is left running alone at the end.

A test's cost is the guest time it took in its configuration's last run,
kept in the cache (crashes and the restores after them included: they are
most of it); a test never run whole costs the median of the known ones.
"""

import json
import os
import re
import statistics

from .setup import cache_dir, private_sibling

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
        text = boot.console.read_text(errors="replace") if boot.console.exists() else ""
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
