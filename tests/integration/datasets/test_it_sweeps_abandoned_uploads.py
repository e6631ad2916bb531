"""Uploads left on the mapping page are removed once past their TTL by beat's periodic task on the
default queue, so they go even when nobody uploads again; fresh ones stay."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import review_rows, write_csv
from webapp.datasets.models import Upload
from webapp.datasets.services import UPLOAD_TTL, IncomingFile, stage_upload
from workers.tasks import sweep_stale_uploads_task

pytestmark = pytest.mark.django_db


def _stage(owner, tmp_path, name: str) -> Upload:
    path = write_csv(tmp_path / f"{name}.csv", review_rows(6))
    return stage_upload(owner, name, [IncomingFile("file", path.name, path, path.stat().st_size)])


def test_beat_sweeps_uploads_past_their_ttl(alice, tmp_path, django_capture_on_commit_callbacks) -> None:
    old = _stage(alice, tmp_path, "abandoned")
    fresh = _stage(alice, tmp_path, "fresh")
    Upload.objects.filter(pk=old.pk).update(updated_at=timezone.now() - UPLOAD_TTL - timezone.timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        removed = sweep_stale_uploads_task.apply().get()

    assert removed == 1
    assert not old.dir.exists()
    assert fresh.dir.exists()
    assert [u.name for u in Upload.objects.for_user(alice).waiting()] == ["fresh"]


def test_beat_sends_the_sweep_to_the_default_queue() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-stale-uploads"]

    assert entry["task"] == "workers.tasks.sweep_stale_uploads_task"
    assert entry["options"]["queue"] == settings.CELERY_TASK_DEFAULT_QUEUE
