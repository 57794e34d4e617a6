"""One boot of a guest: QEMU (TCG) with vmware-svga, virtio-gpu and the shares.

guest/init says "ready" once its drivers are bound and waits for the host's
"go" on the control port; the harness may first save the guest's state there
(a Snapshot), and later boots of the same guest then start from that state
instead of from the firmware. The boot ends when the guest powers off, when
the kernel panics (every oops panics: oops=panic), or when the watchdog sees
no progress. The console log tells which, and names the IGT subtest that was
running.
"""

import fcntl
import itertools
import json
import os
import re
import resource
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import guestfiles, qemuuser


# A CPU that spins: the soft-lockup watchdog's report, or RCU's, by the CPU
# itself or by another ("detected stalls on CPUs/tasks").
LOCKUP = re.compile(r"watchdog: BUG: soft lockup|rcu: INFO: rcu_\w+ (self-)?detected "
                    r"(expedited )?stall")
# The kernel's own words for the start of a report, and for "this boot is over".
REPORT_START = re.compile(
    r"(BUG: |general protection fault|kernel BUG at|Oops: |"
    r"INFO: task .* blocked for more than|" + LOCKUP.pattern + ")")
PANIC = re.compile(r"Kernel panic - not syncing")
REPORT_PRELUDE = re.compile(r"^(BUG: |#PF: |PGD |general protection fault|kernel BUG at|"
                            r"Oops: |stack segment: |invalid opcode: )")
# libigt logs every (dynamic) subtest start to /dev/kmsg, so the console names
# the culprit even when the runner's own files stop short.
IGT_START = re.compile(
    r"\[IGT\] (?P<test>[\w-]+): starting (?P<kind>dynamic )?subtest (?P<name>[\w@-]+)")
IGT_EXECUTING = re.compile(r"\[IGT\] (?P<test>[\w-]+): executing")
IGT_FINISHED = re.compile(r"\[IGT\] (?P<test>[\w-]+): finished dynamic subtest "
                          r"(?P<name>[\w@-]+), (?P<result>[A-Z]+)")
READY = re.compile(r"xprime-guest: ready\r?$", re.M)
# igt_runner (or igt_resume) has run every job and starts writing
# results.json: under TCG, over the write-through share, that took minutes
# for a whole run (127 s for 89 jobs) against 0.1 s on the host. Every job's
# record is on the host already (--sync): the boot ends here, and the host
# writes results.json (session.generate_results).
TESTS_DONE = re.compile(r"^results: parsing output: ", re.M)
# What counts as the tests making progress, for the watchdog: libigt's and
# guest/init's lines in the kernel log. A kernel that prints (a stall report
# every few minutes, a warning in a loop) is not making progress.
PROGRESS = re.compile(r"\[IGT\] |xprime-guest: ")
# What guest/init says of the devices at "ready": the drivers bound, and
# the kernel's line of the display unit vmwgfx drives.
READY_SAID = re.compile(r"xprime-guest: ((?:drivers|vmwgfx):.*?)\r?$", re.M)
TASK = re.compile(r"\bComm: (\S+)")
# What a QEMU that died said of it in its log: a sanitizer's report (QEMU
# built with ASan and UBSan, qemu_build.build(sanitize=True)) and its frames.
SANITIZER = re.compile(r"==\d+==ERROR: (AddressSanitizer|LeakSanitizer): ([\w-]+)|"
                       r"^(?:\S+/)?([\w.-]+:\d+):\d+: runtime error: (.*)", re.M)
QEMU_FRAME = re.compile(r"^\s*#\d+ 0x[0-9a-f]+ in ")
# How much of QEMU's log is read for its report: the report is at its end.
QEMU_LOG_TAIL = 64 * 1024
KMSG_PREFIX = re.compile(r"^\[\s*(\d+\.\d+)\] ")


@dataclass
class Share:
    tag: str
    path: Path
    writable: bool = False


@dataclass
class BootResult:
    console: Path
    # tests-done | poweroff | panic | watchdog | flood (the guest wrote past
    # a cap) | qemu-failed
    ending: str
    seconds: float
    oops: str = ""                  # the first oops/panic excerpt, if any
    task: str = ""                  # the task the report names (Comm:), if any
    culprit: "Culprit | None" = None  # the IGT subtest running at the end
    job_status: int | None = None   # the guest job's exit status, if it got there
    notes: list = field(default_factory=list)
    drivers: list = field(default_factory=list)  # [card, driver], as the guest found them
    display_unit: str = ""          # vmwgfx's line "... display unit initialized"
    # Host seconds from QEMU's start: "ready" (or the saved state running
    # again), "saved", "go", "end".
    timing: dict = field(default_factory=dict)
    restored: bool = False          # started from a Snapshot
    qemu_uid: int | None = None     # QEMU's uid once the guest ran (0 if any of its uids is)
    qemu_seccomp: int | None = None  # its seccomp mode then (2: a filter)


@dataclass
class Machine:
    """What a guest configuration boots: devices and memory."""
    name: str
    vga: list
    display: list
    memory: int = 1024
    cpus: int = 2
    virgl: bool = False     # needs the virgl QEMU and an X display (display.py)
    # Needs the blob QEMU (qemu_build.py) and has its RAM from a shared memfd, which
    # virtio-gpu-pci,blob=true then maps blobs through (no host udmabuf).
    blob: bool = False
    # QEMU can save this machine's state at "ready".
    snapshots: bool = True
    # What its configurations' names end with: debian-6.12-virgl.
    suffix: str = ""
    # The display unit vmwgfx must say it drives ("Screen Target"), if any.
    display_unit: str = ""
    # Runs on the QEMU built with sanitizers (qemu_build.build(sanitize=True)).
    sanitize: bool = False


@dataclass
class Snapshot:
    """Where a guest's state at "ready" is kept: the drivers bound, no share
    mounted (a mounted virtio-9p share blocks migration). Saved by the first
    boot that finds none, restored by the boots after it.

    A run holds the states it uses (hold(): a shared lock on STATE.use) and
    prunes only those no run holds (prune(): that lock exclusive), so runs
    side by side never delete a state under each other."""
    path: Path
    use: object = field(default=None, repr=False, compare=False)

    @property
    def saved(self):
        return self.path.exists()

    @property
    def drivers_file(self):
        return self.path.with_name(self.path.name + ".drivers")

    def _sibling(self, suffix):
        return self.path.with_name(self.path.name + suffix)

    def discard(self):
        self.path.unlink(missing_ok=True)
        self.drivers_file.unlink(missing_ok=True)

    def hold(self):
        """Mark the state in use until release(), whether it is saved yet or not."""
        if self.use is None:
            self.use = _locked_file(self._sibling(".use"), fcntl.LOCK_SH)

    def release(self):
        if self.use is not None:
            self.use.close()
            self.use = None

    def touch(self):
        """Mark the state as used now (pruning keeps the most recent)."""
        try:
            os.utime(self.path)
        except FileNotFoundError:
            pass

    def prune(self):
        """Delete the state unless a run holds it."""
        use = _locked_file(self._sibling(".use"), fcntl.LOCK_EX | fcntl.LOCK_NB)
        if use is None:
            return
        with use:
            self.discard()
            # Holders and savers open these anew and check they are still
            # the files named so (_locked_file), so they go too.
            self._sibling(".lock").unlink(missing_ok=True)
            self._sibling(".use").unlink(missing_ok=True)

    def claim(self):
        """Wait while another boot (thread or process) is saving this state.
        Returns None when the state is saved, else the lock that makes this
        boot the one to save it, to close once saved: guests of the same
        configuration side by side boot from the firmware once, not each."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = _locked_file(self._sibling(".lock"), fcntl.LOCK_EX)
        if self.saved:
            lock.close()
            return None
        return lock


def _locked_file(path, operation):
    """@path opened and flock()ed with @operation, or None when LOCK_NB
    found it taken. A lock file another process deletes and makes anew in
    between is not the one locked: lock that one."""
    while True:
        f = open(path, "a")
        try:
            fcntl.flock(f, operation)
        except BlockingIOError:
            f.close()
            return None
        try:
            if os.stat(path).st_ino == os.fstat(f.fileno()).st_ino:
                return f
        except FileNotFoundError:
            pass
        f.close()


class HostChannel:
    """Serves a guest's requests to its host (lib/igt_host.h): one line each
    way over the guest's second serial port, a QEMU socket chardev.

    "screendump DEVICE" answers "ok PATH" with a PPM of the device's scanout
    (QMP screendump), written to @dump_dir and named by its guest path."""

    REQUEST = re.compile(r"screendump ([A-Za-z0-9_-]+)")

    def __init__(self, dump_dir, guest_dump_dir):
        self.dump_dir, self.guest_dump_dir = Path(dump_dir), guest_dump_dir
        self.path = self.qmp = None
        self.sock, self.pending, self.count = None, b"", 0

    def qemu_args(self, path):
        self.path = path
        return ["-chardev", f"socket,id=host,path={path},server=on,wait=off",
                "-serial", "chardev:host"]

    def poll(self):
        """Answer what the guest has asked since the last call; never blocks."""
        if self.sock is None:
            try:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect(str(self.path))
                sock.setblocking(False)
                self.sock = sock
            except OSError:
                return
        try:
            data = self.sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            return
        self.pending += data
        while b"\n" in self.pending:
            line, self.pending = self.pending.split(b"\n", 1)
            reply = self.answer(line.decode(errors="replace").strip())
            self.sock.setblocking(True)
            self.sock.sendall(reply.encode() + b"\n")
            self.sock.setblocking(False)

    def answer(self, line):
        request = self.REQUEST.fullmatch(line)
        if not request:
            return f"error unknown request {line[:60]!r}"
        device = request.group(1)
        self.count += 1
        name = f"screendump-{self.count}-{device}.ppm"
        # QEMU writes it there, as qemuuser.USER.
        qemuuser.give(self.dump_dir)
        try:
            qmp_execute(self.qmp, "screendump",
                        {"filename": str(self.dump_dir / name), "device": device})
        except (OSError, ValueError, QmpError) as err:
            return f"error screendump of {device}: {err}"
        return f"ok {self.guest_dump_dir}/{name}"

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None


class QmpError(Exception):
    pass


class Qmp:
    """A connection to QEMU's monitor socket (QMP), for a few commands."""

    def __init__(self, path, timeout=60):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(str(path))
        except OSError:
            self.sock.close()
            raise
        self.stream = self.sock.makefile("rwb")
        json.loads(self.stream.readline())   # the greeting
        self.call("qmp_capabilities")

    def call(self, execute, arguments=None, fd=None):
        """@execute's return value; with @fd, the descriptor is passed along
        (SCM_RIGHTS), as QMP's getfd takes it."""
        message = {"execute": execute} | ({"arguments": arguments} if arguments else {})
        data = json.dumps(message).encode() + b"\n"
        if fd is None:
            self.stream.write(data)
            self.stream.flush()
        else:
            socket.send_fds(self.sock, [data], [fd])
        while True:
            line = self.stream.readline()
            if not line:
                raise QmpError("QEMU closed the monitor")
            reply = json.loads(line)
            if "error" in reply:
                raise QmpError(reply["error"].get("desc", "error"))
            if "return" in reply:
                return reply["return"]

    def close(self):
        self.stream.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def qmp_execute(path, command, arguments=None):
    """Run one QMP command on QEMU's monitor socket; return its result."""
    with Qmp(path) as qmp:
        return qmp.call(command, arguments)


def save_state(qmp_path, snapshot, said, timeout=120):
    """Save the stopped guest's state into @snapshot (QMP migrate to a file),
    with what its boot @said at "ready" (_ready_said()), then let it run on.
    Returns None, or why it could not be saved.

    QEMU runs as qemuuser.USER under seccomp (no exec): it writes the state
    into a pipe it is handed over QMP (getfd), and the harness copies the
    pipe into the cache, where QEMU has no access and which its file-size
    cap (FILE_CAP) does not bound."""
    # Runs of several checkouts may save the same state at once.
    partial = snapshot.path.with_name(f"{snapshot.path.name}.{os.getpid()}.partial")
    snapshot.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with Qmp(qmp_path, timeout=timeout) as qmp:
            qmp.call("stop")
            try:
                # The default cap (32 MiB/s) would make this take seconds.
                qmp.call("migrate-set-parameters", {"max-bandwidth": 1 << 40})
                return _migrate_to(qmp, partial, snapshot, said, timeout)
            finally:
                qmp.call("cont")
    except (OSError, ValueError, QmpError) as err:
        return f"QMP: {err}"
    finally:
        partial.unlink(missing_ok=True)


def _migrate_to(qmp, partial, snapshot, said, timeout):
    """The migration into @partial through a pipe, then renamed to @snapshot."""
    read_end, write_end = os.pipe()
    with open(partial, "wb") as out:
        # Owns @read_end from here: it ends at the pipe's end, which comes
        # when QEMU closes the write end (the migration done, or QEMU gone).
        copier = _Copier(read_end, out)
        try:
            qmp.call("getfd", {"fdname": "xprime-state"}, fd=write_end)
        finally:
            os.close(write_end)
        try:
            qmp.call("migrate", {"uri": "fd:xprime-state"})
        except QmpError:
            qmp.call("closefd", {"fdname": "xprime-state"})
            raise
        deadline = time.monotonic() + timeout
        while True:
            status = qmp.call("query-migrate").get("status")
            if status == "completed":
                break
            if status in ("failed", "cancelled") or time.monotonic() > deadline:
                return f"migration {status}"
            time.sleep(0.02)
        copier.join(max(1.0, deadline - time.monotonic()))
        if copier.is_alive() or copier.error:
            return f"copying the state: {copier.error or 'the pipe did not end'}"
    snapshot.drivers_file.write_text("".join(f"{k}: {v}\n" for k, v in said.items()))
    partial.rename(snapshot.path)
    return None


class _Copier(threading.Thread):
    """A pipe's read end @fd copied into the file @out until the pipe ends;
    @fd closed then."""

    def __init__(self, fd, out):
        super().__init__(daemon=True)
        self.fd, self.out, self.error = fd, out, None
        self.start()

    def run(self):
        try:
            while True:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    break
                self.out.write(chunk)
            self.out.flush()
        except (OSError, ValueError) as err:
            self.error = err
        finally:
            os.close(self.fd)


# QEMU's seccomp filter: no obsolete system calls, no fork or exec, no
# changes of scheduling or CPU affinity. elevateprivileges stays allowed:
# the filter is installed at start-up, before -runas drops root
# (os_setup_post), and its deny (and children) sets trap setgid()/setuid(),
# which -runas itself calls. Once QEMU runs as qemuuser.USER it has no
# capability left to get root back.
SANDBOX = "on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny"
# The largest file QEMU may write (RLIMIT_FSIZE): the console, its own log,
# whatever the guest writes through the results share, screendumps. The
# largest legitimate one is a few MiB (a console, a screendump); the saved
# state goes through a pipe (save_state). Past it a write fails with EFBIG
# (SIGXFSZ is ignored), and the harness ends the boot as a flood.
FILE_CAP = guestfiles.FILE_CAP
# The most a boot may add to the results share (the run directory); past it
# the boot ends as a flood.
RUN_DIR_CAP = 2 << 30
# Seconds between two looks at the run directory's total.
RUN_DIR_EVERY = 2.0


def start_cap(machine):
    """QEMU's file-size cap at its start: FILE_CAP, or for the blob machine
    its RAM's size, since QEMU sizes the RAM's memfd with ftruncate(),
    which the cap counts. Lowered to FILE_CAP once QEMU is up (lower_cap()),
    before the guest can mount a share."""
    return max(FILE_CAP, machine.memory << 20) if machine.blob else FILE_CAP


def _qemu_limits(cap=None):
    """In QEMU's process before exec: the file-size cap, SIGXFSZ ignored."""
    cap = FILE_CAP if cap is None else cap
    resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def lower_cap(pid):
    """QEMU's file-size cap (process @pid) lowered to FILE_CAP."""
    try:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (FILE_CAP, FILE_CAP))
    except (ProcessLookupError, PermissionError):
        pass


def share_args(share):
    """-fsdev and -device of a 9p @share. Never passthrough: the writable
    share maps the guest's owners, modes, device nodes and symlinks into
    xattrs of regular files (mapped-xattr), the read-only ones show the
    host's files as they are (none)."""
    model = "mapped-xattr" if share.writable else "none,readonly=on"
    return ["-fsdev", f"local,id=fs-{share.tag},path={share.path},security_model={model}",
            "-device", f"virtio-9p-pci,fsdev=fs-{share.tag},mount_tag={share.tag}"]


def qemu_command(qemu, machine, kernel, initrd, shares, console, qmp, cmdline, host=None,
                 root_image=None, control=None, incoming=None):
    """QEMU's command line. The serial ports: ttyS0 the console, ttyS1 the
    host channel, ttyS2 the control port (guest/init waits there for "go").
    @incoming: the descriptor QEMU reads a saved state from."""
    cmd = [str(qemu.binary), *qemu.data_args(),
           "-accel", "tcg", "-cpu", "max", "-smp", str(machine.cpus),
           "-m", str(machine.memory),
           *(["-object", f"memory-backend-memfd,id=guest-ram,size={machine.memory}M,share=on",
              "-machine", "q35,memory-backend=guest-ram"] if machine.blob
             else ["-machine", "q35"]),
           "-nodefaults", "-no-user-config", "-no-reboot",
           *machine.vga, *machine.display,
           "-chardev", f"file,id=console,path={console}", "-serial", "chardev:console",
           "-qmp", f"unix:{qmp},server=on,wait=off",
           *(host.qemu_args(console.with_suffix(".host")) if host else ["-serial", "null"]),
           *(["-chardev", f"socket,id=control,path={control},server=on,wait=off",
              "-serial", "chardev:control"] if control else []),
           "-kernel", str(kernel.vmlinuz), "-initrd", str(initrd),
           "-append", cmdline]
    if root_image:
        cmd += ["-drive", f"file={root_image},format=raw,if=none,id=root,readonly=on",
                "-device", "virtio-blk-pci,drive=root"]
    for share in shares:
        cmd += share_args(share)
    if incoming is not None:
        # The saved state's file, opened by the harness (Attempt.start).
        cmd += ["-incoming", f"fd:{incoming}"]
    return cmd + ["-sandbox", SANDBOX, *qemuuser.runas_args()]


# oops=panic: an oops ends the boot at once, before a half-dead kernel can
# spoil the subtests after it. printk.devkmsg=on keeps libigt's "[IGT] ...
# starting subtest" lines (KERN_INFO, written to /dev/kmsg) from rate
# limiting; guest/init raises the console's level to 7 to show them, the
# boot's own chatter stays in the kernel log (loglevel=4: warnings, oopses
# and panics still reach the console). A kernel that stalls panics as an
# oops does, at the first report of its detector: an RCU stall (21 s on
# every kernel here), a soft lockup (20 s) or a task blocked for 60 s (not
# the default 120 s); otherwise the stuck subtest would keep the boot
# printing its report every few minutes until the watchdog, and the run
# would lose the subtests after it. cryptomgr.notests: the crypto
# self-tests of Debian's kernel took seconds of a TCG boot, and no crossing
# uses the crypto API. Three serial ports: see qemu_command().
CMDLINE = ("console=ttyS0 panic=-1 oops=panic loglevel=4 printk.devkmsg=on "
           "softlockup_panic=1 sysctl.kernel.panic_on_rcu_stall=1 "
           "sysctl.kernel.hung_task_panic=1 sysctl.kernel.hung_task_timeout_secs=60 "
           "cryptomgr.notests rdinit=/init 8250.nr_uarts=3")


# Seconds a saved state may take to load before the boot starts afresh.
RESTORE_TIMEOUT = 60


class Control:
    """The host's side of the control port: says "go" to guest/init."""

    def __init__(self, path):
        self.path, self.sock = path, None

    def go(self):
        """Send "go" with the host's clock; False while QEMU is not listening."""
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(str(self.path))
        except OSError:
            sock.close()
            return False
        # Kept open to the end: the guest reads one line only.
        self.sock = sock
        sock.sendall(b"go %d\n" % int(time.time()))
        return True

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None


def restored(qmp):
    """Whether QEMU has loaded the saved state; set it running if so. The
    state was saved stopped, so QEMU leaves it paused once loaded."""
    try:
        with Qmp(qmp) as monitor:
            status = monitor.call("query-status").get("status")
            if status == "paused":
                monitor.call("cont")
                return True
            return status == "running"
    except (OSError, ValueError, QmpError):
        return False


@dataclass
class BootSpec:
    """What a boot runs: boot()'s arguments."""
    qemu: object
    machine: Machine
    kernel: object
    initrd: Path
    shares: list
    console: Path
    progress_paths: list
    stall_timeout: float = 300
    max_seconds: float = 3600
    host: object = None
    env: dict = None
    root_image: Path = None
    snapshot: Snapshot = None


def boot(qemu, machine, kernel, initrd, shares, console, progress_paths,
         stall_timeout=300, max_seconds=3600, host=None, env=None, root_image=None,
         snapshot=None):
    """Boot once; return a BootResult. @progress_paths are files whose growth
    (besides the console's) shows the guest is alive; @host, a HostChannel,
    answers the guest's requests on its second serial port; @env, QEMU's
    environment (an X display for virgl), else the harness's own. With a
    @snapshot, the boot starts from the saved state, or saves it at "ready"
    when there is none yet (a state that will not load is discarded, and the
    boot starts from the firmware). The watchdog ends a boot that made no
    progress for @stall_timeout seconds: no libigt or guest/init line on the
    console (guest.PROGRESS), no growth of @progress_paths."""
    spec = BootSpec(qemu, machine, kernel, initrd, shares, Path(console), progress_paths,
                    stall_timeout, max_seconds, host, env, root_image, snapshot)
    spec.console.parent.mkdir(parents=True, exist_ok=True)
    notes = []
    while True:
        attempt = Attempt(spec)
        attempt.run()
        if attempt.refused_state():
            # QEMU refused the saved state (another QEMU build, a damaged
            # file): boot from the firmware, and save it anew.
            notes.append(attempt.forget_state())
            continue
        result = attempt.result()
        result.notes = notes + result.notes
        return result


class Attempt:
    """One QEMU process of a boot: started, watched until the guest is
    ready, its state saved or restored, "go" said, then watched until the
    tests are done, the kernel panics or the watchdog ends it."""

    def __init__(self, spec):
        self.spec = spec
        console = spec.console
        self.qmp = console.with_suffix(".qmp")
        self.control = Control(console.with_suffix(".control"))
        self.restoring = spec.snapshot is not None and spec.snapshot.saved
        self.timing, self.notes, self.ending, self.proc = {}, [], None, None
        self.start_time = self.last_change = time.monotonic()
        self.last_sizes, self.last_mark = None, None
        self.last_audit, self.flooded, self.qemu_uid, self.qemu_seccomp = 0.0, "", None, None
        self.writable, self.before, self.cap = [], [], FILE_CAP

    def run(self):
        """Start QEMU and watch it to its end."""
        snapshot = self.spec.snapshot
        saving = snapshot.claim() if snapshot is not None and not snapshot.saved else None
        try:
            self.start()
            while self.proc.poll() is None and self.ending is None:
                time.sleep(0.05)
                if self.spec.host:
                    self.spec.host.poll()
                tail = _tail(self.spec.console)
                if "go" not in self.timing and not self.hand_over(tail, saving):
                    break
                self.watch(tail)
        finally:
            if saving:
                saving.close()
            self.clean_up()

    def start(self):
        """QEMU started, the files of an earlier attempt removed."""
        spec, console = self.spec, self.spec.console
        for path in (self.qmp, self.control.path, console):
            path.unlink(missing_ok=True)
        self.measure_shares()
        if spec.host:
            spec.host.qmp = self.qmp
            console.with_suffix(".host").unlink(missing_ok=True)
        # The saved state, opened here: QEMU reads it from the descriptor
        # and needs no access to the cache (nor an exec, which seccomp denies).
        state = os.open(spec.snapshot.path, os.O_RDONLY) if self.restoring else None
        env = spec.env
        extra = spec.qemu.env()
        if extra:
            env = {**(env if env is not None else os.environ), **extra}
        self.cap = start_cap(spec.machine)
        try:
            cmd = qemu_command(spec.qemu, spec.machine, spec.kernel, spec.initrd, spec.shares,
                               console, self.qmp, CMDLINE, spec.host, spec.root_image,
                               self.control.path, state)
            console.with_suffix(".cmd").write_text(
                " ".join(cmd) + "\n"
                + (f"# -incoming fd:{state} is {spec.snapshot.path}\n" if self.restoring
                   else ""))
            self.start_time = self.last_change = time.monotonic()
            self.timing["started"] = time.time()
            with open(console.with_suffix(".qemu.log"), "w") as qlog:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog,
                                             stderr=subprocess.STDOUT, start_new_session=True,
                                             env=env, pass_fds=[state] if self.restoring
                                             else (),
                                             preexec_fn=lambda: _qemu_limits(self.cap))
        finally:
            if state is not None:
                os.close(state)

    def since_start(self):
        return time.monotonic() - self.start_time

    def hand_over(self, tail, saving):
        """Until the guest is ready (restored, or its "ready" line): then its
        state saved if it has none yet, and "go" said. False when a saved
        state did not load in time: QEMU is ended."""
        ready = restored(self.qmp) if self.restoring else READY.search(tail) is not None
        if not ready:
            if self.restoring and self.since_start() > RESTORE_TIMEOUT:
                # Loading a saved state takes under a second: boot afresh.
                _kill(self.proc)
                return False
            return True
        self.timing.setdefault("ready", self.since_start())
        if self.cap > FILE_CAP:
            # QEMU's memfd is sized; no share is mounted before "go".
            lower_cap(self.proc.pid)
            self.cap = FILE_CAP
        if self.qemu_uid is None:
            # By now QEMU runs the guest: -runas has dropped root.
            self.qemu_uid, self.qemu_seccomp = process_status(self.proc.pid)
        snapshot = self.spec.snapshot
        if snapshot is not None and not self.restoring and "saved" not in self.timing:
            why = save_state(self.qmp, snapshot, _ready_said(read_console(self.spec.console)))
            self.timing["saved"] = self.since_start()
            if saving:
                saving.close()
            if why:
                self.notes.append(f"guest state not saved: {why}")
        if self.control.go():
            self.timing["go"] = self.since_start()
        self.last_change = time.monotonic()
        return True

    def watch(self, tail):
        """Progress noted; the boot ended (self.ending) by the watchdog, the
        tests being done or a panic."""
        spec, now = self.spec, time.monotonic()
        sizes = [_size(p) for p in spec.progress_paths]
        mark = _last_progress(tail, _size(spec.console))
        if sizes != self.last_sizes or (mark is not None and mark != self.last_mark):
            self.last_sizes, self.last_change = sizes, now
            self.last_mark = mark if mark is not None else self.last_mark
        panicked = PANIC.search(tail)
        flood = self.flood(now)
        if flood:
            self.ending, self.flooded = "flood", flood
            _kill(self.proc)
        elif (now - self.last_change > spec.stall_timeout
                or now - self.start_time > spec.max_seconds):
            self.ending = "watchdog"
            _kill(self.proc)
        elif TESTS_DONE.search(tail) and not panicked:
            self.ending = "tests-done"
            _kill(self.proc)
        elif panicked:
            # panic=-1 with -no-reboot ends QEMU at once; do not rely on it.
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                _kill(self.proc)
            self.ending = "panic"

    def flood(self, now=None):
        """Why the guest wrote too much in this boot, or None: the console at
        QEMU's cap (FILE_CAP), a file of the results share at it that was
        not before the boot, or the share grown by over RUN_DIR_CAP (looked
        at every RUN_DIR_EVERY seconds, and with no @now)."""
        if _size(self.spec.console) >= FILE_CAP:
            return f"the console reached {FILE_CAP >> 20} MiB"
        if now is not None and now - self.last_audit < RUN_DIR_EVERY:
            return None
        self.last_audit = now or time.monotonic()
        for share, (had, capped) in zip(self.writable, self.before):
            found = guestfiles.audit(share.path)
            full = sorted(set(found["full"]) - capped)
            if full:
                return f"{full[0]} reached {FILE_CAP >> 20} MiB, QEMU's cap on a file"
            if found["bytes"] - had > RUN_DIR_CAP:
                return (f"{share.path} grew by {(found['bytes'] - had) >> 20} MiB, over "
                        f"{RUN_DIR_CAP >> 20} MiB")
        return None

    def measure_shares(self):
        """What the writable shares hold before the boot: (bytes, {files at
        the cap}) each, which flood() compares with."""
        self.writable = [share for share in self.spec.shares if share.writable]
        self.before = []
        for share in self.writable:
            found = guestfiles.audit(share.path)
            self.before.append((found["bytes"], set(found["full"])))

    def clean_up(self):
        """QEMU ended (also when the harness fails meanwhile), its sockets gone."""
        if self.proc is not None and self.proc.poll() is None:
            _kill(self.proc)
        self.timing["end"] = self.since_start()
        self.control.close()
        if self.spec.host:
            self.spec.host.close()
            self.spec.console.with_suffix(".host").unlink(missing_ok=True)
        for path in (self.qmp, self.control.path):
            path.unlink(missing_ok=True)

    def refused_state(self):
        """Whether the saved state this attempt restored never came up."""
        return self.restoring and "go" not in self.timing and self.ending is None

    def forget_state(self):
        """The refused state discarded, QEMU's words kept; the note saying so."""
        console = self.spec.console
        log = read_console(console.with_suffix(".qemu.log")).strip()
        # The boot afresh writes the same files: keep what the refusal left.
        console.with_suffix(".refused.qemu.log").write_text(log + "\n")
        self.spec.snapshot.discard()
        return ("the saved guest state did not load, booted afresh: "
                + (log.splitlines()[-1] if log else f"exit {self.proc.returncode}"))

    def result(self):
        """The BootResult: how the boot ended, what the guest said at ready."""
        spec, console = self.spec, self.spec.console
        if self.ending != "flood":
            # What the guest wrote in its last seconds counts too.
            self.flooded = self.flood() or ""
            self.ending = "flood" if self.flooded else self.ending
        result = analyse(console, self.ending, self.proc.returncode, self.since_start())
        result.notes = self.notes + result.notes
        result.timing, result.restored = self.timing, self.restoring
        result.qemu_uid, result.qemu_seccomp = self.qemu_uid, self.qemu_seccomp
        said = _ready_said(read_console(console))
        if self.restoring:
            try:
                said = _said_file(spec.snapshot.drivers_file.read_text())
            except FileNotFoundError:
                pass
        drivers = said.get("drivers", "")
        result.drivers = [pair.split("=", 1) for pair in drivers.split() if "=" in pair]
        result.display_unit = said.get("vmwgfx", "")
        console.with_suffix(".timing.json").write_text(json.dumps(
            {"restored": self.restoring, "ending": result.ending,
             "qemu_uid": self.qemu_uid, "qemu_seccomp": self.qemu_seccomp, **self.timing},
            indent=1) + "\n")
        if result.ending == "flood":
            result.oops = "\n".join([f"flood: {self.flooded}; the boot was ended", result.oops])
        if result.ending == "watchdog" and not result.oops:
            last = _tail(console, 2048).splitlines()[-8:]
            result.oops = "\n".join([f"hang: no progress for {spec.stall_timeout} s "
                                      f"(or over {spec.max_seconds} s in all); last "
                                      "console lines:", *last])
        return result


def process_status(pid):
    """(uid, seccomp mode) of process @pid from /proc/PID/status: its uid,
    0 if any of its uids (real, effective, saved, filesystem) is root, and
    its Seccomp field (2: a filter); (None, None) when it is gone."""
    uid = mode = None
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("Uid:"):
                    uid = min(int(field) for field in line.split()[1:5])
                elif line.startswith("Seccomp:"):
                    mode = int(line.split()[1])
    except OSError:
        pass
    return uid, mode


def _kill(proc):
    """End QEMU and whatever it started (its session)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _last_progress(tail, size):
    """The console offset of the last progress line in @tail, its last
    bytes, or None when it holds none."""
    found = [m.start() for m in PROGRESS.finditer(tail)]
    return size - len(tail.encode(errors="replace")) + found[-1] if found else None


def _ready_said(text):
    """What the guest said of its devices at "ready" in the console @text:
    {"drivers": "card0=vgem ...", "vmwgfx": "... display unit initialized"},
    the last line of each."""
    said = {}
    for line in READY_SAID.findall(text):
        kind, _, value = line.partition(":")
        said[kind] = value.strip()
    return said


def _said_file(text):
    """A saved state's record of _ready_said(), written by save_state()."""
    said = {}
    for line in text.splitlines():
        kind, sep, value = line.partition(": ")
        said[kind if sep else "drivers"] = value if sep else line
    return said


def _size(path):
    return guestfiles.size(path)


def _tail(path, nbytes=8192):
    return guestfiles.tail(path, nbytes)


def read_console(path):
    """A console (or QEMU's log) as text, "" when missing: never past
    FILE_CAP (QEMU cannot write more), never through a symlink."""
    try:
        return guestfiles.read_text(path, FILE_CAP, truncate=True)
    except FileNotFoundError:
        return ""


def analyse(console, ending, returncode, seconds):
    text = read_console(console)
    # Each line without its kernel timestamp, and the timestamp beside it
    # (None for the lines without one).
    lines, stamps = [], []
    for raw in text.splitlines():
        m = KMSG_PREFIX.match(raw)
        lines.append(raw[m.end():].rstrip("\r") if m else raw.rstrip("\r"))
        stamps.append(float(m[1]) if m else None)
    result = BootResult(console=console, ending=ending or "", seconds=seconds)
    job = [l for l in lines if l.startswith("xprime-guest: igt_runner exited")]
    if job:
        result.job_status = int(job[-1].split()[-1])
    panic_at = next((i for i, l in enumerate(lines) if PANIC.search(l)), None)
    report_at = first_report(lines, panic_at)
    if report_at is not None:
        end = panic_at if panic_at is not None else min(len(lines) - 1, report_at + 60)
        result.oops = "\n".join(lines[report_at:end + 1])
        task = TASK.search(result.oops)
        result.task = task.group(1) if task else ""
        result.culprit = culprit(lines[:report_at], stamps)
    if not result.ending:
        if any(PANIC.search(l) for l in lines):
            result.ending = "panic"
        elif job:
            result.ending = "poweroff"
        else:
            result.ending = "qemu-failed"
            result.notes.append(f"QEMU exited {returncode} before the job finished")
            # A guest that takes its device down: the device's crash is
            # that subtest's, as a kernel's oops would be.
            result.culprit = culprit(lines, stamps)
            if result.culprit is not None:
                result.ending = "qemu-crash"
                result.oops = device_report(console.with_suffix(".qemu.log"), returncode)
    if result.ending in ("watchdog", "flood") and result.culprit is None:
        result.culprit = culprit(lines, stamps)
    return result


def device_report(qemu_log, returncode):
    """What QEMU said as it died, for a crash's report: its first line
    "QEMU died: <what>", then the sanitizer's report, if any."""
    text = _tail(qemu_log, QEMU_LOG_TAIL)
    m = SANITIZER.search(text)
    if m and m.group(1):
        title = f"QEMU died: {m.group(1)}: {m.group(2)}"
    elif m:
        title = f"QEMU died: UndefinedBehaviorSanitizer: {m.group(3)} {m.group(4)}"
    elif returncode is not None and returncode < 0:
        title = f"QEMU died: {signal.Signals(-returncode).name}"
    else:
        title = f"QEMU died: exit status {returncode}"
    lines = text[m.start():].splitlines()[1:] if m else []
    frames = [line.strip() for line in lines if QEMU_FRAME.match(line)][:30]
    return "\n".join([title, *frames])


def first_report(lines, panic_at):
    """Index of the report that led to the panic (or of the first report)."""
    end = len(lines) if panic_at is None else panic_at
    starts = [i for i in range(end) if REPORT_START.search(lines[i])]
    if not starts:
        return panic_at
    at = starts[0] if panic_at is None else starts[-1]
    # "BUG: ...", "#PF: ...", "PGD ...", "Oops: ..." are one report: step
    # back over the lines that open it.
    while at > 0 and REPORT_PRELUDE.search(lines[at - 1]):
        at -= 1
    return at


@dataclass
class Culprit:
    """The (dynamic) subtest that was running, by the names libigt logged."""
    binary: str                  # as libigt names itself: argv[0]'s basename
    subtest: str
    dynamic: str = ""
    earlier_dynamics: list = field(default_factory=list)  # same subtest, before it
    # Earlier dynamic subtests libigt logged as finished: name -> its word
    # (SUCCESS, FAIL, SKIP). igt_runner may not have recorded them when the
    # kernel went down a moment later.
    finished: dict = field(default_factory=dict)
    # Their durations in seconds, from the console's timestamps of libigt's
    # start and end lines (igt_runner would have taken them from the test's
    # output).
    durations: dict = field(default_factory=dict)

    @property
    def name(self):
        return "@".join(["igt", self.binary, self.subtest] + ([self.dynamic] if self.dynamic else []))


def culprit(lines, stamps=()):
    """The last subtest started in @lines (@stamps: their kernel timestamps,
    where known), or None."""
    found, started = None, None
    for line, stamp in zip(lines, itertools.chain(stamps, itertools.repeat(None))):
        if IGT_EXECUTING.search(line):
            found = None
            continue
        done = IGT_FINISHED.search(line)
        if done and found and found.binary == done["test"] and done["name"] == found.dynamic:
            found.finished[done["name"]] = done["result"]
            if stamp is not None and started is not None:
                found.durations[done["name"]] = round(stamp - started, 6)
            continue
        m = IGT_START.search(line)
        if not m:
            continue
        if not m["kind"]:
            found = Culprit(m["test"], m["name"])
        elif found and found.binary == m["test"]:
            if found.dynamic:
                found.earlier_dynamics.append(found.dynamic)
            found.dynamic = m["name"]
            started = stamp
    return found
