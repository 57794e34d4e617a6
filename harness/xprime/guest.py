"""One boot of a guest: QEMU (TCG) with vmware-svga, virtio-gpu and the shares.

The boot ends when the guest powers off, when the kernel panics (every oops
panics: oops=panic), or when the watchdog sees no progress. The console log
tells which, and names the IGT subtest that was running.
"""

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


# The kernel's own words for the start of a report, and for "this boot is over".
REPORT_START = re.compile(
    r"(BUG: |general protection fault|kernel BUG at|Oops: |"
    r"INFO: task .* blocked for more than|watchdog: BUG: soft lockup)")
PANIC = re.compile(r"Kernel panic - not syncing")
REPORT_PRELUDE = re.compile(r"^(BUG: |#PF: |PGD |general protection fault|kernel BUG at|"
                            r"Oops: |stack segment: |invalid opcode: )")
# libigt logs every (dynamic) subtest start to /dev/kmsg, so the console names
# the culprit even when the runner's own files stop short.
IGT_START = re.compile(
    r"\[IGT\] (?P<test>[\w-]+): starting (?P<kind>dynamic )?subtest (?P<name>[\w@-]+)")
IGT_EXECUTING = re.compile(r"\[IGT\] (?P<test>[\w-]+): executing")
TASK = re.compile(r"\bComm: (\S+)")
KMSG_PREFIX = re.compile(r"^\[\s*\d+\.\d+\] ")


@dataclass
class Share:
    tag: str
    path: Path
    writable: bool = False


@dataclass
class BootResult:
    console: Path
    ending: str                     # poweroff | panic | watchdog | qemu-failed
    seconds: float
    oops: str = ""                  # the first oops/panic excerpt, if any
    task: str = ""                  # the task the report names (Comm:), if any
    culprit: "Culprit | None" = None  # the IGT subtest running at the end
    job_status: int | None = None   # the guest job's exit status, if it got there
    notes: list = field(default_factory=list)


@dataclass
class Machine:
    """What a guest configuration boots: devices and memory."""
    name: str
    vga: list
    display: list
    memory: int = 1024
    cpus: int = 2


def qemu_command(qemu, machine, kernel, initrd, shares, console, qmp, cmdline):
    cmd = [str(qemu.binary), *qemu.data_args(),
           "-accel", "tcg", "-cpu", "max", "-smp", str(machine.cpus),
           "-m", str(machine.memory), "-machine", "q35",
           "-nodefaults", "-no-user-config", "-no-reboot",
           *machine.vga, *machine.display,
           "-chardev", f"file,id=console,path={console}", "-serial", "chardev:console",
           "-qmp", f"unix:{qmp},server=on,wait=off",
           "-kernel", str(kernel.vmlinuz), "-initrd", str(initrd),
           "-append", cmdline]
    for share in shares:
        ro = "" if share.writable else ",readonly=on"
        cmd += ["-fsdev", f"local,id=fs-{share.tag},path={share.path},"
                          f"security_model=passthrough{ro}",
                "-device", f"virtio-9p-pci,fsdev=fs-{share.tag},mount_tag={share.tag}"]
    return cmd


def boot(qemu, machine, kernel, initrd, shares, console, progress_paths,
         stall_timeout=300, max_seconds=3600):
    """Boot once; return a BootResult. @progress_paths are files whose growth
    (besides the console's) shows the guest is alive."""
    console = Path(console)
    console.parent.mkdir(parents=True, exist_ok=True)
    qmp = console.with_suffix(".qmp")
    qmp.unlink(missing_ok=True)
    # oops=panic: an oops ends the boot at once, before a half-dead kernel
    # can spoil the subtests after it. loglevel=7 and printk.devkmsg=on put
    # libigt's "[IGT] ... starting subtest" lines (KERN_INFO, written to
    # /dev/kmsg) on the console, none of them dropped by rate limiting.
    cmdline = ("console=ttyS0 panic=-1 oops=panic loglevel=7 printk.devkmsg=on "
               "rdinit=/init 8250.nr_uarts=1")
    cmd = qemu_command(qemu, machine, kernel, initrd, shares, console, qmp, cmdline)
    (console.with_suffix(".cmd")).write_text(" ".join(cmd) + "\n")
    start = time.monotonic()
    ending = None
    with open(console.with_suffix(".qemu.log"), "w") as qlog:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog,
                                stderr=subprocess.STDOUT, start_new_session=True)
        last_sizes, last_change = None, start
        while proc.poll() is None:
            time.sleep(0.5)
            now = time.monotonic()
            sizes = [_size(p) for p in [console, *progress_paths]]
            if sizes != last_sizes:
                last_sizes, last_change = sizes, now
            if now - last_change > stall_timeout or now - start > max_seconds:
                ending = "watchdog"
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                break
            if ending is None and PANIC.search(_tail(console)):
                # panic=-1 with -no-reboot should end QEMU at once; do not
                # rely on it.
                time.sleep(2)
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                ending = "panic"
                break
    qmp.unlink(missing_ok=True)
    result = analyse(console, ending, proc.returncode, time.monotonic() - start)
    if result.ending == "watchdog" and not result.oops:
        last = _tail(console, 2048).splitlines()[-8:]
        result.oops = "\n".join([f"hang: no progress for {stall_timeout} s "
                                  f"(or over {max_seconds} s in all); last console lines:",
                                  *last])
    return result


def _size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def _tail(path, nbytes=8192):
    try:
        with open(path, "rb") as f:
            f.seek(max(0, _size(path) - nbytes))
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def analyse(console, ending, returncode, seconds):
    text = console.read_text(errors="replace") if console.exists() else ""
    lines = [KMSG_PREFIX.sub("", l.rstrip("\r")) for l in text.splitlines()]
    result = BootResult(console=console, ending=ending or "", seconds=seconds)
    job = [l for l in lines if l.startswith("xprime-guest: job exited")]
    if job:
        result.job_status = int(job[-1].split()[-1])
    panic_at = next((i for i, l in enumerate(lines) if PANIC.search(l)), None)
    report_at = first_report(lines, panic_at)
    if report_at is not None:
        end = panic_at if panic_at is not None else min(len(lines) - 1, report_at + 60)
        result.oops = "\n".join(lines[report_at:end + 1])
        task = TASK.search(result.oops)
        result.task = task.group(1) if task else ""
        result.culprit = culprit(lines[:report_at])
    if not result.ending:
        if any(PANIC.search(l) for l in lines):
            result.ending = "panic"
        elif job:
            result.ending = "poweroff"
        else:
            result.ending = "qemu-failed"
            result.notes.append(f"QEMU exited {returncode} before the job finished")
    if result.ending == "watchdog" and result.culprit is None:
        result.culprit = culprit(lines)
    return result


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

    @property
    def name(self):
        return "@".join(["igt", self.binary, self.subtest] + ([self.dynamic] if self.dynamic else []))


def culprit(lines):
    """The last subtest started in @lines, or None."""
    found = None
    for line in lines:
        if IGT_EXECUTING.search(line):
            found = None
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
    return found
