"""What a compare request asks for, read once for the page and the API: the versions, the common
dataset split, the reference, and each version's run on that split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from webapp.evaluations.compare import SplitChoice, runs_on, split_choices, version_label, versions_to_compare
from webapp.evaluations.forms import CompareOptionsForm, CompareVersionsForm
from webapp.prompts.models import EvalRun, PromptVersion


class UnreadableVersions(Exception):
    """The `v` parameters are not a list of version ids; `form` holds the errors."""

    def __init__(self, form: CompareVersionsForm) -> None:
        super().__init__(" ".join(str(e) for errors in form.errors.values() for e in errors))
        self.form = form


@dataclass(frozen=True)
class CompareRequest:
    versions: list[PromptVersion]
    choices: list[SplitChoice]
    choice: SplitChoice | None  # the common dataset split; None when no version has a run
    reference: PromptVersion
    runs: dict[int, EvalRun | None]  # version id -> its run on `choice`
    options: CompareOptionsForm  # bound: an unknown choice fell back to the default, its error kept
    gold: str
    page: int


def read_compare_request(user: Any, data: QueryDict) -> CompareRequest:
    """Raises UnreadableVersions, or CannotCompare (webapp.evaluations.compare) for versions that
    are not the user's or cannot stand side by side. An unknown option falls back to its
    default; `options.errors` says which (the page shows it, the API refuses)."""
    picked = CompareVersionsForm(data)
    if not picked.is_valid():
        raise UnreadableVersions(picked)
    versions = versions_to_compare(user, picked.cleaned_data["v"])
    for i, version in enumerate(versions):
        # One colour and one short name per version in every section, whatever a section leaves out.
        version.color, version.label = i, version_label(version, versions)  # type: ignore[attr-defined]
    choices = split_choices(versions)
    options = CompareOptionsForm(data, split_choices=[(c.key, c.label) for c in choices],
                                 versions=[(v.pk, str(v)) for v in versions])
    options.is_valid()
    chosen = options.cleaned_data
    choice = next((c for c in choices if c.key == chosen.get("on")), choices[0] if choices else None)
    runs = runs_on(versions, choice)
    # By default the reference is the first version evaluated on the chosen split: against one
    # without a run every difference and interval would be blank.
    evaluated = [v for v in versions if runs[v.pk] is not None]
    reference = next((v for v in versions if v.pk == chosen.get("ref")), (evaluated or versions)[0])
    return CompareRequest(versions=versions, choices=choices, choice=choice, reference=reference,
                          runs=runs, options=options, gold=chosen.get("gold") or "", page=chosen.get("page") or 1)
