"""A run of the suite: which configurations (kernels on machines), what every
boot needs, and the run from its filters to its summary and exit code.

Lower layers: session runs one configuration in guests, schedule runs
configurations side by side, shards deals a run over machines, results
keeps results.json, expect and report judge and present.
"""

import contextlib
import dataclasses
import sys
import threading
from pathlib import Path

from . import (display, expect, guest, host, initramfs, kbuild, kernel, qemu_build, qemuuser,
               report, results, rootimage, schedule, session, shards, sidroot)
from .cache import require_root, say
from .errors import EXIT_FAIL, EXIT_INFRA, EXIT_PASS, EXIT_USAGE, SetupError, UsageError
from .filters import (INSTALLED_TESTS, all_tests, check_names, resolve_filters, test_list,
                      unmatched)
from .session import config_identity, config_name

# The guests' devices: patched vmware-svga for vmwgfx, and virtio-gpu without
# virgl ("plain"), the same with blob resources ("blob": guest RAM from a
# memfd, QEMU with qemu/virtio-gpu-blob-memfd.patch, as the host has no
# /dev/udmabuf, and qemu/virtio-gpu-blob-migration.patch to save its state;
# Linux >= 6.14 then imports other drivers' dma-bufs into virtio-gpu as
# guest blobs) or with virgl, rendering on the host with Mesa's llvmpipe
# under Xvfb ("virgl"); vgem needs no device. "stdu" is "plain" with
# vmware-svga's guest-backed objects (qemu/vmware-svga-gb.patch): vmwgfx then
# drives it as it drives VMware's device, with MOBs, GB surfaces and the
# Screen Target display unit. Device ids name the scanouts for the host's
# screendumps.
MACHINES = {
    "plain": guest.Machine(
        name="vmware-svga+virtio-gpu",
        vga=["-device", "vmware-svga,id=vmware-svga",
             "-device", "virtio-gpu-pci,id=virtio-gpu"],
        display=["-display", "none"]),
    # Saved states need qemu/virtio-gpu-blob-migration.patch: QEMU 7.2's
    # virtio_gpu_save reads a pixman image, which a blob resource has not.
    "blob": guest.Machine(
        name="vmware-svga+virtio-gpu-blob",
        vga=["-device", "vmware-svga,id=vmware-svga",
             "-device", "virtio-gpu-pci,id=virtio-gpu,blob=true"],
        display=["-display", "none"],
        blob=True, suffix="-blob"),
    # Saved states need qemu/virtio-gpu-gl-migration.patch: QEMU 7.2 blocks
    # migration for virgl; the patch only does once the guest submits 3D commands.
    "virgl": guest.Machine(
        name="vmware-svga+virtio-gpu-gl",
        vga=["-device", "vmware-svga,id=vmware-svga",
             "-device", "virtio-gpu-gl-pci,id=virtio-gpu"],
        display=["-display", "gtk,gl=on"],
        virgl=True, suffix="-virgl"),
    # A guest that falls back to the Legacy Display Unit is an
    # infrastructure error: its results would be plain's.
    "stdu": guest.Machine(
        name="vmware-svga-gb+virtio-gpu",
        vga=["-device", "vmware-svga,id=vmware-svga,guest-backed=on",
             "-device", "virtio-gpu-pci,id=virtio-gpu"],
        display=["-display", "none"],
        suffix="-stdu", display_unit="Screen Target"),
}
MACHINE = MACHINES["plain"]
# What --machine's help says of each machine.
MACHINE_HELP = {
    "plain": "vmware-svga and virtio-gpu without virgl",
    "blob": "plain with virtio-gpu blob resources, for Linux >= 6.14 to import "
            "other drivers' buffers into virtio-gpu",
    "virgl": "virtio-gpu-gl under Xvfb with llvmpipe",
    "stdu": "plain with vmware-svga's guest-backed objects: vmwgfx's "
            "Screen Target display unit, MOBs and GB surfaces",
}

KERNEL_NAMES = sorted(kernel.DEBIAN_KERNELS) + kbuild.TWIN_NAMES
# Stock Debian 6.12 and its source built with CONFIG_DMABUF_DEBUG, side by side.
DEFAULT_KERNELS = ["debian-6.12", "6.12-debug"]
# Without --kernel and --machine: both 6.12 kernels with vmware-svga as QEMU
# has it and as VMware has it, and stock 6.12 with virgl.
DEFAULT_CONFIGS = [("debian-6.12", "plain"), ("debian-6.12", "virgl"),
                   ("debian-6.12", "stdu"), ("6.12-debug", "plain"),
                   ("6.12-debug", "stdu")]


class Environment:
    """What every boot needs, set up (or found in the cache) on first use."""

    def __init__(self):
        require_root()
        host.ensure_host_packages()
        # The user QEMU runs as (guest.qemu_command: -runas).
        qemuuser.ensure()
        self.sid_root = sidroot.sid_root()
        self.root_image = rootimage.root_image(self.sid_root)
        self.build_log = sidroot.build_tests(self.sid_root)
        self.qemu = qemu_build.build()
        # Guests side by side set up what they share once, not each.
        self.setting_up = threading.Lock()

    def run(self, kern, run_dir, filters=(), extra_tests=None, machine=MACHINE,
            installed=None, part=None):
        """@installed: a .deb of the tests; the guest's root has it installed
        and igt_runner runs the tests from where it put them. @part: a
        session.Part, when the configuration's tests are split over guests."""
        config = session.Config(config_name(kern, machine), kern, machine,
                                identity=config_identity(kern, machine))
        root_image = self.root_image
        if installed:
            root_image = rootimage.installed_root_image(self.sid_root, installed)
            config = dataclasses.replace(config, name=f"{config.name}-installed",
                                         identity=f"{config.identity}-installed",
                                         test_root=INSTALLED_TESTS)
        with self.setting_up:
            build = (qemu_build.build(virgl=True) if machine.virgl
                     else qemu_build.build(blob=True) if machine.blob
                     else qemu_build.build(sanitize=True) if machine.sanitize
                     else self.qemu)
            initrd = initramfs.initramfs_for(kern)
        with display.xvfb() if machine.virgl else contextlib.nullcontext() as qemu_env:
            return session.run_config(config, run_dir, build, initrd, self.sid_root,
                                      root_image, filters, extra_tests, qemu_env, part)


def kernel_spec(spec):
    """Check a --kernel value: a name, a kernel source tree DIR[:debug] or a
    prebuilt BZIMAGE[:MODULES_DIR]. Returns (kind, arguments)."""
    if spec in kernel.DEBIAN_KERNELS:
        return "debian", (spec,)
    if spec in kbuild.TWIN_NAMES:
        return "twin", (spec,)
    path, _, extra = spec.partition(":")
    path = Path(path).expanduser()
    if path.is_dir() and extra in ("", "debug"):
        return "tree", (path.resolve(), extra == "debug")
    if path.is_file() and (not extra or Path(extra).is_dir()):
        with open(path, "rb") as image:
            header = image.read(0x206)
        if not kbuild.is_bzimage(header):
            raise UsageError(f"--kernel {spec}: {path} is not a kernel image "
                             "(no x86 bzImage setup header)")
        return "prebuilt", (path.resolve(), Path(extra).resolve() if extra else None)
    raise UsageError(
        f"--kernel {spec}: not a kernel name ({', '.join(KERNEL_NAMES)}), "
        "a kernel source tree DIR[:debug] or BZIMAGE[:MODULES_DIR]")


def kernel_for(spec):
    """The kernel a checked --kernel value names, built or fetched on first use."""
    kind, arguments = spec
    if kind == "debian":
        return kernel.debian_kernel(*arguments)
    return {"twin": kbuild.source_twin, "tree": kbuild.tree_kernel,
            "prebuilt": kbuild.prebuilt_kernel}[kind](*arguments)


def distinct_names(kernels):
    """Two kernels of one name in a run (~/a/linux and ~/b/linux) are named
    by their identities instead, so their results do not meet."""
    identities = {}
    for kern in kernels:
        identities.setdefault(kern.name, set()).add(kern.identity)
    for kern in kernels:
        if len(identities[kern.name]) > 1:
            kern.name = kern.identity


def configurations(kernels, machines, jobs):
    """(kernel spec, machine) pairs to run: every kernel of @kernels on every
    machine of @machines (names), the defaults for what is not given."""
    if not kernels and not machines:
        pairs = DEFAULT_CONFIGS
    else:
        pairs = [(k, m) for k in kernels or DEFAULT_KERNELS for m in machines or ["plain"]]
    chosen = {name: MACHINES[name] for _, name in pairs}
    if jobs > 1:
        # Guests side by side: a virtual CPU each, as many as there are jobs.
        chosen = {n: dataclasses.replace(m, cpus=1) for n, m in chosen.items()}
    return [(kernel_spec(k), chosen[m]) for k, m in pairs]


@dataclasses.dataclass
class Request:
    """What `./xprime run` was asked for."""
    filters: list
    kernels: list
    machines: list
    jobs: int = 1
    repeat: int = 1
    shard: str | None = None


def spec_label(spec, machine):
    """A configuration named by its --kernel value, before its kernel is
    built: what --shard deals by, the same on every machine of a pipeline."""
    kind, arguments = spec
    if kind == "tree":
        path, debug = arguments
        text = f"{path}{':debug' if debug else ''}"
    elif kind == "prebuilt":
        image, modules = arguments
        text = f"{image}:{modules or ''}"
    else:
        text = arguments[0]
    return text + machine.suffix


def run(request):
    """The whole `./xprime run`: returns its exit code."""
    # Bad input is refused before minutes of set-up, not after.
    known_tests = all_tests()
    check_names(resolve_filters(request.filters, known_tests))
    if request.jobs < 1:
        raise UsageError(f"--jobs {request.jobs}: must be 1 or more")
    if request.repeat < 1:
        raise UsageError(f"--repeat {request.repeat}: must be 1 or more")
    shard = shards.parse_shard(request.shard) if request.shard else None
    configs = configurations(request.kernels, request.machines, request.jobs)
    run_dir = results.new_run_dir()
    # Each repeat in a directory of its own (repeat-K/) when there are several.
    places = [run_dir] if request.repeat == 1 else \
        [run_dir / f"repeat-{k}" for k in range(1, request.repeat + 1)]
    work = [(spec, machine, where, request.filters)
            for where in places for spec, machine in configs]
    if shard:
        # Dealt before any set-up: a shard builds only the kernels it runs.
        work = shards.shard_work(work, test_list(request.filters, known_tests), *shard,
                                 name_of=spec_label)
        if not work:
            print(shards.say_empty(run_dir, *shard, "fewer configurations and tests "
                                   "than shards, even dealt by subtest"))
            return EXIT_PASS
    env = Environment()
    kernels = {spec: kernel_for(spec) for spec, _, _, _ in work}
    distinct_names(kernels.values())
    runs = [(kernels[spec], machine) for spec, machine in configs if spec in kernels]
    # A broken expectations file is said before the guests run, not after.
    expected_of = {config_name(k, m): expect.load(expect.path_for(config_name(k, m)))
                   for k, m in runs}
    work = [(kernels[spec], machine, where, lines) for spec, machine, where, lines in work]
    for where in places:
        where.mkdir(exist_ok=True)

    def run_one(kern, machine, where, filters, part=None):
        try:
            return env.run(kern, where, filters, machine=machine, part=part)
        except SetupError as err:
            # One configuration's infrastructure failure loses no other's results.
            say(f"error: {config_name(kern, machine)}: {err}")
            return err

    outcomes = schedule.run_work(work, request.jobs, run_one, known_tests)
    return summarise(request, run_dir, places, expected_of, work, outcomes, known_tests)


def summarise(request, run_dir, places, expected_of, work, outcomes, known_tests):
    """Judge each configuration's results by its expectations (@expected_of
    {configuration: [Expectation]}), write the run's summaries and return
    the exit code. @known_tests: the tests a run without filters runs."""
    judged, texts, broken, missing = [], [], [], set()
    for (kern, machine, where, filters), (outcome, errors) in zip(work, outcomes):
        label = config_name(kern, machine) + (f" ({where.name})" if where != run_dir else "")
        broken += [f"== {label}: not run to the end: {err}" for err in errors]
        if outcome is None:
            continue
        asked = resolve_filters(filters, known_tests)
        schedule.remember(config_identity(kern, machine), outcome.boots,
                          asked or test_list((), known_tests))
        tests = report.load_results(outcome)
        missing.update(unmatched(asked, tests))
        verdict = expect.compare(tests, [dataclasses.replace(e, used=0)
                                         for e in expected_of[config_name(kern, machine)]])
        judged.append((outcome, verdict))
        texts.append("\n".join([report.summary(outcome), *expect.describe(
            verdict, only_run_subset=bool(request.filters or request.shard))]))
    text = report.write_run(run_dir, judged, texts, broken, repeats=len(places))
    print(text)
    say(f"results: {run_dir} (also results/latest); summary.md, junit.xml, report.html")
    if broken:
        return EXIT_INFRA
    if missing:
        print(f"xprime: error: no test, subtest or dynamic subtest answers "
              f"{', '.join(sorted(missing))}: misspelt?", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_PASS if all(v.ok for _, v in judged) else EXIT_FAIL


def join_runs(sources, out, whole):
    """`./xprime merge`: the shards' results in @sources joined into @out,
    one directory per configuration, the expectations applied to the
    whole; returns the exit code."""
    joined = results.join_shards(sources)
    texts, ok = [], True
    for name, into in sorted(joined.items()):
        results.write_joined(out / name, into["tests"], into["from"])
        tests = results.results_in(out / name)
        verdict = expect.compare(tests, expect.load(expect.path_for(name)))
        ok = ok and verdict.ok
        texts.append("\n".join([f"== {name}: {len(results.leaves(tests))} results from "
                                f"{len(into['from'])} directories, in {out / name}",
                                *report.matrices(tests),
                                *expect.describe(verdict, only_run_subset=not whole)]))
    text = "\n".join(texts)
    (out / "summary.txt").write_text(text + "\n")
    print(text)
    return EXIT_PASS if ok else EXIT_FAIL
