"""/healthz and the home page say where the files are and whether that storage answers: a bucket
that is gone makes the product degraded, as a database that is gone does."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.support.s3 import S3Server
from webapp.core.health import check_storage

pytestmark = pytest.mark.django_db


def test_local_files_are_named_with_their_folder(tmp_path: Path) -> None:
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        health = check_storage()
    assert (health.status, health.detail) == ("ok", f"local files under {tmp_path / 'media'}")


def test_the_bucket_is_named_and_its_loss_degrades_the_product(s3: S3Server, s3_media: str, alice) -> None:
    health = check_storage()
    assert health.status == "ok"
    assert health.detail == f"bucket {s3_media}/media at {s3.endpoint}"

    s3.client().delete_bucket(Bucket=s3_media)
    health = check_storage()
    assert health.status == "down"
    assert "file storage unreachable" in health.detail
    answer = Client().get("/healthz")
    assert answer.json()["status"] == "degraded"
    assert answer.json()["storage"]["status"] == "down"
