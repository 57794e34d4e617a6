"""The help texts name everything the code knows, so they cannot go stale."""

import contextlib
import io
import unittest

from xprime import cli, selfcheck, suite


def help_of(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        cli.parser().parse_args([*argv, "--help"])
    return " ".join(out.getvalue().split())


class TestHelp(unittest.TestCase):
    def test_run_names_every_machine_and_kernel(self):
        self.assertEqual(set(suite.MACHINE_HELP), set(suite.MACHINES))
        text = help_of("run")
        for name in [*suite.MACHINES, *suite.KERNEL_NAMES]:
            self.assertIn(name, text)
        for kernel, machine in suite.DEFAULT_CONFIGS:
            self.assertIn(f"{kernel} on {machine}", text)

    def test_every_command_in_help_and_docstring(self):
        sub = next(a for a in cli.parser()._actions if a.dest == "command")
        text = help_of()
        for command in sub.choices:
            self.assertIn(command, text)
            self.assertIn(f"./xprime {command}", cli.__doc__)

    def test_check_names_every_step(self):
        text = help_of("check")
        for name, _ in selfcheck.STEPS:
            self.assertIn(" ".join(name.split()), text)


if __name__ == "__main__":
    unittest.main()
