"""In S3 mode a delete removes the objects it owned: a job's checkpoint, a version's files, a
dataset's originals and splits; and a dataset's download still goes to its owner only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.factories import api_key, make_ready_dataset, make_version
from tests.support.jobs import launch_held
from tests.support.s3 import S3Server
from webapp.basemodels.services import register_base_model
from webapp.datasets.services import delete_dataset
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import delete_job
from webapp.lib import media
from webapp.prompts.models import Prompt
from webapp.prompts.services import delete_version

pytestmark = pytest.mark.django_db(transaction=True)


def stored(s3: S3Server, bucket: str, under: str) -> list[str]:
    listed = s3.client().list_objects_v2(Bucket=bucket, Prefix=f"media/{under}")
    return [o["Key"] for o in listed.get("Contents", [])]


def test_deletes_take_their_objects(s3: S3Server, s3_media: str, alice: Any, bob: Any, tiny_model_dir: Path,
                                    tmp_path: Path) -> None:
    dataset = make_ready_dataset(alice, train=16, validation=4, test=0)
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    assert stored(s3, s3_media, f"{dataset.storage_prefix}/original/")
    assert stored(s3, s3_media, f"{dataset.storage_prefix}/splits/train/")

    owner, stranger = (Client(HTTP_AUTHORIZATION=f"Token {api_key(u)}") for u in (alice, bob))
    download = Client()
    download.force_login(alice)
    csv = download.get(f"/datasets/{dataset.pk}/download/train.csv")
    assert csv.status_code == 200 and len(b"".join(csv.streaming_content).splitlines()) == 17
    outsider = Client()
    outsider.force_login(bob)
    assert outsider.get(f"/datasets/{dataset.pk}/download/train.csv").status_code == 404

    job = launch_held(alice, dataset, base_model)
    checkpoint = tmp_path / "checkpoint.pt"
    checkpoint.write_bytes(b"a checkpoint")
    media.publish(checkpoint, job.checkpoint_name("checkpoint.pt"))
    TuningJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    job.refresh_from_db()
    delete_job(job)
    assert not stored(s3, s3_media, f"{job.storage_prefix}/")

    version = make_version(Prompt.objects.create(owner=alice, name="p", base_model=base_model), seed=1, accuracy=0.5)
    assert stored(s3, s3_media, version.tensor_file) == [f"media/{version.tensor_file}"]
    assert owner.get(f"/api/v1/versions/{version.pk}/download/").status_code == 200
    # Bytes that are not the recorded ones are never served as the version.
    s3.client().put_object(Bucket=s3_media, Key=f"media/{version.tensor_file}", Body=b"other bytes")
    page = Client()
    page.force_login(alice)
    damaged = page.get(f"/prompts/versions/{version.pk}/download.npy")
    assert damaged.status_code == 404
    assert b"does not match its recorded sha256" in damaged.content
    assert version.prompt_matrix() is None
    assert stranger.get(f"/api/v1/versions/{version.pk}/download/").status_code == 404
    delete_version(version)
    assert not stored(s3, s3_media, version.tensor_file.rsplit("/", 1)[0] + "/")

    delete_dataset(dataset)
    assert not stored(s3, s3_media, f"{dataset.storage_prefix}/")
