"""The console log tells how a boot ended and which subtest was running."""

import json
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace

from xprime import guest, session
from xprime.suite import MACHINES

OOPS_CONSOLE = """\
[    3.100000] xprime-guest: userland ready
[    4.000000] [IGT] prime_cross: executing
[    4.100000] [IGT] prime_cross: starting subtest import
[    4.200000] [IGT] prime_cross: starting dynamic subtest vgem-to-vgem
[    4.300000] [IGT] prime_cross: finished dynamic subtest vgem-to-vgem, SUCCESS
[    4.400000] [IGT] prime_cross: starting dynamic subtest vmwgfx-to-vgem
[    4.500000] BUG: kernel NULL pointer dereference, address: 0000000000000010
[    4.500001] #PF: supervisor read access in kernel mode
[    4.500002] #PF: error_code(0x0000) - not-present page
[    4.500003] PGD 21e3c067 P4D 0
[    4.500004] Oops: Oops: 0000 [#1] PREEMPT SMP NOPTI
[    4.500005] CPU: 1 UID: 0 PID: 207 Comm: prime_cross Not tainted 6.12.117
[    4.500003] RIP: 0010:vmw_gem_object_get_sg_table+0x1a/0x60 [vmwgfx]
[    4.500004] Call Trace:
[    4.500005]  drm_gem_map_dma_buf+0x31/0xb0 [drm]
[    4.500006] ---[ end trace 0000000000000000 ]---
[    4.500007] Kernel panic - not syncing: Fatal exception
[    4.500008] ---[ end Kernel panic - not syncing: Fatal exception ]---
"""


def analyse(text, ending=None):
    with tempfile.TemporaryDirectory() as tmp:
        console = Path(tmp) / "console.log"
        console.write_text(text)
        return guest.analyse(console, ending, 0, 1.0)


class TestAnalyse(unittest.TestCase):
    def test_oops_names_dynamic_culprit(self):
        result = analyse(OOPS_CONSOLE)
        self.assertEqual(result.ending, "panic")
        self.assertEqual(result.culprit.name, "igt@prime_cross@import@vmwgfx-to-vgem")
        self.assertEqual(result.culprit.earlier_dynamics, ["vgem-to-vgem"])
        self.assertEqual(result.culprit.finished, {"vgem-to-vgem": "SUCCESS"})
        self.assertEqual(result.culprit.durations, {"vgem-to-vgem": 0.1})
        self.assertTrue(result.oops.startswith("BUG: kernel NULL pointer dereference"))
        self.assertIn("vmw_gem_object_get_sg_table", result.oops)
        self.assertEqual(result.task, "prime_cross")
        self.assertTrue(result.oops.splitlines()[-1].startswith("Kernel panic"))

    def test_clean_poweroff(self):
        result = analyse("[    1.0] [IGT] vgem_basic: starting subtest create\n"
                         "xprime-guest: igt_runner exited 0\n")
        self.assertEqual(result.ending, "poweroff")
        self.assertEqual(result.job_status, 0)
        self.assertIsNone(result.culprit)
        self.assertEqual(result.oops, "")

    def test_panic_without_report(self):
        result = analyse("[    2.0] [IGT] xprime_selftest: starting subtest kernel-panic\n"
                         "[    2.1] [IGT] xprime_selftest: starting dynamic subtest panic\n"
                         "[    2.2] sysrq: Trigger a crash\n"
                         "[    2.3] Kernel panic - not syncing: sysrq triggered crash\n"
                         "[    2.4] CPU: 0 PID: 99 Comm: xprime_selftest\n")
        self.assertEqual(result.ending, "panic")
        self.assertIn("sysrq triggered crash", result.oops)
        self.assertEqual(result.culprit.name, "igt@xprime_selftest@kernel-panic@panic")

    def test_watchdog_keeps_culprit(self):
        result = analyse("[    2.0] [IGT] vgem_basic: starting subtest busy-fence\n",
                         ending="watchdog")
        self.assertEqual(result.ending, "watchdog")
        self.assertEqual(result.culprit.name, "igt@vgem_basic@busy-fence")

    def test_new_binary_resets_culprit(self):
        result = analyse("[    2.0] [IGT] a: starting subtest x\n"
                         "[    2.1] [IGT] b: executing\n"
                         "[    2.2] Kernel panic - not syncing: Fatal exception\n")
        self.assertIsNone(result.culprit)

    def test_qemu_failure(self):
        result = analyse("")
        self.assertEqual(result.ending, "qemu-failed")

    def test_a_device_that_dies_under_a_subtest_is_its_crash(self):
        asan = ("vmware-svga: surface 1: 2147483648x2147483648\n"
                "=================================================================\n"
                "==4242==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000010\n"
                "==4242==The signal is caused by a WRITE memory access.\n"
                "    #0 0x7f00 in __interceptor_memcpy ../sanitizer_common_interceptors.inc:827\n"
                "    #1 0x5600 in vmsvga_surface_transfer ../hw/display/vmware_vga.c:1291\n"
                "    #2 0x5601 in vmsvga_3d_cmd ../hw/display/vmware_vga.c:1620\n")
        with tempfile.TemporaryDirectory() as tmp:
            console = Path(tmp) / "console.log"
            console.write_text("[    4.0] [IGT] vmw_surface_bad_input: executing\n"
                               "[    4.1] [IGT] vmw_surface_bad_input: starting subtest "
                               "huge-surface\n")
            console.with_suffix(".qemu.log").write_text(asan)
            result = guest.analyse(console, None, 1, 1.0)
        self.assertEqual(result.ending, "qemu-crash")
        self.assertEqual(result.culprit.name, "igt@vmw_surface_bad_input@huge-surface")
        self.assertEqual(result.oops.splitlines()[0],
                         "QEMU died: AddressSanitizer: SEGV")
        from xprime import signature
        self.assertEqual(signature.kernel_signature(result.oops),
                         "QEMU died: AddressSanitizer: SEGV in vmsvga_surface_transfer")

    def test_a_device_killed_by_a_signal_says_which(self):
        with tempfile.TemporaryDirectory() as tmp:
            console = Path(tmp) / "console.log"
            console.write_text("[    4.1] [IGT] vmw_x: starting subtest y\n")
            result = guest.analyse(console, None, -11, 1.0)
        self.assertEqual(result.ending, "qemu-crash")
        self.assertEqual(result.oops, "QEMU died: SIGSEGV")


def fake_qemu(script):
    class FakeQemu:
        binary = Path(__file__).with_name(script)

        @staticmethod
        def data_args():
            return []

        @staticmethod
        def env():
            return {}
    return FakeQemu


class FakeKernel:
    vmlinuz = Path("/nonexistent/vmlinuz")


class TestReadyGo(unittest.TestCase):
    def test_go_then_tests_done_ends_the_boot(self):
        machine = guest.Machine("fake", vga=[], display=[], snapshots=False)
        with tempfile.TemporaryDirectory() as tmp:
            console = Path(tmp) / "console.log"
            result = guest.boot(fake_qemu("fake_qemu_ready.py"), machine, FakeKernel,
                                Path("/nonexistent/initrd"), [], console, [],
                                stall_timeout=20, max_seconds=30)
            timing = json.loads(console.with_suffix(".timing.json").read_text())
        self.assertEqual(result.ending, "tests-done")
        self.assertLess(result.seconds, 15)
        self.assertEqual(result.drivers, [["card0", "vgem"], ["card1", "vmwgfx"]])
        self.assertLessEqual(timing["ready"], timing["go"])
        self.assertFalse(result.restored)

    def test_a_state_that_does_not_load_is_discarded_and_the_guest_booted(self):
        machine = guest.Machine("fake", vga=[], display=[])
        with tempfile.TemporaryDirectory() as tmp:
            console = Path(tmp) / "console.log"
            snapshot = guest.Snapshot(Path(tmp) / "states" / "k.state")
            snapshot.path.parent.mkdir()
            snapshot.path.write_bytes(b"a state of another QEMU")
            result = guest.boot(fake_qemu("fake_qemu_refusing.py"), machine, FakeKernel,
                                Path("/nonexistent/initrd"), [], console, [],
                                stall_timeout=20, max_seconds=30, snapshot=snapshot)
            refused = console.with_suffix(".refused.qemu.log").read_text()
            kept = snapshot.path.exists()
        self.assertEqual(result.ending, "tests-done")
        self.assertFalse(result.restored)
        self.assertFalse(kept)
        self.assertIn("load of migration failed", refused)
        self.assertTrue(result.notes[0].startswith(
            "the saved guest state did not load, booted afresh: qemu-system-x86_64: load "
            "of migration failed"), result.notes)


class TestWatchdog(unittest.TestCase):
    def test_stuck_guest_is_ended_with_its_culprit(self):
        FakeQemu = fake_qemu("fake_qemu.py")
        machine = guest.Machine("fake", vga=[], display=[])
        with tempfile.TemporaryDirectory() as tmp:
            console = Path(tmp) / "console.log"
            result = guest.boot(FakeQemu, machine, FakeKernel, Path("/nonexistent/initrd"),
                                [], console, [], stall_timeout=2, max_seconds=30)
        self.assertEqual(result.ending, "watchdog")
        self.assertLess(result.seconds, 20)
        self.assertEqual(result.culprit.name, "igt@prime_cross@import@vgem-to-vgem")
        self.assertTrue(result.oops.startswith("hang: no progress for 2 s"))
        self.assertIn("starting dynamic subtest vgem-to-vgem", result.oops)

    def test_a_kernel_that_keeps_printing_is_no_progress(self):
        machine = guest.Machine("fake", vga=[], display=[])
        with tempfile.TemporaryDirectory() as tmp:
            console = Path(tmp) / "console.log"
            result = guest.boot(fake_qemu("fake_qemu_printing.py"), machine, FakeKernel,
                                Path("/nonexistent/initrd"), [], console, [],
                                stall_timeout=2, max_seconds=30)
        self.assertEqual(result.ending, "watchdog")
        self.assertLess(result.seconds, 20)
        self.assertEqual(result.culprit.name, "igt@prime_cross@import@vgem-to-vgem")
        self.assertIn("rcu: INFO: rcu_sched self-detected stall on CPU", result.oops)


if __name__ == "__main__":
    unittest.main()


class QemuCommandTest(unittest.TestCase):
    """The blob machine's RAM is a shared memfd, as its virtio-gpu needs."""

    def command(self, machine):
        qemu = SimpleNamespace(binary="qemu", data_args=lambda: [])
        kernel = SimpleNamespace(vmlinuz="vmlinuz")
        return guest.qemu_command(qemu, machine, kernel, "initrd", [], Path("c.log"),
                                  "qmp", "cmdline")

    def test_blob_machine_has_memfd_ram(self):
        cmd = self.command(MACHINES["blob"])
        self.assertIn("memory-backend-memfd,id=guest-ram,size=1024M,share=on", cmd)
        self.assertIn("q35,memory-backend=guest-ram", cmd)
        self.assertIn("virtio-gpu-pci,id=virtio-gpu,blob=true", cmd)

    def test_plain_machine_keeps_anonymous_ram(self):
        cmd = self.command(MACHINES["plain"])
        self.assertEqual(cmd[cmd.index("-machine") + 1], "q35")
        self.assertFalse(any("memory-backend" in a for a in cmd))


STDU_CONSOLE = """\
[    2.882217] vmwgfx 0000:00:01.0: [drm] Screen Target display unit initialized
[    3.190161] xprime-guest: drivers: card0=vgem card1=vmwgfx card2=virtio_gpu
[    3.214589] xprime-guest: vmwgfx: vmwgfx 0000:00:01.0: [drm] Screen Target display unit initialized
[    3.650218] xprime-guest: ready
"""


class DisplayUnitTest(unittest.TestCase):
    """A stdu guest whose vmwgfx fell back to another display unit is an
    infrastructure error; what the guest said survives in a saved state."""

    def result(self, said):
        drivers = [pair.split("=") for pair in said.get("drivers", "").split()]
        return SimpleNamespace(drivers=drivers, display_unit=said.get("vmwgfx", ""))

    def test_the_guest_says_its_drivers_and_display_unit(self):
        said = guest._ready_said(STDU_CONSOLE)
        self.assertEqual(said["drivers"], "card0=vgem card1=vmwgfx card2=virtio_gpu")
        self.assertEqual(said["vmwgfx"],
                         "vmwgfx 0000:00:01.0: [drm] Screen Target display unit initialized")
        self.assertIsNone(session.wrong_display_unit(MACHINES["stdu"], self.result(said)))

    def test_a_saved_state_keeps_what_the_guest_said(self):
        said = guest._ready_said(STDU_CONSOLE)
        text = "".join(f"{k}: {v}\n" for k, v in said.items())
        self.assertEqual(guest._said_file(text), said)
        # A state saved before the guest said more than its drivers.
        self.assertEqual(guest._said_file("card0=vgem card1=vmwgfx\n"),
                         {"drivers": "card0=vgem card1=vmwgfx"})

    def test_legacy_display_unit_on_stdu_is_refused(self):
        legacy = STDU_CONSOLE.replace("Screen Target", "Legacy")
        result = self.result(guest._ready_said(legacy))
        why = session.wrong_display_unit(MACHINES["stdu"], result)
        self.assertIn("does not drive the Screen Target display unit", why)
        self.assertIn("Legacy display unit initialized", why)
        self.assertIn("nothing of its display unit", session.wrong_display_unit(
            MACHINES["stdu"], self.result({"drivers": "card1=vmwgfx"})))
        # Other machines ask nothing; a boot that bound no driver says nothing.
        self.assertIsNone(session.wrong_display_unit(MACHINES["plain"], result))
        self.assertIsNone(session.wrong_display_unit(MACHINES["stdu"], self.result({})))

    def test_stdu_machine_asks_for_guest_backed_objects(self):
        cmd = QemuCommandTest.command(None, MACHINES["stdu"])
        self.assertIn("vmware-svga,id=vmware-svga,guest-backed=on", cmd)
        self.assertNotIn("guest-backed=on", " ".join(QemuCommandTest.command(
            None, MACHINES["plain"])))
