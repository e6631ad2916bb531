"""An S3 server for the storage tests, and this process's default storage pointed at a fresh bucket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from tests.support.s3 import S3Server, s3_server, s3_storages


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture
def s3_media(s3: S3Server, tmp_path: Path) -> Iterator[str]:
    """MEDIA_STORAGE=s3 in this process, on a bucket of its own, with an empty cache and scratch
    space of its own; yields the bucket's name."""
    bucket = s3.new_bucket()
    with override_settings(STORAGES=s3_storages(s3, bucket, prefix="media"), MEDIA_STORAGE="s3",
                           MEDIA_ROOT=tmp_path / "scratch", LOCAL_CACHE_DIR=tmp_path / "cache"):
        yield bucket
