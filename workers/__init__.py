"""Celery workers: thin tasks that claim work, call tuning_core, and record results."""

from workers.celery import app as celery_app

__all__ = ["celery_app"]
