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


if __name__ == "__main__":
    unittest.main()
