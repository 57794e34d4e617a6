"""`./xprime bisect`: one commit of a kernel tree judged for `git bisect run`.

0 when the named subtests pass, 1 when one fails or crashes, 125 (skip this
commit) when the tree does not build, the kernel does not boot, the run
failed for want of infrastructure or a name ran nothing but skips, and 255
(stop) when a set-up step that does not depend on the commit fails, as it
would for every commit.
"""

import sys
from pathlib import Path

from . import kbuild, report, results, suite
from .errors import (EXIT_BISECT_ABORT, EXIT_BISECT_SKIP, EXIT_FAIL, EXIT_PASS, BootError,
                     SetupError, UsageError)
from .filters import all_tests, check_names, resolve_filters


def run(tree, tests, debug=False, no_boot_is_bad=False):
    """Build @tree at its current commit, boot it, run @tests; the exit code."""
    lines = resolve_filters(tests, all_tests())
    check_names(lines)
    if not (Path(tree) / "Makefile").is_file():
        raise UsageError(f"--kernel-tree {tree}: not a kernel source tree")
    try:
        env = suite.Environment()
    except SetupError as err:
        print(f"xprime: bisect: stopping: a set-up step that does not depend on the "
              f"commit failed: {err}", file=sys.stderr)
        return EXIT_BISECT_ABORT
    try:
        kern = kbuild.tree_kernel(Path(tree).resolve(), debug)
        outcome = env.run(kern, results.new_run_dir("bisect"), tests)
    except BootError as err:
        if no_boot_is_bad:
            print(f"xprime: bisect: bad: the kernel does not boot: {err}", file=sys.stderr)
            return EXIT_FAIL
        print(f"xprime: bisect: cannot test this commit: {err}", file=sys.stderr)
        return EXIT_BISECT_SKIP
    except SetupError as err:
        print(f"xprime: bisect: cannot test this commit: {err}", file=sys.stderr)
        return EXIT_BISECT_SKIP
    print(report.summary(outcome))
    return judge(lines, results.leaves(report.load_results(outcome)))


def judge(lines, tests):
    """The exit code of a commit whose run of test-list @lines gave @tests."""
    bad = {n: e["result"] for n, e in tests.items() if e["result"] not in ("pass", "skip")}
    for name, result in sorted(bad.items()):
        print(f"xprime: bisect: {name}: {result}")
    # A name that ran nothing (misspelt, or its driver did not bind) leaves
    # only a skip; calling that good would steer git bisect the wrong way.
    untested = [line for line in lines
                if not any(e["result"] != "skip" for n, e in tests.items()
                           if n.lower() == line.lower()
                           or n.lower().startswith(line.lower() + "@"))]
    if untested and not bad:
        print(f"xprime: bisect: cannot test this commit: nothing ran for "
              f"{', '.join(untested)} (every result skip, or none)", file=sys.stderr)
        return EXIT_BISECT_SKIP
    print(f"xprime: bisect: {'bad' if bad else 'good'} ({len(tests) - len(bad)} of "
          f"{len(tests)} results pass or skip)")
    return EXIT_FAIL if bad else EXIT_PASS
