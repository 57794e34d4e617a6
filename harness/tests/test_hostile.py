"""The hostile-device runner names every subtest of its binary."""

import re
import unittest

from xprime import hostile
from xprime.cache import REPO

SOURCE = REPO / "tools" / "tests" / "vmware_svga_hostile.c"


def documented():
    """The SUBTEST: doc comments of the binary, in order."""
    return re.findall(r"^ \* SUBTEST: (\S+)$", SOURCE.read_text(), re.M)


def declared():
    """The igt_subtest() names of the binary, in order."""
    return re.findall(r'igt_subtest(?:_with_dynamic)?\("([^"]+)"\)', SOURCE.read_text())


class TestHostile(unittest.TestCase):
    def test_every_subtest_is_run(self):
        self.assertEqual(hostile.SUBTESTS, documented())
        self.assertEqual(hostile.SUBTESTS, declared())

    def test_filters_and_expectations(self):
        self.assertEqual(hostile.filters(["bring-up"]), ["vmware_svga_hostile@bring-up"])
        self.assertEqual(len(hostile.filters()), len(hostile.SUBTESTS))
        self.assertEqual(set(hostile.expected().values()), {"pass"})
        self.assertIn("igt@vmware_svga_hostile@work-cond-bind", hostile.expected())
        self.assertIn("igt@vmware_svga_hostile@random-commands@seed-4", hostile.expected())
        self.assertNotIn("igt@vmware_svga_hostile@random-commands", hostile.expected())

    def test_run_device_runs_the_binary_on_the_machine(self):
        calls = []

        class Env:
            def run(self, *args, **kwargs):
                calls.append((args, kwargs))
                return "outcome"
        self.assertEqual(hostile.run_device(Env(), "kern", "dir", "stdu"), "outcome")
        (args, kwargs), = calls
        self.assertEqual(args, ("kern", "dir", hostile.filters()))
        self.assertEqual(kwargs, {"extra_tests": {
            "vmware_svga_hostile": "/xprime/build/tools/vmware_svga_hostile"},
            "machine": "stdu"})


if __name__ == "__main__":
    unittest.main()
