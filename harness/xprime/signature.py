"""Failure signatures: what a non-pass result failed of, in words that stay
the same from run to run.

- a crash: the title of the kernel report that took the kernel down and the
  function it was in, "BUG: kernel NULL pointer dereference in
  vmw_gem_object_get_sg_table";
- a dmesg-warn: each distinct warning the subtest made the kernel print
  (a report's title and function, or the warning line itself), in order,
  joined by " + ";
- a fail: the failed assertion, "lib/igt_pattern.c igt_assert_image: false:
  exporter's mapping: N of N pixels differ; ...", with the numbers that move
  (counts, values, line numbers) replaced by N;
- a dmesg-fail: the assertion, " + ", and the warnings.

Addresses, offsets, PIDs and times never appear in a signature.
"""

import re

# The first line of each kind of kernel report, with what of it is kept.
TITLES = [
    (re.compile(r"^(BUG: kernel NULL pointer dereference)"), r"\1"),
    (re.compile(r"^(BUG: unable to handle page fault)"), r"\1"),
    (re.compile(r"^(watchdog: BUG: soft lockup)"), r"\1"),
    (re.compile(r"^(BUG: KASAN: [\w-]+ in [\w.]+)"), r"\1"),
    (re.compile(r"^(BUG: scheduling while atomic)"), r"\1"),
    (re.compile(r"^(BUG: [^,:]+(?: at [\w/.-]+:\d+)?)"), r"\1"),
    (re.compile(r"^(general protection fault)"), r"\1"),
    (re.compile(r"^(kernel BUG at [\w/.-]+:\d+)!"), r"\1"),
    (re.compile(r"^(WARNING:) CPU: \d+ PID: \d+ (at [\w/.-]+:\d+)"), r"\1 \2"),
    # The form some 7.x builds print: "WARNING: FILE:LINE at FUNC+0x../0x.., CPU#N: comm".
    (re.compile(r"^(WARNING:) ([\w/.-]+:\d+) at [\w.]+\+0x"), r"\1 at \2"),
    (re.compile(r"^(rcu: INFO: rcu_\w+ (?:self-detected stall on CPU|"
                r"detected stalls on CPUs/tasks|detected expedited stalls))"), r"\1"),
    (re.compile(r"^(INFO: task) \S+ (blocked for more than) \d+ seconds"), r"\1 \2 N seconds"),
    (re.compile(r"^(UBSAN: [\w-]+ in [\w/.-]+):\d+:\d+"), r"\1"),
    (re.compile(r"^(Kernel panic - not syncing: [^:]+)"), r"\1"),
    # A device that died under the guest (guest.device_report()).
    (re.compile(r"^(QEMU died: (?:\w+Sanitizer: [\w.:-]+|[\w ]+))"), r"\1"),
]
# Where a report says which function it happened in.
RIP = re.compile(r"^RIP: \w+:([\w.]+)\+0x")
WARNING_AT = re.compile(r"^WARNING: (?:CPU: \d+ PID: \d+ at \S+ |[\w/.-]+:\d+ at )([\w.]+)\+0x")
FRAME = re.compile(r"^\s*(?:\? )?([\w.]+)\+0x[0-9a-f]+/0x[0-9a-f]+")
# A sanitizer's frame in QEMU, and the frames of the sanitizer and libc
# that stand before the function at fault.
QEMU_FRAME = re.compile(r"^\s*#\d+ 0x[0-9a-f]+ in ([\w.]+)")
RUNTIME = re.compile(r"^(__\w+|mem(cpy|move|set|cmp)|str\w+|g_\w+|pixman_\w+|"
                     r"_?_?interceptor_\w+)$")
# Frames of a task that waits: the function it waits in is further down.
WAITING = re.compile(r"^(__schedule|schedule\w*|io_schedule\w*|\w*wait_for_\w+|"
                     r"__mutex_lock\w*|mutex_lock\w*|rwsem_down\w+|down\w*|"
                     r"__switch_to\w*|\w*_timeout)$")
END_OF_REPORT = re.compile(r"^---\[ end (?:trace|Kernel panic)")
CUT_HERE = re.compile(r"^-+\[ cut here \]-+$")
# igt_runner's dmesg lines: "<level> [seconds] text".
DMESG_LINE = re.compile(r"^<(\d)> \[\s*\d+\.\d+\] (.*)$")
KMSG_TIME = re.compile(r"^\[\s*\d+\.\d+\] ")
IGT_LINE = re.compile(r"^\[IGT\] ")

# libigt's report of a failed assertion (on stderr).
ASSERT_AT = re.compile(r"CRITICAL: Test assertion failure function (\S+), file (\S+?):\d+:")
ASSERT_TEXT = re.compile(r"CRITICAL: Failed assertion: (.*)")
ASSERT_NOISE = re.compile(r"CRITICAL: (Test assertion failure|Failed assertion|Last errno|"
                          r"error: )")
CRITICAL = re.compile(r"^(?:\[\s*\d+\.\d+\] )?\([\w-]+:\d+\) (?:[\w-]+-)?CRITICAL: (.*)")

HEX = re.compile(r"\b0x[0-9a-fA-F]+\b")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?![\w])")
MAX_LENGTH = 240


def normalise(text):
    """@text without the values that move from run to run."""
    text = HEX.sub("0xN", text)
    text = NUMBER.sub("N", text)
    return re.sub(r"\s+", " ", text).strip()


def title_of(line):
    for pattern, keep in TITLES:
        m = pattern.match(line)
        if m:
            return m.expand(keep)
    return None


def _function(report_lines):
    """The function a report happened in: its WARNING line's, its RIP's, or
    for a report without registers (a hung task), the first frame of its
    trace that is not a wait."""
    for line in report_lines:
        m = WARNING_AT.match(line) or RIP.match(line)
        if m:
            return m.group(1)
    for line in report_lines:
        m = FRAME.match(line)
        if m and not WAITING.match(m.group(1)):
            return m.group(1)
    for line in report_lines:
        m = QEMU_FRAME.match(line)
        if m and not RUNTIME.match(m.group(1)):
            return m.group(1)
    return ""


def _events(dmesg):
    """(level, lines) of each warning-level event in @dmesg: a kernel report
    with all its lines, or a single warning line. Lines without a level (the
    report the harness put first for a crash) count as level 0."""
    events, report = [], None
    for raw in dmesg.splitlines():
        m = DMESG_LINE.match(raw)
        level, line = (int(m.group(1)), m.group(2)) if m else (0, KMSG_TIME.sub("", raw))
        line = line.rstrip()
        if not line or CUT_HERE.match(line):
            continue
        if title_of(line):
            report = [line]
            events.append((level, report))
            continue
        if report is not None:
            if END_OF_REPORT.match(line):
                report = None
                continue
            if level <= 4:
                report.append(line)
                continue
        # Stack frames outside a report: a warning's own second trace
        # (DMA-API's "Mapped at:").
        if level <= 4 and not IGT_LINE.match(line) and not FRAME.match(line):
            events.append((level, [line]))
    return events


def of_event(lines):
    title = title_of(lines[0])
    if title is None:
        return normalise(lines[0])
    function = _function(lines)
    if function and not title.endswith(" in " + function):
        return f"{title} in {function}"
    return title


def kernel_signature(dmesg, first_only=False, noise=()):
    """The signature(s) of what the kernel printed at warning level."""
    seen = []
    for _, lines in _events(dmesg):
        if any(p.search(lines[0]) for p in noise):
            continue
        sig = of_event(lines)
        if sig not in seen:
            seen.append(sig)
        if first_only:
            break
    return " + ".join(seen)


def assertion_signature(err):
    """The first failed assertion in libigt's stderr: file, function,
    condition and its message, numbers replaced."""
    lines = err.splitlines()
    for index, line in enumerate(lines):
        where = ASSERT_AT.search(line)
        if not where:
            continue
        function, path = where.groups()
        path = re.sub(r"^(\.\./)+(src/)?", "", path)
        function = re.sub(r"^__igt_unique____real_main\d+$", "igt_main", function)
        text, message = "", ""
        for follow in lines[index + 1:index + 8]:
            if ASSERT_AT.search(follow):
                break
            m = ASSERT_TEXT.search(follow)
            if m:
                text = m.group(1).strip()
                continue
            m = CRITICAL.match(follow)
            if m and not ASSERT_NOISE.search(follow) and not message:
                message = m.group(1)
        sig = f"{path} {function}: {text}"
        if message:
            sig += ": " + normalise(message)
        return sig
    return ""


def of_result(entry, noise=()):
    """The signature of one results.json entry ("" for a pass or a skip,
    or when nothing was recorded to derive one from)."""
    result = entry.get("result")
    dmesg, err = entry.get("dmesg", ""), entry.get("err", "")
    if result in ("crash", "incomplete", "abort", "timeout"):
        sig = kernel_signature(dmesg, first_only=True, noise=noise)
    elif result == "dmesg-warn":
        sig = kernel_signature(dmesg, noise=noise)
    elif result == "fail":
        sig = assertion_signature(err)
    elif result == "dmesg-fail":
        sig = " + ".join(s for s in (assertion_signature(err),
                                     kernel_signature(dmesg, noise=noise)) if s)
    else:
        return ""
    return sig[:MAX_LENGTH]


def matches(signature, pattern):
    """@pattern is a signature where "*" stands for any text."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, signature) is not None
