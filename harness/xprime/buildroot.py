"""A Debian sid root with IGT's build dependencies, and a work directory
built in it: each command's output in a log, each check's verdict said.
IGT's tree is built there patch by patch (upstream.py), and the project's
Debian package (package.py)."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from .cache import cache_dir, say, timed
from .errors import SetupError
from .sidroot import MOUNT_POINTS, SID_PACKAGES, debian_sid_root, in_root

# IGT's build dependencies (its meson.build's required dependencies and
# build tools) beyond what the project's sid root has.
BUILD_PACKAGES = ["flex", "bison", "libpciaccess-dev", "libkmod-dev", "libdw-dev",
                  "zlib1g-dev", "liblzma-dev", "libpci-dev", "libudev-dev",
                  "libglib2.0-dev", "libunwind-dev", "python3-docutils",
                  # and for the project's own Debian package (harness/xprime/package.py)
                  "build-essential", "dpkg-dev", "debhelper",
                  # meson and debhelper's meson build compile through it when it
                  # is installed: the same file built again is a cache hit
                  "ccache"]
INSIDE = "/xprime/upstream"     # the work directory, in the root
CCACHE = "/xprime/ccache"       # ccache's directory (the xprime cache's), in the root
# ccache replays a hit's compiler output, warnings included, so a warning in
# the series' files still fails its patch.
CCACHE_ENV = f"export CCACHE_DIR={CCACHE} CCACHE_MAXSIZE=2G; "


def build_root():
    """A Debian sid root with IGT's build dependencies, made once."""
    return debian_sid_root("igt-build-root", SID_PACKAGES + BUILD_PACKAGES,
                           MOUNT_POINTS + [INSIDE.lstrip("/"), CCACHE.lstrip("/")])


def ccache_dir():
    path = cache_dir() / "ccache"
    path.mkdir(exist_ok=True)
    return path


class Failure(Exception):
    """A patch that does not build, or a check that does not pass."""


@dataclass
class Work:
    work: Path                  # bound at INSIDE in the root
    root: Path
    tree: Path = None
    results: list = field(default_factory=list)   # (ok, what)

    def log(self, name):
        return self.work / "logs" / f"{name}.log"

    def in_root(self, command, name, what):
        """@command in the build root, from the tree; its output in logs/@name."""
        log = self.log(name)
        log.unlink(missing_ok=True)
        try:
            # What each step costs, for ./xprime check's breakdown.
            with timed(what):
                in_root(self.root, f"{CCACHE_ENV}cd {INSIDE}/{self.tree.name} && {command}",
                        log, what, binds={self.work: INSIDE, ccache_dir(): CCACHE})
        except SetupError:
            raise Failure(f"{what} failed; see {log}:\n" + tail(log)) from None
        # The command's output (the log's first line is the command), without
        # the colours of gcc's -fdiagnostics-color=always (meson's default).
        out = log.read_text(errors="replace").split("\n", 2)[-1]
        return re.sub(r"\x1b\[[0-9;]*[mK]", "", out)

    def check(self, ok, what):
        self.results.append((ok, what))
        say(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            raise Failure(what)


def tail(path, lines=25):
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
