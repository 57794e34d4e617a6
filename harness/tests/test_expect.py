"""Expectations: known results pass, changes are named."""

import tempfile
import unittest
from pathlib import Path

from xprime import expect, results

FILE = """\
# comment
igt@prime_cross@*@vmwgfx-to-vgem crash NULL dereference in vmw_gem_object_get_sg_table()
igt@drm_virtgpu@get-caps fail no virgl
igt@old@gone fail fixed long ago
igt@warn@* dmesg-warn|pass warned once per boot
"""


def entry(result):
    return {"result": result}


def load(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cfg.txt"
        path.write_text(text)
        return expect.load(path)


class TestExpect(unittest.TestCase):
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
        verdict = expect.compare(tests, load(FILE))
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
        self.assertEqual(sorted(results.leaves(tests)),
                         ["igt@lonely", "igt@prime_sync@vgem-fence@vgem-to-vgem"])

    def test_alternatives(self):
        expectations = load(FILE)
        verdict = expect.compare({"igt@warn@a": entry("dmesg-warn"), "igt@warn@b": entry("pass")},
                                 expectations)
        self.assertTrue(verdict.ok)
        self.assertEqual(len(verdict.expected), 2)
        self.assertFalse(expect.compare({"igt@warn@c": entry("fail")}, expectations).ok)

    def test_all_known_is_ok(self):
        verdict = expect.compare({"igt@prime_cross@a@vmwgfx-to-vgem": entry("crash")},
                                 load(FILE))
        self.assertTrue(verdict.ok)

    def test_bad_lines(self):
        for bad in ["igt@x crash", "nope crash why", "igt@x exploded why", "igt@x pass|boom why"]:
            with self.assertRaises(expect.ExpectationError, msg=bad):
                load(bad + "\n")


if __name__ == "__main__":
    unittest.main()


PINNED = """\
igt@prime_cross@*@vmwgfx-to-vgem crash NULL dereference in vmw_gem_object_get_sg_table()
    crash: BUG: kernel NULL pointer dereference in vmw_gem_object_get_sg_table
igt@scanout@* fail|dmesg-fail|pass LDU scanout
    fail: lib/igt_pattern.c igt_assert_image: false: host's view*
    dmesg-fail: lib/igt_pattern.c igt_assert_image: false: host's view* + WARNING: at *
"""


class TestSignatures(unittest.TestCase):
    def test_a_known_result_of_another_cause_is_new(self):
        moved = "BUG: kernel NULL pointer dereference in drm_prime_sg_to_page_array"
        tests = {
            "igt@prime_cross@import@vmwgfx-to-vgem": {
                "result": "crash",
                "signature": "BUG: kernel NULL pointer dereference in vmw_gem_object_get_sg_table"},
            "igt@prime_cross@mmap@vmwgfx-to-vgem": {"result": "crash", "signature": moved},
            "igt@scanout@a": {"result": "fail", "signature":
                              "lib/igt_pattern.c igt_assert_image: false: host's view of it"},
            "igt@scanout@b": {"result": "dmesg-fail", "signature":
                              "lib/igt_pattern.c igt_assert_image: false: host's view of it"},
            "igt@scanout@c": {"result": "pass"},
        }
        verdict = expect.compare(tests, load(PINNED))
        self.assertFalse(verdict.ok)
        self.assertEqual([(n, s) for n, _, s, _ in verdict.new_signatures],
                         [("igt@prime_cross@mmap@vmwgfx-to-vgem", moved),
                          ("igt@scanout@b", tests["igt@scanout@b"]["signature"])])
        self.assertEqual([n for n, _, _ in verdict.expected],
                         ["igt@prime_cross@import@vmwgfx-to-vgem", "igt@scanout@a",
                          "igt@scanout@c"])
        text = "\n".join(expect.describe(verdict))
        self.assertIn("expected: BUG: kernel NULL pointer dereference in "
                      "vmw_gem_object_get_sg_table", text)
        self.assertIn(f"seen:     {moved}", text)

    def test_a_result_without_output_is_known_but_unsigned(self):
        tests = {"igt@prime_cross@import@vmwgfx-to-vgem": {"result": "crash", "signature": ""}}
        verdict = expect.compare(tests, load(PINNED))
        self.assertTrue(verdict.ok)
        self.assertEqual(verdict.unsigned, ["igt@prime_cross@import@vmwgfx-to-vgem"])

    def test_a_signature_line_must_name_an_expected_result(self):
        with self.assertRaisesRegex(expect.ExpectationError, "cfg.txt:2: 'fail' is not"):
            load("igt@a@b crash why\n    fail: x\n")
        with self.assertRaisesRegex(expect.ExpectationError, "cfg.txt:1: an indented"):
            load("    crash: x\n")

    def test_pin_adds_what_a_run_saw(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "cfg.txt"
            path.write_text("# c\nigt@a@* crash why\nigt@b@* fail why\n    fail: known\n")
            text, uncovered = expect.pin(path, {
                "igt@a@x": {"result": "crash", "signature": "BUG: y in f"},
                "igt@a@z": {"result": "crash", "signature": "BUG: y in f"},
                "igt@b@x": {"result": "fail", "signature": "known"},
                "igt@c@x": {"result": "fail", "signature": "new"},
            })
        self.assertEqual(text, "# c\nigt@a@* crash why\n    crash: BUG: y in f\n"
                               "igt@b@* fail why\n    fail: known\n")
        self.assertEqual(uncovered, [("igt@c@x", "fail", "new")])


class TestEveryFileIsPinned(unittest.TestCase):
    def test_each_known_non_pass_result_names_its_signature(self):
        for path in sorted(expect.EXPECTATIONS.glob("*.txt")):
            for exp in expect.load(path):
                for result in exp.result.split("|"):
                    if result not in expect.FINE:
                        self.assertIn(result, exp.signatures,
                                      f"{exp.where}: no signature for {result}")
