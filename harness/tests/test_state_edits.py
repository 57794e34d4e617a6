"""The saved-state edits change what they say and nothing else."""

import struct
import unittest

from xprime import state_edits


def stream():
    """A stream around a subsection of one screen target, one MOB and one
    2x2 surface of 4 bytes a pixel."""
    fields = struct.pack(">3I", 5, 0, 0) + bytes(6 * 16)
    fields += struct.pack(">IIIiiII", 1, 1280, 800, 0, 0, 1, 1)
    fields += struct.pack(">IIIiiII", 0, 0, 0, 0, 0, 0, 0xffffffff) * 7
    fields += struct.pack(">i", 1) + struct.pack(">IIQI", 0, 6, 12397, 4096)
    fields += struct.pack(">i", 1) + struct.pack(">IIQIIIII", 1, 1, 0, 2, 2, 4, 0, 16)
    fields += bytes(range(16))
    return b"RAM" + state_edits.SUBSECTION + struct.pack(">I", 1) + fields + b"~tail"


class TestLayout(unittest.TestCase):
    def test_finds_every_part(self):
        data = stream()
        where = state_edits.layout(data)
        self.assertEqual(struct.unpack_from(">II", data, where.screen_targets), (1, 1280))
        self.assertEqual(struct.unpack_from(">i", data, where.mob_count), (1,))
        self.assertEqual(struct.unpack_from(">IIQI", data, where.mobs), (0, 6, 12397, 4096))
        self.assertEqual(len(where.surfaces), 1)
        self.assertEqual(where.surfaces[0][1], 16)
        self.assertEqual(data[where.end:], b"~tail")

    def test_no_subsection_is_an_error(self):
        with self.assertRaises(ValueError):
            state_edits.layout(b"RAM only")


class TestEdits(unittest.TestCase):
    def edited(self, name):
        data = stream()
        return state_edits.EDITS[name](data, state_edits.layout(data))

    def test_counts(self):
        data = self.edited("mob-count-negative")
        where = state_edits.layout(stream())
        self.assertEqual(struct.unpack_from(">i", data, where.mob_count), (-1,))
        data = self.edited("surface-count-huge")
        self.assertEqual(struct.unpack_from(">i", data, where.surface_count), (0x7fffffff,))

    def test_screen_target_of_width_0(self):
        data = self.edited("screen-target-width-0")
        where = state_edits.layout(data)
        self.assertEqual(struct.unpack_from(">III", data, where.screen_targets), (1, 0, 800))

    def test_surfaces_without_image_keep_the_stream_framed(self):
        for name, size in (("surface-empty", (0, 0)),
                           ("surface-size-wraps", (1 << 31, 1 << 31))):
            data = self.edited(name)
            where = state_edits.layout(data)
            offset, image = where.surfaces[0]
            self.assertEqual(image, 0, name)
            self.assertEqual(struct.unpack_from(">II", data, offset + 16), size, name)
            self.assertEqual(data[where.end:], b"~tail", name)

    def test_mismatch_and_duplicate_keep_the_stream_framed(self):
        data = self.edited("surface-size-mismatch")
        where = state_edits.layout(data)
        self.assertEqual(where.surfaces[0][1], 20)
        self.assertEqual(data[where.end:], b"~tail")
        data = self.edited("surface-duplicate")
        where = state_edits.layout(data)
        self.assertEqual(len(where.surfaces), 2)
        self.assertEqual(data[where.end:], b"~tail")

    def test_mob_oversized(self):
        data = self.edited("mob-oversized")
        where = state_edits.layout(data)
        self.assertEqual(struct.unpack_from(">IIQI", data, where.mobs),
                         (0, 6, 1, 0xffffffff))


if __name__ == "__main__":
    unittest.main()
