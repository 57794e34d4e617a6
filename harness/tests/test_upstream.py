"""The series' mechanical edits of an IGT tree."""

import tempfile
import unittest
from pathlib import Path

from xprime import upstream


class TestEdits(unittest.TestCase):
    def test_entries_go_in_order_after_the_anchor(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "meson.build"
            path.write_text("lib_sources = [\n\t'igt_vc4.c',\n\t'igt_vgem.c',\n"
                            "\t'igt_x86.c',\n]\n")
            upstream.add_to_list(path, "igt_vgem.c", ["igt_pattern.c"])
            upstream.add_to_list(path, "igt_vgem.c", ["igt_dumb.c", "igt_virtgpu.c"])
            self.assertEqual(upstream.meson_list(path, "lib_sources"),
                             ["igt_vc4.c", "igt_vgem.c", "igt_dumb.c", "igt_pattern.c",
                              "igt_virtgpu.c", "igt_x86.c"])
            with self.assertRaisesRegex(upstream.SetupError, "no entry 'nothing'"):
                upstream.add_to_list(path, "nothing", ["igt_host.c"])

    def test_a_header_is_merged_inside_the_guard(self):
        ours = ("/* SPDX-License-Identifier: MIT */\n/*\n * Ours.\n */\n\n"
                "#ifndef IGT_VMWGFX_H\n#define IGT_VMWGFX_H\n\n#include <stdint.h>\n\n"
                "int igt_vmwgfx_x(int fd);\n\n#endif /* IGT_VMWGFX_H */\n")
        includes, body = upstream.split_source(ours)
        self.assertEqual(includes, ["#include <stdint.h>"])
        self.assertEqual(body, ["int igt_vmwgfx_x(int fd);"])


if __name__ == "__main__":
    unittest.main()
