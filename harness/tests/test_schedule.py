"""Guests side by side: what a test cost, and parts of about equal cost."""

import json
import os
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace

from xprime import filters, schedule

CONSOLE = """\
[    5.868591] xprime-guest: go
[    6.533146] xprime-guest: starting igt_runner (resume)
[7.036551] [10/91] prime_cross (dmabuf-read)
[    7.295329] [IGT] prime_cross: executing
[8.000000] [11/91] vmwgfx/vmw_prime (buffer-surface-export)
[    8.400000] [IGT] vmw_prime: executing
[    9.036551] Kernel panic - not syncing: Fatal exception
"""


class TestCosts(unittest.TestCase):
    def test_jobs_between_their_lines_start_to_the_first(self):
        # Boot of 4.0 s; the console's jobs span 7.04 .. 9.04 (2.0 s).
        costs = schedule.boot_costs(CONSOLE, 4.0)
        self.assertAlmostEqual(costs["igt@prime_cross"], 0.963449 + 2.0, places=5)
        self.assertAlmostEqual(costs["igt@vmwgfx/vmw_prime"], 1.036551, places=5)

    def test_a_boot_without_jobs_costs_no_test(self):
        self.assertEqual(schedule.boot_costs("[    1.0] xprime-guest: go\n", 3.0), {})

    def test_remember_keeps_whole_tests_only(self):
        with tempfile.TemporaryDirectory() as tmp:
            console = Path(tmp) / "console-boot1.log"
            console.write_text(CONSOLE)
            boots = [SimpleNamespace(console=console, seconds=4.0)]
            old = os.environ.get("XPRIME_CACHE")
            os.environ["XPRIME_CACHE"] = tmp
            try:
                schedule.remember("debian-6.12", boots, ["igt@prime_cross@import",
                                                         "igt@vmwgfx/vmw_prime"])
                self.assertEqual(schedule.known_costs("debian-6.12"),
                                 {"igt@vmwgfx/vmw_prime": 1.0})
                schedule.remember("debian-6.12", boots, ["igt@prime_cross",
                                                         "igt@vmwgfx/vmw_prime"])
                self.assertEqual(json.loads((Path(tmp) / "test-costs" / "debian-6.12.json")
                                            .read_text()),
                                 {"igt@prime_cross": 3.0, "igt@vmwgfx/vmw_prime": 1.0})
            finally:
                if old is None:
                    del os.environ["XPRIME_CACHE"]
                else:
                    os.environ["XPRIME_CACHE"] = old


class TestSplit(unittest.TestCase):
    LINES = ["igt@a", "igt@b", "igt@c", "igt@d", "igt@e"]

    def test_parts_of_about_equal_cost_in_the_lines_order(self):
        costs = {"igt@a": 60, "igt@b": 30, "igt@c": 25, "igt@d": 20, "igt@e": 10}
        parts = schedule.split(self.LINES, costs, 2)
        self.assertEqual(parts, [(75, ["igt@b", "igt@c", "igt@d"]), (70, ["igt@a", "igt@e"])])

    def test_unknown_tests_cost_the_median(self):
        parts = schedule.split(self.LINES, {"igt@a": 9, "igt@b": 1, "igt@c": 5}, 2)
        self.assertEqual(sorted(total for total, _ in parts), [11, 14])  # 9+5 | 5+5+1
        self.assertEqual(sorted(l for _, lines in parts for l in lines), self.LINES)

    def test_no_more_parts_than_lines(self):
        self.assertEqual(schedule.split(["igt@a@x"], {}, 4), [(1.0, ["igt@a@x"])])

    def test_lines_of_one_test_share_its_cost(self):
        parts = schedule.split(["igt@a@x", "igt@a@y", "igt@b"], {"igt@a": 10, "igt@b": 10}, 2)
        self.assertEqual(parts, [(10, ["igt@b"]), (10, ["igt@a@x", "igt@a@y"])])


if __name__ == "__main__":
    unittest.main()


class TestRunWork(unittest.TestCase):
    """schedule.run_work: parts run side by side and joined again."""

    def test_parts_joined_and_a_failed_part_reported(self):
        from xprime import session
        from xprime.cache import SetupError
        with tempfile.TemporaryDirectory() as tmp:
            run_dir = Path(tmp)
            ran = []

            def run_one(kern, machine, where, filters, part):
                ran.append((kern.name, part and part.index, list(filters)))
                config = SimpleNamespace(name=kern.name)
                if kern.name == "broken" and part and part.index == 2:
                    return SetupError("no QEMU")
                results = where / kern.name / (f"part-{part.index}" if part else "")
                results.mkdir(parents=True, exist_ok=True)
                number = next(part.boot_numbers) if part else 1
                (results / "results.json").write_text(json.dumps(
                    {"tests": {f"{filters[0]}@x": {"result": "pass"}}}))
                outcome = session.Outcome(config, results, where / "logs" / kern.name)
                outcome.boots = [SimpleNamespace(console=Path(f"console-boot{number}.log"))]
                return outcome
            plain = SimpleNamespace(virgl=False, blob=False, suffix="")
            work = [(SimpleNamespace(name="one", identity="one"), plain, run_dir,
                     ["prime_cross", "vgem_basic"]),
                    (SimpleNamespace(name="broken", identity="broken"), plain, run_dir,
                     ["prime_sync", "vgem_basic"])]
            joined = schedule.run_work(work, 2, run_one, filters.all_tests())
            self.assertEqual(len(ran), 4)
            self.assertTrue(all(index in (1, 2) for _, index, _ in ran))
            one, errors = joined[0]
            self.assertEqual(errors, [])
            self.assertEqual(one.results, run_dir / "one")
            self.assertEqual(sorted(json.loads((run_dir / "one" / "results.json").read_text())
                                    ["tests"]), ["igt@prime_cross@x", "igt@vgem_basic@x"])
            self.assertEqual([b.console.name for b in one.boots],
                             ["console-boot1.log", "console-boot2.log"])
            broken, errors = joined[1]
            self.assertEqual([str(e) for e in errors], ["no QEMU"])
            self.assertEqual(broken.results, run_dir / "broken")

    def test_a_harness_exception_in_a_part_is_an_infrastructure_error(self):
        from xprime import session
        with tempfile.TemporaryDirectory() as tmp:
            run_dir = Path(tmp)

            def run_one(kern, machine, where, filters, part):
                if part.index == 2:
                    raise FileNotFoundError("saved-states/x.state")
                results = where / kern.name / f"part-{part.index}"
                results.mkdir(parents=True)
                (results / "results.json").write_text(json.dumps(
                    {"tests": {f"{filters[0]}@x": {"result": "pass"}}}))
                outcome = session.Outcome(SimpleNamespace(name=kern.name), results,
                                          where / "logs" / kern.name)
                outcome.boots = [SimpleNamespace(console=Path("console-boot1.log"))]
                return outcome
            work = [(SimpleNamespace(name="k", identity="k"),
                     SimpleNamespace(virgl=False, blob=False, suffix=""), run_dir,
                     ["prime_cross", "vgem_basic"])]
            [(outcome, errors)] = schedule.run_work(work, 2, run_one, filters.all_tests())
            self.assertEqual(len(json.loads((run_dir / "k" / "results.json").read_text())
                                 ["tests"]), 1)     # the other part's result kept
            [error] = errors
            self.assertIn("internal error: FileNotFoundError: saved-states/x.state", str(error))
            [log] = (run_dir / "logs" / "k").glob("harness-error-*.log")
            self.assertIn("Traceback", log.read_text())
            self.assertIn("raise FileNotFoundError", log.read_text())
