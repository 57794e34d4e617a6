"""Failure signatures: the same cause gives the same words."""

import unittest

from xprime import signature

OOPS = """\
BUG: kernel NULL pointer dereference, address: 0000000000000078
#PF: supervisor read access in kernel mode
Oops: Oops: 0000 [#1] SMP
CPU: 0 UID: 0 PID: 71 Comm: prime_cross Not tainted 6.12.117-xprime-debug #1
RIP: 0010:vmw_gem_object_get_sg_table+0x7/0x30 [vmwgfx]
Call Trace:
 <TASK>
 drm_gem_map_dma_buf+0x2c/0xd0
Kernel panic - not syncing: Fatal exception
<6> [2.1] [IGT] prime_cross: starting dynamic subtest vmwgfx-to-vgem
"""

WARNINGS = """\
<6> [4.2] [IGT] vmw_prime_scanout: starting dynamic subtest vgem-to-vmwgfx
<4> [4.29] ------------[ cut here ]------------
<4> [4.29] WARNING: CPU: 0 PID: 72 at drivers/gpu/drm/vmwgfx/vmwgfx_ldu.c:216 \
vmw_ldu_primary_plane_atomic_update+0x700/0x790
<4> [4.29] CPU: 0 UID: 0 PID: 72 Comm: vmw_prime_scano Not tainted 6.12.117 #1
<4> [4.29] RIP: 0010:vmw_ldu_primary_plane_atomic_update+0x700/0x790
<4> [4.30] ---[ end trace 0000000000000000 ]---
<3> [4.31] [drm:vmw_user_bo_lookup] *ERROR* Invalid buffer object handle 0x000003e9.
<3> [4.32] [drm:vmw_user_bo_lookup] *ERROR* Invalid buffer object handle 0x000003ea.
"""

HUNG = """\
INFO: task prime_sync:80 blocked for more than 60 seconds.
      Not tainted 6.12.117-xprime-debug #1
task:prime_sync      state:D stack:0     pid:80    tgid:80
Call Trace:
 <TASK>
 __schedule+0x2d0/0x8c0
 schedule+0x27/0xa0
 schedule_timeout+0xe1/0x100
 dma_fence_default_wait+0x1f0/0x250
 dma_resv_wait_timeout+0x7d/0xf0
"""

ERR = """\
[2.337364] (prime_content:68) CRITICAL: Test assertion failure function igt_assert_image, \
file ../src/lib/igt_pattern.c:410:
[2.337563] (prime_content:68) CRITICAL: Failed assertion: false
[2.337600] (prime_content:68) CRITICAL: Last errno: 2, No such file or directory
[2.337736] (prime_content:68) CRITICAL: exporter's mapping: 3172 of 16384 pixels differ; \
first at (5, 0): expected 0x17f58095, found 0xfdc8ca64
"""


class TestSignature(unittest.TestCase):
    def test_crash_is_the_report_title_and_its_function(self):
        self.assertEqual(signature.of_result({"result": "crash", "dmesg": OOPS}),
                         "BUG: kernel NULL pointer dereference in vmw_gem_object_get_sg_table")

    def test_warnings_are_each_distinct_warning_in_order(self):
        self.assertEqual(
            signature.of_result({"result": "dmesg-warn", "dmesg": WARNINGS}),
            "WARNING: at drivers/gpu/drm/vmwgfx/vmwgfx_ldu.c:216 in "
            "vmw_ldu_primary_plane_atomic_update + "
            "[drm:vmw_user_bo_lookup] *ERROR* Invalid buffer object handle 0xN.")

    def test_the_7x_warning_line_gives_the_same_signature(self):
        newer = WARNINGS.replace(
            "WARNING: CPU: 0 PID: 72 at drivers/gpu/drm/vmwgfx/vmwgfx_ldu.c:216 "
            "vmw_ldu_primary_plane_atomic_update+0x700/0x790",
            "WARNING: drivers/gpu/drm/vmwgfx/vmwgfx_ldu.c:216 at "
            "vmw_ldu_primary_plane_atomic_update+0x700/0x790, CPU#0: vmw_prime_scano/72")
        self.assertNotEqual(newer, WARNINGS)
        self.assertEqual(signature.of_result({"result": "dmesg-warn", "dmesg": newer}),
                         signature.of_result({"result": "dmesg-warn", "dmesg": WARNINGS}))

    def test_a_hung_task_is_named_by_what_it_waits_for(self):
        self.assertEqual(signature.of_result({"result": "crash", "dmesg": HUNG}),
                         "INFO: task blocked for more than N seconds in "
                         "dma_fence_default_wait")

    def test_fail_is_the_assertion_without_values(self):
        self.assertEqual(
            signature.of_result({"result": "fail", "err": ERR}),
            "lib/igt_pattern.c igt_assert_image: false: exporter's mapping: N of N pixels "
            "differ; first at (N, N): expected 0xN, found 0xN")

    def test_dmesg_fail_is_both(self):
        sig = signature.of_result({"result": "dmesg-fail", "err": ERR, "dmesg": WARNINGS})
        self.assertTrue(sig.startswith("lib/igt_pattern.c igt_assert_image: false: "))
        self.assertIn(" + WARNING: at drivers/gpu/drm/vmwgfx/vmwgfx_ldu.c:216 in ", sig)

    def test_pass_has_none(self):
        self.assertEqual(signature.of_result({"result": "pass", "dmesg": WARNINGS}), "")

    def test_patterns(self):
        self.assertTrue(signature.matches("BUG: x in f", "BUG: x in f"))
        self.assertTrue(signature.matches("a [b] *ERROR* c", "a [b] *ERROR* c"))
        self.assertTrue(signature.matches("WARNING: at a.c:1 in f", "WARNING: at *"))
        self.assertFalse(signature.matches("BUG: x in g", "BUG: x in f"))


if __name__ == "__main__":
    unittest.main()
