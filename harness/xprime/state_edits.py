"""Saved guest states edited as a hostile migration source would edit them.

A migration stream is guest input too: whoever hands QEMU a state for
-incoming decides every count and size in it. Each edit below changes
vmware-svga's guest-backed subsection ("vmware_vga_internal/gb") of a state
the harness saved; QEMU must refuse every one cleanly (exit status 1, "load
of migration failed"), never accept it, abort or crash. The unedited state
must load: that shows the command line is the one the state was saved with.
And the unedited state must load while a screendump asks for the display of
the half-loaded device (screendump_while_loading()).

The subsection's layout (big-endian, as vmstate writes it): devcap_index,
irq_mask, irq_status (3 x u32); 6 object tables (u64 base, u32 size, u32
depth); 8 screen targets (7 x u32: defined, width, height, x, y, flags,
sid); the MOB count (i32) and the MOBs (u32 id, u32 depth, u64 base, u32
size); the surface count (i32) and the surfaces (u32 id, u32 format, u64
flags, u32 width, height, cpp, mobid, size, then size bytes of image).
"""

import os
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field

from . import guest, qemuuser

SUBSECTION = b"\x16vmware_vga_internal/gb"
SCREEN_TARGET = 28
MOB = 20
SURFACE_HEAD = 36
# Seconds QEMU may take to load, or refuse, a state of ~130 MB.
LOAD_TIMEOUT = 120


@dataclass
class Layout:
    """Where the parts of the subsection are in the stream."""
    screen_targets: int
    mob_count: int
    mobs: int
    surface_count: int
    surfaces: list = field(default_factory=list)    # (offset, image size)
    end: int = 0


def layout(data):
    """The subsection's Layout in the stream @data (ValueError if absent)."""
    at = data.find(SUBSECTION)
    if at < 0:
        raise ValueError("no guest-backed vmware-svga subsection in the state")
    fields = at + len(SUBSECTION) + 4
    screen_targets = fields + 12 + 6 * 16
    mob_count = screen_targets + 8 * SCREEN_TARGET
    (mobs,) = struct.unpack_from(">i", data, mob_count)
    surface_count = mob_count + 4 + mobs * MOB
    found = Layout(screen_targets, mob_count, mob_count + 4, surface_count)
    (surfaces,) = struct.unpack_from(">i", data, surface_count)
    offset = surface_count + 4
    for _ in range(surfaces):
        (size,) = struct.unpack_from(">I", data, offset + 32)
        found.surfaces.append((offset, size))
        offset += SURFACE_HEAD + size
    found.end = offset
    return found


def _put(data, offset, fmt, *values):
    data = bytearray(data)
    struct.pack_into(fmt, data, offset, *values)
    return bytes(data)


def _surface_without_image(data, where, width, height):
    """The first surface given @width x @height and an image size of 0, its
    image bytes taken out of the stream."""
    offset, size = where.surfaces[0]
    data = _put(data, offset + 16, ">II", width, height)
    data = _put(data, offset + 32, ">I", 0)
    return data[:offset + SURFACE_HEAD] + data[offset + SURFACE_HEAD + size:]


def mob_count_negative(data, where):
    return _put(data, where.mob_count, ">i", -1)


def surface_count_huge(data, where):
    return _put(data, where.surface_count, ">i", 0x7fffffff)


def screen_target_width_0(data, where):
    return _put(data, where.screen_targets, ">II", 1, 0)


def screen_target_too_wide(data, where):
    return _put(data, where.screen_targets, ">II", 1, 65536)


def surface_empty(data, where):
    return _surface_without_image(data, where, 0, 0)


def surface_size_wraps(data, where):
    # 2^31 x 2^31 pixels of 4 bytes are 2^64 bytes: 0 in 64 bits.
    return _surface_without_image(data, where, 1 << 31, 1 << 31)


def surface_size_mismatch(data, where):
    offset, size = where.surfaces[0]
    data = _put(data, offset + 32, ">I", size + 4)
    image_end = offset + SURFACE_HEAD + size
    return data[:image_end] + bytes(4) + data[image_end:]


def surface_duplicate(data, where):
    offset, size = where.surfaces[0]
    count = len(where.surfaces) + 1
    copy = data[offset:offset + SURFACE_HEAD + size]
    data = _put(data, where.surface_count, ">i", count)
    return data[:offset] + copy + data[offset:]


def mob_oversized(data, where):
    if where.mobs == where.surface_count:
        raise ValueError("the state has no MOB to edit")
    # 4 GiB - 1 in a depth-2 table of 64-bit entries (1 GiB at most)
    return _put(data, where.mobs + 4, ">IQI", 6, 1, 0xffffffff)


EDITS = {
    "mob-count-negative": mob_count_negative,
    "surface-count-huge": surface_count_huge,
    "screen-target-width-0": screen_target_width_0,
    "screen-target-too-wide": screen_target_too_wide,
    "surface-empty": surface_empty,
    "surface-size-wraps": surface_size_wraps,
    "surface-size-mismatch": surface_size_mismatch,
    "surface-duplicate": surface_duplicate,
    "mob-oversized": mob_oversized,
}


# The outcomes that must load: the state unedited, and the unedited state
# loaded while a screendump asks for the half-loaded display.
LOADS = ("unedited", "screendump-while-loading")


@dataclass
class Outcome:
    name: str
    verdict: str        # loaded | refused | died
    detail: str


def start(command, state_fd, log, env=None):
    """QEMU's @command started, reading a state from descriptor @state_fd;
    @env: its environment (a sanitizer's options), the harness's if None."""
    with open(log, "w") as out:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                pass_fds=[state_fd], env=env)


def load(command, state_fd, log, qmp, env=None, timeout=LOAD_TIMEOUT):
    """Start QEMU's @command, which loads a state from descriptor @state_fd
    (-incoming fd:N), and tell how that ended: "loaded" (it waits paused),
    "refused" (exit status 1 with QEMU's "load of migration failed") or
    "died" (anything else: a signal, a sanitizer's exit status, no answer in
    time)."""
    return outcome_of(start(command, state_fd, log, env), log, qmp, timeout)


def outcome_of(proc, log, qmp, timeout=LOAD_TIMEOUT):
    """How the load of QEMU @proc ended (load()), QEMU ended then."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                said = guest.device_report(log, proc.returncode)
                text = log.read_text(errors="replace")[-4096:]
                if proc.returncode == 1 and "load of migration failed" in text:
                    return "refused", text.strip().splitlines()[-1]
                return "died", said
            try:
                status = guest.qmp_execute(qmp, "query-status").get("status")
            except (OSError, ValueError, guest.QmpError):
                status = None
            if status in ("paused", "running", "postmigrate"):
                return "loaded", f"QEMU's status: {status}"
            time.sleep(0.1)
        return "died", f"neither loaded nor refused in {timeout} s"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def run(state_path, command_for, workdir, env=None):
    """Each edit of the state at @state_path (and the unedited state as
    "unedited") loaded by @command_for(state_fd, log, qmp), a QEMU command
    line that reads the state from that descriptor; a list of Outcome."""
    data = state_path.read_bytes()
    where = layout(data)
    outcomes = []
    for name, edit in [("unedited", lambda d, w: d), *EDITS.items()]:
        state = workdir / f"{name}.state"
        state.write_bytes(edit(data, where))
        log, qmp = workdir / f"{name}.qemu.log", workdir / f"{name}.qmp"
        fd = os.open(state, os.O_RDONLY)
        try:
            verdict, detail = load(command_for(fd, log, qmp), fd, log, qmp, env)
        finally:
            os.close(fd)
        state.unlink()
        outcomes.append(Outcome(name, verdict, detail))
    return outcomes


# Where a load is held for screendump_while_loading(): inside vmware-svga's
# section of the stream, among its 128 KiB of scratch registers, after
# enable and config were loaded and before post_load maps the FIFO.
DEVICE_SECTION = b"/vmware_vga\x00"
HOLD_AFTER = 64 * 1024
# How long QEMU is given to read the stream up to the hold.
HOLD_SETTLE = 1.0


def screendump_while_loading(state_path, command_for, workdir, env=None):
    """The state at @state_path fed to QEMU through a pipe that stops in the
    middle of vmware-svga's section, a QMP screendump asked for there (the
    display's refresh of a half-loaded device, as a display or the host
    channel would ask), then the rest: an Outcome, "loaded" when QEMU
    survived and loaded the state."""
    data = state_path.read_bytes()
    hold = data.find(DEVICE_SECTION)
    if hold < 0:
        raise ValueError("no vmware-svga section in the state")
    hold += HOLD_AFTER
    log, qmp = workdir / "screendump.qemu.log", workdir / "screendump.qmp"
    dump = workdir / "screendump"
    qemuuser.give(dump)
    read_end, write_end = os.pipe()
    held, go_on = threading.Event(), threading.Event()

    def feed():
        try:
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data[:hold])
                pipe.flush()
                held.set()
                go_on.wait(LOAD_TIMEOUT)
                pipe.write(data[hold:])
        except OSError:
            held.set()      # QEMU is gone: the outcome says so

    try:
        proc = start(command_for(read_end, log, qmp), read_end, log, env)
    finally:
        os.close(read_end)
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    said = ""
    try:
        held.wait(LOAD_TIMEOUT)
        time.sleep(HOLD_SETTLE)
        try:
            guest.qmp_execute(qmp, "screendump", {"filename": str(dump / "incoming.ppm")})
            said = "the screendump answered"
        except guest.QmpError as err:
            said = f"the screendump refused: {err}"
        except (OSError, ValueError) as err:
            said = f"no answer to the screendump: {err}"
    finally:
        go_on.set()
    verdict, detail = outcome_of(proc, log, qmp)
    feeder.join(5)
    return Outcome("screendump-while-loading", verdict, f"{said}; {detail}")
