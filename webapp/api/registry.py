"""The areas that contribute endpoints to /api/v1/: each module has a Ninja `router`; see webapp/api/__init__.py."""

from __future__ import annotations

import importlib
from types import ModuleType

AREA_MODULES = [
    "webapp.datasets.api",
    "webapp.ensembles.api",
    "webapp.jobs.api",
    "webapp.prompts.api",
    "webapp.prompts.compare_api",
    "webapp.serving.api",
    "webapp.sweeps.api",
]


def areas() -> list[ModuleType]:
    return [importlib.import_module(name) for name in AREA_MODULES]
