"""Tuning jobs: launch, claim, progress, results, cancellation and dead-worker recovery.

Views, API, tasks and the worker's heartbeat thread call these; none of them
changes a job row directly. Status moves queued → running → succeeded | failed |
cancelled, and only these functions move it.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from tuning_core.config import EvalMode, InitMethod, Precision, PromptConfig, TrainConfig
from tuning_core.errors import ConfigError
from tuning_core.task import headline_metric_of, resolve
from webapp.basemodels.models import BaseModel
from webapp.datasets.models import Dataset
from webapp.jobs.models import FINAL_STATUSES, JobLogEntry, JobMethod, JobMetric, JobStatus, TuningJob
from webapp.lib import media
from webapp.lib.events import Event, JobStatusData, job_group, publish, user_group
from webapp.lib.heartbeats import live_queues
from webapp.lib.media_cache import CorruptCopy
from webapp.lib.queue import TaskName, enqueue_on_commit, send_now, task_id
from webapp.prompts.models import PromptVersion
from webapp.prompts.services import create_prompt, record_eval_run, record_prompt_version, remove_version_files

logger = logging.getLogger(__name__)


class AlreadyLaunched(Exception):
    """The launch form was sent before with the same key; `job` is what that sending made."""

    def __init__(self, job: TuningJob) -> None:
        super().__init__(f"Already launched as job {job.pk}")
        self.job = job


class JobLaunchError(Exception):
    """A launch request that cannot run; `field` names the form field to fix."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class JobRequest:
    """Everything a launch needs, already type-checked by a form or the API schema."""

    dataset: Any
    base_model: BaseModel
    prompt_name: str | None
    continue_from: PromptVersion | None
    prompt_length: int
    init: str
    learning_rate: float
    batch_size: int
    max_steps: int
    eval_every: int
    patience: int | None
    max_input_length: int
    seed: int
    precision: Precision = Precision.AUTO
    max_target_length: int | None = None  # None: the engine's default
    eval_sample: int | None = 512  # None: the whole validation split at every evaluation
    attention_dropout: bool = True
    exclusive: bool = False  # train alone, never in a fused group (timing runs)
    launch_key: uuid.UUID | None = None  # the form's one-time key (JobLaunchForm.launch_key)


def get_job_for_user(user: Any, pk: int) -> TuningJob:
    try:
        return TuningJob.objects.for_user(user).select_related("dataset", "base_model", "prompt").get(pk=pk)
    except TuningJob.DoesNotExist:
        raise Http404("No such job") from None


def _build_configs(request: JobRequest) -> tuple[PromptConfig, TrainConfig]:
    label_words = tuple(request.dataset.label_words) if request.dataset.task_kind == "classification" else ()
    try:
        init = InitMethod(request.init)
    except ValueError:
        raise JobLaunchError(f"Unknown initialisation {request.init!r}", field="init") from None
    init_from = None
    if request.continue_from is not None:
        init, init_from = InitMethod.FROM_FILE, str(request.continue_from.tensor_path)
    try:
        prompt_config = PromptConfig(
            prompt_length=request.prompt_length, init=init, init_from=init_from, label_words=label_words
        )
        train_config = TrainConfig(
            learning_rate=request.learning_rate, batch_size=request.batch_size, max_steps=request.max_steps,
            eval_every=min(request.eval_every, request.max_steps), patience=request.patience,
            max_input_length=request.max_input_length, seed=request.seed, precision=request.precision,
            eval_sample=request.eval_sample, attention_dropout=request.attention_dropout,
            max_target_length=request.max_target_length or TrainConfig.max_target_length,
        )
    except ConfigError as exc:
        raise JobLaunchError(str(exc)) from exc
    return prompt_config, train_config


def _check_request(owner: Any, request: JobRequest) -> None:
    dataset = request.dataset
    if not Dataset.objects.for_user(owner).filter(pk=dataset.pk).exists():
        raise JobLaunchError("No such dataset", field="dataset")
    if not dataset.has_split("train"):
        raise JobLaunchError(f"Dataset {dataset.name!r} has no training split", field="dataset")
    parent = request.continue_from
    if parent is not None:
        if not PromptVersion.objects.for_user(owner).filter(pk=parent.pk).exists():
            raise JobLaunchError("No such prompt version", field="continue_from")
        if parent.base_model_id != request.base_model.pk:
            raise JobLaunchError(
                f"{parent} was trained on {parent.base_model.name}; a prompt only runs on its own base "
                f"model, so choose {parent.base_model.name} or start a new prompt",
                field="base_model",
            )
        if parent.prompt_length != request.prompt_length:
            raise JobLaunchError(
                f"{parent} has {parent.prompt_length} prompt tokens; continuing from it keeps that length",
                field="prompt_length",
            )
    elif not request.prompt_name:
        raise JobLaunchError("Give the new prompt a name, or choose a version to continue from", field="prompt_name")
    if request.init == InitMethod.CLASS_LABELS.value and dataset.task_kind != "classification" and parent is None:
        raise JobLaunchError(
            "Class-label initialisation needs a classification dataset; choose vocab or random",
            field="init",
        )


def launch_job(owner: Any, request: JobRequest) -> TuningJob:
    """Create a queued job (and its prompt name when new) and enqueue it after commit. Raises
    AlreadyLaunched when the request's launch key made a job before."""
    _refuse_a_second_sending(owner, request.launch_key)
    _check_request(owner, request)
    prompt_config, train_config = _build_configs(request)
    prompt_dict = prompt_config.to_dict()
    if request.continue_from is not None:
        # Stored relative to MEDIA_ROOT: web and worker may mount it at different paths.
        prompt_dict["init_from"] = request.continue_from.tensor_file
    with transaction.atomic():
        if request.continue_from is not None:
            prompt = request.continue_from.prompt
        else:
            assert request.prompt_name is not None
            try:
                prompt = create_prompt(owner, request.prompt_name, request.base_model)
            except Exception as exc:
                raise JobLaunchError(str(exc), field="prompt_name") from exc
        try:
            with transaction.atomic():
                return queue_job(
                    JobMethod.PROMPT_TUNING, owner=owner, dataset=request.dataset, base_model=request.base_model,
                    prompt=prompt, parent_version=request.continue_from, prompt_config=prompt_dict,
                    train_config=train_config.to_dict(), total_steps=train_config.max_steps,
                    exclusive=request.exclusive, launch_key=request.launch_key,
                )
        except IntegrityError:
            _refuse_a_second_sending(owner, request.launch_key)  # the same form, sent twice at once
            raise


def _refuse_a_second_sending(owner: Any, launch_key: uuid.UUID | None) -> None:
    if launch_key is None:
        return
    earlier = TuningJob.objects.for_user(owner).filter(launch_key=launch_key).first()
    if earlier is not None:
        raise AlreadyLaunched(earlier)


def queue_job(method: str, *, queued: str = "", **fields: Any) -> TuningJob:
    """The one way a job of any kind (a JobMethod) is made: its row, queued for the gpu workers, and its task
    sent once the transaction commits (a worker never meets a job that was rolled back).
    `queued`: the log's first line, when the job page should say more than its settings."""
    with transaction.atomic():
        job = TuningJob.objects.create(method=method, queue=settings.CELERY_GPU_QUEUE, **fields)
        enqueue_on_commit(TaskName.TRAIN_JOB, job.pk, queue=job.queue)
    if queued:
        log_job_event(job.pk, queued)
    return job


def prompt_config_for_worker(job: TuningJob) -> PromptConfig:
    data = dict(job.prompt_config)
    if data.get("init_from"):
        try:
            data["init_from"] = str(media.local_path(data["init_from"]))
        except FileNotFoundError:
            raise ConfigError(f"The prompt this job continues from ({data['init_from']}) is missing from "
                              "storage; launch again from another version") from None
        except CorruptCopy as exc:
            raise ConfigError(f"{exc}; launch again from another version") from None
    return PromptConfig.from_dict(data)


def train_config_for_worker(job: TuningJob) -> TrainConfig:
    config = TrainConfig.from_dict(dict(job.train_config))
    if config.eval_mode is EvalMode.AUTO:
        # Validation during training is scored as the final evaluation is: by the dataset's kind.
        config = dataclasses.replace(config, eval_mode=resolve(kind=job.dataset.task_kind).eval_mode)
    return config


# --- the worker side ---------------------------------------------------------------------------


def claim_job(job_id: int, worker: str) -> TuningJob | None:
    """Take the job for `worker`, or None when someone else has it or it is over.

    One UPDATE decides: a second delivery of the same task finds the job running
    with a fresh heartbeat and does nothing; a job whose worker died (stale
    heartbeat) is taken over and resumes from its checkpoint.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    claimed = (
        TuningJob.objects.filter(pk=job_id, cancel_requested=False)
        .claimable(stale_before)
        .update(
            status=JobStatus.RUNNING, worker=worker, heartbeat_at=now, attempts=F("attempts") + 1,
            started_at=Coalesce(F("started_at"), now), error_message="",
        )
    )
    if claimed != 1:
        return None
    job = TuningJob.objects.select_related("dataset", "base_model", "prompt", "parent_version").get(pk=job_id)
    log_job_event(job.pk, f"Running on {worker}" + (f" (attempt {job.attempts})" if job.attempts > 1 else ""))
    announce_job(job)
    return job


def touch_job_heartbeat(job_id: int, worker: str) -> bool:
    """Refresh the lease; False when the job is no longer this worker's to run."""
    return bool(
        TuningJob.objects.filter(pk=job_id, worker=worker, status=JobStatus.RUNNING).update(
            heartbeat_at=timezone.now()
        )
    )


def is_cancel_requested(job_id: int) -> bool:
    return TuningJob.objects.filter(pk=job_id, cancel_requested=True).exists()


def record_model_lease(job_id: int, *, reused: bool, load_seconds: float) -> None:
    TuningJob.objects.filter(pk=job_id).update(model_reused=reused)
    log_job_event(job_id, "Base model reused from the worker's memory" if reused
                 else f"Base model loaded in {load_seconds:.1f} s")


def record_fused_group(job_id: int, group_id: str) -> None:
    """The job joined a worker's fused training group: say with how many others it trains."""
    TuningJob.objects.filter(pk=job_id).update(fused_group=group_id)
    job = TuningJob.objects.select_related("base_model").get(pk=job_id)
    others = TuningJob.objects.training_with(job).count()
    log_job_event(job_id, f"Training together with {others} other job{'' if others == 1 else 's'} "
                          f"on {job.base_model.name}" if others else f"Training alone on {job.base_model.name}")
    announce_job(job)
    _announce_group_mates(job)


def _announce_group_mates(job: TuningJob) -> None:
    """The jobs sharing `job`'s fused group: their pages' "training together" count changed."""
    for mate in TuningJob.objects.filter(fused_group=job.fused_group, status=JobStatus.RUNNING).exclude(pk=job.pk):
        announce_job(mate)


def record_resume(job_id: int, step: int) -> None:
    TuningJob.objects.filter(pk=job_id).update(resumed_from_step=step)
    log_job_event(job_id, f"Resumed from the checkpoint at step {step}")


def record_progress(job_id: int, progress: dict[str, Any], *, save_point: bool) -> None:
    """Update the job's live fields and, for chart points, store a JobMetric.

    `progress` is a tuning_core ProgressEvent as a dict. Eval points are always
    saved; train points only when the caller's throttle lets them through.
    """
    step = int(progress["step"])
    total = int(progress["total_steps"])
    elapsed = float(progress["elapsed_seconds"])
    eta = elapsed / step * (total - step) if step else None
    updates: dict[str, Any] = {"step": step, "total_steps": total, "eta_seconds": eta, "heartbeat_at": timezone.now()}
    kind = progress["kind"]
    if kind == "step" and progress.get("loss") is not None:
        updates["last_loss"] = float(progress["loss"])
    metrics = progress.get("metrics") or {}
    if kind == "eval" and progress.get("is_best") and metrics:
        name = headline_metric_of(metrics)
        updates.update(best_metric=float(metrics[name]), best_metric_name=name, best_step=step)
    TuningJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**updates)
    if save_point or kind == "eval":
        # An evaluation job's points (examples scored, no loss) move the page live but draw no chart.
        if kind == "eval" or progress.get("loss") is not None:
            JobMetric.objects.update_or_create(
                job_id=job_id, kind=JobMetric.Kind.EVAL if kind == "eval" else JobMetric.Kind.TRAIN, step=step,
                defaults={"loss": progress.get("loss"), "learning_rate": progress.get("learning_rate"),
                          "values": metrics, "elapsed_seconds": elapsed},
            )
        publish(job_group(job_id), Event(kind="job.progress", data={
            "step": step, "total_steps": total, "loss": progress.get("loss"),
            "learning_rate": progress.get("learning_rate"), "metrics": metrics, "point": kind,
            "eta_seconds": eta, "is_best": bool(progress.get("is_best")),
            "metric_name": headline_metric_of(metrics) if metrics else None,
        }))
        owner_id = TuningJob.objects.filter(pk=job_id).values_list("owner_id", flat=True).first()
        if owner_id is not None:
            publish(user_group(owner_id), Event(kind="job.step", data={
                "id": job_id, "step": step, "total_steps": total}))


@dataclass(frozen=True)
class EvalOutcome:
    split: str
    mode: str
    metrics: dict[str, Any]
    predictions: list[dict[str, Any]]


@dataclass(frozen=True)
class TrainedPrompt:
    """Files a worker stored for a new version and what to say about them."""

    tensor_file: str  # its storage name, prompts/<prompt>/<hex>/prompt.safetensors
    sha256: str
    prompt_length: int
    d_model: int
    best_step: int | None
    metrics: dict[str, Any]


def record_result(
    job_id: int, worker: str, trained: TrainedPrompt | None, evals: list[EvalOutcome], *, cancelled: bool,
    stop_reason: str = "",
) -> PromptVersion | None:
    """Finish a job: succeeded (or cancelled) with its version and EvalRuns.

    The job row is locked and must still be this worker's running job, so a
    duplicate run that got this far creates no second version; its files go.
    """
    version = None
    with transaction.atomic():
        job = TuningJob.objects.select_for_update().select_related("prompt").get(pk=job_id)
        # A version is only ever created in the transaction that ends the job, so a job still
        # running for this worker has none yet.
        owned = job.status == JobStatus.RUNNING and job.worker == worker
        if owned:
            if trained is not None:
                version = record_prompt_version(
                    prompt=job.prompt, tensor_file=trained.tensor_file, sha256=trained.sha256,
                    prompt_length=trained.prompt_length, d_model=trained.d_model,
                    init=job.prompt_config.get("init", ""), job=job, parent=job.parent_version,
                    best_step=trained.best_step, metrics=trained.metrics,
                )
                for outcome in evals:
                    record_eval_run(version=version, dataset=job.dataset, split=outcome.split,
                                    mode=outcome.mode, metrics=outcome.metrics, predictions=outcome.predictions)
            job.status = JobStatus.CANCELLED if cancelled else JobStatus.SUCCEEDED
            job.finished_at = timezone.now()
            job.eta_seconds = 0 if not cancelled else None
            job.stop_reason = "cancelled" if cancelled else stop_reason
            if not cancelled:
                job.step = job.total_steps if job.step == 0 else job.step
            job.save(update_fields=["status", "finished_at", "eta_seconds", "step", "stop_reason"])
    if not owned:
        # Lost the race or the job ended meanwhile: leave no orphan files.
        if trained is not None:
            remove_version_files(trained.tensor_file)
        return None
    if job.stop_explanation:
        log_job_event(job.pk, job.stop_explanation)
    if not cancelled:
        log_job_event(job.pk, f"Succeeded: saved {version}" if version else "Succeeded")
    announce_job(job)
    return version


def record_failure(job_id: int, worker: str | None, message: str) -> None:
    filters: dict[str, Any] = {"pk": job_id, "status": JobStatus.RUNNING}
    if worker is not None:
        filters["worker"] = worker
    changed = TuningJob.objects.filter(**filters).update(
        status=JobStatus.FAILED, error_message=message, finished_at=timezone.now(), eta_seconds=None
    )
    if changed:
        log_job_event(job_id, f"Failed: {message}")
        announce_job(TuningJob.objects.get(pk=job_id))


def cancel_job(job: TuningJob) -> TuningJob:
    """A queued job ends at once; a running one stops at its next step (the worker
    keeps the best prompt so far when an evaluation happened)."""
    now = timezone.now()
    cancelled_queued = TuningJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, cancel_requested=True, finished_at=now
    )
    TuningJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    announce_job(job)
    if job.status == JobStatus.RUNNING:
        log_job_event(job.pk, "Cancellation requested: the worker stops at its next step")
    elif cancelled_queued:
        log_job_event(job.pk, "Cancelled while queued: nothing was trained, and no version was made")
    return job


def resend_lost_jobs(waiting: set[str], older_than: timedelta) -> list[int]:
    """Queued jobs older than `older_than` whose message is not among `waiting` (the ids in the
    broker's queues): send them again. A duplicate is harmless, as claiming is atomic."""
    cutoff = timezone.now() - older_than
    resent = []
    for job in TuningJob.objects.filter(status=JobStatus.QUEUED, created_at__lt=cutoff).order_by("pk"):
        if task_id(TaskName.TRAIN_JOB, job.pk) in waiting:
            continue
        if send_now(TaskName.TRAIN_JOB, job.pk, queue=job.queue):
            log_job_event(job.pk, "Its queue message was lost (the broker was down or restarted); sent again")
            resent.append(job.pk)
    return resent


def settle_jobs_of_dead_workers() -> list[int]:
    """Reap with the queues that live workers consume now; nothing when Redis cannot tell.

    Celery beat runs this periodically, so jobs are settled with no page open.
    """
    queues = live_queues()
    if queues is None:
        return []
    return reap_stale_jobs(live_queues=queues)


def reap_stale_jobs(*, live_queues: set[str]) -> list[int]:
    """Running jobs whose worker stopped beating: requeue them when a live worker
    consumes their queue (they resume from their checkpoint), fail them once no
    worker came back in time."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    orphan_before = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + settings.JOB_ORPHAN_TIMEOUT)
    touched: list[int] = []
    stale = TuningJob.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=stale_before)
    for job in stale:
        if job.cancel_requested:
            changed = TuningJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at__lt=stale_before).update(
                status=JobStatus.CANCELLED, finished_at=now,
                error_message="The worker stopped while the job was being cancelled",
            )
        elif job.queue in live_queues:
            with transaction.atomic():
                changed = TuningJob.objects.filter(
                    pk=job.pk, status=JobStatus.RUNNING, heartbeat_at__lt=stale_before
                ).update(status=JobStatus.QUEUED, worker="")
                if changed:
                    enqueue_on_commit(TaskName.TRAIN_JOB, job.pk, queue=job.queue)
            if changed:
                log_job_event(job.pk, "The worker running this job stopped; it was queued again and resumes "
                                     "from its last checkpoint")
        elif job.heartbeat_at is not None and job.heartbeat_at < orphan_before:
            minutes = max(1, round(settings.JOB_ORPHAN_TIMEOUT / 60))
            changed = TuningJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at__lt=orphan_before).update(
                status=JobStatus.FAILED, finished_at=now,
                error_message=(
                    f"The worker running this job stopped responding at {job.heartbeat_at:%Y-%m-%d %H:%M} UTC and "
                    f"no worker came back within {minutes} minute(s). Start a worker and launch the job again."
                ),
            )
        else:
            changed = 0
        if changed:
            touched.append(job.pk)
            announce_job(TuningJob.objects.get(pk=job.pk))
    return touched


def announce_job(job: TuningJob) -> None:
    data = JobStatusData(job_id=job.pk, status=job.status, step=job.step, total_steps=job.total_steps,
                         error_message=job.error_message, final=job.status in FINAL_STATUSES)
    event = Event(kind="job.status", data=data)
    publish(job_group(job.pk), event)
    publish(user_group(job.owner_id), event)
    if job.fused_group and job.status in FINAL_STATUSES:
        _announce_group_mates(job)  # one fewer trains beside them


def log_job_event(job_id: int, message: str) -> None:
    """Add a line to the job's event log (kept in the database) and push it live."""
    entry = JobLogEntry.objects.create(job_id=job_id, message=message[:500])
    publish(job_group(job_id), Event(kind="job.log", data={"message": entry.message,
                                                           "at": entry.created_at.isoformat()}))



class JobInUse(Exception):
    """Deleting a job that is still queued or running."""


def delete_job(job: TuningJob) -> None:
    """Delete a finished job with its chart points, event log and checkpoint files.

    The prompt version it made stays (a version outlives the job that trained it); a prompt left
    with no version and no other job, as a job that failed before its first evaluation leaves
    one, goes with it.
    """
    if job.is_active:
        raise JobInUse(f"Job {job.pk} is {job.status}: cancel it first, then delete it")
    job_id, files, prompt = job.pk, job.storage_prefix, job.prompt
    with transaction.atomic():
        job.delete()
        if not prompt.versions.exists() and not prompt.jobs.exists():
            prompt.delete()
        transaction.on_commit(lambda: media.delete_prefix(files), robust=True)
    publish(user_group(job.owner_id), Event(kind="job.status", data={
        "job_id": job_id, "status": "deleted", "final": True}))
