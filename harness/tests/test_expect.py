"""Expectations: known results pass, changes are named."""

import tempfile
import unittest
from pathlib import Path

from xprime import expect

FILE = """\
# comment
igt@prime_cross@*@vmwgfx-to-vgem crash NULL dereference in vmw_gem_object_get_sg_table()
igt@drm_virtgpu@get-caps fail no virgl
igt@old@gone fail fixed long ago
igt@warn@* dmesg-warn|pass warned once per boot
"""


def entry(result):
    return {"result": result}


class TestExpect(unittest.TestCase):
    def load(self, text):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "cfg.txt"
            path.write_text(text)
            return expect.load(path)

    def test_verdicts(self):
        tests = {
            "igt@prime_cross@import": entry("crash"),          # parent: ignored
            "igt@prime_cross@import@vmwgfx-to-vgem": entry("crash"),
            "igt@prime_cross@import@vgem-to-vgem": entry("pass"),
            "igt@prime_cross@import@vgem-to-vmwgfx": entry("fail"),
            "igt@prime_cross@import@virtio-gpu-to-vgem": entry("incomplete"),
            "igt@drm_virtgpu@get-caps": entry("pass"),
            "igt@vmw_prime@basic-vgem": entry("skip"),
        }
        verdict = expect.compare(tests, self.load(FILE))
        self.assertEqual([n for n, _, _ in verdict.expected],
                         ["igt@prime_cross@import@vmwgfx-to-vgem"])
        self.assertEqual(verdict.new_failures, [("igt@prime_cross@import@vgem-to-vmwgfx", "fail")])
        self.assertEqual(verdict.new_crashes,
                         [("igt@prime_cross@import@virtio-gpu-to-vgem", "incomplete")])
        self.assertEqual([n for n, _, _ in verdict.unexpected_passes], ["igt@drm_virtgpu@get-caps"])
        self.assertEqual([e.pattern for e in verdict.unused], ["igt@old@gone", "igt@warn@*"])
        self.assertFalse(verdict.ok)

    def test_test_entry_with_subtests_is_not_a_leaf(self):
        # igt_runner's own record of a job a crash cut short, next to the
        # subtests that have results, is no result of its own.
        tests = {"igt@prime_sync": entry("incomplete"),
                 "igt@prime_sync@vgem-fence@vgem-to-vgem": entry("pass"),
                 "igt@lonely": entry("incomplete")}
        self.assertEqual(sorted(expect.leaves(tests)),
                         ["igt@lonely", "igt@prime_sync@vgem-fence@vgem-to-vgem"])

    def test_alternatives(self):
        expectations = self.load(FILE)
        verdict = expect.compare({"igt@warn@a": entry("dmesg-warn"), "igt@warn@b": entry("pass")},
                                 expectations)
        self.assertTrue(verdict.ok)
        self.assertEqual(len(verdict.expected), 2)
        self.assertFalse(expect.compare({"igt@warn@c": entry("fail")}, expectations).ok)

    def test_all_known_is_ok(self):
        verdict = expect.compare({"igt@prime_cross@a@vmwgfx-to-vgem": entry("crash")},
                                 self.load(FILE))
        self.assertTrue(verdict.ok)

    def test_bad_lines(self):
        for bad in ["igt@x crash", "nope crash why", "igt@x exploded why", "igt@x pass|boom why"]:
            with self.assertRaises(expect.ExpectationError, msg=bad):
                self.load(bad + "\n")


if __name__ == "__main__":
    unittest.main()
