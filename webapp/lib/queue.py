"""The one way web code hands work to Celery workers: by task name, after commit.

The Celery application is defined here, configured from Django settings, so that the web
process can send tasks without importing `workers` (which would run the worker's signal
handlers inside the web server). `workers.celery` registers the tasks on this same app.
"""

from __future__ import annotations

import os
from enum import StrEnum

from celery import Celery
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("soft_prompt_studio")
app.config_from_object("django.conf:settings", namespace="CELERY")


class TaskName(StrEnum):
    """Every task the web side sends; a test checks each is registered by the worker."""

    TRAIN_JOB = "workers.tasks.gpu_train_job_task"
    PROCESS_DATASET = "workers.tasks.process_dataset_task"
    MEASURE_TOKEN_LENGTHS = "workers.tasks.measure_token_lengths_task"


def enqueue_on_commit(name: TaskName, *args: object, queue: str | None = None) -> None:
    """Send task `name` with `args` once the current transaction commits.

    After commit, so that a worker picking the task up at once finds the rows it names; with
    no transaction open, Django runs the callback at once.
    """
    options = {"queue": queue} if queue else {}
    transaction.on_commit(lambda: app.send_task(str(name), args=list(args), **options))
