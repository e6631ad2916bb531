"""Running one claimed tuning job: tuning_core does the work, services record it.

Everything here is glue: load the data and the (pooled) base model, translate
tuning_core's callbacks into service calls, and turn failures into messages a
user can act on.

A database that goes away for a moment must not fail a job that has trained for an
hour: every write goes through `workers.db_retry.with_db_retry`.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from typing import Any, Literal

import torch

from tuning_core.config import ScoringOptions
from tuning_core.errors import DataError, TuningError
from tuning_core.evaluate import evaluate
from tuning_core.export import save_prompt
from tuning_core.task import resolve
from tuning_core.train import CHECKPOINT_FILE, ProgressEvent, TrainingRun, TrainResult, load_checkpoint
from webapp.jobs import services
from webapp.jobs.models import JobStatus, TuningJob
from webapp.lib import media
from webapp.lib.files import remove_tree
from webapp.lib.splits import load_split
from webapp.prompts.services import new_version_dir, remove_version_files
from workers.db_retry import DB_ERRORS, with_db_retry
from workers.evaluation import run_ensemble_evaluation, run_evaluation
from workers.model_pool import get_pool
from workers.progress import JobProgress
from workers.storage_retry import CheckpointPublisher, with_storage_retry
from workers.training_groups import get_groups

logger = logging.getLogger(__name__)

class JobHeartbeat(threading.Thread):
    """Keeps the job's lease fresh beside the training loop (a long step or a model
    load must not look like a dead worker)."""

    def __init__(self, job_id: int, worker: str, interval: float) -> None:
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.job_id, self.worker, self.interval = job_id, worker, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.db import close_old_connections, connection

        try:
            while not self.stopped.wait(self.interval):
                try:
                    services.touch_job_heartbeat(self.job_id, self.worker)
                except Exception:  # a database blip must not kill the job; the next beat retries
                    logger.warning("job %s heartbeat failed", self.job_id, exc_info=True)
                    close_old_connections()
        finally:
            connection.close()


class ProgressRecorder:
    """on_progress callback of training: every step through JobProgress (evaluations and the
    last step always chart points), and each evaluation said in the log."""

    def __init__(self, job_id: int, max_rate: int) -> None:
        self.job_id = job_id
        self.progress = JobProgress(job_id, max_rate)

    def __call__(self, event: ProgressEvent) -> None:
        self.progress.record(event.to_dict(), always=event.kind == "eval" or event.step >= event.total_steps)
        if event.kind == "eval":
            shown = ", ".join(f"{k} {v:.3f}" for k, v in event.metrics.items() if k in {"accuracy", "macro_f1", "exact_match", "f1"})
            message = f"Evaluation at step {event.step}: {shown or 'done'}" + (" (best so far)" if event.is_best else "")
            with_db_retry(f"job {self.job_id} log", lambda: services.log_job_event(self.job_id, message))


class CancelCheck:
    """should_stop callback: asks the database at most once a second."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.checked_at = 0.0
        self.answer = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self.answer and now - self.checked_at >= 1.0:
            self.checked_at = now
            self.answer = bool(with_db_retry(f"job {self.job_id} cancel check",
                                             lambda: services.is_cancel_requested(self.job_id)))
        return self.answer


def run_job(job: TuningJob, worker: str) -> None:
    from django.conf import settings

    heartbeat = JobHeartbeat(job.pk, worker, settings.JOB_HEARTBEAT_INTERVAL)
    heartbeat.start()
    try:
        if job.is_evaluation:
            run_evaluation(job, worker, CancelCheck(job.pk))
        elif job.is_ensemble_evaluation:
            run_ensemble_evaluation(job, worker, CancelCheck(job.pk))
        else:
            _run(job, worker, settings.JOB_PROGRESS_MAX_RATE)
    except Exception as exc:
        if not isinstance(exc, (TuningError, torch.OutOfMemoryError)):
            logger.exception("job %s failed with an unexpected error", job.pk)
        message = failure_message(exc)
        with_db_retry(f"job {job.pk} failure", lambda: services.record_failure(job.pk, worker, message))
    finally:
        heartbeat.stopped.set()
        heartbeat.join(timeout=5)
        if media.is_remote():  # this machine's scratch copy: a takeover resumes from the bucket's
            remove_tree(job.work_dir)


def failure_message(exc: BaseException) -> str:
    """What the job page says about a failure: expected ones say what to change."""
    if isinstance(exc, DataError):
        return f"The dataset cannot be used for training: {exc}"
    if isinstance(exc, TuningError):
        return str(exc)
    if isinstance(exc, torch.OutOfMemoryError):
        return ("The worker ran out of memory. Lower the batch size, the max input length or the prompt "
                "length, and launch again.")
    return (f"The worker hit an internal error ({exc.__class__.__name__}: {exc}). It was logged; launching "
            "again may help, and if it does not, report it with the job number.")


def _say(job: TuningJob, message: str) -> None:
    """What the job is doing before its first step, for its page and event log."""
    with_db_retry(f"job {job.pk} log", lambda: services.log_job_event(job.pk, message))


def _load_split(job: TuningJob, split: str) -> Any:
    if not job.dataset.has_split(split):
        return None
    return load_split(with_storage_retry(f"job {job.pk} {split} split", lambda: job.dataset.split_path(split)))


def _run(job: TuningJob, worker: str, max_rate: int) -> None:
    _say(job, f"Loading the base model {job.base_model.name}")
    lease = get_pool().get(job.base_model.source)
    base = lease.base
    with_db_retry(f"job {job.pk} model lease", lambda: services.record_model_lease(
        job.pk, reused=lease.reused, load_seconds=lease.load_seconds))
    if base.info.d_model != job.base_model.d_model:
        raise TuningError(
            f"The base model at {job.base_model.source} now has width {base.info.d_model}, but it was "
            f"registered with {job.base_model.d_model}; re-register the base model"
        )
    train_data = _load_split(job, "train")
    validation_data = _load_split(job, "validation")
    prompt_config = services.prompt_config_for_worker(job)
    train_config = services.train_config_for_worker(job)
    _say(job, f"Tokenising {len(train_data):,} training and "
              f"{len(validation_data) if validation_data is not None else 0:,} validation rows")

    # The checkpoint in storage may come from another machine (a worker that died): resume from it.
    checkpoint = job.checkpoint_dir / CHECKPOINT_FILE
    if with_storage_retry(f"job {job.pk} checkpoint", lambda: media.fetch_to(job.checkpoint_name(CHECKPOINT_FILE),
                                                                              checkpoint)):
        resumed_at = int(load_checkpoint(checkpoint)["step"])
        with_db_retry(f"job {job.pk} resume", lambda: services.record_resume(job.pk, resumed_at))

    run = TrainingRun(
        base, prompt_config, train_config, train_data, validation_data,
        checkpoint_dir=job.checkpoint_dir, on_progress=ProgressRecorder(job.pk, max_rate),
        should_stop=CancelCheck(job.pk),
        on_checkpoint=CheckpointPublisher(job.checkpoint_name, lambda message: _say(job, message)),
    )
    # Trained by this process's group for the base model, beside the other jobs on it.
    result = get_groups().train(
        job.pk, run, source=job.base_model.source, label=job.base_model.name, exclusive=job.exclusive,
        on_wait=lambda why: _say(job, why),
        on_join=lambda group: with_db_retry(f"job {job.pk} group",
                                            lambda: services.record_fused_group(job.pk, group)),
    )
    for message in truncation_notes(result, train_config, len(train_data)):
        with_db_retry(f"job {job.pk} log", functools.partial(services.log_job_event, job.pk, message))
    cancelled = result.stopped_reason == "cancelled"
    trained = None
    evals: list[services.EvalOutcome] = []
    if not cancelled or result.evaluated:
        trained = _save_version_files(job, result, prompt_config.to_dict(), train_config.to_dict())
    try:
        if not cancelled:
            splits = {"validation": validation_data, "test": _load_split(job, "test")}
            evals = _evaluate_splits(job, base, result, splits, train_config.max_input_length,
                                     train_config.max_target_length)
        if cancelled:
            message = ("Cancelled: the best prompt so far was kept as a new version" if trained
                       else "Cancelled before the first evaluation: no version was kept")
            with_db_retry(f"job {job.pk} log", lambda: services.log_job_event(job.pk, message))
        with_db_retry(f"job {job.pk} result",
                      lambda: services.record_result(job.pk, worker, trained, evals, cancelled=cancelled,
                                                     stop_reason=result.stopped_reason),
                      done=lambda: _result_recorded(job.pk, trained))
    except BaseException:
        # No version row points at these files (the transaction rolled back): leave no orphans.
        if trained is not None and not _result_recorded_or_unknown(job.pk, trained):
            remove_version_files(trained.tensor_file)
        raise
    # The job's files, here and in storage: checkpoints are their only content.
    media.delete_prefix(job.storage_prefix)


def truncation_notes(result: TrainResult, config: Any, train_rows: int) -> list[str]:
    """What training cut, said in the job's log: nothing is truncated silently."""
    notes = []
    if result.truncated_train_targets:
        notes.append(f"{result.truncated_train_targets:,} of {train_rows:,} training targets were longer than "
                     f"{config.max_target_length} tokens and were cut: raise max target length to keep them whole")
    if result.truncated_train_rows:
        notes.append(f"{result.truncated_train_rows:,} of {train_rows:,} training inputs were longer than "
                     f"{config.max_input_length} tokens and were cut")
    return notes


def _result_recorded(job_id: int, trained: services.TrainedPrompt | None) -> bool:
    """Whether the job already ended with this result (a commit whose answer was lost)."""
    from webapp.prompts.models import PromptVersion

    if trained is not None:
        return PromptVersion.objects.filter(job_id=job_id, tensor_file=trained.tensor_file).exists()
    return TuningJob.objects.filter(pk=job_id).exclude(status=JobStatus.RUNNING).exists()


def _result_recorded_or_unknown(job_id: int, trained: services.TrainedPrompt) -> bool:
    # With the database still away we cannot tell: keep the files (an orphan folder costs
    # disk; deleting a recorded version's tensor would lose it).
    try:
        return _result_recorded(job_id, trained)
    except DB_ERRORS:
        return True


def _save_version_files(
    job: TuningJob, result: TrainResult, prompt_config: dict[str, Any], train_config: dict[str, Any]
) -> services.TrainedPrompt:
    directory, relative = new_version_dir(job.prompt)
    files = save_prompt(result.prompt, directory, metadata={
        "base_model": job.base_model.source, "init": prompt_config.get("init"),
        "prompt_config": prompt_config, "train_config": train_config,
        "label_words": result.label_words, "metrics": result.best_metrics, "best_step": result.best_step,
        "job_id": job.pk, "input_template": job.dataset.input_template,
    })
    try:  # the version's row is recorded only after this
        with_storage_retry(f"job {job.pk} version files", lambda: media.publish_dir(directory, relative))
    except BaseException:
        media.delete_prefix(relative)  # no row will point at a part of it
        raise
    if media.is_remote():
        remove_tree(directory)  # this machine's copy: the stored one is the version's
    return services.TrainedPrompt(
        tensor_file=f"{relative}/{files.tensor_path.relative_to(directory).as_posix()}",
        sha256=files.sha256, prompt_length=int(result.prompt.shape[0]), d_model=int(result.prompt.shape[1]),
        best_step=result.best_step, metrics=result.best_metrics,
    )


def _evaluate_splits(
    job: TuningJob, base: Any, result: TrainResult, splits: dict[str, Any], max_input_length: int,
    max_target_length: int,
) -> list[services.EvalOutcome]:
    mode: Literal["rank", "generate"] = resolve(kind=job.dataset.task_kind).eval_mode.value  # type: ignore[assignment]
    label_words = job.dataset.label_words if mode == "rank" else None
    outcomes = []
    for split, data in splits.items():
        if data is None or len(data) == 0:
            continue
        evaluation = evaluate(base, result.prompt, data, mode=mode, label_words=label_words,
                              scoring=ScoringOptions(max_input_length=max_input_length,
                                                     max_target_length=max_target_length,
                                                     precision=result.precision))  # the arithmetic it trained in
        outcomes.append(services.EvalOutcome(
            split=split, mode=mode, metrics=evaluation.metrics,
            predictions=[p.to_dict() for p in evaluation.predictions],
        ))
    return outcomes

