"""Kernels built from source: the config fragment, its check, built-in modules."""

import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

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


PATCH = """From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
Subject: [PATCH] a: fix

---
 a.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/a.c b/a.c
--- a/a.c
+++ b/a.c
@@ -1 +1 @@
-int a = 0;
+int a = 1;
"""


def cover_letter(count, subjects):
    """A cover letter as git format-patch writes one: a shortlog of
    @subjects, wrapped as git wraps them."""
    shortlog = "".join(f"  {s}\n" for s in subjects)
    return (f"From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
            f"Subject: [PATCH 0/{count}] a: fixes\n\nThe letter.\n\n"
            f"Someone ({len(subjects)}):\n{shortlog}\n a.c | 2 +-\n")


class TestFixedSource(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        root = Path(self.tmp.name)
        self.source = root / "linux"
        (self.source / "scripts").mkdir(parents=True)
        (self.source / "a.c").write_text("int a = 0;\n")
        # checkpatch stand-in: complains about the patch's name with "bad".
        (self.source / "scripts" / "checkpatch.pl").write_text(
            'my $f = $ARGV[-1]; if ($f =~ /bad/) { print "ERROR: bad\\n"; exit 1 }\n')
        self.series = root / "fixes" / "6.12"
        self.series.mkdir(parents=True)
        (self.series / "0001-a-fix.patch").write_text(PATCH)
        self.cover = self.series / kbuild.COVER_LETTER
        self.cover.write_text(cover_letter(1, ["a: fix"]))
        self.cache = root / "cache"
        self.cache.mkdir()
        patches = [mock.patch.object(kbuild, "FIXES", self.series.parent),
                   mock.patch.object(kbuild, "debian_source", return_value=self.source),
                   mock.patch("xprime.cache.cache_dir", return_value=self.cache)]
        for p in patches:
            p.start()
            self.addCleanup(p.stop)

    def test_series_applied_to_a_copy_the_source_kept(self):
        series = kbuild.fix_series("6.12")
        fixed = kbuild.fixed_source(self.source, "6.12", series)
        self.assertEqual((fixed / "a.c").read_text(), "int a = 1;\n")
        self.assertEqual((self.source / "a.c").read_text(), "int a = 0;\n")
        # The files the series leaves alone are the source's, linked.
        self.assertEqual((fixed / "scripts" / "checkpatch.pl").stat().st_ino,
                         (self.source / "scripts" / "checkpatch.pl").stat().st_ino)
        # Another series is another source, the first one kept.
        (self.series / "0001-a-fix.patch").write_text(PATCH.replace("a = 1", "a = 2"))
        other = kbuild.fixed_source(self.source, "6.12", series)
        self.assertNotEqual(other, fixed)
        self.assertEqual((other / "a.c").read_text(), "int a = 2;\n")

    def test_check_series(self):
        self.assertEqual(kbuild.check_series("6.12"), [])
        self.cover.write_text(cover_letter(2, ["a: fix"]))
        (self.series / "0002-bad.patch").write_text(PATCH)
        problems = kbuild.check_series("6.12")
        # The second patch does not apply after the first, and checkpatch
        # says why it is bad.
        self.assertEqual(len(problems), 2)
        self.assertIn("git apply --check", problems[0])
        self.assertIn("checkpatch 0002-bad.patch:\nERROR: bad", problems[1])
        self.assertEqual((self.source / "a.c").read_text(), "int a = 0;\n")

    def test_cover_letter_is_not_a_patch_of_the_series(self):
        # It has no diff: git apply would refuse it, and checkpatch has
        # nothing to check in it.
        self.assertEqual([p.name for p in kbuild.fix_series("6.12")], ["0001-a-fix.patch"])
        fixed = kbuild.fixed_source(self.source, "6.12", kbuild.fix_series("6.12"))
        self.assertEqual((fixed / "a.c").read_text(), "int a = 1;\n")

    def test_cover_letter_names_every_patch(self):
        series = kbuild.fix_series("6.12")
        two = PATCH.replace("Subject: [PATCH] a: fix",
                            "Subject: [PATCH 2/2] a: the second fix, with a subject long\n"
                            " enough to be folded")
        (self.series / "0002-b.patch").write_text(two)
        series = kbuild.fix_series("6.12")
        # Named (the second wrapped in the shortlog, as git wraps it).
        self.cover.write_text(cover_letter(2, ["a: fix", "a: the second fix, with a subject "
                                               "long\n    enough to be folded"]))
        self.assertEqual(kbuild.cover_letter_problems(self.cover, series), [])
        # One left out of the shortlog.
        self.cover.write_text(cover_letter(2, ["a: fix"]))
        problems = kbuild.cover_letter_problems(self.cover, series)
        self.assertEqual(len(problems), 1)
        self.assertIn("does not name 0002-b.patch (a: the second fix, with a subject long "
                      "enough to be folded)", problems[0])
        # The letter of a series of another length.
        self.cover.write_text(cover_letter(3, ["a: fix", "a: the second fix, with a subject "
                                               "long enough to be folded"]))
        self.assertIn("is not [PATCH 0/2]",
                      kbuild.cover_letter_problems(self.cover, series)[0])
        # None at all, and check_series says so.
        self.cover.unlink()
        self.assertIn("no cover letter 0000-cover-letter.patch",
                      kbuild.cover_letter_problems(self.cover, series)[0])
        self.assertIn("no cover letter", kbuild.check_series("6.12")[0])

    def test_patch_subject(self):
        self.assertEqual(kbuild.patch_subject("From x\nSubject: [PATCH 3/7] drm/x: Do\n"
                                              " the thing\n\nbody\n"), "drm/x: Do the thing")
        self.assertEqual(kbuild.patch_subject("no header\n"), "")

    def test_fixed_names_are_known_and_need_a_series(self):
        self.assertIn("6.12-fixed", kbuild.TWIN_NAMES)
        with self.assertRaises(kbuild.SetupError):
            kbuild.fix_series("9.9")


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
