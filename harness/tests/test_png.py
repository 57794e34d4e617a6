"""The PNG reader the report check uses."""

import struct
import unittest
import zlib

from xprime import png


def chunk(kind, body):
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))


def make(rows, filter_type=0):
    """An RGB PNG of @rows; with filter 1 (sub) on every row."""
    raw = b""
    for row in rows:
        line = bytes(c for px in row for c in px)
        if filter_type == 1:
            line = bytes((line[i] - (line[i - 3] if i >= 3 else 0)) & 255
                         for i in range(len(line)))
        raw += bytes([filter_type]) + line
    header = struct.pack(">IIBBBBB", len(rows[0]), len(rows), 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class TestPng(unittest.TestCase):
    def test_pixels_and_counts(self):
        rows = [[(200, 16, 46), (255, 0, 0)], [(1, 2, 3), (200, 16, 46)]]
        for f in (0, 1):
            width, height, got = png.pixels(make(rows, f))
            self.assertEqual((width, height, got), (2, 2, rows))
            self.assertEqual(png.count(got, (200, 16, 46)), 2)

    def test_not_a_png(self):
        with self.assertRaisesRegex(ValueError, "not a PNG"):
            png.pixels(b"GIF89a")


if __name__ == "__main__":
    unittest.main()
