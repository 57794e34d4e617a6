"""Shards and their merge."""

import json
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace

from xprime import errors, results, shards, suite


def shard_dir(root, name, tests):
    (root / name / "debian-6.12").mkdir(parents=True)
    (root / name / "debian-6.12" / "results.json").write_text(json.dumps({"tests": tests}))
    return root / name


class TestShards(unittest.TestCase):
    def test_every_pair_in_exactly_one_shard(self):
        kern = SimpleNamespace(name="debian-6.12")
        work = [(kern, suite.MACHINE, Path("/r"), [])]
        lines = [f"igt@t{i}" for i in range(7)]
        dealt = [shards.shard_work(work, lines, k, 3) for k in (1, 2, 3)]
        got = sorted(line for shard in dealt for _, _, _, ls in shard for line in ls)
        self.assertEqual(got, sorted(lines))
        self.assertEqual([len(s[0][3]) for s in dealt], [3, 2, 2])
        with self.assertRaises(errors.UsageError):
            shards.parse_shard("4/3")

    def test_merge_joins_and_refuses_overlaps(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            a = shard_dir(root, "a", {"igt@x@s": {"result": "crash"},
                                      "igt@x@s@d1": {"result": "crash"}})
            b = shard_dir(root, "b", {"igt@x@s": {"result": "pass"},
                                      "igt@x@s@d2": {"result": "pass"}, "igt@x": {}})
            tests = results.join_shards([a, b])["debian-6.12"]["tests"]
            self.assertEqual(tests["igt@x@s"]["result"], "crash")
            self.assertEqual(sorted(tests), ["igt@x", "igt@x@s", "igt@x@s@d1", "igt@x@s@d2"])
            c = shard_dir(root, "c", {"igt@x@s@d2": {"result": "fail"}})
            with self.assertRaisesRegex(errors.UsageError, "igt@x@s@d2 is in another"):
                results.join_shards([a, b, c])

    def test_a_shard_without_work_gives_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            a = shard_dir(root, "a", {"igt@x@s": {"result": "pass"}})
            (root / "empty").mkdir()
            shards.say_empty(root / "empty", 2, 2, "fewer tests than shards")
            tests = results.join_shards([a, root / "empty"])["debian-6.12"]["tests"]
            self.assertEqual(sorted(tests), ["igt@x@s"])
            with self.assertRaisesRegex(errors.UsageError, "no configuration's results"):
                results.join_shards([a, root])


# What the tests' doc comments list: test -> subtest -> dynamic subtests.
DOCUMENTED = {"prime_import": {"bad-fd": None, "self-import": ["vgem", "vmwgfx"]},
              "prime_cross": {"import": ["vgem-to-vgem", "vgem-to-vmwgfx", "vmwgfx-to-vgem"]}}


class TestFinerShards(unittest.TestCase):
    def deal(self, lines, n, configs=("debian-6.12",)):
        work = [(SimpleNamespace(name=name), suite.MACHINE, Path("/r"), []) for name in configs]
        return [shards.shard_work(work, lines, k, n, DOCUMENTED) for k in range(1, n + 1)]

    def lines(self, dealt):
        return sorted(line for shard in dealt for _, _, _, mine in shard for line in mine)

    def test_as_many_tests_as_shards_stay_whole(self):
        dealt = self.deal(["igt@prime_import", "igt@prime_cross"], 2)
        self.assertEqual(self.lines(dealt), ["igt@prime_cross", "igt@prime_import"])

    def test_a_test_is_dealt_by_subtest_then_by_dynamic_subtest(self):
        dealt = self.deal(["igt@prime_import"], 2)
        self.assertEqual(self.lines(dealt),
                         ["igt@prime_import@bad-fd", "igt@prime_import@self-import"])
        dealt = self.deal(["igt@prime_import"], 3)
        self.assertEqual(self.lines(dealt), ["igt@prime_import@bad-fd",
                                             "igt@prime_import@self-import@vgem",
                                             "igt@prime_import@self-import@vmwgfx"])
        self.assertTrue(all(dealt))

    def test_a_named_subtest_is_dealt_by_dynamic_subtest(self):
        dealt = self.deal(["igt@prime_cross@IMPORT"], 3)
        self.assertEqual([s[0][3] for s in dealt], [["igt@prime_cross@IMPORT@vgem-to-vgem"],
                                                    ["igt@prime_cross@IMPORT@vgem-to-vmwgfx"],
                                                    ["igt@prime_cross@IMPORT@vmwgfx-to-vgem"]])

    def test_configurations_count_toward_the_shards(self):
        dealt = self.deal(["igt@prime_import"], 2, ("debian-6.12", "6.12-debug"))
        self.assertEqual([[line for _, _, _, mine in s for line in mine] for s in dealt],
                         [["igt@prime_import"], ["igt@prime_import"]])

    def test_more_shards_than_work_leaves_a_shard_empty(self):
        dealt = self.deal(["igt@prime_import@bad-fd", "igt@vgem_basic"], 3)
        self.assertEqual(self.lines(dealt), ["igt@prime_import@bad-fd", "igt@vgem_basic"])
        self.assertEqual(dealt[2], [])


if __name__ == "__main__":
    unittest.main()
