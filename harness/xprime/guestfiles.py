"""Reading what a guest wrote, as root, without trusting it.

The kernels the suite boots are untrusted (bisect steps, broken trees), and
whatever runs as root in a guest writes the results share. QEMU maps the
share (security_model=mapped-xattr: a guest's symlinks, device nodes and
set-id bits become regular files and xattrs on the host), but the harness
does not rely on that alone: every file of a run directory it reads is
opened here without following a symlink, must be a regular file, and is
read up to a cap; a file it rewrites is replaced (a new file renamed over
the old entry), never written through whatever the entry is.
"""

import errno
import json
import os
import stat

from .errors import SetupError

# The most the harness reads of one file a guest wrote (or that the harness
# wrote from one: results.json); QEMU cannot write a file past
# guest.FILE_CAP anyway.
READ_CAP = 256 << 20
# The largest file QEMU may write (its RLIMIT_FSIZE, guest.py): a file of
# this size is one a guest filled to the cap.
FILE_CAP = 64 << 20


class GuestFileError(SetupError):
    """A file of a run directory that is not what the harness wrote or
    expects: a symlink, a device, a FIFO, or larger than its cap."""


def _open(path):
    """@path opened read-only, a regular file reached without following a
    symlink at its last component; (fd, stat)."""
    try:
        # O_NONBLOCK: a FIFO in its place does not hang the open.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as err:
        if err.errno == errno.ELOOP:     # the last component is a symlink
            raise GuestFileError(f"{path}: a symlink where a file was expected") from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise GuestFileError(f"{path}: not a regular file "
                             f"(mode {stat.filemode(info.st_mode)})")
    return fd, info


def read_bytes(path, cap=READ_CAP, truncate=False):
    """@path's bytes, at most @cap: with @truncate the first @cap bytes of a
    longer file and a note saying so, else a GuestFileError for it."""
    fd, _ = _open(path)
    try:
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) <= cap:
        return data
    if not truncate:
        raise GuestFileError(f"{path}: over {cap} bytes, not read")
    return data[:cap] + f"\n[xprime: truncated at {cap} bytes]\n".encode()


def read_text(path, cap=READ_CAP, truncate=False, errors="replace"):
    return read_bytes(path, cap, truncate).decode(errors=errors)


def load_json(path, cap=READ_CAP):
    try:
        return json.loads(read_bytes(path, cap))
    except ValueError as err:
        raise GuestFileError(f"{path}: not JSON: {err}") from None


def tail(path, nbytes):
    """The last @nbytes of @path (decoded), "" when it cannot be read (or
    is not a regular file)."""
    try:
        fd, info = _open(path)
    except (OSError, GuestFileError):
        return ""
    try:
        os.lseek(fd, max(0, info.st_size - nbytes), os.SEEK_SET)
        return os.read(fd, nbytes).decode(errors="replace")
    finally:
        os.close(fd)


def size(path):
    """@path's size, without following a symlink; -1 when missing."""
    try:
        return os.lstat(path).st_size
    except OSError:
        return -1


def is_file(path):
    """Whether @path is a regular file (a symlink to one is not)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def write_text(path, text):
    """@path replaced by a new file holding @text: a symlink or device in its
    place is replaced, never written through."""
    path = os.fspath(path)
    tmp = os.path.join(os.path.dirname(path) or ".",
                       f".{os.path.basename(path)}.{os.getpid()}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o644)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def audit(top, full_at=None):
    """What under @top no guest may leave on the host, by os.lstat, never
    following a link: {"setid": [...], "devices": [...], "symlinks": [...],
    "other": [...] (FIFOs, sockets)}, "bytes", the total size of its
    regular files, "largest", (size, path) of the largest one, and "full",
    those of at least @full_at bytes (default: FILE_CAP, QEMU's)."""
    full_at = FILE_CAP if full_at is None else full_at
    found = {"setid": [], "devices": [], "symlinks": [], "other": [], "bytes": 0,
             "largest": (0, None), "full": []}
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(root, name)
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(mode):
                found["symlinks"].append(path)
            elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
                found["devices"].append(path)
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                found["other"].append(path)
            if mode & (stat.S_ISUID | stat.S_ISGID) and not stat.S_ISDIR(mode):
                found["setid"].append(path)
            if stat.S_ISREG(mode):
                size = os.lstat(path).st_size
                found["bytes"] += size
                if size > found["largest"][0]:
                    found["largest"] = (size, path)
                if size >= full_at:
                    found["full"].append(path)
    return found
