"""The check's own timing and concurrency helpers."""

import os
import subprocess
import unittest

from xprime import selfcheck


class TestSteps(unittest.TestCase):
    def test_a_step_ends_where_the_next_begins(self):
        steps = selfcheck.Steps()
        steps.start_step("one")
        steps.start_step("two")
        text = steps.summary()
        self.assertEqual([name for name, _ in steps.times], ["one", "two"])
        self.assertIn("check: wall time per step (total", text)
        self.assertRegex(text, r"\n +\d+\.\d s  two$")


class TestBeside(unittest.TestCase):
    def test_the_value_and_the_niceness_of_what_it_starts(self):
        base = os.getpriority(os.PRIO_PROCESS, 0)
        work = selfcheck.Beside(lambda: subprocess.run(
            ["sh", "-c", "nice"], capture_output=True, text=True).stdout.strip(),
            nice=base + 3)
        self.assertEqual(work.result(), str(base + 3))
        # The caller's own thread keeps its priority.
        self.assertEqual(os.getpriority(os.PRIO_PROCESS, 0), base)

    def test_an_error_is_raised_where_the_result_is_wanted(self):
        def fail():
            raise ValueError("boom")
        with self.assertRaisesRegex(ValueError, "boom"):
            selfcheck.Beside(fail).result()


if __name__ == "__main__":
    unittest.main()
