"""The guest's initramfs: busybox, the 9p modules, and guest/init.

It only has to mount the sid root over virtio-9p; everything else runs there.
"""

import lzma
import stat
from pathlib import Path

from .setup import REPO, SetupError, cached, file_digest, key_of

BUSYBOX = Path("/bin/busybox")
ROOT_MODULES = ["9p", "9pnet_virtio"]
# The PCI transport under 9pnet_virtio: built in from Debian's 6.12 on, a
# module (and no dependency of 9pnet_virtio) in 6.1.
TRANSPORT_MODULES = ["virtio_pci"]


def newc_entry(name, mode, data=b"", ino=0):
    """One entry of a cpio archive in the kernel's 'newc' format."""
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    pad = lambda n: b"\0" * (-n % 4)
    return head + name_b + pad(len(head) + len(name_b)) + data + pad(len(data))


def initramfs_for(kernel):
    """Build (once) the initramfs for @kernel; return its path."""
    if not BUSYBOX.exists():
        raise SetupError(f"{BUSYBOX} is missing (package busybox-static)")
    transports = [m for m in TRANSPORT_MODULES if kernel.has_module_file(m)]
    modules = kernel.module_deps(transports + ROOT_MODULES)
    init = REPO / "guest" / "init"
    key = key_of(kernel.release, str(kernel.path), [m.name for m in modules],
                 file_digest(init), file_digest(BUSYBOX))

    def build(tmp):
        entries = []
        ino = 1
        for d in ("bin", "dev", "proc", "sys", "newroot", "modules"):
            entries.append(newc_entry(d, stat.S_IFDIR | 0o755, ino=ino))
            ino += 1
        entries.append(newc_entry("bin/busybox", stat.S_IFREG | 0o755,
                                  BUSYBOX.read_bytes(), ino))
        ino += 1
        entries.append(newc_entry("init", stat.S_IFREG | 0o755, init.read_bytes(), ino))
        ino += 1
        order = []
        for path in modules:
            data = path.read_bytes()
            if path.name.endswith(".xz"):
                data = lzma.decompress(data)
            name = path.name.split(".ko")[0] + ".ko"
            entries.append(newc_entry(f"modules/{name}", stat.S_IFREG | 0o644, data, ino))
            ino += 1
            order.append(name)
        entries.append(newc_entry("modules/order", stat.S_IFREG | 0o644,
                                  ("\n".join(order) + "\n").encode(), ino))
        entries.append(newc_entry("TRAILER!!!", 0))
        (tmp / "initrd.cpio").write_bytes(b"".join(entries))

    return cached(f"initramfs-{kernel.release}", key, build) / "initrd.cpio"
