"""The Celery application, configured from Django settings (`CELERY_*`)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("soft_prompt_studio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["workers"])

# Imported for its signal handlers: the heartbeat thread starts with each worker.
from celery.signals import worker_process_init  # noqa: E402

import workers.heartbeat  # noqa: E402,F401


@worker_process_init.connect
def _limit_torch_threads(**kwargs: object) -> None:
    from django.conf import settings

    if settings.TORCH_NUM_THREADS:
        import torch

        torch.set_num_threads(settings.TORCH_NUM_THREADS)
