"""Kernels built from source: Debian's linux-source package, or any kernel tree.

The configuration is `make allnoconfig` plus the project's fragment
(kernel/xprime.config: what the guest needs, all built in, no modules) and
kernel/debug.config or its negation, so the debug and non-debug twins differ
in nothing else. The result has the layout of kernel.Kernel: `vmlinuz` and
`modules/<release>/` (no module files; modules.builtin says what is built in).
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .cache import REPO, cache_dir, cached, file_digest, key_of, locked, run_logged, say
from .errors import SetupError
from .host import PrivateApt
from .kernel import Kernel, unpack_kernel_tree

# The twins' sources: Debian's linux-source-<version>, from the suite that
# carries it. 6.12 is the stable release's kernel; 7.2 the newest, which
# imports other drivers' dma-bufs into virtio-gpu (Linux 6.14 and later).
TWIN_SOURCES = {"6.12": "trixie", "7.2": "sid"}
SOURCE_PACKAGE, SOURCE_SUITE = "linux-source-6.12", TWIN_SOURCES["6.12"]
TWIN_NAMES = [f"{version}-{flavour}" for version in TWIN_SOURCES
              for flavour in ("debug", "nodebug")]
# The fixed kernels: the same source with the project's kernel fixes
# (kernel/fixes/<version>/*.patch, a `git format-patch` series) applied,
# built as the debug twin is. Known where the twins are (--kernel, --help).
FIXES = REPO / "kernel" / "fixes"
FIXED_VERSIONS = ["6.12", "7.2"]
FIXED_NAMES = [f"{version}-fixed" for version in FIXED_VERSIONS]
TWIN_NAMES += FIXED_NAMES
FRAGMENT = REPO / "kernel" / "xprime.config"
DEBUG_FRAGMENT = REPO / "kernel" / "debug.config"
# ARCH is explicit: left to default, ARCH=x86 makes 64BIT a question that
# allnoconfig answers "no".
ARCH = "x86_64"
IMAGE = "arch/x86/boot/bzImage"

OPTION = re.compile(r"^(?:(CONFIG_\w+)=(.*)|# (CONFIG_\w+) is not set)$")


def debian_source(package=SOURCE_PACKAGE, suite=SOURCE_SUITE):
    """Debian's @package (it ships /usr/src/<package>.tar.xz), unpacked once."""
    apt = PrivateApt()
    version = apt.version(package, suite)

    def build(tmp):
        log = tmp / "unpack.log"
        debs = apt.download([package], tmp / "debs", suite)
        root = tmp / "root"
        run_logged(["dpkg-deb", "-x", debs[0], root], log, f"unpacking {debs[0].name}")
        tarballs = sorted(root.glob("usr/src/linux-source-*.tar.*"))
        if len(tarballs) != 1:
            raise SetupError(f"{package} {version}: expected one "
                             f"/usr/src/linux-source-*.tar.*, found {tarballs}")
        run_logged(["tar", "-xf", tarballs[0], "-C", tmp], log,
                   f"unpacking {tarballs[0].name}")
        top = tmp / tarballs[0].name.split(".tar")[0]
        if not (top / "Makefile").exists():
            raise SetupError(f"{tarballs[0].name} has no {top.name}/Makefile")
        top.rename(tmp / "src")
        shutil.rmtree(root)
        shutil.rmtree(tmp / "debs")

    return cached(package, key_of(package, suite, version), build) / "src"


def parse_config(text):
    """{CONFIG_X: value} of a .config or fragment; 'n' for '# ... is not set'."""
    options = {}
    for line in text.splitlines():
        m = OPTION.match(line.strip())
        if m:
            if m[1]:
                options[m[1]] = m[2]
            else:
                options[m[3]] = "n"
    return options


def fragment_text(debug):
    """The project's fragment plus debug.config, or its negation."""
    debug_options = parse_config(DEBUG_FRAGMENT.read_text())
    if not debug_options:
        raise SetupError(f"{DEBUG_FRAGMENT} sets no option")
    if debug:
        twin = DEBUG_FRAGMENT.read_text()
    else:
        twin = "".join(f"# {name} is not set\n" for name in debug_options)
    return (f"# {FRAGMENT.name}\n{FRAGMENT.read_text()}\n"
            f"# {DEBUG_FRAGMENT.name}{'' if debug else ', negated'}\n{twin}")


def unmet(wanted, config):
    """Options of @wanted (a fragment) that @config (a .config) does not have."""
    have = parse_config(config)
    missing = []
    for name, value in parse_config(wanted).items():
        got = have.get(name, "n")
        if got != value:
            missing.append(f"{name}={value} (got {'unset' if got == 'n' else got})")
    return missing


def kconfig_symbols(tree):
    """Names of the symbols @tree's Kconfig files define (without CONFIG_)."""
    names = set()
    for path in tree.rglob("Kconfig*"):
        if path.is_file():
            names.update(re.findall(r"^\s*(?:menu)?config\s+(\w+)",
                                    path.read_text(errors="replace"), re.M))
    return names


def tree_contents(tree):
    """What the source is: a git tree by HEAD and its uncommitted changes,
    anything else by its path (our unpacked Debian sources never change)."""
    if not (tree / ".git").exists():
        return ["path", str(tree)]

    def git(*args):
        out = subprocess.run(["git", "-C", str(tree), *args], capture_output=True)
        if out.returncode:
            raise SetupError(f"git {' '.join(args)} in {tree} failed: "
                             f"{out.stderr.decode(errors='replace').strip()}")
        return out.stdout

    head = git("rev-parse", "HEAD").decode().strip()
    # Changed tracked files and the contents of untracked ones: a bisect step
    # that edits the tree must not reuse the kernel of a clean one.
    diff = git("diff", "HEAD", "--binary")
    untracked = git("ls-files", "--others", "--exclude-standard", "-z").split(b"\0")
    for name in filter(None, untracked):
        path = tree / name.decode()
        if path.is_file():
            diff += b"\0" + name + b"\0" + path.read_bytes()
    return ["git", head, key_of(diff.hex()) if diff else "clean"]


def built_kernel(source_tree, debug, name, identity=None, localversion=None, salt=()):
    """A Kernel built from @source_tree with the project's config (+ debug);
    its build, lock and log are @identity's (default: @name). @salt joins
    the cache key (the fixes' digests)."""
    identity = identity or name
    tree = Path(source_tree).resolve()
    if not (tree / "Makefile").exists() or not (tree / "Kconfig").exists():
        raise SetupError(f"{tree} is not a kernel source tree (no Makefile and Kconfig)")
    if (tree / ".config").exists() or (tree / "include" / "config").exists():
        # Kbuild refuses O= builds of a tree configured in place.
        raise SetupError(f"{tree} has been configured in place; run 'make mrproper' there")
    fragment = fragment_text(debug)
    key = key_of(tree_contents(tree), fragment, ARCH, *salt)
    # Our own unpacked sources are built once, from cold; any other tree
    # (`git bisect run`) keeps its build directory, so a step is incremental.
    keep = not tree.is_relative_to(cache_dir().resolve())
    localversion = localversion or ("-xprime-debug" if debug else "-xprime")

    def build(tmp):
        log = cache_dir() / "logs" / f"kbuild-{identity}.log"
        log.unlink(missing_ok=True)
        if keep:
            objdir = cache_dir() / "kbuild" / f"{tree.name}-{key_of(str(tree), debug)}"
            with locked(f"kbuild-{objdir.name}"):
                compile_kernel(tree, objdir, fragment, localversion, log, name)
                install(objdir, tmp)
        else:
            objdir = tmp / "build"
            compile_kernel(tree, objdir, fragment, localversion, log, name)
            install(objdir, tmp)
            shutil.rmtree(objdir)

    return Kernel(name, cached(f"kernel-{identity}", key, build), identity)


def compile_kernel(tree, objdir, fragment, localversion, log, name):
    objdir.mkdir(parents=True, exist_ok=True)
    (objdir / "xprime.fragment").write_text(fragment)
    make = ["make", "-C", str(tree), f"O={objdir}", f"ARCH={ARCH}",
            f"LOCALVERSION={localversion}"]
    # KCONFIG_ALLCONFIG: allnoconfig takes the fragment's values as answers
    # and says no to everything else; options the fragment needs must be in it.
    # Its .config is complete: an olddefconfig after it changed nothing and
    # cost every bisect step a second Kconfig parse (4-8 s).
    run_logged([*make, f"KCONFIG_ALLCONFIG={objdir / 'xprime.fragment'}", "allnoconfig"],
               log, f"configuring {name} (allnoconfig + fragment)")
    missing = unmet(fragment, (objdir / ".config").read_text())
    if missing:
        defined = kconfig_symbols(tree)
        raise SetupError(f"kernel {name}: options of the fragment that did not stick "
                         f"(a dependency is missing from {FRAGMENT.name}?):\n    "
                         + "\n    ".join(m + ("" if m.split("=")[0][7:] in defined
                                              else ", not defined by this tree")
                                         for m in missing))
    # One job more than CPUs keeps them busy while a job waits on the disk;
    # -pipe spares the temporary files (debug twin cold, 2 CPUs: 398 s -> 374 s).
    jobs = (os.cpu_count() or 1) + 1
    say(f"building kernel {name} from {tree} ({jobs} jobs; log {log})")
    # Up to 6.12 modules.builtin is a target of its own; later kernels make
    # it with vmlinux and have no such target.
    makefile = (tree / "Makefile").read_text(errors="replace")
    targets = ["bzImage"] + (["modules.builtin"] if re.search(
        r"^[^#\n]*\bmodules\.builtin:", makefile, re.M) else [])
    run_logged([*make, f"-j{jobs}", "KCFLAGS=-pipe", *targets], log,
               f"building kernel {name}")


def install(objdir, dest):
    """vmlinuz and modules/<release>/ (no modules: modules.builtin, an empty
    modules.dep and the indexes depmod makes from them), as Debian's."""
    release = (objdir / "include" / "config" / "kernel.release").read_text().strip()
    root = dest / "root"
    moddir = root / "lib" / "modules" / release
    moddir.mkdir(parents=True)
    for f in ("modules.builtin", "modules.builtin.modinfo"):
        if not (objdir / f).exists():
            raise SetupError(f"the kernel build made no {f} in {objdir}")
        shutil.copy2(objdir / f, moddir)
    (root / "boot").mkdir()
    shutil.copy2(objdir / IMAGE, root / "boot" / f"vmlinuz-{release}")
    shutil.copy2(objdir / ".config", dest / "config")
    unpack_kernel_tree(root, dest)
    shutil.rmtree(root)


def source_twin(name):
    """`6.12-debug`, `7.2-nodebug`...: Debian's linux-source-<version>, built
    with the project's fragment, with or without debug.config; `6.12-fixed`:
    the same with the project's fixes, and debug.config."""
    if name not in TWIN_NAMES:
        raise SetupError(f"unknown source-built kernel {name!r}; known: "
                         + ", ".join(TWIN_NAMES))
    version, _, flavour = name.partition("-")
    source = debian_source(f"linux-source-{version}", TWIN_SOURCES[version])
    if flavour == "fixed":
        series = fix_series(version)
        return built_kernel(fixed_source(source, version, series), True, name,
                            localversion="-xprime-fixed",
                            salt=[file_digest(p) for p in series])
    return built_kernel(source, flavour == "debug", name)


# git format-patch --cover-letter's name for the series' patch 0: no diff,
# only the letter that goes with the series.
COVER_LETTER = "0000-cover-letter.patch"


def fix_series(version):
    """kernel/fixes/<version>/*.patch, in order, but the cover letter."""
    series = sorted(p for p in (FIXES / version).glob("*.patch") if p.name != COVER_LETTER)
    if not series:
        raise SetupError(f"no patches in {FIXES / version}")
    return series


def patch_subject(text):
    """The Subject: header of a format-patch file, unfolded, without its
    [PATCH n/m] prefix ('' if it has none)."""
    m = re.search(r"^Subject:(.*(?:\n[ \t].*)*)", text, re.M)
    if not m:
        return ""
    return re.sub(r"^\[[^]]*\]\s*", "", " ".join(m.group(1).split()))


def cover_letter_problems(cover, series):
    """Problems of the cover letter @cover for @series (none: []): it must
    exist, be patch 0 of as many as @series has, and name every patch by
    its subject (in the shortlog, wrapped or not)."""
    if not cover.is_file():
        return [f"no cover letter {cover.name} in {cover.parent}"]
    text = cover.read_text(errors="replace")
    problems = []
    m = re.search(r"^Subject:\s*\[PATCH[^]]*?(\d+)/(\d+)\]", text, re.M)
    if not m or m.group(1) != "0" or int(m.group(2)) != len(series):
        problems.append(f"{cover.name}: its Subject: is not [PATCH 0/{len(series)}]")
    words = " ".join(text.split())
    for patch in series:
        subject = patch_subject(patch.read_text(errors="replace"))
        if not subject or subject not in words:
            problems.append(f"{cover.name} does not name {patch.name} "
                            f"({subject or 'no Subject:'})")
    return problems


def apply_series(tree, series, log, check=False):
    """`git apply` each patch of @series to @tree (any directory, not a git
    work tree: git looks for none above it), or only check that it applies."""
    for patch in series:
        run_logged(["git", "apply", *(["--check"] if check else []), "-p1", patch], log,
                   f"{'checking' if check else 'applying'} {patch.name}",
                   env=outside_git(tree), cwd=tree)


def outside_git(tree):
    """The environment for git commands in @tree that must not find a
    repository above it (the cache may be inside one)."""
    return {**os.environ, "GIT_CEILING_DIRECTORIES": str(Path(tree).resolve().parent)}


# checkpatch looks a Fixes: tag's commit up in the tree's git history, and
# Debian's source has none: the one warning that says so is not the patch's.
CHECKPATCH = ["scripts/checkpatch.pl", "--strict", "--quiet", "--no-summary",
              "--ignore", "UNKNOWN_COMMIT_ID"]


def check_series(version):
    """Problems of kernel/fixes/<version> (none: []): each patch must apply
    (git apply --check) to Debian's source with the patches before it
    applied, on a scratch copy of the files the series changes, and pass
    checkpatch --strict; the cover letter (no diff: neither applied nor
    checkpatch'ed) must name every patch."""
    source = debian_source(f"linux-source-{version}", TWIN_SOURCES[version])
    series = fix_series(version)
    problems = cover_letter_problems(FIXES / version / COVER_LETTER, series)
    with tempfile.TemporaryDirectory(prefix="xprime-fixes-") as tmp:
        scratch = Path(tmp) / "src"
        scratch.mkdir()
        for name in touched(series, source):
            if (source / name).is_file():
                (scratch / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / name, scratch / name)
        for patch in series:
            for check in (True, False):
                out = subprocess.run(["git", "apply", *(["--check"] if check else []),
                                      "-p1", patch], cwd=scratch, env=outside_git(scratch),
                                     capture_output=True, text=True)
                if out.returncode:
                    problems.append(f"git apply --check {patch.name}: {out.stderr.strip()}")
                    break
            if problems:
                break
    for patch in series:
        out = subprocess.run(["perl", *CHECKPATCH, patch], cwd=source,
                             capture_output=True, text=True)
        if out.returncode or out.stdout.strip():
            problems.append(f"checkpatch {patch.name}:\n{(out.stdout + out.stderr).strip()}")
    return problems


def touched(series, tree):
    """The files (relative paths) that @series changes."""
    numstat = subprocess.run(["git", "apply", "--numstat", *series], cwd=tree,
                             env=outside_git(tree), capture_output=True, text=True)
    if numstat.returncode:
        raise SetupError(f"git apply --numstat {' '.join(p.name for p in series)}: "
                         f"{numstat.stderr.strip()}")
    return sorted({line.split("\t", 2)[2] for line in numstat.stdout.splitlines()})


def fixed_source(source, version, series):
    """@source with @series applied: a copy whose files are hard links to
    @source's but for those the series changes (git apply writes a new file
    for each, and they are copied first all the same)."""

    def build(tmp):
        log = tmp / "apply.log"
        src = tmp / "src"
        run_logged(["cp", "-al", source, src], log, f"linking linux-source-{version}")
        for name in touched(series, src):
            path = src / name
            if path.is_file():
                copy = path.with_name(path.name + ".xprime-copy")
                shutil.copy2(path, copy)
                os.replace(copy, path)
        apply_series(src, series, log)

    key = key_of(str(source), [file_digest(p) for p in series])
    return cached(f"linux-source-{version}-fixed", key, build) / "src"


def tree_kernel(tree, debug):
    """Any kernel source tree (`./xprime bisect`), built incrementally. It is
    named by its directory's name, and known by its real path: ~/a/linux
    and ~/b/linux are both "linux", never each other's build or state."""
    tree = Path(tree).resolve()
    name = f"{tree.name}{'-debug' if debug else ''}"
    return built_kernel(tree, debug, name, f"{name}-{key_of(str(tree))[:8]}")


def prebuilt_kernel(bzimage, modules_dir=None):
    """A bzImage built elsewhere. @modules_dir is its modules/<release>
    directory (as `make modules_install` leaves it); without one, the kernel
    has everything built in and its build directory (where the bzImage is,
    at arch/x86/boot/bzImage) has the modules.builtin that says so."""
    bzimage = Path(bzimage).resolve()
    release = image_release(bzimage)
    builtin = bzimage.parents[3] / "modules.builtin" if len(bzimage.parents) > 3 else None
    if not modules_dir and not (builtin and builtin.is_file()):
        raise SetupError(f"{bzimage}: give its modules directory (BZIMAGE:MODULES_DIR), "
                         "or the bzImage in its build directory, beside modules.builtin")
    name = f"prebuilt-{release}"
    key = key_of(file_digest(bzimage), str(modules_dir) if modules_dir else None,
                 None if modules_dir else file_digest(builtin))

    def build(tmp):
        root = tmp / "root"
        moddir = root / "lib" / "modules" / release
        if modules_dir:
            # Symlinks to the build tree (build, source) are not wanted.
            shutil.copytree(modules_dir, moddir, symlinks=True,
                            ignore=shutil.ignore_patterns("build", "source"))
        else:
            moddir.mkdir(parents=True)
            shutil.copy2(builtin, moddir)
        (root / "boot").mkdir()
        shutil.copy2(bzimage, root / "boot" / f"vmlinuz-{release}")
        unpack_kernel_tree(root, tmp)
        shutil.rmtree(root)

    # Known by where it is: builds of one release in two trees are two
    # kernels, a rebuild in place the same one (its saved states pruned).
    identity = f"{name}-{key_of(str(bzimage), str(modules_dir))[:8]}"
    return Kernel(name, cached(f"kernel-{identity}", key, build), identity)


def is_bzimage(data):
    """Whether @data (a file's first bytes) opens an x86 bzImage: the boot
    protocol's "HdrS" setup header magic."""
    return data[0x202:0x206] == b"HdrS"


def image_release(bzimage):
    """The release a bzImage names in its setup header (x86 boot protocol)."""
    data = Path(bzimage).read_bytes()[:65536]
    if not is_bzimage(data):
        raise SetupError(f"{bzimage} is not an x86 bzImage (no HdrS setup header)")
    offset = int.from_bytes(data[0x20E:0x210], "little") + 0x200
    version = data[offset:offset + 256].split(b"\0")[0].decode(errors="replace")
    if not version.split():
        raise SetupError(f"{bzimage}: no kernel version string in its setup header")
    return version.split()[0]
