"""./xprime upstream: the project as the patch series that docs/upstream.md
describes, applied to IGT's own tree and built patch by patch.

The tree (IGT 2.5's release tarball in ../shared by default) is unpacked into
the run directory and made a git repository. Each patch copies the project's
files to where upstream keeps them, adds their lines to upstream's meson and
gtk-doc lists, and is committed; after each, libigt and what the patch adds
are built in a Debian sid root with IGT's build dependencies, and a warning
or error in a file of the series fails it. Then IGT's own checks run over
the whole series: the `testcase check` and `lib` meson tests, each test's
.testlist target, scripts/igt_doc.py over the new tests with every field
they use (and its reading of each field compared with the project's), every
test's --list-subtests against its SUBTEST: comments, and the kernel's
checkpatch.pl over the patches with IGT's .checkpatch.conf. The series is
written out for git send-email.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from . import kbuild, results
from .buildroot import INSIDE, Failure, Work, build_root
from .cache import REPO, cache_dir, cached, file_digest, key_of, say, timed
from .errors import SetupError, UsageError
from .filters import testplan_module
from .host import MIRROR, PrivateApt

TARBALL = REPO.parent / "shared" / "upstream" / "igt-gpu-tools-2.5.tar.xz"
MESON_OPTIONS = ["-Dtests=enabled", "-Doverlay=disabled", "-Dchamelium=disabled",
                 "-Dman=disabled", "-Ddocs=disabled", "-Drunner=disabled",
                 "-Dvalgrind=disabled"]
# What the base tree (base_tree()) builds before the series: libigt, which
# the first patch's build would otherwise compile whole (341 steps).
BASE_TARGETS = ["lib/libigt.so.0"]
EXIT_SKIP = 77                  # no tree to build in: neither a pass nor a failure

# checkpatch's reports on the series that are upstream's own patterns (the
# same report on upstream's files), each named in docs/upstream.md.
UPSTREAM_PATTERNS = {
    "FUNCTION_WITHOUT_ARGS": "int igt_main(), as every upstream test writes it",
    "OPEN_BRACE": "a function whose name contains for_each is taken for a loop",
    "ENOSYS": "ENOSYS named (an errno table, an old kernel's answer), not returned",
    "CAMELCASE": "libdrm's names (drmModeGetResources, ...)",
    "MACRO_ARG_REUSE": "a for_each loop macro uses its iterator more than once",
    "FILE_PATH_CHANGES": "a new file, and IGT keeps no MAINTAINERS file to update",
}


@dataclass
class Patch:
    subject: str
    message: str
    lib: tuple = ()             # lib/ files, upstream under the same name
    lib_tests: tuple = ()       # lib/tests/X_selftest.c, upstream lib/tests/X.c
    tests: tuple = ()           # tests/prime/X.c, upstream tests/X.c
    vmwgfx_tests: tuple = ()    # tests/vmwgfx/X.c, the same upstream
    vmwgfx_lib: bool = False    # appended to upstream's lib/igt_vmwgfx.[ch]
    vmwgfx_testlists: bool = False

    def files(self):
        """The series' files this patch adds or changes, as upstream names them."""
        names = [f"lib/{f}" for f in self.lib]
        names += [f"lib/tests/{t}.c" for t in self.lib_tests]
        names += [f"tests/{t}.c" for t in self.tests]
        names += [f"tests/vmwgfx/{t}.c" for t in self.vmwgfx_tests]
        if self.vmwgfx_lib:
            names += ["lib/igt_vmwgfx.c", "lib/igt_vmwgfx.h"]
        return names

    def targets(self):
        """Ninja targets that build what it adds, libigt first."""
        return (["lib/libigt.so.0"] + [f"lib/tests/{t}" for t in self.lib_tests]
                + [f"tests/{t}" for t in self.tests]
                + [f"tests/vmwgfx/{t}" for t in self.vmwgfx_tests])


SERIES = [
    Patch("lib/igt_dumb: Add dumb buffer helpers that return the errno",
          "kmstest_dumb_create() and friends assert. A test of buffer sharing\n"
          "also needs to see which errno a driver gives, for example when it\n"
          "refuses to map an imported object, so each helper here has a __ form\n"
          "that returns -errno, next to the asserting one.",
          lib=("igt_dumb.c", "igt_dumb.h")),
    Patch("lib/igt_pattern: Add a pixel pattern that encodes its position",
          "Every pixel of a buffer gets a distinct 32-bit value from which its\n"
          "position can be decoded, so a wrong buffer says how it is wrong: an\n"
          "offset, a stride, pages out of order. Expected contents are pixman\n"
          "images; a buffer that differs is written out as expected, actual and\n"
          "diff PNGs under IGT_FRAME_DUMP_PATH, with the first differing offsets.\n"
          "lib/tests/igt_pattern checks the helpers without a device.",
          lib=("igt_pattern.c", "igt_pattern.h"), lib_tests=("igt_pattern",)),
    Patch("lib/igt_dmabuf_info: Add a parser of debugfs' list of dma-bufs",
          "dma_buf/bufinfo lists every dma-buf with its exporter, inode, fences\n"
          "and attached devices. A test that checks its buffers are gone must\n"
          "find them there by inode (exporters share names) and must not take\n"
          "a device count for the buffer count, so the parser reads it all and\n"
          "refuses text whose totals do not add up. lib/tests/igt_dmabuf_info\n"
          "checks it on bufinfo text as Linux writes it.",
          lib=("igt_dmabuf_info.c", "igt_dmabuf_info.h"), lib_tests=("igt_dmabuf_info",)),
    Patch("lib: Add dma-buf providers for vgem, virtio-gpu, vmwgfx, udmabuf and the system heap",
          "A provider makes a buffer and exports it as a dma-buf and, for DRM\n"
          "drivers, imports one: vgem and any dumb-buffer driver\n"
          "(igt_prime_drm.c), virtio-gpu with its waits and host transfers\n"
          "(igt_virtgpu.c), vmwgfx with its idle test (appended to igt_vmwgfx.c),\n"
          "udmabuf and the system dma-heap.\n"
          "Tests reach every buffer through igt_prime_providers[], so a new\n"
          "driver is one file and one line in that table. igt_errno_name() names\n"
          "the errnos that tests assert; lib/tests/igt_prime_provider checks it.",
          lib=("igt_prime_provider.c", "igt_prime_provider.h", "igt_prime_drm.c",
               "igt_udmabuf.c", "igt_dma_heap.c", "igt_virtgpu.c", "igt_virtgpu.h"),
          lib_tests=("igt_prime_provider",), vmwgfx_lib=True),
    Patch("lib/igt_prime_crossing: Add exporter x importer iteration and checks",
          "A crossing is one provider's buffer exported as a dma-buf and imported\n"
          "into a DRM driver. igt_prime_for_each_crossing() runs a check once per\n"
          "crossing as a dynamic subtest <exporter>-to-<importer>, asserting the\n"
          "documented errno where the kernel refuses one, and the fill and assert\n"
          "helpers write and compare the pattern on either side.",
          lib=("igt_prime_crossing.c", "igt_prime_crossing.h")),
    Patch("tests/prime_cross: Add dma-buf crossings between every exporter and importer",
          "Import, dma-buf mmap and importer mmap of a buffer for every pair of\n"
          "vgem, virtio-gpu, vmwgfx, udmabuf and the system heap, each checked\n"
          "by content.", tests=("prime_cross",)),
    Patch("tests/prime_import: Add import semantics and bad-input errnos",
          "Handles of one buffer imported twice, into two files, after a close;\n"
          "the errno of each bad fd, flag and handle, and that a new buffer is\n"
          "zeroed.", tests=("prime_import",)),
    Patch("tests: Add content, lifetime and fence tests of every crossing",
          "prime_content: every CPU path of a crossing, in whole and in part,\n"
          "from one page to 16 MiB, and the bounds of its mappings;\n"
          "prime_lifetime: contents that outlive the exporter and dma-bufs that\n"
          "do not leak; prime_sync: read and write fences, alone and together,\n"
          "from the exporter, from a sync_file imported into its dma-buf (with\n"
          "libigt's dmabuf_*_sync_file()) and from the importer, each seen by\n"
          "every wait on both sides as dma-resv's rules say.",
          tests=("prime_content", "prime_lifetime", "prime_sync")),
    Patch("tests/prime_device: Add device-side copies of shared buffers",
          "The device of one side writes or reads the shared buffer with its own\n"
          "copies (virtio-gpu TRANSFER_TO_HOST, RESOURCE_COPY_REGION with virgl,\n"
          "TRANSFER_FROM_HOST; vmwgfx, with guest-backed objects, a surface on\n"
          "the buffer copied to or from one of its own) and the CPU on the\n"
          "other side checks it.",
          tests=("prime_device",)),
    Patch("tests/vmwgfx: Write a .testlist for each test",
          "tests/meson.build writes <test>.testlist for the tests it builds;\n"
          "do the same for the vmwgfx tests, so that the testlist checks cover\n"
          "them too.", vmwgfx_testlists=True),
    Patch("tests/vmwgfx/vmw_prime_scanout: Scan out imported buffers, checked by the host",
          "vmwgfx's Legacy Display Unit has no CRC: the test asks the host for a\n"
          "screendump over a serial port (lib/igt_host, named in IGT_HOST_PORT)\n"
          "and compares it with the pattern, for vmwgfx's own buffers and for\n"
          "every other driver's imported onto a framebuffer. Without a host the\n"
          "subtests skip, saying why. lib/igt_prime_scanout puts a buffer on a\n"
          "CRTC with the legacy KMS calls, for any driver.",
          lib=("igt_host.c", "igt_host.h", "igt_prime_scanout.c", "igt_prime_scanout.h"),
          vmwgfx_tests=("vmw_prime_scanout",)),
    Patch("tests/vmwgfx/vmw_prime_surface: Read and write imports with vmwgfx's device",
          "An imported buffer backs a guest-backed surface, so vmwgfx binds it\n"
          "to a MOB whose page table it builds from the import's dma addresses;\n"
          "the device copies rectangles into and out of it and reads imports of\n"
          "one page and of 4 MiB (page tables of depth 0 and 2), each checked\n"
          "pixel by pixel by the exporter or the CPU. Without guest-backed\n"
          "objects the subtests skip, saying why.",
          vmwgfx_tests=("vmw_prime_surface",)),
    Patch("tests/vmwgfx/vmw_surface_bad_input: Hostile surfaces and commands from a user",
          "An unprivileged user of the render node makes surfaces of wrapping,\n"
          "over-limit and zero sizes and sends UPDATE_GB_IMAGE,\n"
          "READBACK_GB_IMAGE(_PARTIAL) and SURFACE_COPY with negative, wrapping,\n"
          "out-of-surface and empty boxes, and commands shorter than their\n"
          "bodies: vmwgfx's errno where it refuses one, else the device must\n"
          "ignore it, its fence signal and a copy check out pixel by pixel.\n"
          "Without guest-backed objects the subtests skip, saying why.",
          vmwgfx_tests=("vmw_surface_bad_input",)),
    Patch("tests/prime_virtgpu_scanout: Scan out imported buffers on virtio-gpu",
          "The same for virtio-gpu's display: its own dumb buffers and every\n"
          "other driver's, imported as guest blobs (6.14 and later, with blob\n"
          "resources), each checked by the host's screendump before and after a\n"
          "rewrite, so that a stale host copy shows.",
          tests=("prime_virtgpu_scanout",)),
]

COVER_SUBJECT = "prime: dma-buf between vgem, virtio-gpu, vmwgfx, udmabuf and the system heap"
COVER_BODY = """\
These tests share buffers between vgem, virtio-gpu and vmwgfx, with
udmabuf and the system dma-heap as exporters too, in every direction, and
check every crossing by content: through the exporter's and the
importer's CPU mappings, through virtio-gpu's host copies, and through
vmwgfx's scanout as the host shows it. An importer that touches the
struct pages of an imported sg table is the bug CONFIG_DMABUF_DEBUG
exposes, and what the content checks catch.

The library comes first (dumb buffers that keep the errno, a pattern
that encodes each pixel's position, debugfs' list of dma-bufs parsed
whole, the buffer providers, crossings),
then the tests. Each patch builds on its own.

Tested in QEMU (TCG) guests with vmware-svga (patched so that vmwgfx
binds, no GMR/MOB/3D) and virtio-gpu with and without virgl, on Debian's
6.1, 6.12 and 7.2 kernels and on 6.12 built with and without
CONFIG_DMABUF_DEBUG. What they found, and the kernel commits the
outcomes depend on (ca77f27a2665 virtio-gpu imports foreign dma-bufs as
guest blobs, b32233accefff vmwgfx imports foreign dma-bufs):

- vmwgfx's export oopses in vmw_gem_object_get_sg_table() for a buffer
  in VRAM without a ttm_tt (no GMR), from an unprivileged
  PRIME_FD_TO_HANDLE in the importer;
- with CONFIG_DMABUF_DEBUG, DMA_BUF_IOCTL_SYNC on a system-heap buffer
  that another driver imported faults in debug_dma_sync_sg_for_cpu();
- drm_gem_shmem_fault() ignores vm_pgoff: an mmap() of a vgem or
  virtio-gpu dma-buf at an offset shows the buffer's first pages;
- vmwgfx's LDU scanout of an imported buffer shows black, keeps the
  previous framebuffer or oopses in ttm_kmap_iter_tt_map_local();
- a new vmwgfx dumb buffer in VRAM is not cleared.

vmw_prime_scanout reads the screen back from the host over a serial
port (lib/igt_host); without that port its subtests skip. Reviewers may
prefer it to wait for a CRC source.

Patch 4 appends the vmwgfx helpers to lib/igt_vmwgfx.[ch], which are
GPL-2.0 OR MIT (Broadcom); the helpers are MIT, which lets them go under
the file's dual licence with their own copyright line. If you would
rather have them in a file of their own, say so.
"""


def identity():
    """Who the series is from: the checkout's git identity, or a placeholder
    to rewrite before sending (docs/upstream.md)."""
    def ask(key):
        out = subprocess.run(["git", "-C", str(REPO), "config", "--get", key],
                             capture_output=True, text=True)
        return out.stdout.strip()
    return ask("user.name") or "xprime", ask("user.email") or "xprime@invalid"


def git(tree, *args):
    name, email = identity()
    env = {**os.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tree.parent)}
    proc = subprocess.run(["git", "-C", str(tree), *args], env=env, text=True,
                          capture_output=True)
    if proc.returncode:
        raise SetupError(f"git {' '.join(args)} in {tree}: {proc.stderr.strip()}")
    return proc.stdout


def unpack(source, work):
    """The IGT tree from @source (a release tarball or a directory), as a git
    repository with one commit, under @work."""
    dest = work / "igt"
    if source.is_dir():
        shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".git", "build"))
    else:
        untar(source, dest)
    return make_repo(dest, source)


def untar(source, dest):
    """The tree of the release tarball @source, as @dest."""
    unpacked = dest.parent / "unpack"
    unpacked.mkdir()
    proc = subprocess.run(["tar", "-xf", str(source), "-C", str(unpacked)],
                          capture_output=True, text=True)
    top = [p for p in unpacked.iterdir()]
    if proc.returncode or len(top) != 1 or not (top[0] / "meson.build").exists():
        raise UsageError(f"--igt-tree {source}: not an IGT source tarball (one top "
                         "directory with a meson.build)"
                         + (f": {proc.stderr.strip()}" if proc.returncode else ""))
    top[0].rename(dest)
    unpacked.rmdir()


def require_igt_tree(tree, source):
    if not (tree / "lib" / "igt_core.c").exists():
        raise UsageError(f"--igt-tree {source}: not an IGT tree (no lib/igt_core.c)")


def make_repo(dest, source):
    require_igt_tree(dest, source)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", f"{source.name}, as given")
    return dest


def base_tree(source, root):
    """The tree of the tarball @source configured (MESON_OPTIONS) and its
    BASE_TARGETS built in @root, made once per tarball, root and options:
    upstream's own files, none of the series. Its build directory names the
    paths of the root's INSIDE/igt, where every run's copy is."""
    key = key_of(file_digest(source), str(root.resolve()), MESON_OPTIONS, BASE_TARGETS)
    name = "igt-base-tree"

    def build(tmp):
        (tmp / "logs").mkdir()
        base = Work(tmp, root, tree=tmp / "igt")
        untar(source, base.tree)
        require_igt_tree(base.tree, source)
        base.in_root("meson setup build " + " ".join(MESON_OPTIONS), "setup",
                     "configuring IGT (meson setup, once per tarball)")
        base.in_root(f"ninja -C build {' '.join(BASE_TARGETS)}", "build",
                     "building upstream's libigt (once per tarball)")

    tree = cached(name, key, build) / "igt"
    # Older ones are of a root or a tarball gone by.
    for old in cache_dir().glob(f"{name}-*"):
        if old != tree.parent and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return tree


def copy_base(source, root, work):
    """A copy of base_tree() under @work as a git repository with one commit,
    as unpack() makes it: mtimes kept, so that ninja rebuilds only what the
    series changes (the build directory is ignored by git: meson's own
    .gitignore in it)."""
    dest = work / "igt"
    proc = subprocess.run(["cp", "-a", "--reflink=auto", str(base_tree(source, root)),
                           str(dest)], capture_output=True, text=True)
    if proc.returncode:
        raise SetupError(f"copying IGT's base tree: {proc.stderr.strip()}")
    return make_repo(dest, source)


# Applying a patch.

def add_to_list(path, anchor, names):
    """Add "\t'NAME'," lines for @names to a meson list of @path, after its
    entry @anchor, each after the entries (the series' or upstream's) that
    sort before it: upstream keeps these lists in order."""
    text = path.read_text().splitlines(keepends=True)
    entry = re.compile(r"^\t'([^']+)',$")
    at = next((i for i, l in enumerate(text) if l.rstrip("\n") == f"\t'{anchor}',"), None)
    if at is None:
        raise SetupError(f"{path}: no entry '{anchor}' to add {names} after")
    for name in sorted(names):
        i = at + 1
        while (i < len(text) and (m := entry.match(text[i].rstrip("\n")))
               and m.group(1) < name):
            i += 1
        text.insert(i, f"\t'{name}',\n")
    path.write_text("".join(text))


def add_doc_sections(tree, names):
    """gtk-doc: an <xi:include> per new library section, in order."""
    path = tree / "docs" / "reference" / "igt-gpu-tools" / "igt-gpu-tools-docs.xml"
    text = path.read_text().splitlines(keepends=True)
    include = re.compile(r'^\s*<xi:include href="xml/(\w+)\.xml"/>')
    first_chapter_end = next(i for i, l in enumerate(text) if "</chapter>" in l)
    for name in names:
        line = f'    <xi:include href="xml/{name}.xml"/>\n'
        at = next((i for i in range(first_chapter_end)
                   if (m := include.match(text[i])) and m.group(1) > name), first_chapter_end)
        text.insert(at, line)
        first_chapter_end += 1
    path.write_text("".join(text))


def split_source(text):
    """(#include lines, the rest) of a project file, without its SPDX line,
    its first comment, its include guard and blank lines at either end."""
    lines = text.splitlines()
    lines = lines[1:]                                   # SPDX
    end = next(i for i, l in enumerate(lines) if l.rstrip().endswith("*/"))
    lines = lines[end + 1:]                             # the file's comment
    includes = [l for l in lines if l.startswith("#include")]
    body = [l for l in lines if not l.startswith("#include")]
    guard = [l for l in body if re.match(r"#(ifndef|define|endif).*IGT_VMWGFX_H", l)]
    body = [l for l in body if l not in guard]
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    return includes, body


def merge_vmwgfx(tree):
    """The project's igt_vmwgfx.[ch] appended to upstream's: its includes with
    upstream's, its declarations inside upstream's include guard."""
    for suffix in (".h", ".c"):
        ours = (REPO / "lib" / f"igt_vmwgfx{suffix}").read_text()
        theirs_path = tree / "lib" / f"igt_vmwgfx{suffix}"
        theirs = theirs_path.read_text().splitlines()
        includes, body = split_source(ours)
        have = set(theirs)
        # Upstream's header brings igt.h; the file includes its own header.
        # (and a header upstream includes by another spelling, "vmwgfx_drm.h").
        spelled = {re.sub(r'[<>"]', "", l) for l in theirs if l.startswith("#include")}
        new = [l for l in includes if l not in have
               and re.sub(r'[<>"]', "", l) not in spelled
               and l not in ('#include "igt.h"', '#include "igt_vmwgfx.h"')]
        # System headers before upstream's, the library's own after them.
        system = [l for l in new if "<" in l]
        local = [l for l in new if "<" not in l]
        first = min(i for i, l in enumerate(theirs) if l.startswith("#include"))
        last = max(i for i, l in enumerate(theirs) if l.startswith("#include"))
        theirs[last + 1:last + 1] = local
        theirs[first:first] = system + ([""] if system else [])
        # The contributors' copyright line under upstream's.
        ours_copyright = next(l for l in ours.splitlines() if "Copyright" in l)
        end = next(i for i, l in enumerate(theirs) if l.strip() == "*/")
        theirs.insert(end, ours_copyright)
        if suffix == ".h":
            endif = max(i for i, l in enumerate(theirs) if l.startswith("#endif"))
            theirs[endif:endif] = body + [""]
        else:
            theirs += [""] + body
        theirs_path.write_text("\n".join(theirs) + "\n")


def apply(tree, patch):
    for name in patch.lib:
        shutil.copy2(REPO / "lib" / name, tree / "lib" / name)
    sources = sorted(n for n in patch.lib if n.endswith(".c"))
    if sources:
        add_to_list(tree / "lib" / "meson.build", "igt_vgem.c", sources)
        add_doc_sections(tree, [n[:-2] for n in sources])
    for name in patch.lib_tests:
        shutil.copy2(REPO / "lib" / "tests" / f"{name}_selftest.c",
                     tree / "lib" / "tests" / f"{name}.c")
    if patch.lib_tests:
        add_to_list(tree / "lib" / "tests" / "meson.build", "igt_no_exit", patch.lib_tests)
    for name in patch.tests:
        shutil.copy2(REPO / "tests" / "prime" / f"{name}.c", tree / "tests" / f"{name}.c")
    if patch.tests:
        add_to_list(tree / "tests" / "meson.build", "meta_test", patch.tests)
    for name in patch.vmwgfx_tests:
        shutil.copy2(REPO / "tests" / "vmwgfx" / f"{name}.c",
                     tree / "tests" / "vmwgfx" / f"{name}.c")
    if patch.vmwgfx_tests:
        add_to_list(tree / "tests" / "vmwgfx" / "meson.build", "vmw_prime",
                    patch.vmwgfx_tests)
    if patch.vmwgfx_lib:
        merge_vmwgfx(tree)
    if patch.vmwgfx_testlists:
        write_vmwgfx_testlists(tree)
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-s", "-m", f"{patch.subject}\n\n{patch.message}")


def write_vmwgfx_testlists(tree):
    path = tree / "tests" / "vmwgfx" / "meson.build"
    text = path.read_text()
    old = ("\ttest_executables += executable(prog, prog + '.c',")
    if old not in text:
        raise SetupError(f"{path}: no {old.strip()!r} to write testlists after")
    text = text.replace(old, "\ttestexe = executable(prog, prog + '.c',")
    text = text.replace("\ttest_list += join_paths('vmwgfx', prog)\n", (
        "\ttest_executables += testexe\n"
        "\ttest_list += join_paths('vmwgfx', prog)\n"
        "\tif not meson.is_cross_build()\n"
        "\t\ttestlist_files += custom_target(prog + '.testlist',\n"
        "\t\t\t\t\t\tbuild_by_default : true,\n"
        "\t\t\t\t\t\tcommand : [testexe, '--show-testlist'],\n"
        "\t\t\t\t\t\tcapture : true,\n"
        "\t\t\t\t\t\toutput : prog + '.testlist')\n"
        "\tendif\n"))
    # The executable's arguments were aligned to "test_executables += ".
    text = re.sub(r"\n\t{4}       (dependencies|install_dir|install_rpath|install) :",
                  r"\n\t\t\t     \1 :", text)
    path.write_text(text)


# Building and checking.

WARNING = re.compile(r"^(?:\.\./)*(\S+?):\d+:\d+: (warning|error): (.*)$", re.M)


def build(up, index, patch, series_files):
    say(f"upstream: patch {index}/{len(SERIES)}: {patch.subject}")
    out = up.in_root(f"ninja -C build {' '.join(patch.targets())}", f"build-{index}",
                     f"building patch {index}")
    ours = [m for m in WARNING.finditer(out) if m.group(1) in series_files]
    up.check(not ours, f"patch {index} builds, no warning in the series' files"
             + "".join(f"\n      {m.group(0)}" for m in ours))


def binary_path(name):
    return f"build/tests/{name}"


def test_names(patch_list):
    names = []
    for p in patch_list:
        names += list(p.tests) + [f"vmwgfx/{t}" for t in p.vmwgfx_tests]
    return names


def documented():
    """({binary: its doc comments' test}, tools/testplan.py)."""
    testplan = testplan_module()
    return {t.binary: t for t in testplan.load_tests(REPO / "tests")}, testplan


# The meson lists that docs/upstream.md shows, and where upstream has them.
GUIDE_LISTS = {"test_progs": "tests/meson.build", "vmwgfx_progs": "tests/vmwgfx/meson.build",
               "lib_sources": "lib/meson.build", "lib_tests": "lib/tests/meson.build"}


def meson_list(path, name):
    """The quoted entries of the list @name in meson file @path, in order."""
    m = re.search(rf"^{name} = \[\n(.*?)^\]", path.read_text(), re.S | re.M)
    return re.findall(r"'([^']+)'", m.group(1)) if m else []


def check_guide(up):
    """Each ```meson block of docs/upstream.md is what the series made of
    upstream's list: its entries, neighbours included, one after the other."""
    doc = (REPO / "docs" / "upstream.md").read_text()
    wrong = []
    for block in re.findall(r"```meson\n(.*?)```", doc, re.S):
        m = re.match(r"(\w+) = \[", block.strip())
        if not m or m.group(1) not in GUIDE_LISTS:
            continue
        shown = re.findall(r"'([^']+)'", block)
        there = meson_list(up.tree / GUIDE_LISTS[m.group(1)], m.group(1))
        if not any(there[i:i + len(shown)] == shown for i in range(len(there))):
            wrong.append(f"{m.group(1)} ({GUIDE_LISTS[m.group(1)]}): the guide shows "
                         f"{shown}; the tree has " + str([n for n in there if n in shown]))
    up.check(not wrong, "docs/upstream.md's meson lines are the tree's, neighbours included"
             + "".join(f"\n      {w}" for w in wrong))


def run_checks(up):
    check_guide(up)
    tests = test_names(SERIES)
    lib_tests = [t for p in SERIES for t in p.lib_tests]
    # Each test's .testlist, and test-list.txt, which `testcase check` reads.
    targets = [f"tests/{t}.testlist" for t in tests] + ["tests/test-list.txt"]
    up.in_root(f"ninja -C build {' '.join(targets)}", "testlists", "the .testlist targets")
    names = [f"testcase check {t}" for t in tests] + [f"lib {t}" for t in lib_tests]
    out = up.in_root("meson test -C build --no-rebuild --print-errorlogs "
                     + " ".join(shlex.quote(n) for n in names), "meson-test",
                     "meson test (testcase check, lib tests)")
    up.check(re.search(r"^Ok:\s+%d\s*$" % len(names), out, re.M) is not None,
             f"meson test: {len(names)} tests ok ({', '.join(names)})")

    docs, testplan = documented()
    for name in tests:
        listed = up.in_root(f"{binary_path(name)} --list-subtests", f"list-{name.replace('/', '-')}",
                            f"{name} --list-subtests").split()
        binary = name.split("/")[-1]
        want = sorted(s.name for s in docs[binary].subtests)
        up.check(sorted(listed) == want, f"{name} --list-subtests is its SUBTEST: comments "
                 f"({len(listed)} subtests)")
        testlist = (up.tree / "build" / "tests" / f"{name}.testlist").read_text().split()
        # A test names itself by its binary (igt_runner adds the directory).
        up.check(sorted(testlist) == sorted(f"igt@{binary}@{s}" for s in want),
                 f"build/tests/{name}.testlist names them")
    check_igt_doc(up, tests, docs, testplan)


def check_igt_doc(up, tests, docs, testplan):
    """scripts/igt_doc.py over the new tests, with a configuration that
    defines every field they use; what it reads must be what they say
    (igt_doc.py appends a field it does not know to the one before it)."""
    fields = {f: {"_properties_": {"description": why}} for f, why in testplan.FIELDS.items()}
    config = {"description": "The prime tests' documentation (./xprime upstream's check)",
              "name": "Prime tests", "drivers": ["vgem", "virtio_gpu", "vmwgfx"],
              "files": [f"{t}.c" for t in tests],
              "fields": fields}
    path = up.tree / "tests" / "prime_doc_check_config.json"
    path.write_text(json.dumps(config, indent=1))
    try:
        up.in_root("python3 scripts/igt_doc.py --config tests/prime_doc_check_config.json "
                   "--to-json build/prime_doc.json --check-testlist --igt-build-path build",
                   "igt-doc", "scripts/igt_doc.py")
    finally:
        path.unlink()
    read = json.loads((up.tree / "build" / "prime_doc.json").read_text())
    wrong = []
    for name in tests:
        binary = name.split("/")[-1]
        test = docs[binary]
        entry = read.get(f"igt@{binary}")
        if entry is None:
            wrong.append(f"{name}: not read")
            continue
        for sub in test.subtests:
            seen = next((v for v in entry.get("subtest", {}).values()
                         if v.get("_summary_") == sub.name), None)
            if seen is None:
                wrong.append(f"{name}@{sub.name}: not read")
                continue
            for f in testplan.FIELDS:
                value = sub.field(f) if f != "Description" else sub.fields.get(f)
                if value and " ".join(str(seen.get(f, "")).split()) != " ".join(value.split()):
                    wrong.append(f"{name}@{sub.name}: {f}: igt_doc.py read "
                                 f"{seen.get(f)!r}, the comment says {value!r}")
    up.check(not wrong, "scripts/igt_doc.py reads every field as written"
             + "".join(f"\n      {w}" for w in wrong[:10]))


def old_kernel_headers():
    """Debian bullseye's linux-libc-dev (5.10), the kernel headers of
    upstream's CI images, unpacked once."""
    def unpack_headers(tmp):
        debs = PrivateApt().download(["linux-libc-dev"], tmp / "debs", "bullseye")
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(tmp / "root")], check=True)

    return cached("linux-libc-dev-bullseye", key_of(MIRROR), unpack_headers) / "root"


def check_old_headers(up, files):
    """The series' C files compile (-fsyntax-only, the build's own flags)
    against the 5.10 kernel headers instead of the root's."""
    local = up.work / "linux-5.10"
    if not local.exists():
        shutil.copytree(old_kernel_headers(), local, symlinks=True)
    version = (local / "usr" / "include" / "linux" / "version.h").read_text()
    code = int(re.search(r"LINUX_VERSION_CODE (\d+)", version).group(1))
    commands = json.loads((up.tree / "build" / "compile_commands.json").read_text())
    wanted = [f for f in files if f.endswith(".c")]
    lines = []
    for entry in commands:
        source = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
        relative = os.path.relpath(source, f"{INSIDE}/{up.tree.name}")
        if relative not in wanted:
            continue
        args = shlex.split(entry["command"])
        # No object, no dependency file: only the diagnostics.
        for flag in ("-o", "-MQ", "-MF"):
            if flag in args:
                at = args.index(flag)
                args = args[:at] + args[at + 2:]
        args = [a for a in args if a != "-MD"]
        # meson runs the compiler through ccache; the diagnostics need only it.
        if os.path.basename(args[0]) == "ccache":
            args = args[1:]
        lines.append(shlex.join(args[:1] + ["-isystem", f"{INSIDE}/linux-5.10/usr/include",
                                            "-fsyntax-only"] + args[1:]))
        wanted.remove(relative)
    up.check(not wanted, "every C file of the series is in compile_commands.json"
             + (f": not {wanted}" if wanted else ""))
    script = "cd build && " + " && ".join(lines)
    out = up.in_root(script, "headers-5.10", "compiling against the 5.10 kernel headers")
    ours = [m.group(0) for m in WARNING.finditer(out)]
    up.check(not ours, f"the series compiles against Linux {code >> 16}.{(code >> 8) & 255}'s "
             "headers (bullseye's linux-libc-dev, upstream CI's)"
             + "".join(f"\n      {w}" for w in ours[:10]))


def write_series(up, base, out):
    if out.exists():
        shutil.rmtree(out)
    git(up.tree, "format-patch", "-q", "--cover-letter", "--subject-prefix=PATCH i-g-t",
        "-o", str(out), base)
    cover = next(out.glob("0000-*.patch"))
    text = cover.read_text()
    text = text.replace("*** SUBJECT HERE ***", COVER_SUBJECT)
    text = text.replace("*** BLURB HERE ***", COVER_BODY.rstrip())
    cover.write_text(text)
    return sorted(p for p in out.glob("*.patch") if p != cover)


def checkpatch(up, patches):
    """The kernel's checkpatch.pl over the series with IGT's .checkpatch.conf:
    nothing but upstream's own patterns."""
    script = kbuild.debian_source() / "scripts" / "checkpatch.pl"
    options = (up.tree / ".checkpatch.conf").read_text().split()
    with timed("checkpatch.pl"):
        proc = subprocess.run(["perl", str(script), "--no-tree", *options, *map(str, patches)],
                              capture_output=True, text=True, cwd=up.work)
    up.log("checkpatch").write_text(proc.stdout + proc.stderr)
    found = re.findall(r"^(\S+): (ERROR|WARNING|CHECK):(\w+): (.*)$", proc.stdout, re.M)
    others = [f for f in found if f[2] not in UPSTREAM_PATTERNS]
    kinds = sorted({f[2] for f in found})
    up.check(not others, f"checkpatch: {len(found)} reports, {len(others)} of them not of "
             f"upstream's own patterns (kinds: {', '.join(kinds) or 'none'})"
             + "".join(f"\n      {f[0]}: {f[1]}:{f[2]}: {f[3]}" for f in others[:15]))


def run(igt_tree=None, out=None, run_dir=None):
    """The series built and checked in @igt_tree (a tree or a release
    tarball; default TARBALL), in @run_dir (default: a new run directory,
    made only once the input is known to be good), written to @out.
    Returns the exit code: 0 when every patch built and every check passed,
    1 when one did not, EXIT_SKIP when there is no tree."""
    source = Path(igt_tree).resolve() if igt_tree else TARBALL
    if not source.exists():
        print(f"upstream: skipped: no IGT tree: {source} does not exist "
              "(give --igt-tree DIR|TARBALL)")
        return EXIT_SKIP
    if source.is_dir():
        require_igt_tree(source, source)
    if source.is_file() and not tarfile.is_tarfile(source):
        raise UsageError(f"--igt-tree {source}: not a tarball (an IGT release's "
                         "igt-gpu-tools-X.Y.tar.xz, or a tree)")
    work = (run_dir or results.new_run_dir("upstream")) / "upstream"
    work.mkdir(parents=True)
    (work / "logs").mkdir()
    out = Path(out).resolve() if out else work / "series"
    up = Work(work, build_root())
    say(f"upstream: {source} into {work}")
    series_files = set()
    try:
        if source.is_file():
            with timed("IGT's tree, configured and libigt built, copied from the cache"):
                up.tree = copy_base(source, up.root, work)
        else:
            with timed("unpacking the tree"):
                up.tree = unpack(source, work)
            up.in_root("meson setup build " + " ".join(MESON_OPTIONS), "setup",
                       "configuring IGT (meson setup)")
        base = git(up.tree, "rev-parse", "HEAD").strip()
        for index, patch in enumerate(SERIES, 1):
            apply(up.tree, patch)
            series_files.update(patch.files())
            build(up, index, patch, series_files)
        run_checks(up)
        check_old_headers(up, sorted(series_files))
        patches = write_series(up, base, out)
        checkpatch(up, patches)
    except Failure as failure:
        print(f"upstream: FAILED: {failure}")
        return 1
    # The patched tree and the old headers (about 100 MB) are kept only
    # when something failed, to look into.
    shutil.rmtree(up.tree, ignore_errors=True)
    shutil.rmtree(work / "linux-5.10", ignore_errors=True)
    print(f"upstream: the series in {out}")
    print(f"upstream: {len(SERIES)} patches built, checks passed (the trees they were "
          "built in removed)")
    return 0
