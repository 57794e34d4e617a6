"""./xprime lava: the test cases read back from a lava-run log."""

import tempfile
import unittest
from pathlib import Path

from xprime import lava

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
            job, cases = lava.results(log)
        self.assertEqual(job, "pass")
        self.assertEqual(cases, [("igt@prime_cross@import@vgem-to-vmwgfx", "pass"),
                                 ("igt@vmwgfx/vmw_prime_scanout@native", "skip")])

    def test_a_job_that_ended_early_has_no_pass(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "lava-run.log"
            log.write_text(LOG.splitlines()[0] + "\n")
            self.assertEqual(lava.results(log), ("missing", []))

    def test_the_kernel_command_line_shows_the_banner_and_asks_for_the_shell(self):
        self.assertNotIn("loglevel=4", lava.CMDLINE.split())
        self.assertIn("oops=panic", lava.CMDLINE.split())
        self.assertTrue(lava.CMDLINE.endswith(" xprime.lava"))


if __name__ == "__main__":
    unittest.main()
