"""The layering of the code, made permanent: the import graph between the apps.

Every ``.py`` under ``apps/``, ``analytics/`` and ``telemetry/`` (tests and migrations
aside) is parsed, and each import of ``apps.<x>``, ``analytics`` or ``telemetry``, at module
level or inside a function, is an edge. The rules (docs in ARCHITECTURE.md):

- no cycle between apps (a cycle means neither app can be understood, or removed, alone);
- ``apps.core`` is the bottom layer: it imports no other domain app;
- ``analytics`` and ``telemetry`` are reusable: analytics imports nothing from ``apps/`` or
  ``telemetry``, telemetry nothing from ``apps/``.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("apps", "analytics", "telemetry")

Graph = dict[str, dict[str, list[str]]]


def _node(module: str) -> str | None:
    """The app a dotted module belongs to (``apps.timers.api`` -> ``apps.timers``)."""
    parts = module.split(".")
    if parts[0] == "apps":
        return ".".join(parts[:2]) if len(parts) > 1 else None
    return parts[0] if parts[0] in ("analytics", "telemetry") else None


def _skipped(relative: Path) -> bool:
    return any(part in ("tests", "migrations") for part in relative.parts) or (
        relative.name.startswith("test_") or relative.name == "conftest.py"
    )


def _imported(tree: ast.AST, package: str) -> list[tuple[str, int]]:
    """Absolute module names imported anywhere in ``tree`` (relative ones resolved)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # ``from apps import timers`` imports the app ``apps.timers``.
            found += [(f"{module}.{alias.name}", node.lineno) for alias in node.names]
    return found


def import_graph() -> Graph:
    """``{app: {imported app: ["path:line", ...]}}`` for the apps and reusable packages."""
    graph: Graph = defaultdict(lambda: defaultdict(list))
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if _skipped(relative):
                continue
            module_parts = relative.with_suffix("").parts
            source = _node(".".join(module_parts))
            if source is None:  # apps/__init__.py
                continue
            package = ".".join(module_parts if path.name == "__init__.py" else module_parts[:-1])
            for module, line in _imported(ast.parse(path.read_text(), str(path)), package):
                target = _node(module)
                if target is not None and target != source:
                    graph[source][target].append(f"{relative.as_posix()}:{line}")
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one app (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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


def _edges(graph: Graph, source: str, allowed: set[str]) -> dict[str, list[str]]:
    return {
        target: where for target, where in graph.get(source, {}).items() if target not in allowed
    }


def test_the_graph_sees_the_imports_it_should() -> None:
    graph = import_graph()
    assert "apps.accounts" in graph["apps.timers"]
    assert "apps.timers" in graph["apps.reports"]
    assert "analytics" in graph["telemetry"]


def test_no_cycle_between_apps() -> None:
    graph = import_graph()
    found = cycles(graph)
    detail = {
        tuple(component): {
            f"{a} -> {b}": graph[a][b] for a in component for b in component if b in graph[a]
        }
        for component in found
    }
    assert not found, f"import cycles between apps: {detail}"


def test_core_is_the_bottom_layer() -> None:
    assert _edges(import_graph(), "apps.core", allowed={"analytics"}) == {}


def test_analytics_imports_nothing_from_apps_or_telemetry() -> None:
    assert _edges(import_graph(), "analytics", allowed=set()) == {}


def test_telemetry_imports_nothing_from_apps() -> None:
    assert _edges(import_graph(), "telemetry", allowed={"analytics"}) == {}


def test_a_cycle_is_found() -> None:
    graph: Graph = {"a": {"b": ["x"]}, "b": {"c": ["y"]}, "c": {"a": ["z"]}, "d": {"a": ["w"]}}
    assert cycles(graph) == [["a", "b", "c"]]
