"""A dataset deleted while its processing runs leaves no files once the task finishes."""

from __future__ import annotations

import pytest

from tests.factories import review_rows, upload_dataset, write_csv
from webapp.datasets import processing, services
from webapp.datasets.models import Dataset
from webapp.datasets.processing import Mapping
from webapp.datasets.services import process_dataset
from webapp.datasets.staging import rejected_stagings

pytestmark = pytest.mark.django_db


def test_it_removes_what_the_task_wrote(alice, tmp_path, monkeypatch) -> None:
    path = write_csv(tmp_path / "r.csv", review_rows(20))
    dataset = upload_dataset(alice, path, Mapping("{text}", "label", {}))
    real = processing.process_files

    def delete_midway(*args, **kwargs):
        result = real(*args, **kwargs)
        Dataset.objects.filter(pk=dataset.pk).delete()  # the owner deletes it meanwhile
        return result

    monkeypatch.setattr(services, "process_files", delete_midway)
    assert process_dataset(dataset.pk) is None
    assert not dataset.storage_dir.exists()


def test_it_keeps_no_staging_for_a_rejected_dataset_deleted_meanwhile(
    alice, tmp_path, monkeypatch, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [{"text": f"film {i}", "label": "pos"} for i in range(10)]  # a single class: rejected
    path = write_csv(tmp_path / "r.csv", rows)
    dataset = upload_dataset(alice, path, Mapping("{text}", "label", {}))
    real = processing.process_files

    def delete_midway(*args, **kwargs):
        Dataset.objects.filter(pk=dataset.pk).delete()  # the owner deletes it meanwhile
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "process_files", delete_midway)
    assert process_dataset(dataset.pk) is None
    assert not dataset.storage_dir.exists()
    assert rejected_stagings(alice) == []
