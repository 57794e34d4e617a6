"""./xprime lava: the guest's step (guest/lava-tests), and the test cases read
back from a lava-run log."""

import json
import os
import subprocess
import tempfile
import unittest
from pathlib import Path

from xprime import lava, results

LOG = """\
{"dt": "2026-12-01T15:17:34.17", "lvl": "results", "msg": {"case": "validate", "definition": "lava", "result": "pass"}}
{"dt": "2026-12-01T15:17:50.01", "lvl": "target", "msg": "xprime-igt: igt@prime_cross@import@vgem-to-vmwgfx pass"}
{"dt": "2026-12-01T15:17:50.02", "lvl": "results", "msg": {"case": "igt@prime_cross@import@vgem-to-vmwgfx", "definition": "0_xprime-igt", "endtc": ! "677", "result": "pass", "starttc": ! "677"}}
{"dt": "2026-12-01T15:17:51.02", "lvl": "results", "msg": {"case": "igt@vmwgfx/vmw_prime_scanout@native", "definition": "0_xprime-igt", "result": "skip"}}
{"dt": "2026-12-01T15:17:52.00", "lvl": "results", "msg": {"case": "0_xprime-igt", "definition": "lava", "result": "pass"}}
{"dt": "2026-12-01T15:17:53.00", "lvl": "results", "msg": {"case": "job", "definition": "lava", "result": "pass"}}
"""


class TestLavaResults(unittest.TestCase):
    def test_cases_and_the_jobs_result(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "lava-run.log"
            log.write_text(LOG)
            job, cases = lava.job_results(log)
        self.assertEqual(job, "pass")
        self.assertEqual(cases, [("igt@prime_cross@import@vgem-to-vmwgfx", "pass"),
                                 ("igt@vmwgfx/vmw_prime_scanout@native", "skip")])

    def test_a_job_that_ended_early_has_no_pass(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "lava-run.log"
            log.write_text(LOG.splitlines()[0] + "\n")
            self.assertEqual(lava.job_results(log), ("missing", []))

    def test_the_kernel_command_line_shows_the_banner_and_asks_for_the_shell(self):
        self.assertNotIn("loglevel=4", lava.CMDLINE.split())
        self.assertIn("oops=panic", lava.CMDLINE.split())
        self.assertTrue(lava.CMDLINE.endswith(" xprime.lava"))


# igt_runner for guest/lava-tests: the results.json of $RESULTS in its output
# directory (its last argument).
FAKE_RUNNER = """#!/bin/sh
for out; do :; done
mkdir -p "$out" && cp "$RESULTS" "$out/results.json"
"""
FAKE_TEST_CASE = """#!/bin/sh
echo "$@" >> "$CASES"
"""
NOISE = "<4> [12.5] clocksource: Long readout interval, skipping watchdog check"
OTHER = "<4> [12.6] WARNING: CPU: 0 PID: 7 at drivers/gpu/drm/vgem/vgem_drv.c:1"


class TestLavaTests(unittest.TestCase):
    def cases(self, tests):
        """What guest/lava-tests tells LAVA of one test-list line whose
        igt_runner results hold @tests; and its stderr."""
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            for name, text in (("igt_runner", FAKE_RUNNER), ("lava-test-case", FAKE_TEST_CASE)):
                (tmp / name).write_text(text)
                (tmp / name).chmod(0o755)
            (tmp / "results.json").write_text(json.dumps({"tests": tests}))
            (tmp / "test-list").write_text("igt@prime_cross@import\n")
            (tmp / "host-noise").write_text(
                "".join(p.pattern + "\n" for p in results.HOST_NOISE))
            env = {**os.environ, "PATH": f"{tmp}:{os.environ['PATH']}",
                   "RESULTS": str(tmp / "results.json"), "CASES": str(tmp / "cases"),
                   "TMPDIR": str(tmp)}
            proc = subprocess.run([str(lava.GUEST_TESTS), str(tmp / "test-list")], env=env,
                                  capture_output=True, text=True, check=True)
            return (tmp / "cases").read_text().splitlines(), proc.stderr

    def test_results_as_test_cases(self):
        cases, _ = self.cases({"igt@prime_cross@import": {"result": "pass"},
                               "igt@prime_cross@import@vgem-to-vgem": {"result": "pass"},
                               "igt@prime_cross@import@vgem-to-vmwgfx": {"result": "crash"}})
        self.assertEqual(cases, ["igt@prime_cross@import@vgem-to-vgem --result pass",
                                 "igt@prime_cross@import@vgem-to-vmwgfx --result fail"])

    def test_a_warning_of_host_load_only_is_forgiven_and_shown(self):
        cases, stderr = self.cases({"igt@prime_cross@import@vgem-to-vmwgfx": {
            "result": "dmesg-warn", "dmesg": f"<6> [12.4] info\n{NOISE}\n"}})
        self.assertEqual(cases, ["igt@prime_cross@import@vgem-to-vmwgfx --result pass"])
        self.assertIn("Long readout interval", stderr)
        self.assertIn("host-load noise only, counted as pass", stderr)

    def test_any_other_warning_keeps_the_failure(self):
        cases, stderr = self.cases({"igt@prime_cross@import@vgem-to-vmwgfx": {
            "result": "dmesg-warn", "dmesg": f"{NOISE}\n{OTHER}\n"}})
        self.assertEqual(cases, ["igt@prime_cross@import@vgem-to-vmwgfx --result fail"])
        self.assertIn("vgem_drv.c:1", stderr)


if __name__ == "__main__":
    unittest.main()
