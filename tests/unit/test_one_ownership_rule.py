"""Ownership is decided in one place per model: `Model.objects.for_user(user)`.

Outside models.py, no query filters on an owner field and no code compares owners by hand, so
that teams later change one method per model.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QUERY_METHODS = {"filter", "exclude", "get", "get_object_or_404"}


def _owner_checks(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
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
