"""The guest's userland as a read-only erofs image of the sid root.

Read over virtio-blk, the root costs no 9p round trip per file (a test boot
spent seconds linking its test root over 9p under TCG), and unlike a mounted
9p share it does not stop QEMU from saving the guest's state
(guest.Snapshot). Uncompressed: decompression would run in the TCG guest.
Made once per sid root (3 s for its 544 MB).
"""

import shutil

from .cache import cache_dir, cached, file_digest, key_of, run_logged


def make_image(tree, image, log):
    # -x-1: no extended attributes; the guest runs everything as root.
    run_logged(["mkfs.erofs", "--quiet", "-x-1", image, tree], log,
               f"making the erofs image of {tree}")


def root_image(sid_root):
    """The erofs image of @sid_root (a cached sid root's root/ directory)."""
    # The sid root's cache directory is named by its own key: a new root, a
    # new image.
    key = key_of(str(sid_root.resolve()))

    def build(tmp):
        make_image(sid_root, tmp / "root.erofs", tmp / "mkfs.log")

    return cached("root-image", key, build) / "root.erofs"


def installed_root_image(sid_root, deb):
    """The erofs image of @sid_root with the Debian package @deb installed
    by its own dpkg, as on a CI machine: the project's tests beside IGT's in
    /usr/libexec/igt-gpu-tools/. Only the newest such image is kept."""
    name, key = "installed-root-image", key_of(str(sid_root.resolve()), file_digest(deb))

    def build(tmp):
        log, root = tmp / "install.log", tmp / "root"
        run_logged(["cp", "-a", "--reflink=auto", sid_root, root], log,
                   "copying the sid root")
        shutil.copy2(deb, root / "tmp" / deb.name)
        run_logged(["chroot", root, "dpkg", "-i", f"/tmp/{deb.name}"], log,
                   f"installing {deb.name} in the copy (dpkg -i)")
        (root / "tmp" / deb.name).unlink()
        make_image(root, tmp / "root.erofs", log)
        shutil.rmtree(root)

    image = cached(name, key, build) / "root.erofs"
    for old in cache_dir().glob(f"{name}-*"):
        if old != image.parent and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return image
