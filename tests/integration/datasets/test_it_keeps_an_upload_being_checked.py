"""An upload a worker is checking cannot be discarded (nor swept), and a late second delivery of
its message after the dataset was made changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import review_rows, submit_upload, write_csv
from webapp.datasets.models import Dataset, Upload
from webapp.datasets.processing import Mapping
from webapp.datasets.services import UPLOAD_TTL, UploadBusy, discard_upload, process_upload, sweep_stale_uploads

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def processing(alice, tmp_path) -> Upload:
    path = write_csv(tmp_path / "reviews.csv", review_rows(20))
    return submit_upload(alice, path, Mapping("review: {text}", "label", {"0": "negative", "1": "positive"}))


def test_it_refuses_to_discard_it(processing: Upload) -> None:
    with pytest.raises(UploadBusy, match="is being checked"):
        discard_upload(processing)
    assert Upload.objects.filter(pk=processing.pk).exists()
    assert (processing.dir / "file.csv").is_file()


def test_the_sweep_leaves_it(processing: Upload) -> None:
    assert sweep_stale_uploads(now=timezone.now() + UPLOAD_TTL + timedelta(hours=1)) == 0
    assert processing.dir.is_dir()


def test_a_second_delivery_after_the_dataset_was_made_does_nothing(
    processing: Upload, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        dataset = process_upload(processing.key)
        assert dataset is not None
        assert process_upload(processing.key) is None
    assert list(Dataset.objects.all()) == [dataset]
    processing.refresh_from_db()
    assert processing.status == "done"
    assert processing.dataset == dataset
    assert not processing.dir.exists()
    assert sorted(p.name for p in dataset.storage_dir.iterdir()) == ["original", "splits"]
