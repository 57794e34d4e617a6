"""`./xprime bisect`: the exit code git bisect run reads from the results."""

import argparse
import contextlib
import io
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from xprime import cli

TESTS = {"prime_cross": "/x/prime_cross", "vgem_basic": "/y/vgem_basic"}


def bisect(filters, results):
    """cmd_bisect's exit code when the guest reports @results {name: result};
    everything that would build or boot is stubbed."""
    tests = {name: {"result": result} for name, result in results.items()}
    with tempfile.TemporaryDirectory() as tree, \
            mock.patch.object(cli, "Environment"), \
            mock.patch("xprime.kbuild.tree_kernel"), \
            mock.patch.object(cli, "new_run_dir"), \
            mock.patch.object(cli.session, "all_tests", return_value=TESTS), \
            mock.patch.object(cli.report, "load_results", return_value=tests), \
            mock.patch.object(cli.report, "summary", return_value=""), \
            contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        (Path(tree) / "Makefile").write_text("")
        return cli.cmd_bisect(argparse.Namespace(kernel_tree=tree, debug=False,
                                                 tests=filters))


CROSSING = "prime_cross@importer-read@vgem-to-vmwgfx"
LEAF = "igt@" + CROSSING


class TestBisectExit(unittest.TestCase):
    def test_pass_is_good(self):
        self.assertEqual(bisect([CROSSING], {"igt@prime_cross@importer-read": "pass",
                                             LEAF: "pass"}), cli.EXIT_PASS)

    def test_fail_and_crash_are_bad(self):
        for result in ("fail", "crash", "dmesg-warn"):
            self.assertEqual(bisect([CROSSING], {LEAF: result}), cli.EXIT_FAIL, result)

    def test_misspelt_dynamic_subtest_is_not_good(self):
        # igt_runner reports the parent subtest as skipped: nothing was tested.
        self.assertEqual(bisect([CROSSING + "x"], {"igt@prime_cross@importer-read": "skip"}),
                         cli.EXIT_BISECT_SKIP)

    def test_no_result_is_not_good(self):
        self.assertEqual(bisect([CROSSING], {}), cli.EXIT_BISECT_SKIP)

    def test_every_name_must_run_something(self):
        results = {LEAF: "pass", "igt@vgem_basic@create": "skip"}
        self.assertEqual(bisect([CROSSING, "vgem_basic"], results), cli.EXIT_BISECT_SKIP)
        results["igt@vgem_basic@mmap"] = "pass"
        self.assertEqual(bisect([CROSSING, "vgem_basic"], results), cli.EXIT_PASS)

    def test_a_failure_outweighs_a_name_that_ran_nothing(self):
        self.assertEqual(bisect([CROSSING, "vgem_basic"], {LEAF: "fail"}), cli.EXIT_FAIL)

    def test_names_match_whatever_the_case(self):
        # results.json lowercases names; a filter may not.
        self.assertEqual(bisect(["prime_cross@importer-read@VGEM-to-vmwgfx"],
                                {LEAF: "pass"}), cli.EXIT_PASS)

    def test_bad_usage_stops_git_bisect(self):
        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(cli.main(["bisect", "--kernel-tree", "/nonexistent",
                                       "no such filter"]), cli.EXIT_BISECT_ABORT)


if __name__ == "__main__":
    unittest.main()
