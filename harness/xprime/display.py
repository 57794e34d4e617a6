"""An X server without a screen, for QEMU's -display gtk,gl=on (virgl).

virtio-gpu-gl-pci needs an OpenGL context on the host. Without a GPU, the one
that works is GTK's EGL on Xvfb with Mesa's llvmpipe (egl-headless finds no
render node). Xvfb picks its own free display number and reports it once it
accepts connections (-displayfd); only holders of a cookie of our own may
connect.
"""

import contextlib
import os
import secrets
import select
import shutil
import struct
import subprocess
import tempfile
import time
from pathlib import Path

from .errors import SetupError

SCREEN = "1280x1024x24"
READY_TIMEOUT = 30      # seconds for Xvfb to accept connections
FAMILY_WILD = 0xFFFF    # Xauthority: an entry for any address


def xauthority_entry(cookie):
    """One Xauthority record (libXau's format) valid for any host and any
    display number, so the file can be written before Xvfb picks its number."""
    def counted(data):
        return struct.pack(">H", len(data)) + data
    return (struct.pack(">H", FAMILY_WILD) + counted(b"") + counted(b"")
            + counted(b"MIT-MAGIC-COOKIE-1") + counted(cookie))


@contextlib.contextmanager
def xvfb(screen=SCREEN):
    """Start Xvfb; yield the environment QEMU must run with; stop Xvfb."""
    binary = shutil.which("Xvfb")
    if binary is None:
        raise SetupError("Xvfb is not installed (package xvfb)")
    tmp = Path(tempfile.mkdtemp(prefix="xprime-xvfb-"))
    auth = tmp / "Xauthority"
    auth.write_bytes(xauthority_entry(secrets.token_bytes(16)))
    auth.chmod(0o600)
    log = tmp / "xvfb.log"
    read_fd, write_fd = os.pipe()
    proc = None
    try:
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [binary, "-displayfd", str(write_fd), "-auth", str(auth),
                 "-screen", "0", screen, "+extension", "GLX", "-nolisten", "tcp"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                pass_fds=[write_fd], start_new_session=True)
        os.close(write_fd)
        write_fd = None
        display = read_display(read_fd, proc, log)
        env = dict(os.environ,
                   DISPLAY=f":{display}", XAUTHORITY=str(auth),
                   # X11 even where a Wayland session is around: gtk-egl.c
                   # is QEMU's GL path on X11.
                   GDK_BACKEND="x11",
                   # No GPU: llvmpipe, and no probing of render nodes.
                   LIBGL_ALWAYS_SOFTWARE="1",
                   # GTK's accessibility bridge would look for a session bus.
                   NO_AT_BRIDGE="1")
        env.pop("WAYLAND_DISPLAY", None)
        yield env
    finally:
        if write_fd is not None:
            os.close(write_fd)
        os.close(read_fd)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def read_display(fd, proc, log):
    """The display number Xvfb writes to @fd when it is ready."""
    data = b""
    deadline = time.monotonic() + READY_TIMEOUT
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise SetupError(f"Xvfb not ready after {READY_TIMEOUT} s: {tail(log)}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 64)
        if not chunk:
            # EOF: Xvfb exited (or closed the descriptor) before it was ready.
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            raise SetupError(f"Xvfb failed (exit {proc.returncode}): {tail(log)}")
        data += chunk
    return int(data)


def tail(log, lines=10):
    text = log.read_text(errors="replace").strip().splitlines()
    return " / ".join(text[-lines:]) or "no output"
