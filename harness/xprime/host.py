"""The host's own packages, and a private apt configuration for fetching.

Host packages are installed with the system's apt (it is a Debian or Ubuntu
machine). Everything fetched from other suites (kernels, QEMU's source) goes
through a private apt configuration in the cache, so the system's apt sources
are never touched.
"""

import json
import os
import re
import subprocess
import time
from pathlib import Path

from .cache import cache_dir, locked, run_logged, say
from .errors import SetupError

MIRROR = os.environ.get("XPRIME_MIRROR", "http://deb.debian.org/debian")
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
UPDATE_EVERY = 24 * 3600    # seconds between apt-get updates of the private sources

# What the harness itself runs on the host.
HOST_PACKAGES = [
    "mmdebstrap", "debian-archive-keyring", "busybox-static", "xz-utils", "kmod",
    "dpkg-dev", "seabios", "qemu-system-data",
    # The guest's userland: a read-only image of the sid root (rootimage.py).
    "erofs-utils",
    # QEMU build (vmwgfx refuses stock vmware-svga), plus virtfs for the
    # results share and seccomp for -sandbox.
    "gcc", "ninja-build", "meson", "pkg-config", "libglib2.0-dev",
    "libpixman-1-dev", "libfdt-dev", "libcap-ng-dev", "libattr1-dev", "libseccomp-dev",
    # Kernel build (kbuild.py): kconfig's parsers, timeconst, objtool (ORC).
    "make", "bc", "bison", "flex", "libelf-dev",
    # ./xprime upstream and the package check: the series' git repository,
    # the kernel's checkpatch.pl.
    "git", "perl",
]

# Only for the virgl QEMU (qemu_build.build(virgl=True)), installed when it is first
# asked for: virglrenderer, epoxy (OpenGL) and GTK to build it; to run it, an
# X server without a screen and Mesa's software renderer (llvmpipe) for the
# EGL context of -display gtk,gl=on.
VIRGL_PACKAGES = [
    "libvirglrenderer-dev", "libepoxy-dev", "libgtk-3-dev",
    "xvfb", "libgl1-mesa-dri", "libegl-mesa0",
]


def missing_packages(names):
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\n", *names],
        capture_output=True, text=True).stdout
    installed = {l.split()[0] for l in out.splitlines() if l.endswith(" installed")}
    return [n for n in names if n not in installed]


def host_codename():
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip('"')
    return None


def ensure_host_packages(extra=()):
    if not Path("/usr/bin/dpkg-query").exists():
        raise SetupError("xprime needs a Debian or Ubuntu host (dpkg and apt)")
    wanted = HOST_PACKAGES + list(extra)
    missing = missing_packages(wanted)
    if not missing:
        return
    with locked("host-packages"):
        missing = missing_packages(wanted)
        if not missing:
            return
        say(f"installing host packages: {' '.join(missing)}")
        log = cache_dir() / "logs" / "host-packages.log"
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run_logged(["apt-get", "update"], log, "apt-get update", env=env)
        # Pin the host's own release: with several suites configured at the
        # same priority apt would pick the newest (sid).
        target = ["-t", host_codename()] if host_codename() else []
        run_logged(["apt-get", "install", "-y", "--no-install-recommends",
                    *target, *missing], log, "installing host packages", env=env)
        still = missing_packages(wanted)
        if still:
            raise SetupError(f"host packages still missing after install: {' '.join(still)}")


class PrivateApt:
    """apt-get with its own sources, lists and cache under the xprime cache."""

    # bullseye: the 5.10 kernel headers of upstream IGT's CI images.
    SUITES = ("bullseye", "bookworm", "trixie", "sid")

    def __init__(self):
        self.root = cache_dir() / "apt"
        self.conf = self.root / "apt.conf"
        self.log = cache_dir() / "logs" / "apt.log"
        self._updated = False

    def _sources(self):
        return "".join(f"{kind} [signed-by={KEYRING}] {MIRROR} {suite} main\n"
                       for suite in self.SUITES for kind in ("deb", "deb-src"))

    def _write_config(self):
        for sub in ("sources.list.d", "state/lists/partial", "cache/archives/partial"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "state" / "status").touch()
        (self.root / "sources.list").write_text(self._sources())
        self.conf.write_text(
            f'Dir::Etc::SourceList "{self.root}/sources.list";\n'
            f'Dir::Etc::SourceParts "{self.root}/sources.list.d";\n'
            f'Dir::Etc::Preferences "/dev/null";\n'
            f'Dir::Etc::PreferencesParts "{self.root}/sources.list.d";\n'
            f'Dir::State "{self.root}/state";\n'
            f'Dir::State::status "{self.root}/state/status";\n'
            f'Dir::Cache "{self.root}/cache";\n'
            # sid's Release file on the mirror is expired.
            'Acquire::Check-Valid-Until "false";\n'
            'APT::Get::AllowUnauthenticated "false";\n')

    def env(self):
        return dict(os.environ, APT_CONFIG=str(self.conf), DEBIAN_FRONTEND="noninteractive")

    def update(self):
        """apt-get update of the private sources, at most once a day: a warm
        run then resolves its kernel without the mirror, and fast."""
        if self._updated:
            return
        stamp = self.root / "updated"
        with locked("apt"):
            fresh = stamp.exists() and time.time() - stamp.stat().st_mtime < UPDATE_EVERY
            sources = self.root / "sources.list"
            same = sources.exists() and sources.read_text() == self._sources()
            if not fresh or not same or not self.conf.exists():
                self._write_config()
                run_logged(["apt-get", "update"], self.log,
                           "apt-get update (private sources: " + ", ".join(self.SUITES) + ")",
                           env=self.env())
                stamp.touch()
        self._updated = True

    def _remembered(self, question, answer):
        """@answer() for @question, asked of apt once per update of the lists:
        apt-cache over three suites' lists takes seconds, every run."""
        self.update()
        memo = self.root / "answers.json"
        lists = str((self.root / "updated").stat().st_mtime_ns)
        try:
            known = json.loads(memo.read_text())
        except (OSError, ValueError):
            known = {}
        if known.get("lists") != lists:
            known = {"lists": lists}
        key = json.dumps(question)
        if key not in known:
            known[key] = answer()
            tmp = memo.with_name(f"{memo.name}.{os.getpid()}")
            tmp.write_text(json.dumps(known))
            tmp.rename(memo)
        return known[key]

    def packages_matching(self, regex, suite):
        """Names of binary packages in @suite whose name matches @regex."""
        def search():
            out = subprocess.run(["apt-cache", "--names-only", "search", regex],
                                 capture_output=True, text=True, env=self.env())
            if out.returncode:
                raise SetupError(f"apt-cache search {regex} failed: {out.stderr.strip()}")
            names = [l.split(" - ")[0] for l in out.stdout.splitlines()]
            return [n for n in names if self._in_suite(n, suite)]

        return self._remembered(["matching", regex, suite], search)

    def _in_suite(self, name, suite):
        out = subprocess.run(["apt-cache", "policy", name], capture_output=True,
                             text=True, env=self.env()).stdout
        return f" {suite}/main " in out

    def download(self, packages, dest, suite):
        """Download binary @packages (pinned to @suite) into @dest."""
        self.update()
        dest.mkdir(parents=True, exist_ok=True)
        run_logged(["apt-get", "download", *[f"{p}/{suite}" for p in packages]],
                   self.log, f"downloading {' '.join(packages)}", env=self.env(), cwd=dest)
        return sorted(dest.glob("*.deb"))

    def version(self, package, suite):
        """The version of binary @package that download() would fetch from @suite."""
        def ask():
            out = subprocess.run(["apt-get", "download", "--print-uris", f"{package}/{suite}"],
                                 capture_output=True, text=True, env=self.env())
            # 'URI' file_VERSION_arch.deb size hash
            m = re.search(rf"\s{re.escape(package)}_([^_\s]+)_[^_\s]+\.deb\s", out.stdout)
            if out.returncode or not m:
                raise SetupError(f"{package} is not available in {suite} on the mirror: "
                                 f"{(out.stderr or out.stdout).strip()}")
            return m.group(1).replace("%3a", ":")

        return self._remembered(["version", package, suite], ask)

    def source(self, package, dest, suite):
        self.update()
        dest.mkdir(parents=True, exist_ok=True)
        run_logged(["apt-get", "source", f"{package}/{suite}"], self.log,
                   f"fetching the source of {package} ({suite})", env=self.env(), cwd=dest)
