"""The migration to Upload rows loses nothing: a staged or rejected upload kept as files becomes an
Upload with its files, a dataset caught validating becomes a processing upload (the reconciler
sends it again), and an old invalid dataset, which kept no files, goes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import review_rows, write_csv
from webapp.datasets.reading import scan_file

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("datasets", "0001_initial")]
AFTER = [("datasets", "0003_dataset_is_always_ready")]


def _migrate(target: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    # The state migrate() leaves holds every migration still applied, other apps' too.
    return executor.migrate(target or executor.loader.graph.leaf_nodes()).apps


@pytest.fixture
def old_apps(settings, tmp_path) -> Iterator[Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    try:
        yield _migrate(BEFORE)
    finally:
        _migrate([])


def _file(tmp_path: Path) -> tuple[Path, dict]:
    path = write_csv(tmp_path / "reviews.csv", review_rows(10))
    scan = asdict(scan_file(path, "csv", "reviews.csv"))
    return path, {"role": "file", "name": "reviews.csv", "format": "csv", "size": path.stat().st_size,
                  "stored": "file.csv", "scan": scan}


def test_it_turns_stagings_and_unready_datasets_into_uploads(old_apps, alice, settings, tmp_path) -> None:
    media = Path(settings.MEDIA_ROOT)
    path, staged_file = _file(tmp_path)
    staging_id = uuid.uuid4().hex
    staging = media / "staging" / staging_id
    staging.mkdir(parents=True)
    (staging / "file.csv").write_bytes(path.read_bytes())
    (staging / "manifest.json").write_text(json.dumps({
        "id": staging_id, "owner_id": alice.pk, "name": "Rejected once", "files": [staged_file],
        "created_at": 0.0, "problems": [{"message": "The input is empty", "severity": "error"}],
        "mapping": {"input_template": "{text}", "label_column": "label", "label_map": {}, "name": "Rejected once"},
        "rejected_dataset_id": 7,
    }))
    old = old_apps.get_model("datasets", "Dataset")
    validating = old.objects.create(owner_id=alice.pk, name="Half way", status="validating",
                                    input_template="review: {text}", label_column="label",
                                    source_files=[{k: staged_file[k] for k in ("role", "name", "format", "size", "stored")}])
    original = media / "datasets" / str(validating.storage_key) / "original"
    original.mkdir(parents=True)
    (original / "file.csv").write_bytes(path.read_bytes())
    old.objects.create(owner_id=alice.pk, name="Broken long ago", status="invalid", input_template="{text}",
                       label_column="label")

    apps = _migrate(AFTER)

    Upload = apps.get_model("datasets", "Upload")
    rejected = Upload.objects.get(name="Rejected once")
    assert rejected.id.hex == staging_id
    assert rejected.status == "rejected"
    assert rejected.mapping == {"input_template": "{text}", "label_column": "label", "label_map": {}}
    assert sorted(p.name for p in (media / "uploads" / staging_id).iterdir()) == ["file.csv"]
    processing = Upload.objects.get(name="Half way")
    assert processing.status == "processing"
    assert processing.files[0]["scan"]["rows"] == 10  # scanned again: it kept no manifest
    assert processing.mapping["input_template"] == "review: {text}"
    assert (media / "uploads" / processing.id.hex / "file.csv").is_file()
    assert not apps.get_model("datasets", "Dataset").objects.exists()
    assert not (media / "staging" / staging_id).exists()
    assert not (media / "datasets" / str(validating.storage_key)).exists()
