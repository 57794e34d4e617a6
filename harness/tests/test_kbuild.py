"""Kernels built from source: the config fragment, its check, built-in modules."""

import subprocess
import tempfile
import unittest
from pathlib import Path

from xprime import kbuild, kernel


class TestFragment(unittest.TestCase):
    def test_twins_differ_only_in_debug_options(self):
        debug = kbuild.parse_config(kbuild.fragment_text(True))
        plain = kbuild.parse_config(kbuild.fragment_text(False))
        differ = {k for k in debug.keys() | plain.keys() if debug.get(k) != plain.get(k)}
        self.assertEqual(differ, {"CONFIG_DMABUF_DEBUG", "CONFIG_DMA_API_DEBUG"})
        self.assertEqual(plain["CONFIG_DMABUF_DEBUG"], "n")
        self.assertEqual(debug["CONFIG_DMA_API_DEBUG"], "y")

    def test_everything_built_in(self):
        options = kbuild.parse_config(kbuild.FRAGMENT.read_text())
        self.assertNotIn("m", options.values())
        self.assertIn("CONFIG_DRM_VMWGFX", options)

    def test_unmet(self):
        wanted = "CONFIG_A=y\nCONFIG_B=y\n# CONFIG_C is not set\nCONFIG_D=\"x\"\n"
        config = "CONFIG_A=y\nCONFIG_B=m\nCONFIG_C=y\n"
        self.assertEqual(kbuild.unmet(wanted, config),
                         ["CONFIG_B=y (got m)", "CONFIG_C=n (got y)",
                          'CONFIG_D="x" (got unset)'])
        self.assertEqual(kbuild.unmet("# CONFIG_C is not set\n", "# CONFIG_C is not set\n"), [])


class TestTreeIdentity(unittest.TestCase):
    def test_dirty_state_changes_identity(self):
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp)
            git = lambda *a: subprocess.run(["git", "-C", tmp, *a], check=True,
                                            capture_output=True)
            git("init", "-q")
            (tree / "Makefile").write_text("all:\n")
            git("add", "Makefile")
            git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
            clean = kbuild.tree_contents(tree)
            self.assertEqual(clean[2], "clean")
            (tree / "Makefile").write_text("all: x\n")
            edited = kbuild.tree_contents(tree)
            (tree / "new.c").write_text("int x;\n")
            untracked = kbuild.tree_contents(tree)
            self.assertEqual(len({str(clean), str(edited), str(untracked)}), 3)


class TestBuiltinModules(unittest.TestCase):
    def test_builtin_modules_need_no_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            mods = Path(tmp) / "modules" / "6.12.0-x"
            mods.mkdir(parents=True)
            (mods / "modules.dep").write_text("kernel/drivers/gpu/drm/vgem/vgem.ko.xz: "
                                              "kernel/drivers/gpu/drm/drm.ko.xz\n"
                                              "kernel/drivers/gpu/drm/drm.ko.xz:\n")
            (mods / "modules.builtin").write_text("kernel/fs/9p/9p.ko\n"
                                                  "kernel/net/9p/9pnet_virtio.ko\n")
            k = kernel.Kernel("x", tmp)
            self.assertEqual(k.module_deps(["9p", "9pnet_virtio"]), [])
            self.assertEqual([p.name for p in k.module_deps(["9p", "vgem"])],
                             ["drm.ko.xz", "vgem.ko.xz"])
            with self.assertRaises(kbuild.SetupError):
                k.module_deps(["nosuch"])


if __name__ == "__main__":
    unittest.main()
