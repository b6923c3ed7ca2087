"""Imports between apps point down the layers and never go round in a circle.

entry points → domain → mechanisms → kernel (docs/architecture.md; the design's "Layout").
Every module under aftersales/ is parsed with `ast` (nothing is imported), each
`import aftersales.<app>…` / `from aftersales.<app> import …` (relative ones too, at any depth,
inside functions too) becomes an edge between two apps. An edge needs an entry in KNOWN, with
its reason, when it points up a layer or lies on a cycle; KNOWN may only shrink: an entry whose
edge has gone (or is now harmless) fails until it is removed, so a fixed cycle stays fixed.

Imports under `if TYPE_CHECKING:` are left out: they exist for annotations, not at run time.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "aftersales"

# Higher imports lower, never the reverse. The project package's own modules (settings, urls,
# wsgi) wire everything together and stand outside the layers.
ENTRY_POINTS, DOMAIN, MECHANISMS, KERNEL = 3, 2, 1, 0
LAYERS = {
    "portal": ENTRY_POINTS,
    "api": ENTRY_POINTS,
    "inbox": ENTRY_POINTS,
    "monitoring": ENTRY_POINTS,
    "operations": ENTRY_POINTS,  # health, metrics, request and job logs, backups
    "demo": ENTRY_POINTS,  # the demo data set, loaded through the services like any client
    "customers": DOMAIN,
    "installed_base": DOMAIN,
    "contracts": DOMAIN,
    "cases": DOMAIN,
    "sla": DOMAIN,
    "dispatch": DOMAIN,
    "field": DOMAIN,
    "parts": DOMAIN,
    "reports": DOMAIN,
    "timeline": MECHANISMS,
    "deadlines": MECHANISMS,
    "approvals": MECHANISMS,
    "documents": MECHANISMS,
    "notifications": MECHANISMS,
    "core": KERNEL,
    "accounts": KERNEL,
    "calendars": KERNEL,
}

# (importing app, imported app): why it is still there. Only ever remove entries.
KNOWN: dict[tuple[str, str], str] = {}


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _type_checking_only(tree: ast.AST) -> set[ast.AST]:
    hidden: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                hidden.update(ast.walk(child))
    return hidden


def imported_modules(name: str, path: Path) -> Iterator[str]:
    """Every module `name` imports (absolute names), wherever the import statement stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    hidden = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if node in hidden:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from aftersales import cases` imports the app cases.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "aftersales" or len(parts) < 2 or not (PACKAGE / parts[1]).is_dir():
        return None
    return parts[1]


def app_graph() -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) → the imports behind the edge, as "module → module"."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, path in modules():
        source = app_of(name)
        if source is None:
            continue
        for target_module in imported_modules(name, path):
            target = app_of(target_module)
            if target is not None and target != source:
                edges[source, target].append(f"{name} → {target_module}")
    return dict(edges)


def edges_on_cycles(edges) -> set[tuple[str, str]]:
    """The edges inside a strongly connected component (Tarjan), i.e. on some cycle."""
    successors: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        successors[source].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    component: dict[str, int] = {}

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in sorted(successors[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor not in component:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            while True:
                member = stack.pop()
                component[member] = index[node]
                if member == node:
                    break

    for node in sorted({app for edge in edges for app in edge}):
        if node not in index:
            visit(node)
    return {(source, target) for source, target in edges if component[source] == component[target]}


def needs_a_reason(edges) -> dict[tuple[str, str], str]:
    """The edges that break the layering: pointing up, or on a cycle inside one layer.

    Any cycle between layers has an edge pointing up, so together these are every cycle.
    """
    level = [(source, target) for source, target in edges if LAYERS[source] == LAYERS[target]]
    cyclic = edges_on_cycles(level)
    found = {}
    for source, target in edges:
        if LAYERS[source] < LAYERS[target]:
            found[source, target] = "points up"
        elif (source, target) in cyclic:
            found[source, target] = "on a cycle"
    return found


def test_every_app_has_a_layer():
    apps = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert apps - set(LAYERS) == set(), "add the new app to LAYERS (and to docs/architecture.md)"


def test_no_new_cycle_or_upward_import():
    edges = app_graph()
    new = {edge: why for edge, why in needs_a_reason(edges).items() if edge not in KNOWN}
    assert not new, "\n".join(
        f"{source} → {target} ({why}): {', '.join(sorted(set(edges[source, target]))[:3])}"
        for (source, target), why in sorted(new.items())
    )


def test_known_exceptions_only_shrink():
    """A cycle or upward import that has been fixed leaves KNOWN, so it cannot come back."""
    stale = set(KNOWN) - set(needs_a_reason(app_graph()))
    assert not stale, f"fixed, remove from KNOWN: {sorted(stale)}"


# --- the checker itself, on small graphs ----------------------------------------------------


@pytest.mark.parametrize(
    ("edges", "cyclic"),
    [
        ({("cases", "core")}, set()),
        ({("cases", "sla"), ("sla", "cases")}, {("cases", "sla"), ("sla", "cases")}),
        (
            {("sla", "notifications"), ("notifications", "cases"), ("cases", "sla"), ("cases", "core")},
            {("sla", "notifications"), ("notifications", "cases"), ("cases", "sla")},
        ),
        ({("api", "cases"), ("portal", "cases"), ("cases", "core"), ("api", "core")}, set()),
    ],
    ids=["one-edge", "two-apps", "three-apps-and-a-tail", "diamond"],
)
def test_cycles_are_found_however_long(edges, cyclic):
    assert edges_on_cycles(edges) == cyclic


@pytest.mark.parametrize(
    ("edge", "verdict"),
    [
        (("core", "cases"), "points up"),
        (("notifications", "contracts"), "points up"),
        (("cases", "portal"), "points up"),
        (("cases", "sla"), None),
        (("api", "cases"), None),
    ],
)
def test_upward_imports_are_found(edge, verdict):
    assert needs_a_reason({edge}).get(edge) == verdict


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import aftersales.cases.models", "aftersales.sla.services", "aftersales.cases.models"),
        ("from aftersales.cases import services", "aftersales.sla.services", "aftersales.cases.services"),
        ("from ..cases.models import Case", "aftersales.sla.services", "aftersales.cases.models.Case"),
        ("from . import queries", "aftersales.cases.views", "aftersales.cases.queries"),
        ("def f():\n    from aftersales.portal import queries", "aftersales.cases.views", "aftersales.portal.queries"),
    ],
    ids=["import", "from-absolute", "from-relative-parent", "from-relative-sibling", "inside-a-function"],
)
def test_imports_are_read_in_every_form(tmp_path, source, module, expected):
    path = tmp_path / "module.py"
    path.write_text(source)
    assert list(imported_modules(module, path)) == [expected]


def test_type_checking_imports_are_left_out(tmp_path):
    path = tmp_path / "module.py"
    path.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from aftersales.cases.models import Case\n"
    )
    assert [m for m in imported_modules("aftersales.sla.services", path) if m.startswith("aftersales")] == []
