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


@worker_init.connect  # before the thread pool starts its threads
def _resolve_transformers_names(**kwargs: object) -> None:
    # transformers resolves its top-level names lazily, on first use, and two threads resolving
    # the same one at once can fail ("cannot import name 'AutoTokenizer' from 'transformers'"):
    # two nearest-token tasks did. Resolve those we use once, while one thread runs.
    import transformers

    for name in ("AttentionInterface", "AutoConfig", "AutoTokenizer", "T5Config", "T5ForConditionalGeneration"):
        getattr(transformers, name)
