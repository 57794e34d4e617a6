#!/usr/bin/env python3
"""Benchmark: a bare boot-to-poweroff of the guest's kernel and devices.

The same QEMU, kernel, command line, machine and devices (the root image's
disk too) as ./xprime run, with an initramfs whose init powers off at once: the floor under every boot of a run. Prints
the wall time of each boot and QEMU's peak RSS.

Usage: tools/bench_boot.py [--kernel KERNEL] [--machine MACHINE] [--boots 5]
KERNEL and MACHINE are what ./xprime run --kernel and --machine take
(default debian-6.12 on plain); the kernel is
fetched or built on first use, like the QEMU it boots.
"""

import argparse
import contextlib
import resource
import statistics
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))

from xprime import display, errors, guest, initramfs, qemu_build, rootimage, sidroot, suite  # noqa: E402

BARE_INIT = b"#!/bin/busybox sh\n/bin/busybox poweroff -f\n"


def bare_initrd(directory):
    path = Path(directory) / "bare.cpio"
    path.write_bytes(b"".join([
        initramfs.newc_entry("bin", stat.S_IFDIR | 0o755, ino=1),
        initramfs.newc_entry("bin/busybox", stat.S_IFREG | 0o755,
                             initramfs.BUSYBOX.read_bytes(), ino=2),
        initramfs.newc_entry("init", stat.S_IFREG | 0o755, BARE_INIT, ino=3),
        initramfs.newc_entry("TRAILER!!!", 0),
    ]))
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kernel", default="debian-6.12",
                   help="as ./xprime run --kernel: " + ", ".join(suite.KERNEL_NAMES))
    p.add_argument("--machine", default="plain", choices=sorted(suite.MACHINES))
    p.add_argument("--boots", type=int, default=5)
    args = p.parse_args()
    try:
        spec = suite.kernel_spec(args.kernel)
    except errors.UsageError as err:
        p.error(str(err))

    k = suite.kernel_for(spec)
    machine = suite.MACHINES[args.machine]
    q = qemu_build.build(virgl=machine.virgl)
    root_image = rootimage.root_image(sidroot.sid_root())
    times = []
    with tempfile.TemporaryDirectory() as tmp, \
            display.xvfb() if machine.virgl else contextlib.nullcontext() as env:
        initrd = bare_initrd(tmp)
        console = Path(tmp) / "console.log"
        cmd = guest.qemu_command(q, machine, k, initrd, [], console,
                                 Path(tmp) / "qmp", guest.CMDLINE,
                                 root_image=root_image)
        for _ in range(args.boots):
            start = time.monotonic()
            subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=300, check=True, env=env)
            times.append(time.monotonic() - start)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"bare boot-to-poweroff, {args.kernel} ({k.release}), {machine.name}, "
          f"TCG -smp {machine.cpus} -m {machine.memory}:")
    print("  boots: " + " ".join(f"{t:.1f}" for t in times) + " s")
    print(f"  median {statistics.median(times):.1f} s, min {min(times):.1f} s; "
          f"QEMU peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
