"""The newc cpio entries the kernel unpacks."""

import unittest

from xprime import initramfs


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


if __name__ == "__main__":
    unittest.main()
