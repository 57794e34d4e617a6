"""The raw vmware-svga device driven by a hostile guest root.

tools/tests/vmware_svga_hostile.c unbinds vmwgfx on the stdu machine and
programs the device itself: surfaces and boxes of hostile sizes, broken
FIFO framing, legacy 2D commands on a screen target, hostile page tables,
objects used after they are gone, id and memory limits, and work that
would keep one doorbell for minutes. After each case it checks by content
that the device still works. It is not part of the suite: ./xprime check
runs it on a boot of its own (run_device()); docs/mutations.md ("The
device against a hostile guest") says what each subtest found.
"""

HOSTILE_TEST = "vmware_svga_hostile"
HOSTILE_TESTS = {HOSTILE_TEST: "/xprime/build/tools/vmware_svga_hostile"}

# Every subtest, in the binary's order (its SUBTEST: doc comments).
SUBTESTS = [
    "bring-up",
    "surface-dimensions",
    "box-bounds",
    "fifo-bad-size",
    "fifo-bad-command",
    "fifo-zero-ring",
    "fifo-pointers-outside",
    "fifo-min-below-fence",
    "legacy-2d-on-screen-target",
    "page-tables",
    "lifetimes",
    "id-limits",
    "surface-budget",
    "work-surface-copy",
    "work-cond-bind",
    "work-screen-targets",
    "random-commands",
]


def filters(subtests=None):
    """The run's filters: @subtests of the hostile test (all by default)."""
    return [f"{HOSTILE_TEST}@{name}" for name in (subtests or SUBTESTS)]


# The seeds of random-commands, each a dynamic subtest of its own.
RANDOM_SEEDS = 4


def expected(subtests=None):
    """{result name: result} the hardened device must give: every subtest
    passes, random-commands' by each seed."""
    names = []
    for name in subtests or SUBTESTS:
        if name == "random-commands":
            names += [f"{name}@seed-{seed}" for seed in range(1, RANDOM_SEEDS + 1)]
        else:
            names.append(name)
    return {f"igt@{HOSTILE_TEST}@{name}": "pass" for name in names}


def run_device(env, kern, run_dir, machine, subtests=None):
    """The hostile subtests on @machine (the stdu machine, or its sanitizer
    twin) with @kern, in @run_dir: env.run()'s Outcome."""
    return env.run(kern, run_dir, filters(subtests), extra_tests=HOSTILE_TESTS,
                   machine=machine)
