"""Stored filenames come from us: a hostile upload name only ever appears as text."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from tests.factories import media_snapshot
from webapp.datasets.models import Upload
from webapp.datasets.services import process_upload

pytestmark = pytest.mark.django_db


def test_it_stores_files_under_names_of_its_own(client, alice) -> None:
    client.force_login(alice)
    before = set(media_snapshot(settings.MEDIA_ROOT))
    hostile = "../../<img src=x onerror=alert(1)>.csv"
    upload = SimpleUploadedFile(hostile, b"text,label\na good film,1\na bad film,0\n")
    mapping_url = client.post("/datasets/new/", {"file": upload})["Location"]
    staged = set(media_snapshot(settings.MEDIA_ROOT)) - before
    assert staged
    assert all(p.startswith("uploads") and "img" not in p for p in staged)

    html = client.get(mapping_url).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in html

    client.post(mapping_url, {"name": "x", "input_template": "{text}", "label_column": "label",
                              "task_kind": "classification", "label_map": "", "split_mode": "auto",
                              "validation_ratio": "0", "test_ratio": "0", "seed": "1"})
    with TestCase.captureOnCommitCallbacks(execute=True):
        dataset = process_upload(Upload.objects.get().key)
    assert dataset is not None
    stored = sorted(p.name for p in (dataset.storage_dir / "original").iterdir())
    assert stored == ["file.csv"]
    assert dataset.source_files[0]["name"] == "<img src=x onerror=alert(1)>.csv"  # shown, escaped
    added = set(media_snapshot(settings.MEDIA_ROOT)) - before
    assert added
    assert all(p in ("datasets", "uploads") or p.startswith(f"datasets/{dataset.storage_key}") for p in added)
