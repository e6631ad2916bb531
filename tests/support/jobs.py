"""Launching tuning jobs the way the launch form does, holding them back, and following them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.waiting import wait_for
from webapp.basemodels.models import BaseModel
from webapp.datasets.models import Dataset
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import JobRequest, launch_job

# A queue no worker consumes: a job launched onto it waits until the test releases it.
HELD_QUEUE = "held-back"


def job_request(dataset: Dataset, base_model: BaseModel, **overrides: Any) -> JobRequest:
    values: dict[str, Any] = dict(
        dataset=dataset, base_model=base_model, prompt_name="sentiment", continue_from=None,
        prompt_length=4, init="class_labels", learning_rate=0.3, batch_size=8, max_steps=30,
        eval_every=10, patience=None, max_input_length=32, seed=0,
    )
    values.update(overrides)
    return JobRequest(**values)


def launch(owner: Any, dataset: Dataset, base_model: BaseModel, **overrides: Any) -> TuningJob:
    return launch_job(owner, job_request(dataset, base_model, **overrides))


def launch_held(owner: Any, dataset: Dataset, base_model: BaseModel, **overrides: Any) -> TuningJob:
    """Launch onto a queue no worker consumes, so a test can listen before it runs."""
    from django.test import override_settings

    with override_settings(CELERY_GPU_QUEUE=HELD_QUEUE):
        return launch(owner, dataset, base_model, **overrides)


def release(job: TuningJob, queue: str = "gpu") -> None:
    from webapp.lib.queue import TaskName, enqueue_on_commit

    TuningJob.objects.filter(pk=job.pk).update(queue=queue)
    enqueue_on_commit(TaskName.TRAIN_JOB, job.pk, queue=queue)


def wait_for_status(job: TuningJob, *statuses: str, timeout: float = 120) -> TuningJob:
    def done() -> bool:
        job.refresh_from_db()
        return job.status in statuses

    wait_for(done, timeout, what=f"job {job.pk} to reach {statuses} (now {job.status}: {job.error_message})")
    return job


def job_communicator(user: Any, job_id: int) -> Any:
    from channels.testing import WebsocketCommunicator

    from webapp.jobs.consumers import JobProgressConsumer

    communicator = WebsocketCommunicator(JobProgressConsumer.as_asgi(), f"/ws/jobs/{job_id}/")
    communicator.scope["user"] = user
    communicator.scope["url_route"] = {"kwargs": {"job_id": job_id}}
    return communicator


def stream_job_events(user: Any, job: TuningJob, timeout: float = 120) -> list[dict[str, Any]]:
    """Listen on the job's socket, release the held-back job, collect events until it ends."""
    import asyncio

    from asgiref.sync import async_to_sync
    from channels.db import database_sync_to_async

    async def listen() -> list[dict[str, Any]]:
        communicator = job_communicator(user, job.pk)
        connected, _ = await communicator.connect()
        assert connected, "the owner's socket was refused"
        await database_sync_to_async(release)(job)
        events: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(timeout):
                while not (events and events[-1]["kind"] == "job.status" and events[-1]["data"]["final"]):
                    events.append(await communicator.receive_json_from(timeout=timeout))
        finally:
            await communicator.disconnect()
        return events

    return async_to_sync(listen)()


def outlasts(job: TuningJob, outage: Any, met_it: Callable[[], bool], what: str, timeout: float = 120,
             ends_within: float = 300) -> TuningJob:
    """Keep `outage` (a CuttableProxy) cut until the running job has met it (`met_it`, described
    by `what`), then await the job's end."""
    with outage.away():
        wait_for(met_it, timeout, what=what)
        assert TuningJob.objects.get(pk=job.pk).status == JobStatus.RUNNING
    return wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=ends_within)
