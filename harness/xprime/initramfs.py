"""The guest's initramfs: busybox, guest/init and, uncompressed, every module
the guest loads: the root image's (virtio-blk, erofs), the shares' (9p) and
the three drivers under test.

insmod from the initramfs costs no xz decompression and no 9p reads under
TCG (debian-6.12 bound its drivers at 9.0 s loading them over 9p).
Kernels built from source have all of them built in, and need none.
"""

import gzip
import lzma
import stat
from pathlib import Path

from .cache import REPO, cached, file_digest, key_of
from .errors import SetupError

BUSYBOX = Path("/bin/busybox")
ROOT_MODULES = ["virtio_blk", "erofs", "9p", "9pnet_virtio"]
# The drivers under test, loaded last: a failure to load one is a result
# (the drivers record shows it), not a boot that cannot go on.
DRIVER_MODULES = ["vgem", "vmwgfx", "virtio_gpu"]
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
    init = REPO / "guest" / "init"
    # A kernel's directory never changes once made, so it and the lists of
    # modules asked for name what goes in: reading its modules.dep and
    # modules.alias to resolve them took 0.4-0.7 s of every run.
    key = key_of(kernel.release, str(kernel.path), TRANSPORT_MODULES, ROOT_MODULES,
                 DRIVER_MODULES, file_digest(init), file_digest(BUSYBOX))

    def build(tmp):
        transports = [m for m in TRANSPORT_MODULES if kernel.has_module_file(m)]
        modules = kernel.module_deps(transports + ROOT_MODULES)
        drivers = [m for m in kernel.module_deps([d for d in DRIVER_MODULES
                                                  if kernel.has_module_file(d)])
                   if m not in modules]
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
        for listing, paths in (("order", modules), ("drivers", drivers)):
            names = []
            for path in paths:
                data = path.read_bytes()
                if path.name.endswith(".xz"):
                    data = lzma.decompress(data)
                elif path.name.endswith(".gz"):
                    data = gzip.decompress(data)
                elif not path.name.endswith(".ko"):
                    # Python's standard library reads xz and gzip, not zstd.
                    raise SetupError(f"{path}: cannot uncompress it for the initramfs "
                                     "(modules as .ko, .ko.xz or .ko.gz)")
                name = path.name.split(".ko")[0] + ".ko"
                entries.append(newc_entry(f"modules/{name}", stat.S_IFREG | 0o644,
                                          data, ino))
                ino += 1
                names.append(name)
            entries.append(newc_entry(f"modules/{listing}", stat.S_IFREG | 0o644,
                                      "".join(n + "\n" for n in names).encode(), ino))
            ino += 1
        entries.append(newc_entry("TRAILER!!!", 0))
        (tmp / "initrd.cpio").write_bytes(b"".join(entries))

    return cached(f"initramfs-{kernel.release}", key, build) / "initrd.cpio"
