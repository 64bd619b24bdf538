"""The house's rooms, checked from the source: which module may import which.

Every import counts, at module level or inside a function (a lazy import that dodges a
cycle is still an arrow); only imports under ``if TYPE_CHECKING:`` are left out, since
they never run. See docs/architecture.md for the map these rules keep true.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_ONLY = ("fastapi", "starlette", "sqlalchemy", "alembic", "psycopg", "uvicorn", "prometheus_client", "jsonschema")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Dotted names this file imports at run time (``from a import b`` yields ``a`` and ``a.b``)."""
    module, is_package = _module(path), path.name == "__init__.py"
    found: set[str] = set()

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

    Visitor().visit(ast.parse(path.read_text()))
    return found


def _graph() -> dict[str, set[str]]:
    paths = [p for pkg in ("ledger", "gateway") for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts]
    return {_module(p): _imports(p) for p in paths}


GRAPH = _graph()


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
    """Strongly connected components of more than one module (Tarjan), package re-exports aside."""
    edges = {m: {n for n in names if n in GRAPH and n != m} for m, names in GRAPH.items()}
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
            top = min(component, key=len)
            reexport = all(_within(c, top) for c in component)  # a package's __init__ importing its own modules
            if len(component) > 1 and not reexport:
                found.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert _cycles() == []
