"""What a run printed at the end: counts, drivers, crashes, and the exporter x
importer matrix of each crossing check."""

import json
import re
from collections import Counter

from . import expect

CROSSING = re.compile(r"^igt@(?P<test>[\w/]+)@(?P<check>[\w-]+)@(?P<exp>[\w-]+)-to-(?P<imp>[\w-]+)$")
REFUSED = re.compile(r"crossing refused: (E[A-Z]+)")
DRIVER_ORDER = ["vgem", "virtio-gpu", "vmwgfx", "udmabuf", "dma-heap"]


def load_results(outcome):
    """The results of a run: igt_runner's tests that have a result (it also
    files a binary's stray dmesg under igt@<binary>, with none)."""
    return results_in(outcome.results)


def results_in(directory):
    """load_results() of one configuration's results @directory."""
    path = directory / "results.json"
    if not path.exists():
        return {}
    return {name: entry for name, entry in json.loads(path.read_text())["tests"].items()
            if "result" in entry}


def config_dirs(run_dir):
    """Each configuration's results directory in a run's @run_dir."""
    return sorted(p.parent for p in run_dir.glob("*/results.json") if p.parent.name != "logs")


def bound_drivers(outcome):
    """The drivers bound in the first boot that got as far as binding them
    (a boot may end earlier, in infrastructure noise)."""
    for path in sorted(outcome.logs.glob("drivers-boot*.txt"),
                       key=lambda p: int(p.stem.removeprefix("drivers-boot"))):
        drivers = [line.split() for line in path.read_text().splitlines() if line.strip()]
        if drivers:
            return drivers
    return []


def cell(entry):
    """One matrix cell: the result, or the errno of a documented refusal."""
    result = entry["result"]
    if result == "pass":
        refused = REFUSED.search(entry.get("out", ""))
        return refused.group(1) if refused else "pass"
    return result


# igt_require_f()'s own words: the line after "Test requirement: <condition>".
SKIP_MESSAGE = re.compile(r"Test requirement: .*\n(?!(?:Dynamic s|S)ubtest )(\S.*)")


def why(entry):
    """One line saying why a cell is not a pass: its failure signature
    where it has one."""
    if entry.get("signature"):
        return entry["signature"]
    text = entry.get("out", "") + "\n" + entry.get("err", "")
    for pattern in (REFUSED, SKIP_MESSAGE,
                    re.compile(r"(Failed assertion: .*|Test requirement not met.*|"
                               r"Last errno: .*|\S.*differ.*)")):
        m = pattern.search(text)
        if m:
            line = m.group(1 if pattern is SKIP_MESSAGE else 0)
            break
    else:
        dmesg = entry.get("dmesg", "").strip().splitlines()
        line = dmesg[0] if dmesg else entry["result"]
    if entry["result"] == "crash" and entry.get("dmesg"):
        line = entry["dmesg"].strip().splitlines()[0]
    return line.strip()[:160]


def summary(outcome):
    tests = load_results(outcome)
    lines = [f"== {outcome.config.name}: kernel {outcome.config.kernel.release}, "
             f"{len(outcome.boots)} boot(s), "
             f"{sum(b.seconds for b in outcome.boots):.0f} s in guests, "
             f"results in {outcome.results}"]
    drivers = bound_drivers(outcome)
    lines.append("   drivers bound: " + (", ".join(f"{d} ({c})" for c, d in drivers)
                                         if drivers else "none recorded"))
    # Counted once each: a subtest's dynamic subtests, not the subtest too,
    # and not the record of a job that a crash cut short.
    counts = Counter(e["result"] for e in expect.leaves(tests).values())
    lines.append("   " + ", ".join(f"{counts[r]} {r}" for r in
                                    ("pass", "fail", "skip", "crash", "incomplete",
                                     "timeout", "dmesg-warn", "dmesg-fail", "warn",
                                     "abort", "notrun") if counts[r]) or "   no results")
    for crash in outcome.crashes:
        lines.append(f"   crash: {crash.name} (boot {crash.boot}): "
                     f"{crash.report.splitlines()[0]}")
    for problem in outcome.problems:
        lines.append(f"   infrastructure: {problem}")
    lines += matrices(tests)
    # Crossing checks are in the matrices; parents are the sum of their parts.
    failing = [(n, e) for n, e in sorted(expect.leaves(tests).items())
               if e["result"] not in ("pass", "skip", "notrun") and not CROSSING.match(n)]
    for name, entry in failing:
        lines.append(f"   {entry['result']}: {name}: {why(entry)}")
    lines += [f"   images: {stem}: {outcome.results / 'frames'}/{stem}-"
              "{expected,actual,diff}.png and -offsets.txt" for stem in frames(outcome)]
    return "\n".join(lines)


def frames(outcome):
    """Names of the image sets that tests left for contents that differed
    (lib/igt_pattern.c writes them where IGT_FRAME_DUMP_PATH points)."""
    return sorted(p.name.removesuffix("-diff.png")
                  for p in (outcome.results / "frames").glob("*-diff.png"))


def axes(cells):
    """Exporters and importers of a matrix, in the usual order."""
    def order(names):
        return sorted(names, key=lambda d: (DRIVER_ORDER.index(d) if d in DRIVER_ORDER
                                            else len(DRIVER_ORDER), d))
    return order({e for e, _ in cells}), order({i for _, i in cells})


def matrices(tests):
    checks = {}
    for name, entry in tests.items():
        m = CROSSING.match(name)
        if m:
            checks.setdefault((m["test"], m["check"]), {})[(m["exp"], m["imp"])] = entry
    lines = []
    for (test, check), cells in sorted(checks.items()):
        exporters, importers = axes(cells)
        width = max(10, *(len(d) + 1 for d in exporters + importers))
        lines.append(f"   {test}@{check}: exporter (row) -> importer (column)")
        lines.append("   " + " " * width + "".join(f"{d:<{width}}" for d in importers))
        notes = []
        for exp in exporters:
            row = f"   {exp:<{width}}"
            for imp in importers:
                entry = cells.get((exp, imp))
                text = cell(entry) if entry else "-"
                row += f"{text:<{width}}"
                if entry and text != "pass":
                    notes.append(f"     {exp}-to-{imp}: {text}: {why(entry)}")
            lines.append(row)
        lines += notes
    return lines



def junit(outcomes_verdicts):
    """JUnit XML: one testsuite per configuration, one testcase per result.
    Known failures are 'skipped' with their reason, so a CI that reads JUnit
    is green exactly when the run matches its expectations."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="xprime")
    for outcome, verdict in outcomes_verdicts:
        tests = load_results(outcome)
        known = {name: (result, reason) for name, result, reason in verdict.expected}
        new = dict(verdict.new_failures + verdict.new_crashes)
        surprises = {name: exp for name, _, exp in verdict.unexpected_passes}
        new_causes = {name: exp for name, _, _, exp in verdict.new_signatures}
        suite = ET.SubElement(root, "testsuite", name=outcome.config.name)
        counts = Counter()
        for name, entry in sorted(expect.leaves(tests).items()):
            case = ET.SubElement(suite, "testcase", classname=outcome.config.name, name=name,
                                 time=f"{entry.get('time', {}).get('end', 0):.3f}")
            counts["tests"] += 1
            if name in new:
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=f"{new[name]}: {why(entry)}").text = \
                    entry.get("dmesg", "")[:4000] if new[name] == "crash" else entry.get("err", "")
            elif name in new_causes:
                counts["failures"] += 1
                exp = new_causes[name]
                ET.SubElement(case, "failure", message=(
                    f"{entry['result']} of a new cause: {why(entry)}; {exp.where} expects "
                    + " or ".join(exp.signatures[entry["result"]]))).text = \
                    entry.get("dmesg", "")[:4000] or entry.get("err", "")
            elif name in surprises:
                counts["failures"] += 1
                exp = surprises[name]
                ET.SubElement(case, "failure", message=f"unexpected {entry['result']}: "
                              f"expected {exp.result} ({exp.where}: {exp.reason})")
            elif name in known:
                counts["skipped"] += 1
                result, reason = known[name]
                ET.SubElement(case, "skipped", message=f"expected {result}: {reason}")
            elif entry["result"] == "skip":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=why(entry))
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("skipped", str(counts["skipped"]))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def markdown(outcomes_verdicts, text_summaries):
    lines = ["# xprime run", ""]
    for (outcome, verdict), text in zip(outcomes_verdicts, text_summaries):
        lines += [f"## {outcome.config.name}", "",
                  f"Kernel {outcome.config.kernel.release}; "
                  f"{'matches' if verdict.ok else 'does NOT match'} "
                  f"`expectations/{outcome.config.name}.txt`.", "", "```", text, "```", ""]
    return "\n".join(lines)


def side_by_side(outcomes):
    """Each crossing check once, every configuration's result in each cell."""
    names = [o.config.name for o in outcomes]
    per_config = [load_results(o) for o in outcomes]
    checks = {}
    for index, tests in enumerate(per_config):
        for name, entry in tests.items():
            m = CROSSING.match(name)
            if m:
                cells = checks.setdefault((m["test"], m["check"]), {})
                cells.setdefault((m["exp"], m["imp"]), ["-"] * len(names))[index] = cell(entry)
    lines = [f"== side by side: {' / '.join(names)}"]
    for (test, check), cells in sorted(checks.items()):
        exporters, importers = axes(cells)
        width = max(12, *(len(" / ".join(v)) + 2 for v in cells.values()))
        lines.append(f"   {test}@{check}: exporter (row) -> importer (column)")
        lines.append("   " + " " * 12 + "".join(f"{d:<{width}}" for d in importers))
        for exp in exporters:
            row = f"   {exp:<12}"
            for imp in importers:
                values = cells.get((exp, imp))
                text = " / ".join(values) if values else "-"
                marker = "" if not values or len(set(values)) == 1 else "*"
                row += f"{text + marker:<{width}}"
            lines.append(row)
    lines.append("   (* the configurations differ)")
    return lines


def repeats(outcomes_verdicts):
    """Each configuration's results over the repeats of `--repeat N`: the
    results that changed between repeats, and for each expectation that
    allows several results, the rate of each seen."""
    by_config = {}
    for outcome, _ in outcomes_verdicts:
        by_config.setdefault(outcome.config.name, []).append(
            {n: e["result"] for n, e in expect.leaves(load_results(outcome)).items()})
    lines = []
    for name, runs in by_config.items():
        seen = {}
        for tests in runs:
            for test, result in tests.items():
                seen.setdefault(test, Counter())[result] += 1
        lines.append(f"== {name}: {len(runs)} repeats")

        def rates(counts):
            return ", ".join(f"{r} {n}/{sum(counts.values())}" for r, n in counts.most_common())

        changed = {t: c for t, c in sorted(seen.items()) if len(c) > 1}
        lines.append(f"   {len(changed)} results changed between repeats"
                     + (":" if changed else ""))
        lines += [f"   CHANGED: {t}: {rates(c)}" for t, c in changed.items()]
        expectations = expect.load(expect.path_for(name))
        for exp in expectations:
            if "|" not in exp.result:
                continue
            counts = Counter()
            for test, c in seen.items():
                if expect.match(test, expectations) is exp:
                    counts.update(c)
            if counts:
                lines.append(f"   {exp.where} {exp.pattern} {exp.result}: seen {rates(counts)}")
    return lines


# report.html: one colour per kind of cell; no other element of the page
# uses these colours (the check in ./xprime check looks for them).
COLOURS = {"pass": "#2e8b57", "refused": "#5f7f9f", "skip": "#a0a0a0", "fail": "#e07b00",
           "dmesg-warn": "#d4b000", "dmesg-fail": "#e07b00", "crash": "#c8102e",
           "incomplete": "#c8102e", "timeout": "#c8102e", "abort": "#c8102e",
           "notrun": "#a0a0a0", "warn": "#d4b000"}


def html(outcomes, run_dir):
    """report.html of a run: the configurations side by side, each crossing
    check's exporter x importer matrix with coloured cells, every non-pass
    cell linked to its output, kernel log, kernel report and images."""
    from html import escape

    def anchor(config, name):
        return "r-" + re.sub(r"[^\w-]", "-", f"{config}-{name}")

    per_config = [(o.config.name, o, load_results(o)) for o in outcomes]
    checks = {}
    for config, _, tests in per_config:
        for name, entry in tests.items():
            m = CROSSING.match(name)
            if m:
                checks.setdefault((m["test"], m["check"]), {}).setdefault(config, {})[
                    (m["exp"], m["imp"])] = (name, entry)
    out = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'><title>xprime run</title>",
           "<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse;"
           "margin:0 1em 1em 0}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}"
           "td.c a{color:#fff;text-decoration:none;display:block}"
           ".row{display:flex;flex-wrap:wrap}pre{background:#f4f4f4;padding:4px;"
           "max-height:20em;overflow:auto;font-size:12px}img{border:1px solid #ccc;"
           "margin:2px;width:320px;image-rendering:pixelated}</style></head><body>",
           f"<h1>xprime run {escape(run_dir.name)}</h1>", "<ul>"]
    for config, outcome, tests in per_config:
        counts = Counter(e["result"] for e in expect.leaves(tests).values())
        out.append(f"<li>{escape(config)}: kernel {escape(outcome.config.kernel.release)}, "
                   + ", ".join(f"{n} {escape(r)}" for r, n in counts.most_common()) + "</li>")
    out.append("</ul>")
    details = []
    for (test, check), by_config in sorted(checks.items()):
        out.append(f"<h2>{escape(test)}@{escape(check)}</h2><div class='row'>")
        for config, cells in sorted(by_config.items()):
            exporters, importers = axes(cells)
            out.append(f"<table><tr><th>{escape(config)}</th>"
                       + "".join(f"<th>{escape(i)}</th>" for i in importers) + "</tr>")
            for exp in exporters:
                row = f"<tr><th>{escape(exp)}</th>"
                for imp in importers:
                    if (exp, imp) not in cells:
                        row += "<td>-</td>"
                        continue
                    name, entry = cells[(exp, imp)]
                    text = cell(entry)
                    kind = "refused" if text.startswith("E") else entry["result"]
                    style = f" class='c' style='background:{COLOURS.get(kind, '#808080')}'"
                    if text == "pass":
                        row += f"<td{style}>pass</td>"
                    else:
                        row += (f"<td{style}><a href='#{anchor(config, name)}' "
                                f"title='{escape(why(entry))}'>{escape(text)}</a></td>")
                        details.append((config, name, entry))
                row += "</tr>"
                out.append(row)
            out.append("</table>")
        out.append("</div>")
    for config, outcome, tests in per_config:
        for name, entry in sorted(expect.leaves(tests).items()):
            if not CROSSING.match(name) and entry["result"] not in ("pass", "skip", "notrun"):
                details.append((config, name, entry))
    out.append("<h2>Results that are not a pass</h2>")
    frames_of = {config: o.results / "frames" for config, o, _ in per_config}
    for config, name, entry in details:
        out.append(f"<h3 id='{anchor(config, name)}'>{escape(config)}: {escape(name)}: "
                   f"{escape(entry['result'])}</h3>")
        if entry.get("signature"):
            out.append(f"<p>signature: <code>{escape(entry['signature'])}</code></p>")
        # Images are named by the binary, without its directory.
        stem = re.sub(r"^[\w-]+/", "", name.removeprefix("igt@"))
        for image in sorted(frames_of[config].glob(f"{glob_escape(stem)}*-diff.png")):
            base = image.name.removesuffix("-diff.png")
            out.append("<p>" + "".join(
                f"<img alt='{kind}' src='{escape(str(image.with_name(f'{base}-{kind}.png').relative_to(run_dir)))}'>"
                for kind in ("expected", "actual", "diff")) + "</p>")
        for part in ("out", "err", "dmesg"):
            if entry.get(part, "").strip():
                out.append(f"<details><summary>{part}</summary><pre>"
                           f"{escape(entry[part][-20000:])}</pre></details>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def glob_escape(text):
    return re.sub(r"([*?\[])", r"[\1]", text)
