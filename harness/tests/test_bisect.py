"""`./xprime bisect`: the exit code git bisect run reads from the results."""

import contextlib
import io
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from xprime import bisect as xbisect, cli, errors
from xprime.errors import SetupError

TESTS = {"prime_cross": "/x/prime_cross", "vgem_basic": "/y/vgem_basic"}


def bisect(filters, results, environment=None, tree_kernel=None, run=None,
           no_boot_is_bad=False):
    """bisect.run's exit code when the guest reports @results {name: result};
    everything that would build or boot is stubbed (@environment,
    @tree_kernel and @run: side effects of set-up, kernel build and run)."""
    tests = {name: {"result": result} for name, result in results.items()}
    env = mock.Mock(side_effect=environment)
    env.return_value.run.side_effect = run
    with tempfile.TemporaryDirectory() as tree, \
            mock.patch.object(xbisect.suite, "Environment", env), \
            mock.patch("xprime.kbuild.tree_kernel", side_effect=tree_kernel), \
            mock.patch.object(xbisect.results, "new_run_dir"), \
            mock.patch.object(xbisect, "all_tests", return_value=TESTS), \
            mock.patch.object(xbisect.report, "load_results", return_value=tests), \
            mock.patch.object(xbisect.report, "summary", return_value=""), \
            contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        (Path(tree) / "Makefile").write_text("")
        return xbisect.run(tree, filters, no_boot_is_bad=no_boot_is_bad)


CROSSING = "prime_cross@importer-read@vgem-to-vmwgfx"
LEAF = "igt@" + CROSSING


class TestBisectExit(unittest.TestCase):
    def test_pass_is_good(self):
        self.assertEqual(bisect([CROSSING], {"igt@prime_cross@importer-read": "pass",
                                             LEAF: "pass"}), errors.EXIT_PASS)

    def test_fail_and_crash_are_bad(self):
        for result in ("fail", "crash", "dmesg-warn"):
            self.assertEqual(bisect([CROSSING], {LEAF: result}), errors.EXIT_FAIL, result)

    def test_misspelt_dynamic_subtest_is_bad_usage(self):
        # The project's tests document their dynamic subtests: refused at
        # once (main() turns it into 255, which stops git bisect).
        with self.assertRaises(errors.UsageError):
            bisect([CROSSING + "x"], {"igt@prime_cross@importer-read": "skip"})

    def test_unknown_dynamic_subtest_of_an_upstream_test_is_not_good(self):
        # igt_runner reports the parent subtest as skipped: nothing was tested.
        self.assertEqual(bisect(["vgem_basic@create@x"], {"igt@vgem_basic@create": "skip"}),
                         errors.EXIT_BISECT_SKIP)

    def test_no_result_is_not_good(self):
        self.assertEqual(bisect([CROSSING], {}), errors.EXIT_BISECT_SKIP)

    def test_every_name_must_run_something(self):
        results = {LEAF: "pass", "igt@vgem_basic@create": "skip"}
        self.assertEqual(bisect([CROSSING, "vgem_basic"], results), errors.EXIT_BISECT_SKIP)
        results["igt@vgem_basic@mmap"] = "pass"
        self.assertEqual(bisect([CROSSING, "vgem_basic"], results), errors.EXIT_PASS)

    def test_a_failure_outweighs_a_name_that_ran_nothing(self):
        self.assertEqual(bisect([CROSSING, "vgem_basic"], {LEAF: "fail"}), errors.EXIT_FAIL)

    def test_names_match_whatever_the_case(self):
        # results.json lowercases names; a filter may not.
        self.assertEqual(bisect(["prime_cross@importer-read@VGEM-to-vmwgfx"],
                                {LEAF: "pass"}), errors.EXIT_PASS)

    def test_a_tree_that_does_not_build_is_skipped(self):
        self.assertEqual(bisect([CROSSING], {}, tree_kernel=SetupError("make failed")),
                         errors.EXIT_BISECT_SKIP)

    def test_set_up_that_no_commit_changes_stops_git_bisect(self):
        # A broken sid root or QEMU build would fail every commit the same way.
        self.assertEqual(bisect([CROSSING], {}, environment=SetupError("mmdebstrap")),
                         errors.EXIT_BISECT_ABORT)

    def test_a_kernel_that_does_not_boot_is_skipped_unless_asked(self):
        no_boot = errors.BootError("boot 2 ended by watchdog before any test ran")
        self.assertEqual(bisect([CROSSING], {}, run=no_boot), errors.EXIT_BISECT_SKIP)
        self.assertEqual(bisect([CROSSING], {}, run=no_boot, no_boot_is_bad=True),
                         errors.EXIT_FAIL)

    def test_other_run_failures_are_skipped_even_when_no_boot_is_bad(self):
        broken = SetupError("boot 3 ended by poweroff without finishing the run")
        self.assertEqual(bisect([CROSSING], {}, run=broken, no_boot_is_bad=True),
                         errors.EXIT_BISECT_SKIP)

    def test_bad_usage_stops_git_bisect(self):
        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(cli.main(["bisect", "--kernel-tree", "/nonexistent",
                                       "no such filter"]), errors.EXIT_BISECT_ABORT)


if __name__ == "__main__":
    unittest.main()
