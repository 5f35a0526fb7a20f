"""The package's import graph: no cycles (deferred imports inside functions included), the cost
model never imports the accuracy side, and no template's configuration type is tested outside
its template's folder."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hwcost

ROOT = Path(hwcost.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """Every hwcost module ``name`` imports anywhere in its body (top level, functions, TYPE_CHECKING
    blocks), resolved to the module itself: ``from a.b import c`` is a.b.c when that is a module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in MODULES else base)
    return {m for m in out if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycle() -> list[str] | None:
    """A cycle of the graph (depth-first search), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(GRAPH):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_walk_sees_deferred_imports() -> None:
    # hwcost.cli._evaluate imports the evaluation only inside its functions.
    assert "hwcost.evaluate" in GRAPH["hwcost.cli._evaluate"]
    assert "hwcost.arch.registry" in GRAPH["hwcost.cli._arch_flags"]


def test_no_import_cycle() -> None:
    # The package's __init__ re-exports the public API and is imported by nothing inside it.
    cycle = _cycle()
    assert cycle is None, " -> ".join(cycle or [])


COST_MODEL = ("hwcost.arch", "hwcost.classify", "hwcost.techlib", "hwcost.workloads", "hwcost.schemes",
              "hwcost.evaluate", "hwcost.design_point", "hwcost.report")


@pytest.mark.parametrize("name", [m for m in MODULES if m.startswith(COST_MODEL)])
def test_the_cost_model_does_not_import_the_accuracy_side(name: str) -> None:
    assert not {m for m in GRAPH[name] if m.startswith("hwcost.accuracy")}


CONFIG_TYPES = {"MacArrayConfig": "hwcost/arch/mac_array/", "CimMacroConfig": "hwcost/arch/cim_macro/"}


def test_no_isinstance_on_a_template_config_outside_its_folder() -> None:
    offenders = []
    for path in MODULES.values():
        rel = path.relative_to(ROOT.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
                named = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                offenders += [f"{rel}:{node.lineno} {t}" for t, home in CONFIG_TYPES.items() if t in named and not rel.startswith(home)]
    assert not offenders
