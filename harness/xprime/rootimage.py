"""The guest's userland as a read-only erofs image of the sid root.

Read over virtio-blk, the root costs no 9p round trip per file (FACTS §9: a
test boot spent seconds linking its test root over 9p under TCG), and unlike
a mounted 9p share it does not stop QEMU from saving the guest's state
(guest.Snapshot). Uncompressed: decompression would run in the TCG guest.
Made once per sid root (3 s for its 544 MB).
"""

from .setup import cached, key_of, run_logged


def root_image(sid_root):
    """The erofs image of @sid_root (a cached sid root's root/ directory)."""
    # The sid root's cache directory is named by its own key: a new root, a
    # new image.
    key = key_of(str(sid_root.resolve()))

    def build(tmp):
        # -x-1: no extended attributes; the guest runs everything as root.
        run_logged(["mkfs.erofs", "--quiet", "-x-1", tmp / "root.erofs", sid_root],
                   tmp / "mkfs.log", "making the erofs image of the sid root")

    return cached("root-image", key, build) / "root.erofs"
