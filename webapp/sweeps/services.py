"""Launching, reading and cancelling sweeps. A sweep's runs are jobs made by `launch_job`, each
checked by the launch form's own rules, all in one transaction: a sweep is made whole or not at all."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404

from tuning_core.errors import ConfigError
from tuning_core.sweep import Grid, Panel, panels
from webapp.ensembles.evaluations import launch_ensemble_evaluation
from webapp.ensembles.models import MIN_MEMBERS, Ensemble
from webapp.ensembles.services import EnsembleError, create_ensemble
from webapp.jobs.forms import JobLaunchForm
from webapp.jobs.models import ACTIVE_STATUSES, JobMethod, JobStatus, TuningJob
from webapp.jobs.services import JobLaunchError, cancel_job, launch_job
from webapp.prompts.models import PromptVersion
from webapp.sweeps.models import Sweep, SweepRun, coordinates_label

# The launch form's fields a sweep's recipe may set (the rest is the sweep's own: name, dataset, model).
RECIPE_FIELDS = ("prompt_length", "init", "learning_rate", "batch_size", "max_steps", "eval_every", "patience",
                 "max_input_length", "max_target_length", "seed", "precision", "eval_sample", "attention_dropout")


PROMPT_NAME_MAX = 120  # Prompt.name
# What a run takes for a field neither the recipe nor the grid sets: the launch form's initial value.
FORM_DEFAULTS = {name: field.initial for name, field in JobLaunchForm.base_fields.items()
                 if name in RECIPE_FIELDS and field.initial is not None}


class SweepError(Exception):
    """A sweep that cannot be launched, with the field (or run) to fix."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def get_sweep_for_user(user: Any, pk: int) -> Sweep:
    try:
        return Sweep.objects.for_user(user).select_related("dataset", "base_model").get(pk=pk)
    except Sweep.DoesNotExist:
        raise Http404("No such sweep") from None


def launch_sweep(owner: Any, *, name: str, dataset: Any, base_model: Any, recipe: dict[str, Any],
                 axes: dict[str, list[Any]], skip_impossible: bool = False) -> Sweep:
    """Create the sweep and one queued job per point of its grid, in one transaction.

    recipe: the launch form's fields every run shares (RECIPE_FIELDS); axes: the swept fields
    and their values. Every run is checked as the launch form checks a job (ranges, the label
    rules of class-label initialisation) before anything is queued; the first problem raises
    SweepError naming the run and the field, and nothing is kept. With `skip_impossible`, such
    runs are left out instead and listed in `sweep.skipped` (the paper's Figure 3 has 1-token
    prompts, which cannot start from two labels); a grid none of whose runs can train is refused.
    """
    name = name.strip()
    if not name:
        raise SweepError("Name the sweep", field="name")
    unknown = sorted(set(recipe) - set(RECIPE_FIELDS))
    if unknown:
        raise SweepError(f"The recipe cannot set {', '.join(unknown)}", field="recipe")
    try:
        grid = Grid.parse(axes)
    except ConfigError as exc:
        raise SweepError(str(exc), field="axes") from None
    if Sweep.objects.for_user(owner).filter(name=name).exists():
        raise SweepError(f"You already have a sweep named {name!r}: pick another name", field="name")
    if grid.size() > settings.SWEEP_MAX_RUNS:
        raise SweepError(f"This grid has {grid.size()} runs; a sweep has at most {settings.SWEEP_MAX_RUNS}. "
                         "Drop some values of an axis", field="axes")
    try:
        with transaction.atomic():
            sweep = Sweep.objects.create(owner=owner, name=name, dataset=dataset, base_model=base_model,
                                         recipe=recipe, axes=[[axis, list(values)] for axis, values in grid.axes])
            skipped = []
            for position, coordinates in enumerate(grid.points()):
                try:
                    with transaction.atomic():  # a refused run leaves nothing behind
                        job = _launch_run(owner, sweep, position, coordinates)
                except SweepError as exc:
                    if not skip_impossible:
                        raise
                    skipped.append({"coordinates": coordinates, "reason": str(exc)})
                    continue
                SweepRun.objects.create(sweep=sweep, job=job, position=position, coordinates=coordinates)
            if len(skipped) == grid.size():
                raise SweepError(f"No run of this grid can train: {skipped[0]['reason']}", field="axes")
            if skipped:
                Sweep.objects.filter(pk=sweep.pk).update(skipped=skipped)
                sweep.skipped = skipped
    except IntegrityError:  # the same name launched twice at once
        raise SweepError(f"You already have a sweep named {name!r}: pick another name", field="name") from None
    return sweep


def _launch_run(owner: Any, sweep: Sweep, position: int, coordinates: dict[str, Any], suffix: str = "") -> Any:
    label = coordinates_label(coordinates)
    prompt_name = f"{sweep.name} · {label}{suffix}"
    if len(prompt_name) > PROMPT_NAME_MAX:
        prompt_name = f"{sweep.name} · run {position + 1}{suffix}"
    recipe = {k: v for k, v in sweep.recipe.items() if v is not None}
    data = {**FORM_DEFAULTS, **recipe, **coordinates, "dataset": sweep.dataset_id,
            "base_model": sweep.base_model_id, "prompt_name": prompt_name}
    form = JobLaunchForm(data, user=owner)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        where = "" if field == "__all__" else f"{field.replace('_', ' ')}: "
        raise SweepError(f"Run {label}: {where}{' '.join(errors)}", field="axes" if field in coordinates else "recipe")
    try:
        return launch_job(owner, form.to_request())
    except JobLaunchError as exc:
        # A rule broken by the run's point (a label rule has no field) is the grid's to fix.
        from_recipe = exc.field in RECIPE_FIELDS and exc.field not in coordinates
        raise SweepError(f"Run {label}: {exc}", field="recipe" if from_recipe else "axes") from None


def rerun_failed(sweep: Sweep) -> int:
    """Launch again, with the same settings, every run whose job failed; the failed job stays in
    the jobs list and the sweep's grid point takes the new one. How many were launched."""
    failed = list(sweep.runs.select_related("job").filter(job__status=JobStatus.FAILED))
    with transaction.atomic():
        for run in failed:
            attempt = SweepRun.objects.filter(pk=run.pk).values_list("attempt", flat=True).get() + 1
            job = _launch_run(sweep.owner, sweep, run.position, run.coordinates, suffix=f" (try {attempt})")
            SweepRun.objects.filter(pk=run.pk).update(job=job, attempt=attempt)
    return len(failed)


def cancel_sweep(sweep: Sweep) -> int:
    """Cancel every run still queued or running; how many were."""
    active = [run.job for run in sweep.runs.select_related("job").filter(job__status__in=ACTIVE_STATUSES)]
    for job in active:
        cancel_job(job)
    return len(active)


@dataclass(frozen=True)
class RunRow:
    """One run as the sweep page and the API show it."""

    position: int
    coordinates: dict[str, Any]
    values: list[Any]  # the coordinates in the grid's axis order
    label: str
    job_id: int
    status: str
    step: int
    total_steps: int
    metric: float | None  # the job's best validation metric during training
    metric_name: str
    version_id: int | None


def run_rows(sweep: Sweep) -> list[RunRow]:
    rows = []
    names = sweep.axis_names()
    for run in sweep.runs.select_related("job", "job__result_version"):
        job = run.job
        version = getattr(job, "result_version", None)
        ordered = {axis: run.coordinates[axis] for axis in names}
        rows.append(RunRow(run.position, ordered, list(ordered.values()), coordinates_label(ordered), job.pk,
                           job.status, job.step, job.total_steps, job.best_metric, job.best_metric_name,
                           version.pk if version else None))
    return rows


def sweep_status(rows: list[RunRow]) -> tuple[str, dict[str, int]]:
    """queued, running, succeeded, failed (some runs failed) or cancelled; and the count per job status."""
    counts = Counter(row.status for row in rows)
    if counts[JobStatus.RUNNING]:
        return "running", dict(counts)
    if counts[JobStatus.QUEUED]:
        return ("running" if len(counts) > 1 else "queued"), dict(counts)
    if counts[JobStatus.FAILED]:
        return "failed", dict(counts)
    if counts[JobStatus.CANCELLED]:
        return "cancelled", dict(counts)
    return "succeeded", dict(counts)


def sweep_panels(sweep: Sweep, rows: list[RunRow]) -> list[Panel]:
    return panels(Grid.parse(dict(sweep.axes)), [(row.coordinates, row.metric) for row in rows])


def best_per_cell(rows: list[RunRow]) -> list[RunRow]:
    """The best run of each cell of the grid: runs that differ only by their seed share a cell."""
    cells: dict[tuple[Any, ...], RunRow] = {}
    for row in rows:
        if row.metric is None:
            continue
        cell = tuple((axis, value) for axis, value in row.coordinates.items() if axis != "seed")
        if cell not in cells or row.metric > (cells[cell].metric or 0.0):
            cells[cell] = row
    return sorted(cells.values(), key=lambda row: row.position)


def best_rows(rows: list[RunRow], k: int = 1) -> list[RunRow]:
    """The k runs with the highest validation metric that kept a version, best first."""
    kept = [row for row in rows if row.metric is not None and row.version_id is not None]
    return sorted(kept, key=lambda row: (-(row.metric or 0.0), row.position))[:k]


def ensemble_best(sweep: Sweep, k: int) -> Ensemble:
    """An ensemble of the sweep's k best versions (by best validation metric during training),
    with its evaluation queued on the sweep's dataset: the paper's Table 3 in one step. Nothing is
    kept when either cannot be made (SweepError says why)."""
    rows = best_rows(run_rows(sweep), k)
    if k < MIN_MEMBERS or len(rows) < k:
        raise SweepError(f"Ensembling the best {k} needs {max(k, MIN_MEMBERS)} runs with a version; "
                         f"{len(rows)} of this sweep's runs have one so far", field="k")
    by_id = PromptVersion.objects.for_user(sweep.owner).select_related("prompt", "base_model", "job").in_bulk(
        [row.version_id for row in rows])
    versions = [by_id[row.version_id] for row in rows]
    splits = [split for split in ("validation", "test") if sweep.dataset.has_split(split)]
    try:
        with transaction.atomic():
            ensemble = create_ensemble(sweep.owner, name=f"{sweep.name}: best {k}", versions=versions,
                                       description=f"The {k} best runs of the sweep {sweep.name}, by their best "
                                                   "validation metric during training")
            launch_ensemble_evaluation(sweep.owner, ensemble, sweep.dataset, splits)
    except (EnsembleError, JobLaunchError) as exc:
        raise SweepError(str(exc), field="k") from None
    return ensemble


def training_rates(user: Any, per_model: int = 5) -> dict[int, dict[str, Any]]:
    """Seconds per training example (one row through one step) on each base model, from the
    user's last finished training jobs there: what the sweep form estimates a grid's time from."""
    rates: dict[int, dict[str, Any]] = {}
    jobs = (TuningJob.objects.for_user(user).filter(status=JobStatus.SUCCEEDED, method=JobMethod.PROMPT_TUNING, step__gt=0)
            .exclude(started_at=None).exclude(finished_at=None).select_related("base_model").order_by("-finished_at"))
    samples: dict[int, list[float]] = {}
    for job in jobs[:200]:
        seen = samples.setdefault(job.base_model_id, [])
        if len(seen) < per_model:
            examples = job.step * int(job.train_config.get("batch_size") or 1)
            seen.append((job.finished_at - job.started_at).total_seconds() / examples)
            rates[job.base_model_id] = {"name": job.base_model.name, "jobs": len(seen),
                                        "seconds_per_example": sum(seen) / len(seen)}
    return rates
