"""A second delivery of the processing task after a rejection finds nothing to do; an error on our
side rejects the dataset too, with a message that says so."""

from __future__ import annotations

import pytest

from tests.factories import review_rows, upload_dataset, write_csv
from webapp.datasets import services
from webapp.datasets.models import Dataset
from webapp.datasets.processing import Mapping
from webapp.datasets.services import process_dataset
from webapp.datasets.staging import rejected_stagings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _create(owner, tmp_path, label_map: dict[str, str]) -> Dataset:
    path = write_csv(tmp_path / "r.csv", review_rows(20))
    return upload_dataset(owner, path, Mapping("{text}", "label", label_map))


def test_it_ignores_a_second_delivery(alice, tmp_path, django_capture_on_commit_callbacks) -> None:
    dataset = _create(alice, tmp_path, {"1": "positive"})  # label 0 is missing from the map
    with django_capture_on_commit_callbacks(execute=True):
        assert process_dataset(dataset.pk) is None
        assert process_dataset(dataset.pk) is None
    [staging] = rejected_stagings(alice)
    assert staging.problems[0]["message"].startswith("Label '0' has no entry in the label map")
    assert not Dataset.objects.exists()
    assert not dataset.storage_dir.exists()


def test_it_rejects_on_an_error_of_ours(alice, tmp_path, monkeypatch, caplog) -> None:
    dataset = _create(alice, tmp_path, {"0": "negative", "1": "positive"})

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "process_files", broken)
    assert process_dataset(dataset.pk) is None
    [staging] = rejected_stagings(alice)
    assert staging.problems[0]["message"].startswith("Processing failed because of an error on our side")
    assert "a bug" in caplog.text  # logged with its traceback
    assert (staging.dir / "file.csv").is_file()
