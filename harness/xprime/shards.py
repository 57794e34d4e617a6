"""Shards (--shard K/N): N machines each run a fixed 1/N of a run's work.

The work is the run's (configuration, test-list line) pairs, dealt
round-robin in a fixed order, so every machine computes the same deal. When
a run names fewer lines than there are shards, its lines are refined until
there are enough: a test into its subtests, a subtest into its dynamic
subtests, as the tests' doc comments list them (igt_runner runs any such
line). A shard left without work is a success that says so.
"""

import re

from . import results
from .errors import UsageError
from .filters import documented_subtests
from .session import config_name


def parse_shard(text):
    """K/N, 1 <= K <= N."""
    m = re.fullmatch(r"(\d+)/(\d+)", text)
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise UsageError(f"--shard {text}: expected K/N with 1 <= K <= N, e.g. 2/3")
    return int(m.group(1)), int(m.group(2))


def finer(line, documented):
    """The lines one level below test-list @line (igt@test -> its subtests,
    igt@test@subtest -> its dynamic subtests), or [@line] when @documented
    does not list them."""
    parts = line.split("@")
    subtests = documented.get(parts[1]) if len(parts) > 1 else None
    if not subtests:
        return [line]
    if len(parts) == 2:
        return [f"{line}@{name}" for name in subtests]
    if len(parts) == 3:
        dynamic = next((d for name, d in subtests.items() if name.lower() == parts[2].lower()),
                       None)
        return [f"{line}@{name}" for name in dynamic] if dynamic else [line]
    return [line]


def refine(lines, configs, shards, documented=None):
    """@lines, refined a level at a time (finer()) while @configs
    configurations of them make fewer pairs than @shards."""
    while len(lines) * configs < shards:
        documented = documented_subtests() if documented is None else documented
        refined = [fine for line in lines for fine in finer(line, documented)]
        if refined == lines:
            break
        lines = refined
    return lines


def shard_work(work, lines, k, n, documented=None, name_of=config_name):
    """Shard @k of @n of the (configuration, test-list line) pairs of @work
    [(kernel, machine, where, filters)] for the test-list @lines, refined
    when they are too few for @n shards (refine()): [(kernel, machine,
    where, this shard's lines)], empty when this shard has no work. A
    configuration is named by name_of(kernel, machine); each repeat of a
    pair (--repeat) goes with it."""
    configs = sorted({name_of(kern, machine) for kern, machine, _, _ in work})
    lines = refine(lines, len(configs), n, documented)
    pairs = [(config, line) for config in configs for line in sorted(set(lines))]
    mine = {pair for i, pair in enumerate(pairs) if i % n == k - 1}
    shard = []
    for kern, machine, where, _ in work:
        chosen = [line for line in lines if (name_of(kern, machine), line) in mine]
        if chosen:
            shard.append((kern, machine, where, chosen))
    return shard


def say_empty(run_dir, k, n, why):
    """Record in @run_dir that shard @k of @n had no work (@why), for
    joining the shards; returns the line that says so."""
    text = f"xprime: shard {k}/{n}: no work for this shard ({why}); nothing to run"
    (run_dir / results.EMPTY_SHARD).write_text(text + "\n")
    return text
