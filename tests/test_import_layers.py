"""Imports point one way (migrate -> shim -> rules), rules/ and shim/ hold no circle, migrate/ only the known ones.

Every import statement counts, wherever it is written (module level, inside a
function, under `if TYPE_CHECKING:`): an import moved into a function to dodge a
circle at start-up is still a circle in the design.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "circleci_v2"
CHECKED = ("rules", "shim")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def _modules(folder: str) -> Dict[str, Path]:
    return {_module_name(p): p for p in sorted((ROOT / folder).rglob("*.py"))}


ALL = {name: path for folder in ("rules", "shim", "migrate") for name, path in _modules(folder).items()}


def _imports(name: str, path: Path) -> Iterator[str]:
    """The project modules `path` imports: `from .x import y` is x.y when y is a module, else x."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in ALL else base


def _graph(folders) -> Dict[str, Set[str]]:
    nodes = {name: path for folder in folders for name, path in _modules(folder).items()}
    return {name: {m for m in _imports(name, path) if m in nodes and m != name} for name, path in nodes.items()}


def _circles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _path_between(graph: Dict[str, Set[str]], start: str, goal: str) -> Optional[List[str]]:
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node]):
            if nxt == goal:
                return paths[node] + [goal]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return None


def test_the_walk_sees_the_project_imports():
    graph = _graph(CHECKED)
    assert "circleci_v2.shim.deprecation" in graph["circleci_v2.shim.legacy_methods"]  # from .deprecation import
    assert "circleci_v2.shim.emulator.views" in graph["circleci_v2.shim.emulator.routes_v2"]  # from . import views
    assert "circleci_v2.rules" in graph["circleci_v2.shim.emulator.emulator"]  # from circleci_v2.rules import
    # a circle is found, and named with the way round
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_in_rules_or_shim():
    graph = _graph(CHECKED)
    circles = _circles(graph)
    described = [" -> ".join(_path_between(graph, c[0], c[0]) or c) for c in circles]
    assert not circles, "import circles:\n" + "\n".join(described)


def _imports_from(folder: str, outside: Set[str]) -> List[str]:
    bad = []
    for name, path in _modules(folder).items():
        for m in sorted(set(_imports(name, path))):
            if m in outside or m.startswith(tuple(o + "." for o in outside)):
                bad.append(f"{path.relative_to(ROOT)} imports {m}")
    return bad


def test_rules_import_nothing_from_migrate_or_shim():
    assert _imports_from("rules", {f"{PACKAGE}.migrate", f"{PACKAGE}.shim"}) == []


def test_the_shim_imports_nothing_from_migrate():
    """migrate -> shim -> rules: the runtime side never loads the linter (it only names shim modules)."""
    assert _imports_from("shim", {f"{PACKAGE}.migrate"}) == []


# migrate/: the circles still there, each with why it is not removed yet (an entry that no longer holds fails)
KNOWN_MIGRATE_CIRCLES: set = set()  # none left: CCI140's shared ground is migrate/pipeline_parameters.py
# the only migrate modules that load the shim, and why: neither is on the analysis path (check, fix)
MIGRATE_USES_OF_THE_SHIM = {
    "circleci_v2.migrate.usage_findings": {"circleci_v2.shim.usage"},  # check --usage reads the usage record
    "circleci_v2.migrate.cli": {"circleci_v2.shim.emulator.serve"},  # the `emulator` command
}
# where check and fix start: everything they import, at any depth, is analysis
ANALYSIS_ENTRIES = ("circleci_v2.migrate.run", "circleci_v2.migrate.fix.command", "circleci_v2.migrate.fix.engine",
                    "circleci_v2.migrate.fix.curl_in_text")


def test_no_import_circle_in_migrate_but_the_known_ones():
    graph = _graph(("migrate",))
    circles = {tuple(c) for c in _circles(graph)}
    new = [" -> ".join(_path_between(graph, c[0], c[0]) or c) for c in sorted(circles - KNOWN_MIGRATE_CIRCLES)]
    assert not new, "import circles in migrate/:\n" + "\n".join(new)
    assert not KNOWN_MIGRATE_CIRCLES - circles, "a known circle is gone: drop it from KNOWN_MIGRATE_CIRCLES"


def test_migrate_loads_the_shim_only_for_the_usage_record_and_the_emulator_command():
    graph = _graph(("migrate", "shim", "rules"))
    uses = {name: {m for m in graph[name] if m.startswith(f"{PACKAGE}.shim")}
            for name in graph if name.startswith(f"{PACKAGE}.migrate.")}
    assert {name: found for name, found in uses.items() if found} == MIGRATE_USES_OF_THE_SHIM
    reached = set(ANALYSIS_ENTRIES)
    queue = list(ANALYSIS_ENTRIES)
    while queue:
        for nxt in graph[queue.pop()] - reached:
            reached.add(nxt)
            queue.append(nxt)
    assert "circleci_v2.migrate.python.analyser" in reached and "circleci_v2.migrate.text.analyser" in reached
    shim = sorted(m for m in reached if m.startswith(f"{PACKAGE}.shim"))
    assert not shim, f"check and fix load the shim at analysis time: {shim}"
