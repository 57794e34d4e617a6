"""The system user QEMU runs as: the harness keeps root for what needs it
(mmdebstrap, chroot, mounts) and QEMU drops it (-runas) once it has opened
what it needs (the kernel, the root image, the shares' roots, the console,
the sockets, the display), before the guest runs.

The user, xprime-qemu, is made on first use (useradd --system: no home, no
login shell, a group of its own). What a guest may write through QEMU is
only what this user may: the results share's directories, given to it
(give()); everything else QEMU reads (the read-only shares) is readable by
any user.
"""

import os
import pwd
import subprocess

from .cache import say
from .errors import SetupError

USER = "xprime-qemu"


def ids():
    """(uid, gid) of USER, None when there is no such user."""
    try:
        entry = pwd.getpwnam(USER)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def ensure():
    """USER made when missing; its (uid, gid)."""
    found = ids()
    if found:
        return found
    say(f"adding the system user {USER}, whom QEMU runs as")
    done = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                           "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                           "--comment", "xprime's QEMU guests", USER],
                          capture_output=True, text=True)
    found = ids()
    if found is None:
        raise SetupError(f"useradd {USER} failed: {done.stderr.strip()}")
    return found


def runas_args():
    """QEMU's -runas, when the harness is root (it is, but for unit tests)."""
    return ["-runas", USER] if os.geteuid() == 0 else []


def give(*directories):
    """@directories (made if missing) owned by USER, so that QEMU writes
    there for the guest; a symlink in their place is refused."""
    owner = ids() if os.geteuid() == 0 else None
    for directory in directories:
        os.makedirs(directory, exist_ok=True)
        if os.path.islink(directory):
            raise SetupError(f"{directory}: a symlink where a directory was expected")
        if owner:
            os.chown(directory, *owner, follow_symlinks=False)
