"""What can go wrong in a run besides a test's verdict, each with its exit code's meaning."""

import os
import time
import traceback
from pathlib import Path


class UsageError(Exception):
    """Bad input from the user: reported with exit code 2."""


class SetupError(Exception):
    """A set-up step failed; the message says what is missing or broken."""


class BootError(SetupError):
    """A guest ended twice before any test ran: its kernel, or the machine."""


def internal_error(err, log_dir):
    """The one line that says what an unexpected exception of the harness
    was, its traceback written to a log in @log_dir (a harness bug, or a
    race with another run: an infrastructure failure, never a test's)."""
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"harness-error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    with open(log, "a") as out:
        traceback.print_exception(err, file=out)
    return f"internal error: {type(err).__name__}: {err} (traceback in {log})"


# Exit codes: the run matched its expectations, did not, bad usage, and
# an infrastructure failure (no verdict on the tests).
EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INFRA = 0, 1, 2, 3
EXIT_BISECT_SKIP = 125     # git bisect run: this commit cannot be tested
EXIT_BISECT_ABORT = 255    # git bisect run: stop bisecting (bad usage)
