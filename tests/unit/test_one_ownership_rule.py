"""Ownership is decided in one place per model: `Model.objects.for_user(user)`.

Outside models.py, no query filters on an owner field and no code compares owners by hand, so
that teams later change one method per model.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QUERY_METHODS = {"filter", "exclude", "get", "get_object_or_404"}
# Staged uploads are files, not rows, until the Upload model replaces them: their one rule is
# `Staging.is_visible_to`.
ALLOWED = {"webapp/datasets/staging.py:is_visible_to"}


def _owner_checks(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(), str(path))
    allowed = {n for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
               and f"{path.relative_to(REPO)}:{f.name}" in ALLOWED for n in ast.walk(f)}
    for node in ast.walk(tree):
        if node in allowed:
            continue
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in QUERY_METHODS and any(k.arg and "owner" in k.arg for k in node.keywords):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} queries by owner")
        elif isinstance(node, ast.Compare):
            names = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            if names & {"owner", "owner_id"}:
                found.append(f"{path.relative_to(REPO)}:{node.lineno} compares owners")
    return found


def test_only_model_querysets_spell_the_ownership_rule() -> None:
    checks = []
    for package in ("webapp", "workers"):
        for path in (REPO / package).rglob("*.py"):
            if path.name == "models.py" or "migrations" in path.parts:
                continue
            checks.extend(_owner_checks(path))
    assert checks == []
