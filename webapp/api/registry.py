"""The areas that contribute endpoints (and their schema) to /api/v1/; see webapp/api/__init__.py."""

from __future__ import annotations

import importlib
from types import ModuleType

AREA_MODULES = [
    "webapp.datasets.api",
    "webapp.jobs.api",
    "webapp.prompts.api",
]


def areas() -> list[ModuleType]:
    return [importlib.import_module(name) for name in AREA_MODULES]
