"""MEDIA_STORAGE and the S3_* variables: local needs nothing; s3 with a malformed or missing value
stops start-up with a message naming the variable."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from webapp.lib.env import media_storage_settings

GOOD = {"MEDIA_STORAGE": "s3", "S3_ENDPOINT_URL": "http://minio:9000", "S3_BUCKET": "sps-media",
        "S3_ACCESS_KEY_ID": "key", "S3_SECRET_ACCESS_KEY": "secret"}


def test_local_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIA_STORAGE", raising=False)
    assert media_storage_settings() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_s3_settings_reach_django_storages(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**GOOD, "S3_PREFIX": "/studio/media/"}.items():
        monkeypatch.setenv(name, value)
    storage = media_storage_settings()
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "sps-media"
    assert storage["OPTIONS"]["location"] == "studio/media"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("MEDIA_STORAGE", "ftp", "MEDIA_STORAGE='ftp' is not a storage"),
    ("S3_ENDPOINT_URL", "minio:9000", "S3_ENDPOINT_URL='minio:9000' must be the object store's http(s) URL"),
    ("S3_BUCKET", "My_Bucket", "S3_BUCKET='My_Bucket' is not a bucket name"),
    ("S3_SECRET_ACCESS_KEY", "", "S3_SECRET_ACCESS_KEY is empty"),
    ("S3_PREFIX", "a b", "S3_PREFIX='a b' may hold only"),
])
def test_a_malformed_value_names_its_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str,
                                               message: str) -> None:
    for key, good in GOOD.items():
        monkeypatch.setenv(key, good)
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        media_storage_settings()
