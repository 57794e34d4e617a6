"""Filters, names and the results.json bookkeeping of a run."""

import dataclasses
import json
import os
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from xprime import errors, filters, guest, results, session

TESTS = {"prime_cross": "/x/prime_cross", "vmwgfx/vmw_prime": "/y/vmw_prime",
         "vgem_basic": "/y/vgem_basic"}


class TestNames(unittest.TestCase):
    DOCUMENTED = {"prime_cross": {"import": ["vgem-to-vgem", "vgem-to-vmwgfx"]},
                  "prime_import": {"bad-fd": None}}

    def test_misspelt_subtest_and_dynamic_subtest_name_what_exists(self):
        with self.assertRaises(errors.UsageError) as err:
            filters.check_names(["igt@prime_cross@imprt"], self.DOCUMENTED)
        self.assertIn("its subtests: import", str(err.exception))
        with self.assertRaises(errors.UsageError) as err:
            filters.check_names(["igt@prime_cross@import@vgem-to-nothing"], self.DOCUMENTED)
        self.assertIn("vgem-to-vgem, vgem-to-vmwgfx", str(err.exception))

    def test_known_names_and_unlisted_ones_pass(self):
        filters.check_names(["igt@prime_cross@import@vgem-to-vmwgfx", "igt@prime_cross",
                             "igt@prime_import@bad-fd@vgem-pipe",
                             "igt@vmwgfx/vmw_prime@basic-vgem"], self.DOCUMENTED)

    def test_unmatched_after_the_run(self):
        results = {"igt@vgem_basic@create": {}, "igt@prime_device@importer-device-read": {}}
        self.assertEqual(filters.unmatched(
            ["igt@vgem_basic@create", "igt@vgem_basic@craete",
             "igt@prime_device@importer-device-read@vgem-to-virtio-gpu"], results),
            ["igt@vgem_basic@craete"])


class TestSavedState(unittest.TestCase):
    """A saved guest state is found again only for the same inputs."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.env = mock.patch.dict(os.environ, {"XPRIME_CACHE": str(self.tmp / "cache")})
        self.env.start()
        for name in ("qemu", "vmlinuz", "initrd", "root.erofs"):
            (self.tmp / name).write_text(name)
        self.qemu = SimpleNamespace(binary=self.tmp / "qemu")
        machine = guest.Machine("m", vga=["-device", "x"], display=[])
        self.config = session.Config("k", SimpleNamespace(vmlinuz=self.tmp / "vmlinuz"), machine)
        self.shares = [guest.Share("job", self.tmp), guest.Share("results", self.tmp, True)]

    def tearDown(self):
        self.env.stop()

    def state(self, shares=None, keep=False):
        """The saved state of these inputs, released (as a run that ended
        leaves it) unless @keep."""
        state = session.saved_state(self.config, self.qemu, self.tmp / "initrd",
                                    self.tmp / "root.erofs", shares or self.shares)
        if not keep:
            state.release()
        return state

    def test_same_inputs_same_state_other_share_paths_too(self):
        first = self.state()
        moved = [guest.Share(s.tag, Path("/elsewhere"), s.writable) for s in self.shares]
        self.assertEqual(first.path, self.state(moved).path)

    def test_new_initramfs_new_state_the_oldest_gone(self):
        states = []
        for n in range(session.SAVED_STATES_KEPT + 1):
            (self.tmp / "initrd").write_text(f"init {n}")
            state = self.state()
            state.path.write_text("state")
            state.drivers_file.write_text("card0=vgem\n")
            os.utime(state.path, (n, n))
            states.append(state)
        self.assertEqual(len({s.path for s in states}), len(states))
        self.assertFalse(states[0].path.exists())
        self.assertFalse(states[0].drivers_file.exists())
        self.assertTrue(all(s.path.exists() for s in states[1:]))

    def test_a_configuration_named_alike_keeps_its_states(self):
        config = self.config
        self.config = dataclasses.replace(config, name="k-virgl", identity="k-virgl")
        virgl = self.state()
        virgl.path.write_text("state")
        os.utime(virgl.path, (1, 1))
        self.config = config
        for n in range(session.SAVED_STATES_KEPT + 1):
            (self.tmp / "initrd").write_text(f"init {n}")
            self.state().path.write_text("state")
        self.assertTrue(virgl.path.exists())

    def test_a_state_used_again_is_kept(self):
        def initramfs(n):
            (self.tmp / "initrd").write_text("init")
            os.utime(self.tmp / "initrd", (n, n))
        initramfs(100)
        used = self.state()
        used.path.write_text("state")
        os.utime(used.path, (1, 1))
        for n in range(session.SAVED_STATES_KEPT - 1):
            initramfs(n)
            self.state().path.write_text("state")
        initramfs(100)
        self.assertEqual(self.state().path, used.path)   # used again: the newest
        for n in (200, 300):
            initramfs(n)
            self.state().path.write_text("state")
        self.assertTrue(used.path.exists())


class TestFilters(unittest.TestCase):
    def test_forms(self):
        self.assertEqual(filters.resolve_filters(
            ["prime_cross", "vmw_prime@basic-vgem", "igt@prime_cross@import@vgem-to-vmwgfx"],
            TESTS),
            ["igt@prime_cross", "igt@vmwgfx/vmw_prime@basic-vgem",
             "igt@prime_cross@import@vgem-to-vmwgfx"])

    def test_unknown_test(self):
        with self.assertRaises(errors.UsageError) as err:
            filters.resolve_filters(["nosuch@x"], TESTS)
        self.assertIn("no test named 'nosuch'", str(err.exception))

    def test_malformed(self):
        for bad in ["", "a@b@c@d", "prime_cross@", "x y", "igt@@x"]:
            with self.assertRaises(errors.UsageError, msg=bad):
                filters.resolve_filters([bad], TESTS)

    def test_project_tests_from_sources(self):
        tests = filters.project_tests()
        self.assertEqual(tests["prime_cross"], "/xprime/build/tests/prime/prime_cross")

    def test_full_name_restores_directory(self):
        culprit = guest.Culprit("vmw_prime", "basic-vgem")
        self.assertEqual(session.full_name(culprit, TESTS), "igt@vmwgfx/vmw_prime@basic-vgem")


class TestCrashOf(unittest.TestCase):
    def result(self, task, binary="xprime_selftest_long_name"):
        return guest.BootResult(console=Path("c"), ending="panic", seconds=1.0,
                                oops="BUG: x", task=task,
                                culprit=guest.Culprit(binary, "sub", "dyn"))

    def test_own_task_is_a_crash(self):
        crash = session.crash_of(self.result("xprime_selftest"), TESTS, 3)
        self.assertFalse(crash.suspect)
        self.assertEqual(crash.name, "igt@xprime_selftest_long_name@sub@dyn")
        self.assertEqual(crash.boot, 3)

    def test_other_task_is_suspect(self):
        self.assertTrue(session.crash_of(self.result("kworker/0:1"), TESTS, 1).suspect)

    def test_no_task_named(self):
        self.assertFalse(session.crash_of(self.result(""), TESTS, 1).suspect)


class TestResults(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.results = self.tmp / "cfg"
        self.results.mkdir()
        self.write(self.results, {
            "igt@prime_cross@import": {"result": "incomplete"},
            "igt@prime_cross@import@vgem-to-vgem": {"result": "pass"},
            "igt@prime_cross@import@vmwgfx-to-vgem": {"result": "incomplete"},
            "igt@vgem_basic@create": {"result": "pass"},
            "igt@prime_cross": {"dmesg": "igt_runner files a stray dmesg here"},
        })

    def write(self, directory, tests):
        for entry in tests.values():
            entry.setdefault("out", "")
            entry.setdefault("err", "")
            entry.setdefault("dmesg", "")
        (directory / "results.json").write_text(json.dumps({"tests": tests, "totals": {}}))

    def read(self):
        return json.loads((self.results / "results.json").read_text())

    def test_a_whole_test_placeholder_goes_once_its_subtests_have_results(self):
        placeholder = {"result": "incomplete", "out": "This test didn't produce any output. "
                       "The machine probably rebooted ungracefully.", "err": "", "dmesg": ""}
        data = self.read()
        data["tests"]["igt@prime_cross"] = dict(placeholder)
        # A test that a crash ended before any of its subtests said anything.
        data["tests"]["igt@prime_content"] = dict(placeholder)
        (self.results / "results.json").write_text(json.dumps(data))
        results.finish(self.results, [])
        tests = self.read()["tests"]
        self.assertNotIn("igt@prime_cross", tests)
        self.assertEqual(tests["igt@prime_content"]["result"], "incomplete")

    def test_crash_recorded_with_report(self):
        culprit = guest.Culprit("prime_cross", "import", "vmwgfx-to-vgem", ["vgem-to-vgem"])
        outcome = session.Outcome(None, self.results, self.tmp)
        outcome.crashes.append(session.Crash(
            "igt@prime_cross@import@vmwgfx-to-vgem", culprit, 1, "BUG: kernel NULL pointer"))
        results.finish(outcome.results, outcome.crashes)
        data = self.read()
        tests = data["tests"]
        self.assertEqual(tests["igt@prime_cross@import@vmwgfx-to-vgem"]["result"], "crash")
        self.assertTrue(tests["igt@prime_cross@import@vmwgfx-to-vgem"]["dmesg"]
                        .startswith("BUG: kernel NULL pointer"))
        self.assertEqual(tests["igt@prime_cross@import"]["result"], "crash")
        self.assertEqual(tests["igt@prime_cross@import@vgem-to-vgem"]["result"], "pass")
        self.assertEqual(data["totals"]["root"]["crash"], 2)
        self.assertEqual(data["totals"]["igt@vgem_basic"]["pass"], 1)

    def test_host_noise_forgiven_other_warnings_kept(self):
        noise = "<4> [30.3] hrtimer: interrupt took 105022565 ns\n<6> [30.4] [IGT] x: ok"
        self.write(self.results, {
            "igt@a@noise": {"result": "dmesg-warn", "dmesg": noise},
            "igt@a@noise-and-fail": {"result": "dmesg-fail", "dmesg": noise},
            "igt@a@real": {"result": "dmesg-warn",
                           "dmesg": noise + "\n<4> [31.0] WARNING: CPU: 0 PID: 1 at x.c:1"},
            "igt@a@clocksource": {"result": "dmesg-warn", "dmesg": (
                "<4> [8.8] clocksource: Long readout interval, skipping watchdog check: "
                "cs_nsec: 1004616643 wd_nsec: 1004603936")},
        })
        results.finish(self.results, [])
        tests = self.read()["tests"]
        self.assertEqual(tests["igt@a@noise"]["result"], "pass")
        self.assertIn("host-load noise", tests["igt@a@noise"]["out"])
        self.assertEqual(tests["igt@a@noise-and-fail"]["result"], "fail")
        self.assertEqual(tests["igt@a@real"]["result"], "dmesg-warn")
        self.assertEqual(tests["igt@a@clocksource"]["result"], "pass")

    def test_followup_merged_only_for_its_subtest(self):
        followup = self.tmp / "followup-1"
        followup.mkdir()
        self.write(followup, {
            "igt@prime_cross@import": {"result": "pass"},
            "igt@prime_cross@import@vmwgfx-to-vmwgfx": {"result": "pass"},
            "igt@vgem_basic@create": {"result": "fail"},
        })
        results.take_followup(self.results, followup, "igt@prime_cross@import",
                              only_dynamic=True)
        tests = self.read()["tests"]
        self.assertEqual(tests["igt@prime_cross@import@vmwgfx-to-vmwgfx"]["result"], "pass")
        self.assertEqual(tests["igt@vgem_basic@create"]["result"], "pass")
        self.assertEqual(tests["igt@prime_cross@import"]["result"], "incomplete")

    def test_followup_replaces_incomplete(self):
        followup = self.tmp / "followup-1"
        followup.mkdir()
        self.write(followup, {"igt@prime_cross@import@vmwgfx-to-vgem": {"result": "fail"}})
        results.take_followup(self.results, followup, "igt@prime_cross@import")
        tests = self.read()["tests"]
        self.assertEqual(tests["igt@prime_cross@import@vmwgfx-to-vgem"]["result"], "fail")

    def test_finished_before_the_crash_recorded_from_the_kernel_log(self):
        # libigt logged both as finished; igt_runner recorded only the first
        # before vmwgfx-to-vmwgfx oopsed.
        culprit = guest.Culprit("prime_cross", "import", "vmwgfx-to-vmwgfx",
                                ["vgem-to-vgem", "vgem-to-vmwgfx"],
                                {"vgem-to-vgem": "FAIL", "vgem-to-vmwgfx": "FAIL"},
                                {"vgem-to-vmwgfx": 0.25})
        outcome = session.Outcome(None, self.results, self.tmp)
        outcome.crashes.append(session.Crash(
            "igt@prime_cross@import@vmwgfx-to-vmwgfx", culprit, 4, "BUG: x"))
        results.record_finished(outcome.results, outcome.crashes)
        tests = self.read()["tests"]
        self.assertEqual(tests["igt@prime_cross@import@vgem-to-vgem"]["result"], "pass")
        self.assertEqual(tests["igt@prime_cross@import@vgem-to-vmwgfx"]["result"], "fail")
        self.assertIn("result from the kernel log",
                      tests["igt@prime_cross@import@vgem-to-vmwgfx"]["out"])
        self.assertEqual(tests["igt@prime_cross@import@vgem-to-vmwgfx"]["time"],
                         {"__type__": "TimeAttribute", "start": 0.0, "end": 0.25})
        # ... so the follow-up leaves it out.
        self.assertIn("!vgem-to-vmwgfx",
                      session.followup_pattern(outcome, "igt@prime_cross@import"))

    def test_followup_pattern_record_is_no_result(self):
        # A follow-up's crash before the subtest wrote anything leaves
        # igt_results' record of the test-list line itself.
        followup = self.tmp / "followup-7"
        followup.mkdir()
        self.write(followup, {
            "igt@prime_cross@import@*,!vmwgfx-to-vgem": {"result": "incomplete"},
            "igt@prime_cross@import@*": {"result": "incomplete"},
            "igt@prime_cross@import@vmwgfx-to-vmwgfx": {"result": "pass"},
        })
        results.take_followup(self.results, followup, "igt@prime_cross@import",
                              only_dynamic=True)
        tests = self.read()["tests"]
        self.assertNotIn("igt@prime_cross@import@*,!vmwgfx-to-vgem", tests)
        self.assertNotIn("igt@prime_cross@import@*", tests)
        self.assertEqual(tests["igt@prime_cross@import@vmwgfx-to-vmwgfx"]["result"], "pass")

    def test_recorded_dynamics_skip_incomplete(self):
        self.assertEqual(results.recorded_dynamics(self.results, "igt@prime_cross@import"),
                         {"vgem-to-vgem"})


if __name__ == "__main__":
    unittest.main()


class TestFailedAssertion(unittest.TestCase):
    def test_a_fail_igt_runner_had_received_is_read_from_its_comms(self):
        packets = [b"\x001TGI\x10\x00\x00\x00vgem-to-vgem\x00",
                   b"\x001TGI\x20\x00\x00\x00[1.0] (t:9) CRITICAL: Failed assertion: a\n\x00",
                   b"\x001TGI\x30\x00\x00\x00Dynamic subtest vgem-to-vgem failed.\n\x00",
                   b"\x001TGI\x10\x00\x00\x00udmabuf-to-vgem\x00",
                   b"\x001TGI\x20\x00\x00\x00[2.0] (t:9) CRITICAL: Failed assertion: b\n\x00"]
        with tempfile.TemporaryDirectory() as tmp:
            job = Path(tmp)
            (job / "comms").write_bytes(b"".join(packets))
            self.assertEqual(results.failed_assertion(job, "vgem-to-vgem"),
                             "[1.0] (t:9) CRITICAL: Failed assertion: a\n")
            # Its end not received: nothing to go by.
            self.assertEqual(results.failed_assertion(job, "udmabuf-to-vgem"), "")


class TestMergeParts(unittest.TestCase):
    def test_parts_joined_in_the_configurations_directory(self):
        with tempfile.TemporaryDirectory() as tmp:
            config = SimpleNamespace(name="debian-6.12")
            home, logs = Path(tmp) / "debian-6.12", Path(tmp) / "logs" / "debian-6.12"

            def part(index, tests, boots, start, end):
                directory = home / f"part-{index}"
                directory.mkdir(parents=True)
                (directory / "results.json").write_text(json.dumps({
                    "name": "debian-6.12", "tests": tests, "runtimes": {},
                    "time_elapsed": {"start": start, "end": end}}))
                outcome = session.Outcome(config, directory, logs)
                outcome.boots = [SimpleNamespace(console=logs / f"console-boot{n}.log")
                                 for n in boots]
                outcome.crashes = [SimpleNamespace(boot=n) for n in boots[1:]]
                return outcome
            one = part(1, {"igt@prime_cross@import": {"result": "pass"}}, [1, 3, 4], 10, 50)
            two = part(2, {"igt@vgem_basic@create": {"result": "crash"}}, [2, 5], 11, 40)
            data = json.loads((two.results / "results.json").read_text())
            del data["time_elapsed"]["end"]     # a run a crash ended: no endtime.txt
            (two.results / "results.json").write_text(json.dumps(data))
            merged = session.join_parts([one, two])
            self.assertEqual(merged.results, home)
            self.assertEqual([b.console.name for b in merged.boots],
                             [f"console-boot{n}.log" for n in (1, 2, 3, 4, 5)])
            self.assertEqual([c.boot for c in merged.crashes], [3, 4, 5])
            data = json.loads((home / "results.json").read_text())
            self.assertEqual(sorted(data["tests"]), ["igt@prime_cross@import",
                                                     "igt@vgem_basic@create"])
            self.assertEqual((data["time_elapsed"]["start"], data["time_elapsed"]["end"]),
                             (10, 50))
            self.assertEqual(data["totals"]["root"]["crash"], 1)
