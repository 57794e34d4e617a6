"""Runs side by side on one machine: kernels of one name, saved states
pruned under another run, and a harness exception's exit code."""

import contextlib
import io
import multiprocessing
import os
import tempfile
import threading
import time
import unittest
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from xprime import cli, errors, guest, kbuild, results, session, suite


class TestKernelIdentity(unittest.TestCase):
    """Two trees of one basename: one name for the user, never one cache."""

    def kernel_of(self, tree, debug=False):
        calls = {}

        def cached(name, key, build):
            calls["cached"] = name
            return Path("/nonexistent") / name

        with mock.patch.object(kbuild, "cached", side_effect=cached), \
                mock.patch.object(kbuild, "Kernel", side_effect=lambda name, path, identity:
                                  SimpleNamespace(name=name, identity=identity, path=path)):
            kern = kbuild.tree_kernel(tree, debug)
        return kern, calls["cached"]

    def test_trees_of_one_basename(self):
        with tempfile.TemporaryDirectory() as tmp:
            trees = [Path(tmp) / side / "linux" for side in ("a", "b")]
            for tree in trees:
                tree.mkdir(parents=True)
                (tree / "Makefile").write_text("")
                (tree / "Kconfig").write_text("")
            (a, a_cache), (b, b_cache) = map(self.kernel_of, trees)
            self.assertEqual((a.name, b.name), ("linux", "linux"))
            self.assertNotEqual(a.identity, b.identity)
            self.assertTrue(a.identity.startswith("linux-"))
            # The build (and its lock, cached()'s name) and the state are the tree's.
            self.assertEqual((a_cache, b_cache), (f"kernel-{a.identity}", f"kernel-{b.identity}"))
            # The same tree by another path is the same kernel.
            self.assertEqual(self.kernel_of(trees[0] / ".." / "linux")[0].identity, a.identity)
            debug, _ = self.kernel_of(trees[0], debug=True)
            self.assertEqual(debug.name, "linux-debug")
            self.assertNotIn(debug.identity, (a.identity, b.identity))

    def test_a_run_of_both_names_them_apart(self):
        a = SimpleNamespace(name="linux", identity="linux-aaaaaaaa")
        b = SimpleNamespace(name="linux", identity="linux-bbbbbbbb")
        twin = SimpleNamespace(name="6.12-debug", identity="6.12-debug")
        suite.distinct_names([a, b, twin])
        self.assertEqual([k.name for k in (a, b, twin)],
                         ["linux-aaaaaaaa", "linux-bbbbbbbb", "6.12-debug"])
        plain = SimpleNamespace(virgl=False, blob=False, suffix="")
        self.assertEqual(session.config_identity(a, SimpleNamespace(virgl=True, blob=False, suffix="-virgl")),
                         "linux-aaaaaaaa-virgl")
        self.assertEqual(session.config_name(twin, plain), "6.12-debug")


def hold_a_state(path, held, release):
    """In another process: hold @path's state as a run does until @release."""
    state = guest.Snapshot(Path(path))
    state.hold()
    held.set()
    release.wait(30)
    state.release()


def churn(cache, initrd, rounds, problems):
    """In another process: a run after another, each of new inputs, each
    checking the state it holds is still there when it ends."""
    os.environ["XPRIME_CACHE"] = cache
    tmp = Path(cache).parent
    config = session.Config("k", SimpleNamespace(vmlinuz=tmp / "vmlinuz"),
                            guest.Machine("m", vga=[], display=[]))
    try:
        for n in range(rounds):
            Path(initrd).write_text(f"{initrd} {n}")
            state = session.saved_state(config, SimpleNamespace(binary=tmp / "qemu"),
                                        Path(initrd), tmp / "root.erofs", [])
            state.path.write_text("state")      # as a first boot saves it
            time.sleep(0.002)
            if not state.path.exists():
                problems.put(f"{state.path.name} pruned while held")
            state.release()
    except Exception as err:    # noqa: BLE001: reported to the test
        problems.put(f"{type(err).__name__}: {err}")


class TestSavedStatesSideBySide(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.cache = self.tmp / "cache"
        self.env = mock.patch.dict(os.environ, {"XPRIME_CACHE": str(self.cache)})
        self.env.start()
        for name in ("qemu", "vmlinuz", "root.erofs"):
            (self.tmp / name).write_text(name)
        self.config = session.Config("k", SimpleNamespace(vmlinuz=self.tmp / "vmlinuz"),
                                     guest.Machine("m", vga=[], display=[]))

    def tearDown(self):
        self.env.stop()

    def state(self, n):
        (self.tmp / "initrd").write_text(f"init {n}")
        state = session.saved_state(self.config, SimpleNamespace(binary=self.tmp / "qemu"),
                                    self.tmp / "initrd", self.tmp / "root.erofs", [])
        state.path.write_text("state")
        os.utime(state.path, (n, n))
        return state

    def test_a_state_another_process_holds_is_not_pruned(self):
        oldest = self.state(1)
        oldest.release()
        ctx = multiprocessing.get_context("fork")
        held, release = ctx.Event(), ctx.Event()
        other = ctx.Process(target=hold_a_state, args=(str(oldest.path), held, release))
        other.start()
        try:
            self.assertTrue(held.wait(10))
            for n in range(2, 3 + session.SAVED_STATES_KEPT):
                self.state(n).release()
            self.assertTrue(oldest.path.exists())
        finally:
            release.set()
            other.join(10)
        # Released, it is the oldest of more than are kept: the next run prunes it.
        self.state(100).release()
        self.assertFalse(oldest.path.exists())
        self.assertFalse(oldest.drivers_file.exists())

    def test_a_state_that_vanishes_while_listed_is_no_error(self):
        self.state(1).release()
        real_glob = Path.glob

        def glob(path, pattern):
            yield path / f"k-{'0' * 12}.state"      # listed, gone before its stat
            yield from real_glob(path, pattern)

        with mock.patch.object(Path, "glob", glob):
            self.state(2).release()

    def test_runs_pruning_each_other_lose_no_held_state(self):
        ctx = multiprocessing.get_context("fork")
        problems = ctx.Queue()
        runs = [ctx.Process(target=churn, args=(str(self.cache), str(self.tmp / f"initrd{i}"),
                                                 40, problems)) for i in range(4)]
        for run in runs:
            run.start()
        for run in runs:
            run.join(60)
        found = []
        while not problems.empty():
            found.append(problems.get())
        self.assertEqual(found, [])
        self.assertEqual([run.exitcode for run in runs], [0] * 4)
        # A run that ends while another holds its state leaves it to the
        # next run to prune: the next run, alone, keeps only the newest.
        self.state(int(time.time()) + 60).release()
        left = list((self.cache / "saved-states").glob("k-*.state"))
        self.assertLessEqual(len(left), session.SAVED_STATES_KEPT)


class TestInternalError(unittest.TestCase):
    """An exception nobody expected is the infrastructure's failure: exit 3
    (125 for git bisect run), one line, the traceback in a log."""

    def main(self, argv):
        err = io.StringIO()
        with tempfile.TemporaryDirectory() as tmp, \
                mock.patch.dict(os.environ, {"XPRIME_CACHE": tmp}), \
                mock.patch.object(results, "RUN_DIRS", []), \
                mock.patch.object(cli, "cmd_run", side_effect=KeyError("part-3")), \
                mock.patch.object(cli, "cmd_bisect", side_effect=KeyError("part-3")), \
                contextlib.redirect_stderr(err):
            code = cli.main(argv)
            logs = list((Path(tmp) / "logs").glob("harness-error-*.log"))
            traceback = logs[0].read_text() if logs else ""
        return code, err.getvalue(), traceback

    def test_run(self):
        code, err, traceback = self.main(["run", "prime_cross"])
        self.assertEqual(code, errors.EXIT_INFRA)
        self.assertEqual(len(err.splitlines()), 1)
        self.assertIn("internal error: KeyError: 'part-3'", err)
        self.assertIn("Traceback", traceback)

    def test_bisect(self):
        code, _, traceback = self.main(["bisect", "--kernel-tree", "/x", "prime_cross"])
        self.assertEqual(code, errors.EXIT_BISECT_SKIP)
        self.assertIn("KeyError", traceback)


class TestLatest(unittest.TestCase):
    def test_runs_started_at_once_each_get_a_directory_and_latest_stays_a_link(self):
        with tempfile.TemporaryDirectory() as tmp, \
                mock.patch.object(results, "REPO", Path(tmp)), \
                mock.patch.object(results, "RUN_DIRS", []):
            made, failed = [], []

            def start():
                try:
                    for _ in range(20):
                        made.append(results.new_run_dir())
                except Exception as err:    # noqa: BLE001: reported to the test
                    failed.append(err)
            threads = [threading.Thread(target=start) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.assertEqual(failed, [])
            self.assertEqual(len(set(made)), 80)
            latest = Path(tmp) / "results" / "latest"
            self.assertTrue(latest.is_symlink())
            self.assertIn(latest.resolve(), made)


if __name__ == "__main__":
    unittest.main()
