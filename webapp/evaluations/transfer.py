"""The domain-transfer matrix (`/prompts/transfer/`): the paper's section 6 experiment as a page.

Rows are prompt versions, columns datasets; a cell holds the headline metric of the newest
evaluation of that version on that dataset's split. A missing cell is evaluated by an evaluation
job (webapp.jobs.evaluations), one per cell, launched as one batch; a pair that cannot be evaluated
(another task kind, label words the version cannot rank, no such split) says why.
The selection is the query string (`?v=1&v=2&d=3&d=4&split=test`), so a matrix can be bookmarked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django import forms

from tuning_core.task import headline_metric_for
from webapp.datasets.models import SPLITS, Dataset
from webapp.jobs.evaluations import evaluation_problem, launch_evaluations
from webapp.jobs.models import JobStatus, TuningJob
from webapp.prompts.models import EvalRun, PromptVersion

# A matrix is read at a glance and launched as one batch: a dozen of each keeps both sane.
MAX_VERSIONS = 12
MAX_DATASETS = 12


class VersionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.base_model.name})"


class TransferForm(forms.Form):
    """The matrix's query: the user's versions (`v`), the user's ready datasets (`d`), a split."""

    v = VersionChoiceField(queryset=PromptVersion.objects.none(), label="Versions",
                           widget=forms.CheckboxSelectMultiple)
    d = forms.ModelMultipleChoiceField(queryset=Dataset.objects.none(), label="Datasets",
                                       widget=forms.CheckboxSelectMultiple)
    split = forms.ChoiceField(choices=[(s, s) for s in SPLITS], initial="test", label="Split")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["v"].queryset = (PromptVersion.objects.for_user(user)
                                     .select_related("prompt", "base_model", "job", "job__dataset")
                                     .order_by("prompt__name", "version"))
        self.fields["d"].queryset = Dataset.objects.for_user(user).order_by("name")

    def clean_v(self) -> list[PromptVersion]:
        return _at_most(self._in_asked_order("v"), MAX_VERSIONS, "versions")

    def clean_d(self) -> list[Dataset]:
        return _at_most(self._in_asked_order("d"), MAX_DATASETS, "datasets")

    def _in_asked_order(self, name: str) -> list[Any]:
        """Rows and columns in the order of the query, so a bookmark shows what it says."""
        asked = [str(pk) for pk in self.data.getlist(name)] if hasattr(self.data, "getlist") else []
        return sorted(self.cleaned_data[name], key=lambda obj: asked.index(str(obj.pk)) if str(obj.pk) in asked else 0)


def _at_most(items: list[Any], limit: int, what: str) -> list[Any]:
    if len(items) > limit:
        raise forms.ValidationError(f"Pick at most {limit} {what} (you picked {len(items)}).")
    return items


@dataclass(frozen=True)
class Cell:
    """One version × dataset: its newest run, or the newest evaluation job of the pair, or why
    it cannot be evaluated."""

    version: PromptVersion
    dataset: Dataset
    run: EvalRun | None
    job: TuningJob | None
    problem: str | None
    trained_on: bool
    best: bool = False

    @property
    def metric_name(self) -> str | None:
        return headline_metric_for(self.run.mode) if self.run else None

    @property
    def value(self) -> float | None:
        if self.run is None or self.metric_name is None:
            return None
        value = self.run.metrics.get(self.metric_name)
        return float(value) if isinstance(value, (int, float)) else None

    @property
    def state(self) -> str:
        """done | queued | running | failed | cancelled | missing | refused"""
        if self.run is not None:
            return "done"
        if self.job is not None and self.job.status != JobStatus.SUCCEEDED:
            return str(self.job.status)
        return "refused" if self.problem else "missing"

    @property
    def can_launch(self) -> bool:
        return self.state in ("missing", "failed", "cancelled")


@dataclass(frozen=True)
class Matrix:
    versions: list[PromptVersion]
    datasets: list[Dataset]
    split: str
    rows: list[tuple[PromptVersion, list[Cell]]]

    @property
    def cells(self) -> list[Cell]:
        return [cell for _, cells in self.rows for cell in cells]

    @property
    def launchable(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.can_launch]

    @property
    def pending(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.state in ("queued", "running")]


def transfer_matrix(versions: list[PromptVersion], datasets: list[Dataset], split: str) -> Matrix:
    """The matrix for versions and datasets the caller fetched for one user (TransferForm)."""
    runs: dict[tuple[int, int], EvalRun] = {}
    for run in (EvalRun.objects.filter(prompt_version__in=versions, dataset__in=datasets, split=split)
                .order_by("created_at", "pk")):
        assert run.prompt_version_id is not None
        runs[(run.prompt_version_id, run.dataset_id)] = run  # the newest wins
    jobs: dict[tuple[int, int], TuningJob] = {}
    for job in (TuningJob.objects.evaluations().filter(parent_version__in=versions, dataset__in=datasets,
                                         train_config__split=split).order_by("pk")):
        assert job.parent_version_id is not None
        jobs[(job.parent_version_id, job.dataset_id)] = job  # the newest wins
    rows = []
    for version in versions:
        cells = []
        for dataset in datasets:
            run = runs.get((version.pk, dataset.pk))
            cells.append(Cell(
                version=version, dataset=dataset, run=run, job=jobs.get((version.pk, dataset.pk)),
                problem=None if run else evaluation_problem(version, dataset, split),
                trained_on=version.job is not None and version.job.dataset_id == dataset.pk,
            ))
        rows.append((version, cells))
    return Matrix(versions, datasets, split, _mark_best(rows))


def _mark_best(rows: list[tuple[PromptVersion, list[Cell]]]) -> list[tuple[PromptVersion, list[Cell]]]:
    """Mark each dataset's best value (over two or more versions): which prompt transfers best."""
    if len(rows) < 2:
        return rows
    best: dict[int, float] = {}
    for _, cells in rows:
        for cell in cells:
            if cell.value is not None:
                best[cell.dataset.pk] = max(best.get(cell.dataset.pk, cell.value), cell.value)
    return [(version, [replace(cell, best=cell.value is not None and cell.value == best[cell.dataset.pk])
                       for cell in cells]) for version, cells in rows]


def launch_missing_evaluations(owner: Any, matrix: Matrix) -> tuple[list[TuningJob], list[str]]:
    """Queue one evaluation job per cell that has no run and no queued or running job (a failed
    or cancelled one is tried again). Returns the jobs and, per pair refused at launch, why."""
    # A cell the matrix already shows as impossible, with its reason, is not news: only a launch
    # refused now is said.
    return launch_evaluations(owner, [(cell.version, cell.dataset) for cell in matrix.launchable], matrix.split)
