"""The cache: set-up steps built once, locked, with progress, failing with a clear message.

Every artefact the harness needs (the sid root, QEMU, kernels) is built once into
the cache, in a directory named by a hash of its inputs, and published by an
atomic rename: an interrupted set-up leaves nothing that looks finished.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

from .errors import SetupError

REPO = Path(__file__).resolve().parents[2]


def cache_dir():
    base = os.environ.get("XPRIME_CACHE")
    if base:
        path = Path(base)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        path = Path(xdg) / "xprime"
    path.mkdir(parents=True, exist_ok=True)
    return path


def say(msg):
    print(f"xprime: {msg}", flush=True)


@contextlib.contextmanager
def timed(what):
    """Say what the block took once it is done (not when it raises)."""
    start = time.monotonic()
    yield
    say(f"  ({time.monotonic() - start:.1f} s) {what}")


@contextlib.contextmanager
def locked(name):
    """Serialise set-up of one artefact between concurrent xprime processes."""
    lock_path = cache_dir() / f".{name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def key_of(*parts):
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def file_digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cached(name, key, build):
    """Return the cache directory for @name/@key, calling build(tmpdir) once."""
    final = cache_dir() / f"{name}-{key}"
    if (final / ".complete").exists():
        return final
    with locked(name):
        if (final / ".complete").exists():
            return final
        tmp = cache_dir() / f".{name}-{key}.partial"
        if tmp.exists():
            shutil.rmtree(tmp)
        if final.exists():
            shutil.rmtree(final)
        tmp.mkdir()
        start = time.monotonic()
        say(f"setting up {name} (first use; cached in {final})")
        build(tmp)
        (tmp / ".complete").write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"))
        tmp.rename(final)
        say(f"{name} ready in {time.monotonic() - start:.0f} s")
    return final


def run_logged(cmd, log, what, env=None, cwd=None, heartbeat=15):
    """Run @cmd with its output in @log, printing progress every @heartbeat s.

    On failure, raise SetupError naming @what, the log and its last lines.
    """
    log = Path(log)
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(map(str, cmd))}\n".encode())
        out.flush()
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        except FileNotFoundError as err:
            raise SetupError(f"{what}: {err.filename} is not installed") from None
        done = threading.Event()

        def tick():
            while not done.wait(heartbeat):
                say(f"  ... {what}: {time.monotonic() - start:.0f} s, "
                    f"{last_line(log)[:100]}")

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            ret = proc.wait()
        finally:
            done.set()
            if proc.poll() is None:
                proc.kill()
    if ret != 0:
        tail = "\n".join("    " + l for l in log.read_text(errors="replace").splitlines()[-20:])
        raise SetupError(f"{what} failed (exit {ret}); full log: {log}\n{tail}")


def last_line(path):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            lines = [l for l in f.read().decode(errors="replace").splitlines() if l.strip()]
        return lines[-1].strip() if lines else ""
    except OSError:
        return ""


def private_sibling(path):
    """A name beside @path that no other process or thread uses: write
    there, then os.replace() it over @path, so a reader beside this run sees
    the old file or the new one whole, never a half."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")


def require_root():
    if os.geteuid() != 0:
        raise SetupError("xprime needs root (mmdebstrap, chroot and bind mounts); "
                         "run it with sudo")

