"""The exporter x importer matrix and its one-line reasons."""

import json
import tempfile
import types
import unittest
from pathlib import Path
from unittest import mock

from xprime import expect, report


def entry(result, out="", err="", dmesg=""):
    return {"result": result, "out": out, "err": err, "dmesg": dmesg}


class TestMatrix(unittest.TestCase):
    def test_cells(self):
        tests = {
            "igt@prime_cross@import@vgem-to-vgem": entry("pass"),
            "igt@prime_cross@import@vgem-to-virtio-gpu": entry(
                "pass", out="crossing refused: ENODEV (virtio-gpu imports ...)\n"),
            "igt@prime_cross@import@vmwgfx-to-vgem": entry(
                "crash", dmesg="BUG: kernel NULL pointer dereference\nmore"),
            "igt@prime_cross@import@virtio-gpu-to-vgem": entry(
                "fail", err="Failed assertion: ret == 0\n"),
        }
        text = "\n".join(report.matrices(tests))
        self.assertIn("prime_cross@import", text)
        self.assertRegex(text, r"vgem\s+pass\s+ENODEV")
        self.assertIn("vmwgfx-to-vgem: crash: BUG: kernel NULL pointer dereference", text)
        self.assertIn("virtio-gpu-to-vgem: fail: Failed assertion: ret == 0", text)
        self.assertIn("vgem-to-virtio-gpu: ENODEV: crossing refused: ENODEV", text)
        self.assertNotIn("vgem-to-vgem:", text)

    def test_skip_says_the_tests_own_reason(self):
        out = ("Test requirement not met in function require_device, file x.c:79:\n"
               "Test requirement: ret != -EOPNOTSUPP\n"
               "virtio-gpu: host-side copies need virgl\n"
               "Dynamic subtest virtio-gpu-to-vgem: SKIP (0.036s)\n")
        self.assertEqual(report.why({"result": "skip", "out": out}),
                         "virtio-gpu: host-side copies need virgl")
        bare = "Test requirement: x\nSubtest a: SKIP (0.0s)\n"
        # No words of its own: the next line is igt's, not a reason.
        self.assertEqual(report.why({"result": "skip", "out": bare}), "skip")
        self.assertEqual(report.why({"result": "pass", "out": "crossing refused: ENODEV (x)"}),
                         "crossing refused: ENODEV")

    def test_non_crossing_names_ignored(self):
        self.assertEqual(report.matrices({"igt@vgem_basic@create": entry("pass")}), [])


class TestSummary(unittest.TestCase):
    def test_counts_each_result_once(self):
        # A subtest is the sum of its dynamic subtests, and a job that a
        # crash cut short leaves a result-less record of the whole binary.
        tests = {
            "igt@prime_device": entry("incomplete"),
            "igt@prime_device@importer-device-read": entry("crash"),
            "igt@prime_device@importer-device-read@vgem-to-virtio-gpu": entry("pass"),
            "igt@prime_device@importer-device-read@vmwgfx-to-virtio-gpu": entry("crash"),
            "igt@vgem_basic@create": entry("pass"),
        }
        outcome = types.SimpleNamespace(
            config=types.SimpleNamespace(name="k", kernel=types.SimpleNamespace(release="r")),
            boots=[], crashes=[], problems=[], results=Path("/nonexistent"))
        with mock.patch.object(report, "load_results", return_value=tests), \
                mock.patch.object(report, "bound_drivers", return_value=[]):
            counts = report.summary(outcome).splitlines()[2]
        self.assertEqual(counts, "   2 pass, 1 crash")


class TestSideBySide(unittest.TestCase):
    def test_cells_differ(self):
        class Config:
            def __init__(self, name):
                self.name = name

        class Outcome:
            def __init__(self, name, tests):
                self.config = Config(name)
                self.tests = tests

        a = Outcome("stock", {"igt@prime_cross@import@vmwgfx-to-vgem": entry("crash"),
                              "igt@prime_cross@import@vgem-to-vgem": entry("pass")})
        b = Outcome("debug", {"igt@prime_cross@import@vmwgfx-to-vgem": entry("pass"),
                              "igt@prime_cross@import@vgem-to-vgem": entry("pass")})
        original = report.load_results
        report.load_results = lambda outcome: outcome.tests
        try:
            text = "\n".join(report.side_by_side([a, b]))
        finally:
            report.load_results = original
        self.assertIn("stock / debug", text)
        self.assertIn("crash / pass*", text)
        self.assertRegex(text, r"vgem\s+pass / pass\s")


class TestHtml(unittest.TestCase):
    def test_cells_marked_known_or_new_under_the_verdict(self):
        from pathlib import Path
        from types import SimpleNamespace
        tests = {"igt@prime_cross@import@vmwgfx-to-vgem": entry("crash"),
                 "igt@prime_cross@import@vgem-to-vmwgfx": entry("fail"),
                 "igt@prime_cross@import@vgem-to-vgem": entry("pass")}
        exp = expect.Expectation("igt@prime_cross@import@vmwgfx-to-vgem", "crash", "known oops",
                                 "x.txt:1")
        verdict = expect.compare(tests, [exp])
        outcome = SimpleNamespace(config=SimpleNamespace(name="debian-6.12",
                                                         kernel=SimpleNamespace(release="6.12")),
                                  results=Path("/nonexistent"))
        original = report.load_results
        report.load_results = lambda outcome: tests
        try:
            page = report.html([(outcome, verdict)], Path("/nonexistent/run"))
        finally:
            report.load_results = original
        self.assertIn("1 result the expectations do not know", page)
        self.assertRegex(page, r"class='c' [^>]*><a [^>]*>crash</a><small class='mark'>known<")
        self.assertRegex(page, r"class='c new' [^>]*><a [^>]*>fail</a><small class='mark'>new<")
        self.assertRegex(page, r">pass</td>")
        self.assertIn("vmwgfx-to-vgem: crash (known)", page)


if __name__ == "__main__":
    unittest.main()


class TestRepeats(unittest.TestCase):
    def test_changed_results_and_the_rates_of_an_expectation(self):
        scanout = "igt@vmwgfx/vmw_prime_scanout@imported@vgem-to-vmwgfx"
        with tempfile.TemporaryDirectory() as tmp:
            outcomes = []
            for k, result in enumerate(["dmesg-fail", "fail", "dmesg-fail"]):
                results = Path(tmp) / f"repeat-{k}"
                results.mkdir()
                (results / "results.json").write_text(json.dumps({"tests": {
                    scanout: {"result": result},
                    "igt@prime_cross@import@vgem-to-vgem": {"result": "pass"}}}))
                outcomes.append((types.SimpleNamespace(config=types.SimpleNamespace(name="debian-6.12"),
                                                 results=results), None))
            text = "\n".join(report.repeat_rates(outcomes))
        self.assertIn("== debian-6.12: 3 repeats", text)
        self.assertIn(f"CHANGED: {scanout}: dmesg-fail 2/3, fail 1/3", text)
        self.assertNotIn("CHANGED: igt@prime_cross", text)
        # The expectation (expectations/debian-6.12.txt) allows both.
        self.assertIn(f"{scanout} fail|dmesg-fail: seen dmesg-fail 2/3, fail 1/3", text)
