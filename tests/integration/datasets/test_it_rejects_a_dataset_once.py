"""A second delivery of the processing task after a rejection finds nothing to do; an error on our
side rejects the upload too, with a message that says so. Either way no dataset is made and the
upload keeps its files for a fix."""

from __future__ import annotations

import pytest

from tests.factories import review_rows, submit_upload, write_csv
from webapp.datasets.models import Dataset, Upload
from webapp.datasets.processing import Mapping
from webapp.datasets.services import ingest, process_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _submit(owner, tmp_path, label_map: dict[str, str]) -> Upload:
    path = write_csv(tmp_path / "r.csv", review_rows(20))
    return submit_upload(owner, path, Mapping("{text}", "label", label_map))


def test_it_ignores_a_second_delivery(alice, tmp_path) -> None:
    upload = _submit(alice, tmp_path, {"1": "positive"})  # label 0 is missing from the map
    assert process_upload(upload.key) is None
    assert process_upload(upload.key) is None
    upload.refresh_from_db()
    assert upload.status == "rejected"
    assert upload.problems[0]["message"].startswith("Label '0' has no entry in the label map")
    assert not Dataset.objects.exists()
    assert (upload.dir / "file.csv").is_file()
    assert [p.name for p in upload.dir.iterdir()] == ["file.csv"]  # no work directory left


def test_it_rejects_on_an_error_of_ours(alice, tmp_path, monkeypatch, caplog) -> None:
    upload = _submit(alice, tmp_path, {"0": "negative", "1": "positive"})

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ingest, "process_files", broken)
    assert process_upload(upload.key) is None
    upload.refresh_from_db()
    assert upload.status == "rejected"
    assert upload.problems[0]["message"].startswith("Processing failed because of an error on our side")
    assert "a bug" in caplog.text  # logged with its traceback
    assert (upload.dir / "file.csv").is_file()
