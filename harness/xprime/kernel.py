"""Kernels: Debian's packaged kernels, unpacked into the cache.

A kernel is a directory holding `vmlinuz` and `modules/<release>/` (with
modules.dep), whatever it came from.
"""

import functools
import re
import shutil
import subprocess
from pathlib import Path

from .cache import cached, key_of, run_logged
from .errors import SetupError
from .host import PrivateApt

# Debian kernels by name: the suite and the binary packages that make them.
# Versions are resolved on the mirror at first use, so a new point release
# does not break set-up.
DEBIAN_KERNELS = {
    "debian-6.1": ("bookworm", [r"^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$"]),
    "debian-6.12": ("trixie", [r"^linux-image-6\.12\.[0-9]+\+deb13-amd64-unsigned$"]),
    # sid splits the image from its modules; linux-image-* is a meta package.
    "debian-7.2": ("sid", [r"^linux-binary-unsigned-7\.2\.[0-9]+\+deb14-amd64$",
                           r"^linux-modules-7\.2\.[0-9]+\+deb14-amd64$"]),
}


class Kernel:
    """@name is what a user reads (results, expectations); @identity, what
    keys the cache, saved states, locks and logs: two kernels of one name
    (two trees called linux, two builds of one release) never share them."""

    def __init__(self, name, path, identity=None):
        self.name = name
        self.identity = identity or name
        self.path = Path(path)
        self.vmlinuz = self.path / "vmlinuz"
        releases = [p.name for p in (self.path / "modules").iterdir()]
        if len(releases) != 1:
            raise SetupError(f"kernel {name}: expected one modules directory, got {releases}")
        self.release = releases[0]
        self.modules = self.path / "modules" / self.release

    @functools.cached_property
    def _deps(self):
        """{module: (its file, the files it needs)} from modules.dep."""
        deps = {}
        for line in (self.modules / "modules.dep").read_text().splitlines():
            target, _, needs = line.partition(":")
            deps[module_name(target)] = (target, needs.split())
        return deps

    def has_module_file(self, name):
        """Whether @name is a loadable module of this kernel (not built in)."""
        return name.replace("-", "_") in self._deps

    def module_deps(self, names):
        """Module files for @names and their dependencies, in load order.
        Modules built into the kernel (modules.builtin) have no file to load."""
        deps = self._deps
        builtin_list = self.modules / "modules.builtin"
        builtin = ({module_name(l) for l in builtin_list.read_text().split()}
                   if builtin_list.exists() else set())
        soft = self._soft_dependencies(deps)
        order = []

        def visit(name):
            if name in builtin and name not in deps:
                return
            if name not in deps:
                raise SetupError(f"kernel {self.name} has no module {name}")
            target, needs = deps[name]
            # Soft ones first: modprobe would load them, insmod does not
            # (erofs needs libcrc32c, whose init needs a crc32c module).
            for need in soft.get(name, []):
                visit(need)
            for need in reversed(needs):
                visit(module_name(need))
            if target not in order:
                order.append(target)

        for name in names:
            visit(name.replace("-", "_"))
        return [self.modules / t for t in order]


    def _soft_dependencies(self, deps):
        """{module: [modules to load before it]} from modules.softdep's
        "pre:" lists, aliases resolved (a generic implementation preferred:
        it works on any CPU)."""
        softdep = self.modules / "modules.softdep"
        if not softdep.exists():
            return {}
        aliases = {}
        alias_file = self.modules / "modules.alias"
        if alias_file.exists():
            for line in alias_file.read_text().splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[0] == "alias":
                    aliases.setdefault(parts[1], []).append(module_name(parts[2]))
        soft = {}
        for line in softdep.read_text().splitlines():
            parts = line.split()
            if len(parts) < 3 or parts[0] != "softdep" or "pre:" not in parts:
                continue
            pre = parts[parts.index("pre:") + 1:]
            pre = pre[:pre.index("post:")] if "post:" in pre else pre
            for name in pre:
                found = [name] if name in deps else sorted(
                    (m for m in aliases.get(name, []) if m in deps),
                    key=lambda m: not m.endswith("_generic"))
                if found:
                    soft.setdefault(module_name(parts[1]), []).append(found[0])
        return soft


def module_name(path):
    base = Path(path).name
    return re.sub(r"\.ko(\.xz|\.zst|\.gz)?$", "", base).replace("-", "_")


def _latest(names):
    def version(name):
        return [int(x) for x in re.findall(r"\d+", name)]
    return max(names, key=version)


def debian_kernel(name):
    if name not in DEBIAN_KERNELS:
        raise SetupError(f"unknown kernel {name!r}; known: {', '.join(DEBIAN_KERNELS)}")
    suite, patterns = DEBIAN_KERNELS[name]
    apt = PrivateApt()
    packages = []
    for pattern in patterns:
        found = apt.packages_matching(pattern, suite)
        if not found:
            raise SetupError(f"kernel {name}: no package matching {pattern} in {suite} "
                             f"on the mirror")
        packages.append(_latest(found))

    def build(tmp):
        debs = apt.download(packages, tmp / "debs", suite)
        root = tmp / "root"
        for deb in debs:
            run_logged(["dpkg-deb", "-x", deb, root], tmp / "unpack.log", f"unpacking {deb.name}")
        unpack_kernel_tree(root, tmp)
        shutil.rmtree(root)
        shutil.rmtree(tmp / "debs")

    return Kernel(name, cached(f"kernel-{name}", key_of(packages), build))


def unpack_kernel_tree(root, dest):
    """Move vmlinuz and the modules of an unpacked kernel into @dest, with depmod."""
    # bookworm and trixie: /boot/vmlinuz-<release>; sid ships the image
    # beside its modules: /usr/lib/modules/<release>/vmlinuz.unsigned.
    images = (sorted((root / "boot").glob("vmlinuz-*"))
              + sorted(root.glob("usr/lib/modules/*/vmlinuz*")))
    if not images:
        raise SetupError(f"no kernel image (/boot/vmlinuz-* or modules/*/vmlinuz*) in {root}")
    shutil.move(images[0], dest / "vmlinuz")
    for moddir in (root / "usr/lib/modules", root / "lib/modules"):
        if moddir.is_dir():
            (dest / "modules").mkdir(exist_ok=True)
            for release in moddir.iterdir():
                shutil.move(release, dest / "modules" / release.name)
    releases = list((dest / "modules").iterdir())
    if len(releases) != 1:
        raise SetupError(f"expected one kernel release in {root}, found {releases}")
    # depmod -b wants <base>/lib/modules/<release>; give it a view of ours.
    base = dest / ".depmod"
    (base / "lib").mkdir(parents=True)
    (base / "lib" / "modules").symlink_to(dest / "modules")
    try:
        subprocess.run(["depmod", "-b", base, releases[0].name], check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError) as err:
        raise SetupError(f"depmod failed for {releases[0].name}: {err}") from None
    finally:
        shutil.rmtree(base)
