"""Evaluation jobs: score a prompt version on any compatible dataset split.

An evaluation is a TuningJob with `method=JobMethod.EVALUATION`: it shares the training job's lifecycle
(queued → running → succeeded | failed | cancelled), its claim, live progress, cancel, dead-worker
reaping and lost-message reconciling, its page and its list. `parent_version` is the version
evaluated; the result is an EvalRun linked to the job.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from tuning_core.task import resolve
from webapp.datasets.models import Dataset
from webapp.jobs.configs import EvaluationConfig, Scoring
from webapp.jobs.models import JobMethod, JobStatus, TuningJob
from webapp.jobs.services import JobLaunchError, announce_job, log_job_event, queue_job
from webapp.prompts.inputs import trained_settings
from webapp.prompts.models import EvalRun, PromptVersion
from webapp.prompts.services import record_eval_run


def version_task(version: PromptVersion) -> tuple[str | None, list[str]]:
    """The task kind and label words a version was trained for; (None, []) when its job is gone."""
    job = version.job
    if job is None:
        return None, []
    return job.dataset.task_kind, list(job.dataset.label_words)


def evaluation_problem(version: PromptVersion, dataset: Dataset, split: str) -> str | None:
    """Why `version` cannot be evaluated on `dataset`'s `split`, in words; None when it can."""
    if not dataset.has_split(split):
        return f"Dataset {dataset.name!r} has no {split} split"
    kind, labels = version_task(version)
    if kind is not None and kind != dataset.task_kind:
        return (f"{version} was trained for {kind} and {dataset.name!r} is {dataset.task_kind}: "
                "a prompt is evaluated on the kind of task it learned")
    if dataset.task_kind == "classification" and labels:
        unknown = sorted(set(dataset.label_words) - set(labels))
        if unknown:
            return (f"{version} answers with the label words {', '.join(labels)}; {dataset.name!r} also has "
                    f"{', '.join(unknown)}, which it cannot rank. Map that dataset's labels to these words")
    return None


def launch_evaluations(owner: Any, pairs: Iterable[tuple[PromptVersion, Dataset]], split: str,
                       ) -> tuple[list[TuningJob], list[str]]:
    """Queue one evaluation per (version, dataset) pair on `split`: the jobs, and for each pair
    that cannot be evaluated, why."""
    launched, refused = [], []
    for version, dataset in pairs:
        try:
            launched.append(launch_evaluation(owner, version, dataset, split))
        except JobLaunchError as exc:
            refused.append(str(exc))
    return launched, refused


def launch_evaluation(owner: Any, version: PromptVersion, dataset: Dataset, split: str) -> TuningJob:
    """Queue an evaluation of `version` (the caller fetched it and `dataset` for `owner`)."""
    problem = evaluation_problem(version, dataset, split)
    if problem:
        raise JobLaunchError(problem, field="dataset")
    _, labels = version_task(version)
    config = EvaluationConfig(split=split, mode=resolve(kind=dataset.task_kind).eval_mode.value,
                              label_words=labels or list(dataset.label_words), scoring=trained_scoring(version))
    return queue_job(
        JobMethod.EVALUATION, owner=owner, dataset=dataset, base_model=version.base_model, prompt=version.prompt,
        parent_version=version, prompt_config={"init_from": version.tensor_file}, train_config=config.to_dict(),
        total_steps=int(dataset.split_counts.get(split, 0)),
    )


def trained_scoring(version: PromptVersion) -> Scoring:
    """How `version` is scored: the lengths and precision its training job used (the engine's
    defaults for a version whose job is gone)."""
    return Scoring(*trained_settings(version))


def record_evaluation(job_id: int, worker: str, *, metrics: dict[str, Any], predictions: list[dict[str, Any]],
                      ) -> EvalRun | None:
    """End an evaluation job with its EvalRun; nothing when this worker no longer holds the job."""
    with transaction.atomic():
        job = TuningJob.objects.select_for_update(of=("self",)).select_related("parent_version", "dataset").get(
            pk=job_id)
        if job.status != JobStatus.RUNNING or job.worker != worker or job.parent_version is None:
            return None
        config = EvaluationConfig.from_dict(job.train_config)
        run = record_eval_run(version=job.parent_version, dataset=job.dataset, split=config.split,
                              mode=config.mode, metrics=metrics, predictions=predictions, job=job)
        job.status, job.finished_at, job.step, job.eta_seconds = JobStatus.SUCCEEDED, timezone.now(), job.total_steps, 0
        job.save(update_fields=["status", "finished_at", "step", "eta_seconds"])
    log_job_event(job_id, f"Evaluated {job.parent_version} on {job.dataset.name} ({config.split}): "
                          f"{run.num_examples} examples")
    announce_job(job)
    return run
