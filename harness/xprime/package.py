"""The Debian package of the tests (debian/): built with dpkg-buildpackage in
the build root (buildroot.py), and what it installs checked."""

import shutil
import subprocess

from . import buildroot
from .cache import REPO, say
from .errors import SetupError
from .filters import INSTALLED_TESTS

PACKAGE = "xprime-tests"
TESTDIR = INSTALLED_TESTS.lstrip("/")


def build(work):
    """Build the binary package from the checkout's files (git ls-files)
    under @work; returns the .deb's path."""
    files = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True,
                           check=True).stdout.decode().split("\0")
    source = work / "xprime-0.1"
    for name in filter(None, files):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    up = buildroot.Work(work, buildroot.build_root(), tree=source)
    say("package: dpkg-buildpackage -b (in the sid root)")
    up.in_root("dpkg-buildpackage -b -us -uc", "dpkg-buildpackage", "dpkg-buildpackage")
    debs = sorted(work.glob(f"{PACKAGE}_*.deb"))
    if not debs:
        raise SetupError(f"dpkg-buildpackage made no {PACKAGE}_*.deb in {work}")
    return debs[0]


def contents(deb):
    """(installed paths, Depends) of @deb."""
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                             check=True).stdout
    paths = [line.split()[-1].removeprefix("./") for line in listing.splitlines()
             if line.startswith("-")]
    depends = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True,
                             text=True, check=True).stdout.strip()
    return paths, depends
