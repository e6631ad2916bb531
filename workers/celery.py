"""The worker side of the Celery application (`webapp.lib.queue.app`): its tasks and signal handlers."""

from __future__ import annotations

from webapp.lib.queue import app

app.autodiscover_tasks(["workers"])

# Imported for its signal handlers: the heartbeat thread starts with each worker.
from celery.signals import worker_init, worker_process_init, worker_ready  # noqa: E402

import workers.heartbeat  # noqa: E402,F401


@worker_ready.connect
def _reconcile_on_start(**kwargs: object) -> None:
    # A worker coming back after an outage sends lost work at once rather than at beat's next tick.
    from django.conf import settings

    from webapp.lib.queue import TaskName, send_now

    send_now(TaskName.RESEND_LOST_WORK, queue=settings.CELERY_TASK_DEFAULT_QUEUE)


@worker_init.connect  # the thread pool's one process (gpu queue)
@worker_process_init.connect  # each prefork child (default queue)
def _limit_torch_threads(**kwargs: object) -> None:
    from django.conf import settings

    if settings.TORCH_NUM_THREADS:
        import torch

        torch.set_num_threads(settings.TORCH_NUM_THREADS)
