"""Celery tasks. Each one is thin: take ids, claim, call a service, record."""

from __future__ import annotations

import os
import socket

from celery import shared_task

from webapp.lib.events import Event, WorkerPongData, publish


@shared_task(name="workers.tasks.ping_task")
def ping_task(reply_group: str | None = None) -> WorkerPongData:
    """Round trip through a worker; with `reply_group`, also answer over the channel layer."""
    answer = WorkerPongData(pong=True, worker=socket.gethostname())
    if reply_group:
        publish(reply_group, Event(kind="worker.pong", data=answer))
    return answer


@shared_task(name="workers.tasks.gpu_train_job_task", bind=True)
def gpu_train_job_task(self, job_id: int) -> None:  # type: ignore[no-untyped-def]
    """Claim the job (a duplicate delivery gets nothing), train, record."""
    from webapp.jobs.services import claim_job
    from workers.training import run_job

    worker = f"{self.request.hostname}:{os.getpid()}"
    job = claim_job(job_id, worker)
    if job is None:
        return
    run_job(job, worker)


@shared_task(name="workers.tasks.process_upload_task")
def process_upload_task(upload_id: str) -> int | None:
    """Check an upload's rows against its mapping and make its dataset (default queue: CPU only,
    no model); returns the dataset's id, or None when rejected.

    A redelivered or late task finds the upload no longer `processing` and does nothing.
    """
    from webapp.datasets.services import process_upload

    dataset = process_upload(upload_id)
    return dataset.pk if dataset is not None else None


@shared_task(name="workers.tasks.settle_jobs_of_dead_workers_task")
def settle_jobs_of_dead_workers_task() -> list[int]:
    """Celery beat's periodic reaping (default queue): requeue or fail jobs whose worker died."""
    from webapp.jobs.services import settle_jobs_of_dead_workers

    return settle_jobs_of_dead_workers()


@shared_task(name="workers.tasks.sweep_stale_uploads_task")
def sweep_stale_uploads_task() -> int:
    """Celery beat's cleaning (default queue): remove uploads left on the mapping page past their TTL."""
    from webapp.datasets.services import sweep_stale_uploads

    return sweep_stale_uploads()


@shared_task(name="workers.tasks.measure_token_lengths_task")
def measure_token_lengths_task(dataset_id: int, source: str, max_length: int) -> None:
    """Token lengths of a dataset's inputs under one base model's tokenizer (default queue)."""
    from webapp.datasets.token_lengths import measure_token_lengths

    measure_token_lengths(dataset_id, source, max_length)


@shared_task(name="workers.tasks.nearest_tokens_task")
def nearest_tokens_task(version_id: int) -> None:
    """A version's nearest vocabulary tokens per prompt position (default queue: reads the base
    model's embedding tensor from its checkpoint file, builds no model)."""
    from webapp.prompts.services import compute_nearest_tokens

    compute_nearest_tokens(version_id)


@shared_task(name="workers.tasks.resend_lost_work_task")
def resend_lost_work_task() -> dict[str, list[int]]:
    """Celery beat's reconciling (default queue): send again queued work whose message is lost."""
    from dataclasses import asdict

    from webapp.core.reconcile import resend_lost_work

    return asdict(resend_lost_work())
