"""The one way web code hands work to Celery workers: by task name, after commit.

The Celery application is defined here, configured from Django settings, so that the web
process can send tasks without importing `workers` (which would run the worker's signal
handlers inside the web server). `workers.celery` registers the tasks on this same app.

Sending never fails the request that asked for it: a row is committed first, and when the broker
is unreachable the message is simply not sent; the periodic reconciler (`resend_lost_work` in
`webapp.core.reconcile`) finds rows whose message is in no queue and sends them again. Every
message gets a task id derived from its row, so the reconciler can tell which rows are waiting.
"""

from __future__ import annotations

import json
import logging
import os
from enum import StrEnum

import redis
from celery import Celery
from django.conf import settings
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

logger = logging.getLogger(__name__)

app = Celery("soft_prompt_studio")
app.config_from_object("django.conf:settings", namespace="CELERY")


class TaskName(StrEnum):
    """Every task the web side sends; a test checks each is registered by the worker."""

    TRAIN_JOB = "workers.tasks.gpu_train_job_task"
    PROCESS_UPLOAD = "workers.tasks.process_upload_task"
    MEASURE_TOKEN_LENGTHS = "workers.tasks.measure_token_lengths_task"
    NEAREST_TOKENS = "workers.tasks.nearest_tokens_task"
    RESEND_LOST_WORK = "workers.tasks.resend_lost_work_task"


def task_id(name: TaskName, *args: object) -> str:
    """The id a message for `name(*args)` carries: the same for every re-send of the same work."""
    return ":".join([name.rsplit(".", 1)[-1], *map(str, args)])


def send_now(name: TaskName, *args: object, queue: str | None = None) -> bool:
    """Send at once; False (logged) when the broker cannot take it.

    A fresh connection to the broker named by the settings at call time, with a short retry:
    a request must not hang for long on a broker that is down.
    """
    # Named at call time, not left to the Celery app's configuration, so one setting moves it.
    options = {"queue": queue or settings.CELERY_TASK_DEFAULT_QUEUE}
    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            app.send_task(str(name), args=list(args), task_id=task_id(name, *args), connection=connection,
                          retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY, **options)
    except Exception:  # noqa: BLE001 - any transport error: the reconciler sends it later
        logger.warning("the queue is unavailable: %s%s not sent now; the reconciler will send it",
                       name, tuple(args), exc_info=True)
        return False
    return True


def enqueue_on_commit(name: TaskName, *args: object, queue: str | None = None) -> None:
    """Send task `name` with `args` once the current transaction commits.

    After commit, so that a worker picking the task up at once finds the rows it names; with
    no transaction open, Django runs the callback at once.
    """
    transaction.on_commit(lambda: send_now(name, *args, queue=queue))


def waiting_task_ids(queues: set[str]) -> set[str] | None:
    """Ids of messages in `queues` or delivered and not yet acknowledged; None when the broker
    cannot be read.

    Reads kombu's Redis layout: one list per queue, and the `unacked` hash of messages a worker
    holds. A message in neither is lost (a broker that restarted empty, a send that failed).
    """
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=5, socket_connect_timeout=5)
    try:
        raw = [m for q in sorted(queues) for m in client.lrange(q, 0, -1)]
        raw += [json.loads(v)[0] for v in client.hvals("unacked")]
    except redis.RedisError:
        return None
    ids = set()
    for message in raw:
        payload = json.loads(message) if isinstance(message, (bytes, str)) else message
        ids.add(str(payload.get("headers", {}).get("id", "")))
    return ids
