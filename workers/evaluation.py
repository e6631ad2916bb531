"""The worker side of an evaluation job: score one prompt version on one dataset split (or an
ensemble's members on several). Every write retries through a database outage, as training's do."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from tuning_core.errors import TuningError
from tuning_core.evaluate import evaluate
from tuning_core.export import load_prompt
from webapp.jobs import evaluations, services
from webapp.jobs.configs import EnsembleEvaluationConfig, EvaluationConfig
from webapp.jobs.models import JobStatus, TuningJob
from webapp.lib.splits import load_split
from workers.db_retry import with_db_retry
from workers.model_pool import get_pool
from workers.progress import JobProgress
from workers.storage_retry import with_storage_retry


class EvaluationCancelled(Exception):
    """Raised from the progress callback: `evaluate` has no stop hook of its own."""


class EvaluationProgress:
    """progress callback: records examples done as the job's steps, at most `max_rate` a second,
    and stops the evaluation once a cancel was requested."""

    def __init__(self, job_id: int, max_rate: int, should_stop: Any) -> None:
        self.progress = JobProgress(job_id, max_rate)
        self.should_stop = should_stop

    def __call__(self, done: int, total: int) -> None:
        if self.should_stop():
            raise EvaluationCancelled
        if done < total and not self.progress.due():
            return  # a batch of a few rows each: no write per batch
        self.progress.record({"kind": "step", "step": done, "total_steps": total,
                              "elapsed_seconds": self.progress.elapsed()}, always=done >= total)


def _say(job_id: int, message: str) -> None:
    with_db_retry(f"job {job_id} log", lambda: services.log_job_event(job_id, message))


def _ended(job_id: int) -> bool:
    """Whether the job's result was recorded (a commit whose answer was lost)."""
    return TuningJob.objects.filter(pk=job_id).exclude(status=JobStatus.RUNNING).exists()


def _record(job_id: int, what: str, call: Any) -> None:
    """A job's last write, retried through an outage, and not repeated once it took effect."""
    with_db_retry(f"job {job_id} {what}", call, done=lambda: _ended(job_id))


def _record_cancel(job_id: int, worker: str) -> None:
    _say(job_id, "Cancelled: the evaluation stopped and kept no results")
    _record(job_id, "result", lambda: services.record_result(job_id, worker, None, [], cancelled=True))


def run_evaluation(job: TuningJob, worker: str, should_stop: Any) -> None:
    config = EvaluationConfig.from_dict(job.train_config)
    version = job.parent_version
    assert version is not None, "an evaluation job names the version it evaluates"
    _say(job.pk, f"Loading the base model {job.base_model.name}")
    base = get_pool().get(job.base_model.source).base
    prompt, _ = load_prompt(with_storage_retry(f"job {job.pk} prompt", version.local_tensor), base=base)
    data = load_split(with_storage_retry(f"job {job.pk} split", lambda: job.dataset.split_path(config.split)))
    _say(job.pk, f"Scoring {len(data):,} {config.split} rows of {job.dataset.name} with {version}")
    try:
        result = evaluate(
            base, prompt, data, mode=config.mode,  # type: ignore[arg-type]
            label_words=config.label_words if config.mode == "rank" else None,
            scoring=config.scoring.options(),
            progress=EvaluationProgress(job.pk, settings.JOB_PROGRESS_MAX_RATE, should_stop),
        )
    except EvaluationCancelled:
        _record_cancel(job.pk, worker)
        return
    predictions = [p.to_dict() for p in result.predictions]
    _record(job.pk, "evaluation", lambda: evaluations.record_evaluation(
        job.pk, worker, metrics=result.metrics, predictions=predictions))


class SplitProgress:
    """Progress of one split within a job that scores several: examples done over the whole job."""

    def __init__(self, progress: EvaluationProgress, offset: int, total: int) -> None:
        self.progress, self.offset, self.total = progress, offset, total

    def __call__(self, done: int, total: int) -> None:
        self.progress(self.offset + done, self.total)


def run_ensemble_evaluation(job: TuningJob, worker: str, should_stop: Any) -> None:
    """Score every member on each split in one batched pass (K prompts per batch), then vote."""
    from tuning_core.ensemble import evaluate_ensemble
    from webapp.ensembles.evaluations import record_ensemble_evaluation
    from webapp.prompts.models import PromptVersion

    config = EnsembleEvaluationConfig.from_dict(job.train_config)
    _say(job.pk, f"Loading the base model {job.base_model.name}")
    base = get_pool().get(job.base_model.source).base
    versions = with_db_retry(f"job {job.pk} members", lambda: PromptVersion.objects.in_bulk(config.member_ids)) or {}
    missing = [pk for pk in config.member_ids if pk not in versions]
    if missing:
        raise EnsembleMemberGone(f"Member version(s) {missing} were deleted; edit the ensemble and evaluate again")
    prompts = [load_prompt(with_storage_retry(f"job {job.pk} member", versions[pk].local_tensor), base=base)[0]
               for pk in config.member_ids]
    splits = {split: load_split(with_storage_retry(f"job {job.pk} {split} split",
                                                   lambda split=split: job.dataset.split_path(split)))
              for split in config.splits}
    total = sum(len(data) for data in splits.values())
    progress = EvaluationProgress(job.pk, settings.JOB_PROGRESS_MAX_RATE, should_stop)
    results, offset = {}, 0
    try:
        for split, data in splits.items():
            _say(job.pk, f"Scoring {len(data):,} {split} rows of {job.dataset.name} with {len(prompts)} prompts "
                         "in one pass")
            results[split] = evaluate_ensemble(
                base, prompts, data, config.label_words, voting=config.voting,
                scoring=config.options(), progress=SplitProgress(progress, offset, total),
            )
            offset += len(data)
    except EvaluationCancelled:
        _record_cancel(job.pk, worker)
        return
    _record(job.pk, "evaluation", lambda: record_ensemble_evaluation(job.pk, worker, results))


class EnsembleMemberGone(TuningError):
    """A member version was deleted between launch and run: the job fails saying so."""
