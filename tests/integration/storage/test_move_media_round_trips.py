"""`manage.py move_media --to s3` copies an installation's files into the bucket, each verified by
sha256, switching nothing; after the switch the product reads them from there; a second run
resumes (skips what verifies, copies what is missing or damaged); `--to local` brings them back."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.factories import make_ready_dataset, make_version
from tests.support.s3 import S3Server, s3_storages
from webapp.basemodels.services import register_base_model
from webapp.lib.splits import load_split
from webapp.prompts.models import Prompt

pytestmark = pytest.mark.django_db


def move(to: str) -> str:
    out = io.StringIO()
    call_command("move_media", "--to", to, stdout=out)
    return out.getvalue()


def local_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_files_move_to_s3_and_back(s3: S3Server, alice: Any, tiny_model_dir: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    bucket = s3.new_bucket()
    for name, value in s3.env(bucket, "moved").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MEDIA_STORAGE", "local")  # the installation as it runs before the move
    original = tmp_path / "local-media"
    with override_settings(MEDIA_ROOT=original):
        dataset = make_ready_dataset(alice, train=16, validation=4, test=0)
        prompt = Prompt.objects.create(owner=alice, name="p", base_model=register_base_model(
            "tiny-t5", str(tiny_model_dir), random_weights=True))
        version = make_version(prompt, seed=1, accuracy=0.5)
        files = local_files(original)
        assert move("s3").startswith(f"{len(files)} files verified by sha256 at the destination ({len(files)} copied")

    stored = {o["Key"] for o in s3.client().list_objects_v2(Bucket=bucket)["Contents"]}
    assert stored == {f"moved/{name}" for name in files}

    # Interrupted, or damaged since: one object missing, one with other bytes. A new run mends both.
    s3.client().delete_object(Bucket=bucket, Key=f"moved/{version.tensor_file}")
    damaged = next(name for name in files if name.startswith(dataset.storage_prefix))
    s3.client().put_object(Bucket=bucket, Key=f"moved/{damaged}", Body=b"not the file")
    with override_settings(MEDIA_ROOT=original):
        assert f"({2} copied, {len(files) - 2} already there)" in move("s3")

    # Switched: a machine with nothing on its disk reads the same dataset and version.
    with override_settings(STORAGES=s3_storages(s3, bucket, "moved"), MEDIA_STORAGE="s3",
                           MEDIA_ROOT=tmp_path / "empty", LOCAL_CACHE_DIR=tmp_path / "cache"):
        assert len(load_split(dataset.split_path("train"))) == 16
        assert version.local_tensor().read_bytes() == files[version.tensor_file]

    back = tmp_path / "back"
    with override_settings(MEDIA_ROOT=back):
        assert f"({len(files)} copied, 0 already there)" in move("local")
    assert local_files(back) == files
