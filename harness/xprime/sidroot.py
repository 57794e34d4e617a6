"""The Debian sid root: IGT 2.5 and the build tools, and the guest's userland.

IGT's runner and libigt need glibc >= 2.38, newer than the host's (bookworm),
so the tests are built inside this root (chroot) and run from it in the guest.
"""

import shlex

from .cache import REPO, cache_dir, cached, key_of, run_logged
from .host import MIRROR

SID_PACKAGES = [
    "igt-gpu-tools", "igt-gpu-tools-tests", "libdrm-dev", "libcairo2-dev",
    "libpixman-1-dev", "meson", "ninja-build", "gcc", "pkg-config", "kmod",
    "python3", "binutils",
]

# Mount points of the guest's shares (guest/init); the root itself is read-only.
MOUNT_POINTS = ["xprime/src", "xprime/build", "xprime/job", "xprime/results",
                "usr/lib/modules"]

GUEST_SRC = "/xprime/src"
GUEST_BUILD = "/xprime/build"
BUILD_DIR = REPO / "build"


def sid_root():
    return debian_sid_root("sid-root", SID_PACKAGES, MOUNT_POINTS)


def debian_sid_root(name, packages, mount_points):
    """A Debian sid root with @packages and empty @mount_points, made once."""
    key = key_of(packages, mount_points, MIRROR)

    def build(tmp):
        hook = "mkdir -p " + " ".join(f'"$1"/{p}' for p in mount_points)
        run_logged(["mmdebstrap", "--variant=minbase",
                    "--aptopt=Acquire::Check-Valid-Until \"false\"",
                    "--include=" + ",".join(packages), f"--customize-hook={hook}",
                    "sid", tmp / "root", MIRROR],
                   cache_dir() / "logs" / f"{name}.log", f"creating the {name} (mmdebstrap)")

    return cached(name, key, build) / "root"


def in_root(root, command, log, what, binds=None):
    """Run a shell @command in the sid root with the checkout and build dir
    (and @binds: host path -> path in the root) bind-mounted where the guest
    sees them. A private mount namespace drops the mounts when the command
    ends, whatever happens."""
    BUILD_DIR.mkdir(exist_ok=True)
    mounts = {REPO: GUEST_SRC, BUILD_DIR: GUEST_BUILD, **(binds or {})}
    script = " && ".join([
        "mount --make-rprivate /",
        *(f"mount --bind {shlex.quote(str(host))} {shlex.quote(f'{root}{inside}')}"
          for host, inside in mounts.items()),
        "mount -t proc proc " + shlex.quote(f"{root}/proc"),
        f"exec chroot {shlex.quote(str(root))} /usr/bin/env -i "
        "PATH=/usr/sbin:/usr/bin HOME=/root LANG=C.UTF-8 "
        f"sh -c {shlex.quote(command)}",
    ])
    run_logged(["unshare", "--mount", "sh", "-c", script], log, what)


def checkout_log(name):
    """A log of this checkout's build: checkouts sharing a cache build at once."""
    return cache_dir() / "logs" / f"{name}-{key_of(str(REPO))}.log"


def build_tests(root):
    """Configure (first time) and build the project inside the sid root."""
    log = checkout_log("build")
    log.unlink(missing_ok=True)
    setup = "" if (BUILD_DIR / "build.ninja").exists() else \
        f"meson setup --werror {GUEST_BUILD} {GUEST_SRC} && "
    # ninja itself, not `meson compile`: build.ninja reconfigures when a
    # meson.build changes, and meson's own start cost 0.5 s of every run.
    in_root(root, f"cd {GUEST_SRC} && {setup}ninja -C {GUEST_BUILD}",
            log, "building the tests (meson, in the sid root)")
    return log


def meson_test(root):
    log = checkout_log("meson-test")
    log.unlink(missing_ok=True)
    try:
        in_root(root, f"meson test -C {GUEST_BUILD} --print-errorlogs", log, "meson test")
    finally:
        print(log.read_text(errors="replace"), end="")


def install_tree(root):
    """`meson install` of the build into a scratch directory of the sid
    root; the paths it installed, relative to it."""
    log = checkout_log("install")
    log.unlink(missing_ok=True)
    dest = "/tmp/xprime-install"
    in_root(root, f"rm -rf {dest} && meson install -C {GUEST_BUILD} --no-rebuild --quiet "
                  f"--destdir {dest} && cd {dest} && find . -type f | sort > "
                  f"{GUEST_BUILD}/installed.txt", log, "meson install")
    return [line.removeprefix("./") for line in
            (BUILD_DIR / "installed.txt").read_text().splitlines()]
