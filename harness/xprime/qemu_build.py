"""QEMU from Debian's source package, with the project's vmware-svga patch.

Stock vmware-svga is refused by vmwgfx ("Hardware has no pitchlock");
qemu/vmware-svga.patch makes it a device vmwgfx binds to, and
qemu/vmware-svga-gb.patch gives it, with guest-backed=on, the guest-backed
objects and screen targets of VMware's device (the stdu machine; off, the
device is the first patch's). Built once, cached by the patches and the
configure options.

Three variants: the plain one (no display, virtio-gpu without 3D), the blob
one (the plain one with qemu/virtio-gpu-blob-memfd.patch: virtio-gpu-pci's
blob=true without the host's /dev/udmabuf, mapping blobs through the guest
RAM's memfd; and qemu/virtio-gpu-blob-migration.patch, without which saving
a guest that holds a blob crashes QEMU) and one with virgl, whose virtio-gpu-gl-pci renders the guest's
3D on the host through virglrenderer. That needs an OpenGL display: -display gtk,gl=on under Xvfb
with Mesa's llvmpipe (display.py: egl-headless finds no render
node, sdl,gl=on aborts). QMP screendump cannot see virtio-gpu-gl's scanout:
QEMU 7.2 hands it to the display as a GL texture and leaves the console
without a surface ("no surface" once the guest sets a mode).
"""

import shutil
from pathlib import Path

from . import host
from .cache import REPO, cached, file_digest, key_of, run_logged
from .errors import SetupError
from .host import PrivateApt

PATCH = REPO / "qemu" / "vmware-svga.patch"
# Every variant has the device of all three, in this order: the last keeps
# the display's refresh from running the FIFO while a saved state loads
# (the device's state is then half loaded).
DEVICE_PATCHES = [PATCH, REPO / "qemu" / "vmware-svga-gb.patch",
                  REPO / "qemu" / "vmware-svga-incoming-refresh.patch"]
# Applied after PATCH, in this order, in the blob variant only.
BLOB_PATCHES = [REPO / "qemu" / "virtio-gpu-blob-memfd.patch",
                REPO / "qemu" / "virtio-gpu-blob-migration.patch"]
# Applied after DEVICE_PATCHES in the virgl variant only: virtio-gpu-gl can
# then be saved until the guest submits 3D commands, which it does not
# before "ready".
VIRGL_PATCHES = [REPO / "qemu" / "virtio-gpu-gl-migration.patch"]
DEVICES = REPO / "qemu" / "x86_64-devices.mak"
SOURCE_SUITE = "bookworm"
CONFIGURE = ["--target-list=x86_64-softmmu", "--without-default-features",
             "--without-default-devices", "--with-devices-x86_64=xprime",
             "--enable-virtfs", "--enable-cap-ng", "--enable-attr",
             # -sandbox: QEMU's seccomp filter (guest.SANDBOX).
             "--enable-seccomp",
             "--disable-docs", "--disable-debug-info", "--disable-werror"]
# QEMU 7.2 has no Kconfig symbol of its own for virtio-gpu-gl-pci: it is
# built with CONFIG_VIRTIO_GPU and CONFIG_VIRTIO_PCI whenever virglrenderer and
# OpenGL (epoxy) are found, so the same device list serves both variants.
# GTK brings X11 with it, and gtk-egl.c needs both for gl=on on Xvfb.
VIRGL_CONFIGURE = ["--enable-opengl", "--enable-virglrenderer", "--enable-gtk"]
# The sanitizer build: the plain one with AddressSanitizer and
# UndefinedBehaviorSanitizer, so that a device's access out of range is a
# report with a stack instead of luck. It is for the hostile-guest checks
# (./xprime check): a guest under it runs about twice as slowly.
SANITIZE_CONFIGURE = ["--enable-sanitizers"]
# A sanitizer's report ends QEMU there (the guest's subtest is then a
# crash, guest.device_report()). QEMU frees little at exit: no leak report.
SANITIZE_ENV = {
    "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0:exitcode=66:print_summary=1",
    "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1:exitcode=67",
}
# Firmware and option ROMs come from the system's packages (seabios,
# qemu-system-data), not from the build.
DATA_DIRS = ["/usr/share/qemu", "/usr/share/seabios"]


class Qemu:
    def __init__(self, path, virgl=False, blob=False, sanitize=False):
        self.binary = Path(path) / "bin" / "qemu-system-x86_64"
        self.virgl = virgl      # has virtio-gpu-gl-pci and -display gtk,gl=on
        self.blob = blob        # virtio-gpu-pci,blob=true works without udmabuf
        self.sanitize = sanitize  # built with ASan and UBSan

    def env(self):
        """What QEMU's environment needs beyond the harness's own."""
        return dict(SANITIZE_ENV) if self.sanitize else {}

    @staticmethod
    def data_args():
        args = []
        for d in DATA_DIRS:
            args += ["-L", d]
        return args


def build(virgl=False, blob=False, sanitize=False):
    """The plain QEMU, with @virgl the one with virtio-gpu-gl-pci and GTK, with
    @blob the plain one with BLOB_PATCHES too, with @sanitize the plain one
    built with sanitizers."""
    if virgl and blob:
        raise ValueError("virtio-gpu refuses blob resources with virgl")
    if sanitize and (virgl or blob):
        raise ValueError("only the plain QEMU has a sanitizer build")
    configure = (CONFIGURE + (VIRGL_CONFIGURE if virgl else [])
                 + (SANITIZE_CONFIGURE if sanitize else []))
    patches = DEVICE_PATCHES + (BLOB_PATCHES if blob else []) + (VIRGL_PATCHES if virgl else [])
    key = key_of(SOURCE_SUITE, configure, *(file_digest(p) for p in patches),
                 file_digest(DEVICES))
    if virgl:
        # Build and run dependencies, only on hosts that ask for virgl.
        host.ensure_host_packages(host.VIRGL_PACKAGES)

    def build(tmp):
        log = tmp / "build.log"
        PrivateApt().source("qemu", tmp / "src", SOURCE_SUITE)
        srcdirs = [d for d in (tmp / "src").iterdir() if d.is_dir()]
        if len(srcdirs) != 1:
            raise SetupError(f"unexpected layout of QEMU's source: {srcdirs}")
        src = srcdirs[0]
        for patch in patches:
            run_logged(["patch", "-p1", "--forward", "-i", patch], log,
                       f"applying qemu/{patch.name}", cwd=src)
        shutil.copy(DEVICES, src / "configs" / "devices" / "x86_64-softmmu" / "xprime.mak")
        build_dir = tmp / "build"
        build_dir.mkdir()
        run_logged([src / "configure", *configure], log, "configuring QEMU", cwd=build_dir)
        run_logged(["ninja", "qemu-system-x86_64"], log, "building QEMU", cwd=build_dir)
        (tmp / "bin").mkdir()
        shutil.copy2(build_dir / "qemu-system-x86_64", tmp / "bin")
        shutil.rmtree(build_dir)
        shutil.rmtree(tmp / "src")

    name = ("qemu-virgl" if virgl else "qemu-blob" if blob
            else "qemu-sanitize" if sanitize else "qemu")
    return Qemu(cached(name, key, build), virgl, blob, sanitize)
