"""What a guest wrote is read without following links, up to a cap, and
rewritten by replacing it; QEMU runs unprivileged, sandboxed, capped, over
shares that are never passthrough; a boot that floods the share ends."""

import json
import os
import stat
import subprocess
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from xprime import guest, guestfiles, qemuuser, results
from xprime.suite import MACHINES


class GuestFilesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.victim = self.dir / "host-file"
        self.victim.write_text('{"tests": {}}')

    def tearDown(self):
        self.tmp.cleanup()

    def link(self, name):
        path = self.dir / name
        path.symlink_to(self.victim)
        return path

    def test_a_regular_file_is_read(self):
        path = self.dir / "out.txt"
        path.write_text("hello")
        self.assertEqual(guestfiles.read_text(path), "hello")
        self.assertEqual(guestfiles.tail(path, 3), "llo")
        self.assertTrue(guestfiles.is_file(path))

    def test_a_symlink_is_refused(self):
        path = self.link("results.json")
        with self.assertRaisesRegex(guestfiles.GuestFileError, "symlink"):
            guestfiles.read_bytes(path)
        with self.assertRaises(guestfiles.GuestFileError):
            guestfiles.load_json(path)
        self.assertEqual(guestfiles.tail(path, 10), "")
        self.assertFalse(guestfiles.is_file(path))
        self.assertEqual(guestfiles.size(path), os.lstat(path).st_size)

    def test_a_fifo_is_refused_without_blocking(self):
        path = self.dir / "console.log"
        os.mkfifo(path)
        with self.assertRaisesRegex(guestfiles.GuestFileError, "not a regular file"):
            guestfiles.read_bytes(path)

    def test_reads_stop_at_the_cap(self):
        path = self.dir / "big"
        path.write_bytes(b"x" * 100)
        with self.assertRaisesRegex(guestfiles.GuestFileError, "over 10 bytes"):
            guestfiles.read_bytes(path, cap=10)
        data = guestfiles.read_bytes(path, cap=10, truncate=True)
        self.assertTrue(data.startswith(b"x" * 10 + b"\n[xprime: truncated at 10 bytes]"))
        self.assertEqual(len(guestfiles.read_bytes(path, cap=100)), 100)

    def test_a_rewrite_replaces_a_symlink_and_leaves_its_target(self):
        path = self.link("results.json")
        guestfiles.write_text(path, "new")
        self.assertFalse(path.is_symlink())
        self.assertEqual(path.read_text(), "new")
        self.assertEqual(self.victim.read_text(), '{"tests": {}}')
        self.assertEqual(sorted(p.name for p in self.dir.iterdir()),
                         ["host-file", "results.json"])

    def test_results_edit_refuses_a_linked_results_json(self):
        self.link("results.json")
        with self.assertRaises(guestfiles.GuestFileError):
            with results.edit(self.dir) as data:
                data["tests"]["igt@x"] = {"result": "pass"}
        self.assertEqual(self.victim.read_text(), '{"tests": {}}')

    def test_results_edit_rewrites_a_regular_file(self):
        (self.dir / "results.json").write_text('{"tests": {}}')
        with results.edit(self.dir) as data:
            data["tests"]["igt@x"] = {"result": "pass"}
        self.assertEqual(json.loads((self.dir / "results.json").read_text())["tests"],
                         {"igt@x": {"result": "pass"}})

    def test_audit_finds_what_no_guest_may_leave(self):
        self.link("escape-shadow")
        setuid = self.dir / "escape-setuid"
        setuid.write_bytes(b"\x7fELF")
        setuid.chmod(0o4755)
        os.mkfifo(self.dir / "fifo")
        (self.dir / "sub").mkdir()
        (self.dir / "sub" / "big").write_bytes(b"y" * 50)
        (self.dir / "sub" / "empty").touch()
        if os.geteuid() == 0:
            os.mknod(self.dir / "escape-mem", stat.S_IFCHR | 0o600, os.makedev(1, 1))
        found = guestfiles.audit(self.dir, full_at=50)
        self.assertEqual([Path(p).name for p in found["symlinks"]], ["escape-shadow"])
        self.assertEqual([Path(p).name for p in found["setid"]], ["escape-setuid"])
        self.assertEqual([Path(p).name for p in found["other"]], ["fifo"])
        self.assertEqual([Path(p).name for p in found["full"]], ["big"])
        self.assertEqual(found["largest"][0], 50)
        if os.geteuid() == 0:
            self.assertEqual([Path(p).name for p in found["devices"]], ["escape-mem"])
        # The link is not followed: its target is not counted.
        self.assertEqual(found["bytes"], 4 + 50 + len(self.victim.read_bytes()))


def command(machine, shares=(), incoming=None):
    qemu = SimpleNamespace(binary="qemu", data_args=lambda: [])
    kernel = SimpleNamespace(vmlinuz="vmlinuz")
    return guest.qemu_command(qemu, machine, kernel, "initrd", list(shares), Path("c.log"),
                              "qmp", "cmdline", incoming=incoming)


class QemuHardeningTest(unittest.TestCase):
    SHARES = [guest.Share("modules", Path("/m")), guest.Share("results", Path("/r"), True)]

    def test_no_share_is_passthrough(self):
        cmd = " ".join(command(MACHINES["plain"], self.SHARES))
        self.assertNotIn("passthrough", cmd)
        self.assertIn("local,id=fs-results,path=/r,security_model=mapped-xattr ", cmd)
        self.assertIn("local,id=fs-modules,path=/m,security_model=none,readonly=on ", cmd)

    def test_sandboxed_and_unprivileged(self):
        cmd = command(MACHINES["virgl"])
        sandbox = cmd[cmd.index("-sandbox") + 1]
        for word in ("on", "obsolete=deny", "spawn=deny", "resourcecontrol=deny",
                     # deny (and children) would trap -runas's own setuid().
                     "elevateprivileges=allow"):
            self.assertIn(word, sandbox.split(","))
        with mock.patch("os.geteuid", return_value=0):
            cmd = command(MACHINES["plain"])
        self.assertEqual(cmd[cmd.index("-runas") + 1], qemuuser.USER)

    def test_a_saved_state_comes_from_a_descriptor(self):
        cmd = command(MACHINES["plain"], incoming=7)
        self.assertEqual(cmd[cmd.index("-incoming") + 1], "fd:7")
        self.assertNotIn("exec:", " ".join(cmd))

    def test_qemu_writes_no_file_past_the_cap(self):
        with tempfile.TemporaryDirectory() as tmp, \
                mock.patch.object(guest, "FILE_CAP", 4096):
            out = Path(tmp) / "flood"
            done = subprocess.run(["sh", "-c", f"head -c 10000 /dev/zero > {out}; echo $?"],
                                  capture_output=True, text=True,
                                  preexec_fn=guest._qemu_limits)
            # EFBIG, not SIGXFSZ: the writer lives on.
            self.assertEqual(done.returncode, 0)
            self.assertEqual(done.stdout.strip(), "1")
            self.assertEqual(out.stat().st_size, 4096)

    def test_the_uid_of_a_process(self):
        uid, seccomp = guest.process_status(os.getpid())
        self.assertEqual(uid, os.getuid())
        self.assertIn(seccomp, (0, 1, 2))


class FloodTest(unittest.TestCase):
    """A boot whose guest fills a file to QEMU's cap, or the share past its
    cap, ends as a flood; what earlier boots left does not count."""

    def attempt(self, share):
        spec = guest.BootSpec(None, MACHINES["plain"], None, None,
                              [guest.Share("results", share, True)], share / "console.log",
                              [])
        attempt = guest.Attempt(spec)
        attempt.measure_shares()
        return attempt

    def test_a_file_at_the_cap_is_a_flood_once(self):
        with tempfile.TemporaryDirectory() as tmp:
            share = Path(tmp)
            with open(share / "old", "wb") as old:
                old.truncate(guest.FILE_CAP)
            attempt = self.attempt(share)
            self.assertIsNone(attempt.flood())
            with open(share / "escape-big", "wb") as big:
                big.truncate(guest.FILE_CAP)
            self.assertIn("escape-big reached 64 MiB", attempt.flood())

    def test_the_share_grown_past_its_cap_is_a_flood(self):
        with tempfile.TemporaryDirectory() as tmp, \
                mock.patch.object(guest, "RUN_DIR_CAP", 1000):
            share = Path(tmp)
            attempt = self.attempt(share)
            for n in range(3):
                (share / f"f{n}").write_bytes(b"z" * 400)
            self.assertIn("grew by", attempt.flood())


if __name__ == "__main__":
    unittest.main()
