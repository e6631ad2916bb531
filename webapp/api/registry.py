"""The areas that contribute endpoints to /api/v1/: each module has a Ninja `router`; see webapp/api/__init__.py."""

from __future__ import annotations

from types import ModuleType

from webapp.api.areas import compare, datasets, ensembles, jobs, prompts, serving, sweeps

AREA_MODULES: list[ModuleType] = [datasets, ensembles, jobs, prompts, compare, serving, sweeps]


def areas() -> list[ModuleType]:
    return list(AREA_MODULES)
