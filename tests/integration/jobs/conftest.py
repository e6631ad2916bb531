"""Fixtures for job tests: the tiny T5 as a registered base model and ready datasets."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from webapp.datasets.models import Dataset
from webapp.jobs.base_models import register_base_model
from webapp.jobs.models import BaseModel, TuningJob
from webapp.jobs.services import JobRequest, launch_job

WORDS = {
    "positive": ["good", "great", "wonderful", "excellent", "fun", "beautiful", "loved", "sweet"],
    "negative": ["bad", "terrible", "awful", "boring", "dull", "ugly", "hated", "poor"],
}


@pytest.fixture
def tiny_base_model(db: None, tiny_model_dir: Path) -> BaseModel:
    return register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)


def sentiment_rows(n: int, offset: int = 0) -> list[dict[str, str]]:
    rows = []
    for i in range(offset, offset + n):
        label = "positive" if i % 2 == 0 else "negative"
        words = WORDS[label]
        rows.append({"input_text": f"review: the movie was {words[i % len(words)]} and {words[(i * 3) % len(words)]}",
                     "target_text": label, "raw_label": label})
    return rows


def make_ready_dataset(owner: Any, name: str = "sentiment", *, train: int = 64, validation: int = 16,
                       test: int = 16) -> Dataset:
    """A processed classification dataset, written the way the upload pipeline writes one."""
    import datasets

    dataset = Dataset.objects.create(
        owner=owner, name=name, status="ready", task_kind="classification",
        input_template="review: {text}", label_column="label",
        labels=["negative", "positive"], label_counts={"negative": (train + validation + test) // 2,
                                                       "positive": (train + validation + test) // 2},
        split_counts={"train": train, "validation": validation, "test": test},
    )
    offset = 0
    for split, count in (("train", train), ("validation", validation), ("test", test)):
        if count:
            rows = sentiment_rows(count, offset)
            datasets.Dataset.from_list(rows).save_to_disk(str(dataset.split_path(split)))
            offset += count
    return dataset


@pytest.fixture
def ready_dataset(alice: Any) -> Dataset:
    return make_ready_dataset(alice)


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


def wait_for(predicate: Callable[[], bool], timeout: float = 90, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_for_status(job: TuningJob, *statuses: str, timeout: float = 120) -> TuningJob:
    def done() -> bool:
        job.refresh_from_db()
        return job.status in statuses

    wait_for(done, timeout, what=f"job {job.pk} to reach {statuses} (now {job.status}: {job.error_message})")
    return job


HELD_QUEUE = "held-back"


def launch_held(owner: Any, dataset: Dataset, base_model: BaseModel, **overrides: Any) -> TuningJob:
    """Launch onto a queue no worker consumes, so a test can listen before it runs."""
    from django.test import override_settings

    with override_settings(CELERY_GPU_QUEUE=HELD_QUEUE):
        return launch(owner, dataset, base_model, **overrides)


def release(job: TuningJob, queue: str = "gpu") -> None:
    from webapp.lib.queue import TaskName, enqueue_on_commit

    TuningJob.objects.filter(pk=job.pk).update(queue=queue)
    enqueue_on_commit(TaskName.TRAIN_JOB, job.pk, queue=queue)


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
