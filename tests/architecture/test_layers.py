"""The house's rooms, checked from the source: which module may import which.

Every import counts, at module level or inside a function (a lazy import that dodges a
cycle is still an arrow); only imports under ``if TYPE_CHECKING:`` are left out, since
they never run. See docs/architecture.md for the map these rules keep true.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_ONLY = (
    "fastapi", "starlette", "sqlalchemy", "alembic", "psycopg", "uvicorn", "prometheus_client", "jsonschema",
    "cryptography",
)  # fmt: skip


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> tuple[set[str], list[tuple[str, str]]]:
    """What this file imports at run time: dotted names, and the ``(a, b)`` of each ``from a import b``."""
    module, is_package = _module(path), path.name == "__init__.py"
    found: set[str] = set()
    pairs: list[tuple[str, str]] = []

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            test = node.test
            if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
            ):
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
            pairs.extend((name, alias.name) for alias in node.names)

    Visitor().visit(ast.parse(path.read_text()))
    return found, pairs


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Every name each module imports, and its edges to other modules of ours.

    ``from ledger import merkle`` is an edge to ``ledger.merkle``, not to the ``ledger``
    package, so a package's ``__init__`` that re-exports its modules does not make every
    module that imports a sibling this way part of one big cycle.
    """
    paths = [p for pkg in ("ledger", "gateway") for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts]
    parsed = {_module(p): _imports(p) for p in paths}
    names = {m: found for m, (found, _) in parsed.items()}
    edges: dict[str, set[str]] = {}
    for m, (found, pairs) in parsed.items():
        targets = {n for n in found if n in parsed} - {base for base, _ in pairs}
        targets |= {f"{b}.{a}" if f"{b}.{a}" in parsed else b for b, a in pairs if b in parsed or f"{b}.{a}" in parsed}
        edges[m] = targets - {m}
    return names, edges


GRAPH, EDGES = _graph()


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _arrows(source: str, *targets: str) -> list[str]:
    return sorted(
        f"{module} -> {name}"
        for module, names in GRAPH.items()
        if _within(module, source)
        for name in names
        if any(_within(name, t) for t in targets)
    )


def test_the_walk_sees_the_packages() -> None:
    assert {"ledger.verify", "ledger.cli.app", "gateway.app", "gateway.services.records"} <= GRAPH.keys()
    assert "gateway.workers.anchoring" in GRAPH["gateway.app"]  # the lifespan builds the worker


def test_ledger_never_imports_the_server() -> None:
    assert _arrows("ledger", "gateway", *SERVER_ONLY) == []


def test_only_ledger_ops_imports_the_compiler() -> None:
    assert [a for a in _arrows("ledger", "solcx") if not a.startswith("ledger.ops.")] == []


def test_services_never_import_http_or_workers() -> None:
    assert _arrows("gateway.services", "gateway.api", "gateway.app", "fastapi", "starlette", "gateway.workers") == []


@pytest.mark.parametrize("package", ["gateway.container", "gateway.db", "gateway.security", "gateway.settings"])
def test_infrastructure_imports_no_service(package: str) -> None:
    assert _arrows(package, "gateway.services", "gateway.workers", "gateway.api") == []


def test_nothing_imports_workers_but_the_app_lifespan() -> None:
    importers = {m for m, names in GRAPH.items() if any(_within(n, "gateway.workers") for n in names)}
    assert {m for m in importers if not _within(m, "gateway.workers")} == {"gateway.app"}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    edges = EDGES
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert _cycles() == []


def test_a_cycle_between_two_modules_would_be_found() -> None:
    """The detector itself: two real modules made to import each other form a cycle."""
    saved = {m: set(EDGES[m]) for m in ("ledger.verify", "ledger.commitments")}
    try:
        EDGES["ledger.commitments"].add("ledger.verify")  # verify already imports commitments
        assert any({"ledger.commitments", "ledger.verify"} <= set(c) for c in _cycles())
    finally:
        EDGES.update(saved)


def _declared() -> dict[str, set[str]]:
    """Distribution names (normalised) each room declares in pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def names(specs: list[str]) -> set[str]:
        return {re.split(r"[\[<>=!~ ;]", s, maxsplit=1)[0].lower().replace("_", "-") for s in specs}

    base = names(project["dependencies"])
    extras = project["optional-dependencies"]
    return {"ledger": base, "ledger.ops": base | names(extras["ops"]), "gateway": base | names(extras["gateway"])}


def test_every_package_a_room_imports_is_declared_for_it() -> None:
    """An import of a package the room's install does not declare works here only by accident."""
    owners = {top: {d.lower().replace("_", "-") for d in dists} for top, dists in packages_distributions().items()}
    declared = _declared()
    undeclared = []
    for module, names in GRAPH.items():
        room = "ledger.ops" if _within(module, "ledger.ops") else module.split(".")[0]
        for top in {n.split(".")[0] for n in names} - {"ledger", "gateway", "__future__"}:
            if top in sys.stdlib_module_names or top not in owners:
                continue
            if not owners[top] & declared[room]:
                undeclared.append(f"{module} imports {top} ({', '.join(sorted(owners[top]))})")
    assert sorted(undeclared) == []
