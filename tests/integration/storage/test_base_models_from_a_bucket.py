"""A base model registered as s3://bucket/prefix: read once at registration (each file's sha256
recorded), fetched once per machine into its cache, checked against that record, and loaded by
the model pool like any other."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from tests.support.s3 import S3Server
from tuning_core.checksum import sha256_file
from webapp.basemodels.services import BaseModelError, local_source, register_base_model
from webapp.basemodels.sources import ModelNotHere
from webapp.lib.media_cache import CorruptCopy
from workers.model_pool import ModelPool

pytestmark = pytest.mark.django_db


@pytest.fixture
def model_bucket(s3: S3Server, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    bucket = s3.new_bucket()
    for path in tiny_model_dir.rglob("*"):
        if path.is_file():
            s3.client().upload_file(str(path), bucket, f"models/tiny/{path.relative_to(tiny_model_dir).as_posix()}")
    for name, value in s3.env(bucket).items():  # the object store's endpoint and keys
        monkeypatch.setenv(name, value)
    return bucket


def test_a_model_in_a_bucket_is_registered_fetched_and_loaded(model_bucket: str, s3: S3Server, tiny_model_dir: Path,
                                                               tmp_path: Path) -> None:
    source = f"s3://{model_bucket}/models/tiny"
    with override_settings(LOCAL_CACHE_DIR=tmp_path / "registering-machine"):
        model = register_base_model("tiny-s3", source, random_weights=True)
    assert model.files["config.json"] == sha256_file(tiny_model_dir / "config.json")
    assert set(model.files) == {p.relative_to(tiny_model_dir).as_posix() for p in tiny_model_dir.rglob("*") if p.is_file()}

    with override_settings(LOCAL_CACHE_DIR=tmp_path / "worker"):
        with pytest.raises(ModelNotHere, match="not on this server yet"):
            local_source(model, fetch=False)  # a web request never fetches a model
        lease = ModelPool(budget_bytes=10**9).get(source)
        assert lease.base.info.d_model == model.d_model
        assert Path(local_source(model, fetch=False)).is_relative_to(tmp_path / "worker")

    s3.client().put_object(Bucket=model_bucket, Key="models/tiny/config.json", Body=b'{"model_type": "t5"}')
    with override_settings(LOCAL_CACHE_DIR=tmp_path / "another-worker"):
        with pytest.raises(CorruptCopy, match="config.json differs from the one registered"):
            local_source(model)


def test_a_folder_without_a_model_is_refused(model_bucket: str) -> None:
    with pytest.raises(BaseModelError, match="holds no config.json"):
        register_base_model("nothing", f"s3://{model_bucket}/models/none")
