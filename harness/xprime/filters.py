"""The tests a run can name: the project's and the upstream peers, their
subtests as their doc comments list them, and the filters that pick them."""

import importlib.util
import re

from .cache import REPO
from .errors import UsageError
from .sidroot import GUEST_BUILD

# Where igt-gpu-tools-tests (and the project's package) install the tests.
INSTALLED_TESTS = "/usr/libexec/igt-gpu-tools"

# Upstream tests for these drivers, from Debian's igt-gpu-tools-tests.
UPSTREAM_PEERS = ["vmwgfx/vmw_prime", "vgem_basic", "prime_vgem", "dmabuf_sync_file",
                  "drm_virtgpu"]
# Test directories whose binaries keep their directory in their name, as
# upstream installs them (igt@vmwgfx/vmw_prime@...).
DRIVER_DIRS = {"vmwgfx"}


def project_tests():
    """The project's test binaries (one per tests/<dir>/<name>.c), by the
    name igt_runner gives them, with their path in the guest."""
    tests = {}
    for source in sorted((REPO / "tests").glob("*/*.c")):
        directory, name = source.parent.name, source.stem
        listed = f"{directory}/{name}" if directory in DRIVER_DIRS else name
        tests[listed] = f"{GUEST_BUILD}/tests/{directory}/{name}"
    return tests


def all_tests():
    tests = project_tests()
    for name in UPSTREAM_PEERS:
        tests.setdefault(name, f"{INSTALLED_TESTS}/{name}")
    return tests


FILTER = re.compile(r"^(igt@)?[\w/-]+(@[\w-]+){0,2}$")


def resolve_filters(filters, tests):
    """FILTER is test[@subtest[@dynamic]]; a test may be named without its
    directory. Returns igt_runner --test-list lines."""
    lines = []
    for f in filters:
        if not FILTER.match(f):
            raise UsageError(f"bad FILTER {f!r}: expected test[@subtest[@dynamic-subtest]]")
        test, _, rest = f.removeprefix("igt@").partition("@")
        matches = [t for t in tests if t == test or t.split("/")[-1] == test]
        if not matches:
            raise UsageError(f"no test named {test!r}; tests: {', '.join(sorted(tests))}")
        lines.append("@".join(["igt", matches[0]] + ([rest] if rest else [])))
    return lines


def testplan_module():
    """tools/testplan.py, the reader of the tests' doc comments."""
    spec = importlib.util.spec_from_file_location("testplan", REPO / "tools" / "testplan.py")
    testplan = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(testplan)
    return testplan


def documented_subtests():
    """{test: {subtest: [dynamic subtest names, or None when not listed]}}
    of the project's tests, from their SUBTEST: doc comments, which meson
    test keeps equal to each binary's --list-subtests (tools/testplan.py)."""
    testplan = testplan_module()
    listed = {t.split("/")[-1]: t for t in project_tests()}
    names = {}
    for test in testplan.load_tests(REPO / "tests"):
        names[listed.get(test.binary, test.binary)] = {
            sub.name: [d for d, _ in sub.dynamic()] or None for sub in test.subtests}
    return names


def check_names(lines, documented=None):
    """Refuse a test-list line whose subtest or dynamic subtest the test
    does not have, naming those it has: before any boot, not after a run
    that tested nothing. @documented defaults to documented_subtests(),
    read only when a line names a subtest."""
    if not any(line.count("@") > 1 for line in lines):
        return
    documented = documented if documented is not None else documented_subtests()
    for line in lines:
        parts = line.split("@")
        test, rest = parts[1], parts[2:]
        if not rest or test not in documented:
            continue
        subtests = {name.lower(): dynamic for name, dynamic in documented[test].items()}
        if rest[0].lower() not in subtests:
            raise UsageError(f"{test} has no subtest {rest[0]!r}; its subtests: "
                             f"{', '.join(documented[test])}")
        dynamic = subtests[rest[0].lower()]
        if (len(rest) > 1 and dynamic is not None
                and rest[1].lower() not in [d.lower() for d in dynamic]):
            raise UsageError(f"{test}@{rest[0]} has no dynamic subtest {rest[1]!r}; its "
                             f"dynamic subtests: {', '.join(dynamic)}")


def unmatched(lines, results):
    """Test-list lines that no result answers (a name the harness could not
    check before the run: an upstream test's subtest). A dynamic subtest is
    answered by its subtest's own result too: a subtest that skips as a
    whole runs none of its dynamic subtests."""
    names = [n.lower() for n in results]

    def answered(line):
        return any(n == line or n.startswith(line + "@") for n in names)

    return [line for line in lines
            if not answered(line.lower())
            and not (line.count("@") == 3 and answered(line.lower().rsplit("@", 1)[0]))]


def test_list(filters, tests):
    """The test-list lines of @filters, or of every test of @tests."""
    return resolve_filters(filters, tests) or [f"igt@{t}" for t in tests]
