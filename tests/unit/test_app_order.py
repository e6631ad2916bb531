"""The Django apps stand in one order: an app imports only the apps below it.

    lib < accounts < basemodels < datasets < prompts < jobs < evaluations < ensembles < sweeps
        < serving < api < core

and the project's own modules (`webapp.urls`, `settings`, `routing`, `asgi`) above them all.
A string that names a module or a model of another app counts as an import: `apps.get_model`,
`import_module`, a dotted path such as `include("webapp.jobs.urls")`. Relations between models
(`ForeignKey("jobs.TuningJob")`) do not: a job makes a version and a version is the parent of
jobs, and the ORM resolves such names lazily by design.

`KNOWN_UPWARD` lists the imports against the order that remain from before the order was set;
the list may only shrink (the test fails on a new one, and on a listed one that is gone).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.test_import_graph import MODULES, REPO, import_graph

APP_ORDER = ("lib", "accounts", "basemodels", "datasets", "prompts", "jobs", "evaluations", "ensembles",
             "sweeps", "serving", "api", "core")
PROJECT = "webapp"  # webapp/urls.py, settings.py, routing.py, asgi.py: above every app
RANK = {app: i for i, app in enumerate(APP_ORDER)} | {PROJECT: len(APP_ORDER)}

# Module-level imports against the order, still to be undone (see the module docstring).
KNOWN_UPWARD: set[str] = set()

STRING_IMPORTS = (
    re.compile(r"""get_model\(\s*["'](\w+)["']"""),  # apps.get_model("jobs", "BaseModel")
    re.compile(r"""get_model\(\s*["'](\w+)\.\w+["']"""),  # apps.get_model("jobs.BaseModel")
    re.compile(r"""["']webapp\.(\w+)[.:]"""),  # import_module("webapp.jobs.api"), include("webapp.jobs.urls")
)


def app_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (REPO / "webapp" / parts[1]).with_suffix("").is_dir()):
        return parts[1]
    return PROJECT


def web_modules() -> dict[str, Path]:
    return {name: path for name, path in MODULES.items() if name.startswith("webapp.")}


def app_imports() -> set[tuple[str, str, str]]:
    """(module, what it names, the app named) for every import of another app by a web module."""
    found = set()
    graph = import_graph()
    for module, path in web_modules().items():
        here = app_of(module)
        for target in graph[module]:
            if target.startswith("webapp.") and app_of(target) != here:
                found.add((module, target, app_of(target)))
        for pattern in STRING_IMPORTS:
            for named in pattern.findall(path.read_text()):
                if named != here and named in RANK:
                    found.add((module, f"'{named}' by name", named))
    return found


def upward_imports() -> set[str]:
    return {f"{module} -> {target}" for module, target, app in app_imports()
            if RANK[app] > RANK[app_of(module)]}


def test_every_app_has_a_place_in_the_order() -> None:
    apps = {path.parent.name for path in (REPO / "webapp").glob("*/apps.py")} | {"lib"}
    assert apps - set(APP_ORDER) == set()


def test_no_app_imports_one_above_it() -> None:
    assert sorted(upward_imports() - KNOWN_UPWARD) == []


def test_the_known_exceptions_are_still_there() -> None:
    """A fixed exception leaves the list, so it cannot come back unnoticed."""
    assert sorted(KNOWN_UPWARD - upward_imports()) == []


def test_a_string_naming_another_app_counts_as_an_import() -> None:
    text = 'apps.get_model("jobs", "BaseModel"); include("webapp.prompts.urls")'
    assert {m for p in STRING_IMPORTS for m in p.findall(text)} == {"jobs", "prompts"}


def test_installed_apps_list_our_apps_in_the_order() -> None:
    from django.conf import settings

    ours = [name.removeprefix("webapp.") for name in settings.INSTALLED_APPS if name.startswith("webapp.")]
    assert ours == [app for app in APP_ORDER if app in ours]
    assert set(ours) == {path.parent.name for path in (REPO / "webapp").glob("*/apps.py")}
