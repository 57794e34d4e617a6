"""The newc cpio entries the kernel unpacks."""

import os
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from xprime import initramfs, kernel


class TestNewc(unittest.TestCase):
    def test_entry_layout(self):
        blob = initramfs.newc_entry("init", 0o100755, b"#!/bin/sh\n", ino=3)
        self.assertTrue(blob.startswith(b"070701"))
        self.assertEqual(len(blob) % 4, 0)
        self.assertEqual(int(blob[6:14], 16), 3)           # inode
        self.assertEqual(int(blob[14:22], 16), 0o100755)    # mode
        self.assertEqual(int(blob[54:62], 16), 10)          # file size
        self.assertEqual(int(blob[94:102], 16), len(b"init\0"))
        name_end = 110 + 5
        self.assertEqual(blob[110:name_end], b"init\0")
        data_at = (name_end + 3) & ~3
        self.assertEqual(blob[data_at:data_at + 10], b"#!/bin/sh\n")


class TestModuleOrder(unittest.TestCase):
    def test_soft_dependency_through_an_alias_comes_first(self):
        with tempfile.TemporaryDirectory() as tmp:
            mods = Path(tmp) / "modules" / "6.12.0"
            mods.mkdir(parents=True)
            (mods / "modules.dep").write_text(
                "kernel/fs/erofs/erofs.ko.xz: kernel/lib/libcrc32c.ko.xz\n"
                "kernel/lib/libcrc32c.ko.xz:\n"
                "kernel/arch/x86/crypto/crc32c-intel.ko.xz:\n"
                "kernel/crypto/crc32c_generic.ko.xz:\n")
            (mods / "modules.softdep").write_text("softdep libcrc32c pre: crc32c\n")
            (mods / "modules.alias").write_text("alias crc32c crc32c_intel\n"
                                                "alias crc32c crc32c_generic\n")
            k = kernel.Kernel("test", tmp)
            order = [p.name for p in k.module_deps(["erofs"])]
        self.assertEqual(order, ["crc32c_generic.ko.xz", "libcrc32c.ko.xz", "erofs.ko.xz"])


@unittest.skipUnless(initramfs.BUSYBOX.exists(), "no /bin/busybox (busybox-static)")
class TestCachedInitramfs(unittest.TestCase):
    def test_a_made_initramfs_is_found_without_reading_the_module_lists(self):
        with tempfile.TemporaryDirectory() as tmp, \
                mock.patch.dict(os.environ, {"XPRIME_CACHE": str(Path(tmp) / "cache")}):
            mods = Path(tmp) / "kernel" / "modules" / "6.12.0"
            mods.mkdir(parents=True)
            names = ["virtio_blk", "erofs", "9p", "9pnet_virtio", "vgem"]
            (mods / "modules.dep").write_text("".join(f"{n}.ko:\n" for n in names))
            for name in names:
                (mods / f"{name}.ko").write_bytes(b"\x7fELF")
            made = initramfs.initramfs_for(kernel.Kernel("test", Path(tmp) / "kernel"))
            self.assertIn(b"modules/vgem.ko", made.read_bytes())
            # Every later run finds it by the kernel's directory alone.
            (mods / "modules.dep").unlink()
            found = initramfs.initramfs_for(kernel.Kernel("test", Path(tmp) / "kernel"))
            self.assertEqual(found, made)


if __name__ == "__main__":
    unittest.main()
