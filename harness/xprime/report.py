"""What a run printed at the end: counts, drivers, crashes, and the exporter x
importer matrix of each crossing check."""

import re
from collections import Counter
from html import escape

from . import expect, guestfiles, results

CROSSING = re.compile(r"^igt@(?P<test>[\w/]+)@(?P<check>[\w-]+)@(?P<exp>[\w-]+)-to-(?P<imp>[\w-]+)$")
REFUSED = re.compile(r"crossing refused: (E[A-Z]+)")
DRIVER_ORDER = ["vgem", "virtio-gpu", "vmwgfx", "udmabuf", "dma-heap"]


def load_results(outcome):
    """The tests of a configuration's run that have a result."""
    return results.results_in(outcome.results)


def bound_drivers(outcome):
    """The drivers bound in the first boot that got as far as binding them
    (a boot may end earlier, in infrastructure noise)."""
    for path in sorted(outcome.logs.glob("drivers-boot*.txt"),
                       key=lambda p: int(p.stem.removeprefix("drivers-boot"))):
        drivers = [line.split() for line in guestfiles.read_text(path).splitlines()
                   if line.strip()]
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
    counts = Counter(e["result"] for e in results.leaves(tests).values())
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
    failing = [(n, e) for n, e in sorted(results.leaves(tests).items())
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
        for name, entry in sorted(results.leaves(tests).items()):
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


def repeat_rates(outcomes_verdicts):
    """Each configuration's results over the repeats of `--repeat N`: the
    results that changed between repeats, and for each expectation that
    allows several results, the rate of each seen."""
    by_config = {}
    for outcome, _ in outcomes_verdicts:
        by_config.setdefault(outcome.config.name, []).append(
            {n: e["result"] for n, e in results.leaves(load_results(outcome)).items()})
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


STYLE = ("body{font-family:sans-serif;margin:1em}table{border-collapse:collapse;"
         "margin:0 1em 1em 0}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}"
         "td.c a{color:#fff;text-decoration:none;display:block}"
         "td.new{outline:3px solid #000;outline-offset:-3px}"
         "small.mark{display:block;color:#fff;font-size:10px}"
         ".row{display:flex;flex-wrap:wrap}pre{background:#f4f4f4;padding:4px;"
         "max-height:20em;overflow:auto;font-size:12px}img{border:1px solid #ccc;"
         "margin:2px;width:320px;image-rendering:pixelated}")


def marks(verdict):
    """{result name: "known" or "new"}: what the expectations knew of each
    result that is not a plain pass, and the passes they did not expect."""
    marked = {name: "known" for name, _, _ in verdict.expected}
    marked.update((name, "new") for name in verdict.unknown)
    return marked


def verdict_line(judged):
    """The run's verdict in one line, for the top of report.html."""
    news = sum(len(v.unknown) for _, v in judged)
    if not news:
        return "Every result as the expectations say: known failures are marked known."
    return (f"{news} result{'s' if news > 1 else ''} the expectations do not know, "
            "marked new (a black frame): the run fails.")


def anchor(config, name):
    return "r-" + re.sub(r"[^\w-]", "-", f"{config}-{name}")


def html_cell(config, name, entry, mark):
    """One matrix cell: its colour, its text linked to the result's details
    unless a pass, and its mark (known / new)."""
    text = cell(entry)
    kind = "refused" if text.startswith("E") else entry["result"]
    classes = "c new" if mark == "new" else "c"
    style = f" class='{classes}' style='background:{COLOURS.get(kind, '#808080')}'"
    label = f"<small class='mark'>{mark}</small>" if mark else ""
    if text == "pass":
        return f"<td{style}>pass{label}</td>"
    return (f"<td{style}><a href='#{anchor(config, name)}' "
            f"title='{escape(why(entry))}'>{escape(text)}</a>{label}</td>")


def html_matrices(per_config, marked):
    """The crossing checks' matrices, configurations side by side; returns
    (their HTML lines, the non-pass cells to detail)."""
    checks = {}
    for config, _, tests in per_config:
        for name, entry in tests.items():
            m = CROSSING.match(name)
            if m:
                checks.setdefault((m["test"], m["check"]), {}).setdefault(config, {})[
                    (m["exp"], m["imp"])] = (name, entry)
    out, details = [], []
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
                    row += html_cell(config, name, entry, marked[config].get(name))
                    if cell(entry) != "pass":
                        details.append((config, name, entry))
                out.append(row + "</tr>")
            out.append("</table>")
        out.append("</div>")
    return out, details


def html_details(config, name, entry, mark, frames, run_dir):
    """A result's section: its signature, images, output and logs."""
    out = [f"<h3 id='{anchor(config, name)}'>{escape(config)}: {escape(name)}: "
           f"{escape(entry['result'])} ({mark or 'not judged'})</h3>"]
    if entry.get("signature"):
        out.append(f"<p>signature: <code>{escape(entry['signature'])}</code></p>")
    # Images are named by the binary, without its directory.
    stem = re.sub(r"^[\w-]+/", "", name.removeprefix("igt@"))
    for image in sorted(frames.glob(f"{glob_escape(stem)}*-diff.png")):
        base = image.name.removesuffix("-diff.png")
        out.append("<p>" + "".join(
            f"<img alt='{kind}' src='{escape(str(image.with_name(f'{base}-{kind}.png').relative_to(run_dir)))}'>"
            for kind in ("expected", "actual", "diff")) + "</p>")
    for part in ("out", "err", "dmesg"):
        if entry.get(part, "").strip():
            out.append(f"<details><summary>{part}</summary><pre>"
                       f"{escape(entry[part][-20000:])}</pre></details>")
    return out


def html(judged, run_dir):
    """report.html of a run (@judged: [(Outcome, expect.Verdict)]): the
    run's verdict, the configurations side by side, each crossing check's
    exporter x importer matrix with coloured cells marked known or new,
    every non-pass cell linked to its output, kernel log, kernel report
    and images."""
    per_config = [(o.config.name, o, load_results(o)) for o, _ in judged]
    marked = {o.config.name: marks(v) for o, v in judged}
    out = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'><title>xprime run</title>",
           f"<style>{STYLE}</style></head><body>",
           f"<h1>xprime run {escape(run_dir.name)}</h1>",
           f"<p id='verdict'><b>{escape(verdict_line(judged))}</b></p>", "<ul>"]
    for config, outcome, tests in per_config:
        counts = Counter(e["result"] for e in results.leaves(tests).values())
        out.append(f"<li>{escape(config)}: kernel {escape(outcome.config.kernel.release)}, "
                   + ", ".join(f"{n} {escape(r)}" for r, n in counts.most_common()) + "</li>")
    out.append("</ul>")
    matrices_html, details = html_matrices(per_config, marked)
    out += matrices_html
    for config, outcome, tests in per_config:
        for name, entry in sorted(results.leaves(tests).items()):
            if not CROSSING.match(name) and entry["result"] not in ("pass", "skip", "notrun"):
                details.append((config, name, entry))
    out.append("<h2>Results that are not a pass</h2>")
    frames_of = {config: o.results / "frames" for config, o, _ in per_config}
    for config, name, entry in details:
        out += html_details(config, name, entry, marked[config].get(name),
                            frames_of[config], run_dir)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_run(run_dir, judged, texts, broken, repeats=1):
    """A run's summaries in @run_dir (summary.txt, summary.md, junit.xml,
    report.html) from @judged [(Outcome, Verdict)], the configurations'
    text summaries @texts and the lines of those @broken; returns the text
    summary."""
    text = "\n".join(texts + broken
                     + (side_by_side([o for o, _ in judged])
                        if len(judged) > 1 and repeats == 1 else [])
                     + (repeat_rates(judged) if repeats > 1 else []))
    (run_dir / "summary.txt").write_text(text + "\n")
    (run_dir / "summary.md").write_text(markdown(judged, texts))
    (run_dir / "junit.xml").write_text(junit(judged))
    (run_dir / "report.html").write_text(html(judged, run_dir))
    return text


def glob_escape(text):
    return re.sub(r"([*?\[])", r"[\1]", text)
