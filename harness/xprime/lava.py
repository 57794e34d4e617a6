"""./xprime lava: the tests as a LAVA job, for labs that run kernel tests at
scale (KernelCI, LKFT), and run locally by Debian's lava-dispatcher.

The job (device type qemu) deploys the kernel, the project's initramfs and
a root image with the project's Debian package installed; with `xprime.lava`
on its command line, guest/init binds the drivers and gives LAVA's test
shell a prompt on the console instead of waiting for the harness. The test
definition runs guest/lava-tests: igt_runner over each line of the test list
from /usr/libexec/igt-gpu-tools, each result a LAVA test case.

The device dictionary extends lava-server's qemu.jinja2 with the project's
QEMU (patched vmware-svga: under Debian's own QEMU vmwgfx refuses the device,
"Hardware has no pitchlock", and only vgem and virtio-gpu bind) and the
display devices. A lab installs it as a device of type qemu, with the QEMU
that `./xprime run` builds (or its own build of qemu/vmware-svga.patch) at
the path it names.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from . import guest, host, initramfs, package, results, rootimage, shards, suite
from .cache import REPO, cached, key_of, run_logged, say
from .errors import EXIT_FAIL, EXIT_PASS, SetupError
from .filters import check_names, project_tests, resolve_filters
from .host import PrivateApt

GUEST_TESTS = REPO / "guest" / "lava-tests"
# The harness's command line for the kernel, less loglevel=4: LAVA waits for
# the kernel's banner (guest/init lowers the console's level before the
# shell starts), plus the flag that makes init start the shell.
CMDLINE = " ".join(w for w in guest.CMDLINE.split() if w != "loglevel=4") + " xprime.lava"
PROMPT = "xprime-lava# "
TEMPLATES_SUITE = "bookworm"
# lava-run, and what it uses of its recommends for this job: cpio repacks the
# ramdisk with the overlay, and its qemu boot method reads the version of
# Debian's qemu-system-x86 (or runs qemu-system-x86_64 --version) whatever
# binary the device names.
PACKAGES = ["lava-dispatcher", "qemu-system-x86", "cpio"]

DEVICE = """\
{{# xprime: the project's guest as a LAVA device of type qemu. qemu.jinja2
   names its binary by architecture (qemu-system-x86_64 from $PATH) and has
   no variable for it, so the qemu_method block is replaced: the project's
   QEMU, its firmware directories, TCG, the two display devices. The job
   sets cpus, memory and extra_options. #}}
{{% extends 'qemu.jinja2' %}}
{{% set no_kvm = True %}}
{{% block qemu_method %}}
        parameters:
          command: {qemu}
          boot_options:
            {{root: /dev/vda, console: ttyS0}}
          options:
          - -accel tcg
          - -cpu max
          - -machine q35
          - -smp {{{{ cpus | default(2) }}}}
          - -m {{{{ memory | default(1024) }}}}
          - -nodefaults
          - -no-user-config
          - -no-reboot
          - -display none
          - -serial stdio
{data_options}
          - -device vmware-svga,id=vmware-svga
          - -device virtio-gpu-pci,id=virtio-gpu
{{% if extra_options %}}
          extra: {{{{ extra_options }}}}
{{% endif %}}
{{% endblock qemu_method %}}
"""

JOB = """\
# xprime: igt_runner in the project's guest ({kernel}), one LAVA test case
# per IGT result. Made by ./xprime lava; the artifacts are beside it.
device_type: qemu
job_name: xprime {kernel}{shard}
priority: medium
visibility: public
timeouts:
  job: {{minutes: 60}}
  action: {{minutes: 45}}
  connection: {{minutes: 2}}
context:
  arch: amd64
  cpus: 2
  memory: 1024
actions:
- deploy:
    to: tmpfs
    timeout: {{minutes: 5}}
    images:
      kernel:
        url: {url}/vmlinuz
        image_arg: -kernel {{kernel}} -append "{cmdline}"
      ramdisk:
        url: {url}/initrd.cpio
        image_arg: -initrd {{ramdisk}}
        # Appended to the newc cpio, uncompressed: LAVA's overlay (/lava-N)
        # and the test list with guest/lava-tests (/xprime-lava).
        format: cpio.newc
        overlays:
          lava: true
          tests:
            url: {url}/xprime-lava.tar
            format: tar
            path: /
      root:
        url: {url}/root.erofs
        image_arg: -drive file={{root}},format=raw,if=none,id=root,readonly=on -device virtio-blk-pci,drive=root
- boot:
    method: qemu
    media: tmpfs
    timeout: {{minutes: 5}}
    prompts:
    - '{prompt}'
- test:
    timeout: {{minutes: 45}}
    definitions:
    - from: inline
      name: xprime-igt
      path: inline/xprime-igt.yaml
      repository:
        metadata:
          format: Lava-Test Test Definition 1.0
          name: xprime-igt
          description: igt_runner over each line of the test list, one LAVA test case per IGT result
        run:
          steps:
          - /xprime-lava/lava-tests /xprime-lava/test-list
"""


def write_job(out, kern, initrd, root_image, qemu, lines, shard=""):
    """The job, the device dictionary and the artifacts in @out."""
    artifacts = out / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copy2(kern.vmlinuz, artifacts / "vmlinuz")
    shutil.copy2(initrd, artifacts / "initrd.cpio")
    # A file, not a symbolic link: a lab fetches every artifact by its URL. A
    # hard link where the cache is on the same file system (lava-run copies
    # it when it deploys): the image is 544 MB, and its copy cost seconds.
    link_or_copy(root_image, artifacts / "root.erofs")
    tree = out / "overlay" / "xprime-lava"
    tree.mkdir(parents=True, exist_ok=True)
    shutil.copy2(GUEST_TESTS, tree / "lava-tests")
    (tree / "test-list").write_text("".join(l + "\n" for l in lines))
    (tree / "host-noise").write_text("".join(p.pattern + "\n" for p in results.HOST_NOISE))
    run_logged(["tar", "-C", out / "overlay", "--owner=0", "--group=0", "-cf",
                artifacts / "xprime-lava.tar", "xprime-lava"], out / "tar.log",
               "packing the test list and guest/lava-tests")
    (out / "job.yaml").write_text(JOB.format(
        kernel=kern.name, shard=shard, url=artifacts.resolve().as_uri(), cmdline=CMDLINE,
        prompt=PROMPT))
    args = qemu.data_args()
    data = "\n".join(f"          - {a} {b}" for a, b in zip(args[::2], args[1::2]))
    (out / "xprime-qemu.jinja2").write_text(DEVICE.format(qemu=qemu.binary,
                                                          data_options=data))
    return out / "job.yaml"


def link_or_copy(source, dest):
    dest.unlink(missing_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def job_for(env, kern, out, lines, label="", deb=None):
    """The job of @lines on @kern in @out (write_job), the tests from the
    project's package (@deb, or built in @out) installed in the root of
    @env (suite.Environment)."""
    deb = deb or package.build(out / "package")
    root = rootimage.installed_root_image(env.sid_root, deb)
    return write_job(out, kern, initramfs.initramfs_for(kern), root, env.qemu, lines, label)


def device_types():
    """lava-server's device-type templates (qemu.jinja2, base.jinja2): not
    in lava-dispatcher, so taken from lava-server's package, unpacked once."""
    apt = PrivateApt()
    version = apt.version("lava-server", TEMPLATES_SUITE)

    def build(tmp):
        debs = apt.download(["lava-server"], tmp / "debs", TEMPLATES_SUITE)
        run_logged(["dpkg-deb", "-x", debs[0], tmp / "root"], tmp / "unpack.log",
                   f"unpacking {debs[0].name}")
        shutil.move(tmp / "root" / "usr" / "share" / "lava-server" / "device-types",
                    tmp / "device-types")
        shutil.rmtree(tmp / "root")
        shutil.rmtree(tmp / "debs")

    return cached("lava-device-types", key_of("lava-server", version), build) / "device-types"


# lava-server's rendering of a device dictionary: a sandboxed jinja2
# environment over the dictionary's directory and the device types, blocks
# trimmed, with the job's context. Run by Debian's python3, whose jinja2 and
# yaml lava-dispatcher brings.
RENDER = """\
import sys, yaml
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
devices, types, name, job = sys.argv[1:5]
context = yaml.safe_load(open(job)).get("context", {})
env = SandboxedEnvironment(loader=FileSystemLoader([devices, types]), autoescape=False,
                           trim_blocks=True)
text = env.get_template(name).render(**context)
yaml.safe_load(text)
sys.stdout.write(text)
"""


def run_job(out, job):
    """Render the device and run @job with lava-run; returns (the job's
    result, [(case, LAVA result)] of the test definition, the log)."""
    host.ensure_host_packages(PACKAGES)
    types = device_types()
    device = out / "xprime-qemu.yaml"
    rendered = subprocess.run(["/usr/bin/python3", "-c", RENDER, str(out), str(types),
                               "xprime-qemu.jinja2", str(job)],
                              capture_output=True, text=True)
    if rendered.returncode:
        raise SetupError(f"rendering the LAVA device dictionary: {rendered.stderr.strip()}")
    device.write_text(rendered.stdout)
    log = out / "lava-run.log"
    say(f"lava-run {job} (log {log})")
    with open(log, "w") as stream:
        subprocess.run(["lava-run", "--device", str(device), "--job-id", str(os.getpid()),
                        "--output-dir", str(out / "lava-output"), str(job)],
                       stdout=stream, stderr=subprocess.STDOUT)
    return job_results(log) + (log,)


def job_results(log):
    """(the job's result, [(case, result)] of our test definition) from a
    lava-run log: without a server, the test cases are only its "results"
    lines (JSON, but for YAML tags such as `"endtc": ! "699"`)."""
    job, cases = "missing", []
    for line in Path(log).read_text(errors="replace").splitlines():
        if '"lvl": "results"' not in line:
            continue
        try:
            entry = json.loads(re.sub(r'":\s*!\s*"', '": "', line))
        except ValueError:
            continue
        msg = entry.get("msg", {})
        if msg.get("definition") == "lava":
            if msg.get("case") == "job":
                job = msg.get("result", "missing")
        elif "case" in msg:
            cases.append((msg["case"], msg.get("result")))
    return job, cases


def command(filters, kernel_spec, shard=None, out=None, run=False):
    """`./xprime lava`: the job of @filters (default: every project test) on
    the kernel @kernel_spec names, only shard K/N of them with @shard,
    written to @out (default: a new run directory) and run by lava-run
    with @run; the exit code."""
    lines = resolve_filters(filters, project_tests())
    check_names(lines)
    lines = lines or [f"igt@{t}" for t in project_tests()]
    dealt = shards.parse_shard(shard) if shard else None
    spec = suite.kernel_spec(kernel_spec)
    env = suite.Environment()
    kern = suite.kernel_for(spec)
    out = Path(out) if out else results.new_run_dir("lava")
    out.mkdir(parents=True, exist_ok=True)
    if dealt:
        work = shards.shard_work([(kern, suite.MACHINE, None, lines)], lines, *dealt)
        if not work:
            print(shards.say_empty(out, *dealt, "fewer tests than shards, even dealt "
                                   "by subtest"))
            return EXIT_PASS
        lines = work[0][3]
    job = job_for(env, kern, out, lines, f" shard {shard}" if shard else "")
    say(f"LAVA job: {job}; device dictionary: {out / 'xprime-qemu.jinja2'}; "
        f"artifacts: {out / 'artifacts'}")
    if not run:
        return EXIT_PASS
    state, cases, log = run_job(out, job)
    for case, result in cases:
        print(f"   {result:5} {case}")
    print(f"lava-run: job {state}, {len(cases)} test cases (log {log})")
    return EXIT_PASS if state == "pass" and cases else EXIT_FAIL

