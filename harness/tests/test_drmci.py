"""drm-ci's lists from the expectations and a run, and back."""

import tempfile
import unittest
from pathlib import Path

from xprime import drmci, expect

EXPECTATIONS = """\
igt@prime_*@vmwgfx-to-vgem crash vmwgfx exports a VRAM BO without ttm_tt
    crash: BUG: kernel NULL pointer dereference in vmw_gem_object_get_sg_table
igt@prime_lifetime@no-leak@*-to-vmwgfx fail|pass intermittent leak
    fail: tests/prime/prime_lifetime.c test_no_leak: after == before: *
igt@vmwgfx/vmw_prime_scanout@imported@vgem-to-vmwgfx dmesg-fail black screen
    dmesg-fail: *
"""
TESTS = {
    "igt@prime_cross@import": {"result": "crash"},
    "igt@prime_cross@import@vmwgfx-to-vgem": {"result": "crash"},
    "igt@prime_content@size-odd@vmwgfx-to-vgem": {"result": "crash"},
    "igt@prime_lifetime@no-leak@vgem-to-vmwgfx": {"result": "pass"},
    "igt@vmwgfx/vmw_prime_scanout@imported@vgem-to-vmwgfx": {"result": "dmesg-fail"},
    "igt@prime_cross@import@vgem-to-vgem": {"result": "pass"},
}


class TestDrmCi(unittest.TestCase):
    def test_export_then_import(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "cfg.txt"
            path.write_text(EXPECTATIONS)
            files = drmci.export([TESTS], expect.load(path), ["a header"])
        fails = files["fails"].splitlines()
        self.assertIn("prime_cross@import@vmwgfx-to-vgem,Crash", fails)
        self.assertIn("vmwgfx/vmw_prime_scanout@imported@vgem-to-vmwgfx,Fail", fails)
        self.assertNotIn("prime_cross@import,Crash", fails)      # a parent
        self.assertIn("# vmwgfx exports a VRAM BO without ttm_tt", fails)
        self.assertIn("prime_lifetime@no\\-leak@vgem\\-to\\-vmwgfx", files["flakes"])
        lines = drmci.import_lines(files["fails"], files["flakes"])
        self.assertIn("igt@prime_content@size-odd@vmwgfx-to-vgem crash|incomplete|abort "
                      "vmwgfx exports a VRAM BO without ttm_tt", lines)
        self.assertIn("igt@vmwgfx/vmw_prime_scanout@imported@vgem-to-vmwgfx fail|dmesg-fail "
                      "black screen", lines)
        self.assertIn("igt@prime_lifetime@no-leak@vgem-to-vmwgfx fail|pass intermittent leak",
                      lines)
        self.assertEqual(len(lines), 4)

    def test_a_flake_carries_drm_ci_header_with_its_rate_over_repeats(self):
        failed = dict(TESTS, **{"igt@prime_lifetime@no-leak@vgem-to-vmwgfx": {
            "result": "fail", "igt-version": "IGT-Version: 2.5-NO-GIT (x86_64) (Linux: 7.2)\n"}})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "cfg.txt"
            path.write_text(EXPECTATIONS)
            files = drmci.export([TESTS, failed, TESTS, TESTS], expect.load(path), ["h"],
                                 linux="7.2.13+deb14-amd64")
        flakes = files["flakes"].splitlines()
        at = flakes.index("prime_lifetime@no\\-leak@vgem\\-to\\-vmwgfx")
        self.assertEqual(flakes[at - 5:at], [
            "# Bug Report: none filed; cfg.txt:3",
            "# Failure Rate: 25",
            "# IGT Version: 2.5-NO-GIT",
            "# Linux Version: 7.2.13+deb14-amd64",
            "# Seen: pass 3/4, fail 1/4"])
        # The header is no part of the reason when the lists come back.
        self.assertIn("igt@prime_lifetime@no-leak@vgem-to-vmwgfx fail|pass intermittent leak",
                      drmci.import_lines(files["fails"], files["flakes"]))

    def test_one_run_says_it_measured_no_rate(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "cfg.txt"
            path.write_text(EXPECTATIONS)
            files = drmci.export([TESTS], expect.load(path), ["h"])
        self.assertIn("# Failure Rate: 0 (one run: ./xprime run --repeat N measures it)",
                      files["flakes"])

    def test_an_unknown_result_is_refused(self):
        with self.assertRaisesRegex(ValueError, "unknown drm-ci result 'Broken'"):
            drmci.import_lines("kms_x@y,Broken\n")


if __name__ == "__main__":
    unittest.main()
