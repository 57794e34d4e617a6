"""The harness's modules form layers: no module imports cli.py, no import
circle (imports inside functions counted too), no function too long to read,
and no name used of a module that the module does not have (what a move
between modules leaves behind, and only a run would find)."""

import ast
import importlib
import unittest
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "xprime"
LONGEST_FUNCTION = 80


def imports_of(path):
    """The package's modules that @path imports, wherever in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xprime"):
            rest = node.module.removeprefix("xprime").lstrip(".")
            found.update([rest.split(".")[0]] if rest else [a.name for a in node.names])
    return found


def graph():
    modules = {p.stem: p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    return {name: imports_of(path) & set(modules) for name, path in modules.items()}


def cycle(edges):
    """A list of modules that import each other in a circle, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None
    for node in sorted(edges):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


class TestLayers(unittest.TestCase):
    def test_nothing_imports_cli(self):
        self.assertEqual(sorted(n for n, deps in graph().items() if "cli" in deps), [])

    def test_no_import_circle(self):
        self.assertIsNone(cycle(graph()))

    def test_the_circle_finder_finds_one(self):
        self.assertEqual(cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}), ["a", "b", "c", "a"])

    def test_no_function_too_long(self):
        long = []
        for path in sorted(PACKAGE.glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > LONGEST_FUNCTION:
                        long.append(f"{path.name}: {node.name}: {lines} lines")
        self.assertEqual(long, [])

    def test_every_module_attribute_used_exists(self):
        missing = []
        for path in sorted(PACKAGE.glob("*.py")) + sorted(PACKAGE.parent.glob("tests/*.py")):
            tree = ast.parse(path.read_text())
            modules = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (
                        (node.level == 1 and node.module is None) or node.module == "xprime"):
                    modules.update((a.asname or a.name, "xprime." + a.name) for a in node.names)
            for node in ast.walk(tree):
                if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                        and node.value.id in modules):
                    module = importlib.import_module(modules[node.value.id])
                    if not hasattr(module, node.attr):
                        missing.append(f"{path.name}:{node.lineno}: "
                                       f"{node.value.id}.{node.attr}")
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
