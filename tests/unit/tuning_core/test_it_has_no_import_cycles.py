"""tuning_core's import graph runs one way and stops at the package's edge.

Read from the source with `ast`, so imports inside functions (the ones a cycle hides behind) count
as much as those at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "tuning_core"
ROOT = Path(__file__).resolve().parents[3]
FORBIDDEN = ("webapp", "workers", "django", "celery", "channels", "kombu")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every module `path` imports (absolute names; relative imports resolved)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from tuning_core import model` imports the submodule tuning_core.model
            found.update(
                f"{target}.{alias.name}"
                for alias in node.names
                if f"{target}.{alias.name}" in modules
            )
    return found


def _graph() -> dict[str, set[str]]:
    paths = sorted((ROOT / PACKAGE).rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) for p in paths}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per back edge found by a depth-first search."""
    found: list[list[str]] = []
    state: dict[str, str] = {}  # "open" while on the stack, "done" after
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_it_finds_every_module_and_its_imports():
    graph = _graph()
    assert "tuning_core.model" in graph
    assert "tuning_core.prompt_init" in graph
    assert "tuning_core.export" in graph["tuning_core.prompt_init"]


def test_it_has_no_cycles_between_tuning_core_modules():
    graph = _graph()
    internal = {
        name: {m for m in imported if m in graph and m != PACKAGE}
        for name, imported in graph.items()
    }
    assert _cycles(internal) == []


def test_it_detects_a_cycle_when_there_is_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_it_imports_nothing_of_ours_or_of_the_web_frameworks():
    bad = {
        name: sorted(m for m in imported if m.split(".")[0] in FORBIDDEN)
        for name, imported in _graph().items()
    }
    assert {name: mods for name, mods in bad.items() if mods} == {}


def test_it_keeps_the_model_module_to_the_frozen_t5():
    imported = _graph()["tuning_core.model"]
    assert not imported & {"tuning_core.reading", "tuning_core.export", "tuning_core.prompt_init"}
