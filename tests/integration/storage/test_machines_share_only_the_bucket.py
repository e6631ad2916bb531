"""Machines that share no disk, only an S3 bucket (plus PostgreSQL and Redis):

- the web stages an upload into the bucket, worker A processes it into a dataset;
- worker A trains a job on it and is SIGKILLed after a checkpoint reached the bucket;
- worker B, with an empty cache and a MEDIA_ROOT of its own, resumes the job from that checkpoint,
  reading the dataset through its cache, and the job ends with one version;
- a prediction server on a third cache answers for that version, and its download streams from
  the bucket to its owner only.
"""

from __future__ import annotations

import hashlib
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from django.test import Client, override_settings

from tests.factories import api_key, sentiment_rows, submit_upload, write_csv
from tests.support.jobs import launch, wait_for_status
from tests.support.processes import celery_worker, prediction_server
from tests.support.s3 import S3Server, s3_storages
from tests.support.waiting import wait_for
from webapp.basemodels.services import register_base_model
from webapp.datasets.models import SplitMode, Upload, UploadStatus
from webapp.datasets.processing import Mapping
from webapp.jobs.models import JobStatus, TuningJob
from webapp.lib.prediction_calls import Keys
from webapp.prompts.models import PromptVersion

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PREFIX = "studio"


def machine(s3: S3Server, bucket: str, root: Path, **extra: str) -> dict[str, str]:
    """What a machine of its own is given: the bucket, and local folders nobody else sees."""
    return {**s3.env(bucket, PREFIX), "MEDIA_ROOT": str(root / "media"), "LOCAL_CACHE_DIR": str(root / "cache"),
            **extra}


def keys(s3: S3Server, bucket: str, under: str) -> list[str]:
    listed = s3.client().list_objects_v2(Bucket=bucket, Prefix=f"{PREFIX}/{under}")
    return [o["Key"] for o in listed.get("Contents", [])]


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def upload_csv(tmp_path: Path) -> Path:
    rows = [{**r, "split": "train"} for r in sentiment_rows(64)]
    rows += [{**r, "split": "validation"} for r in sentiment_rows(16, offset=64)]
    return write_csv(tmp_path / "reviews.csv", rows)


def test_workers_and_the_server_share_only_the_bucket(s3: S3Server, alice: Any, bob: Any, tiny_model_dir: Path,
                                                       service_logs: Path, tmp_path: Path, settings: Any) -> None:
    bucket, run = s3.new_bucket(), uuid.uuid4().hex[:8]
    queues = {"CELERY_TASK_DEFAULT_QUEUE": f"s3-default-{run}", "CELERY_GPU_QUEUE": f"s3-gpu-{run}"}
    recovery = {"JOB_HEARTBEAT_INTERVAL": "1", "JOB_HEARTBEAT_TIMEOUT": "3", **queues}
    web = tmp_path / "web"
    settings.SERVING_NAMESPACE = f"sps:test-s3:{run}"
    worker_a = celery_worker(service_logs, f"s3-a-{run}@localhost", queues=",".join(queues.values()),
                             **machine(s3, bucket, tmp_path / "a", **recovery))
    worker_b = celery_worker(service_logs, f"s3-b-{run}@localhost", queues=queues["CELERY_GPU_QUEUE"],
                             **machine(s3, bucket, tmp_path / "b", **recovery))
    server = prediction_server(service_logs, SERVING_NAMESPACE=settings.SERVING_NAMESPACE,
                               **machine(s3, bucket, tmp_path / "c"))
    with override_settings(STORAGES=s3_storages(s3, bucket, PREFIX), MEDIA_STORAGE="s3", MEDIA_ROOT=web / "media",
                           LOCAL_CACHE_DIR=web / "cache", **queues):
        try:
            worker_a.start(ready=lambda: "ready." in worker_a.log_tail(), timeout=90)
            base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)

            # The web stages the upload straight into the bucket; worker A makes the dataset.
            upload = submit_upload(alice, upload_csv(tmp_path), Mapping(
                input_template="review: {text}", label_column="label", label_map={}, split_mode=SplitMode.COLUMN,
                split_column="split"), name="reviews")
            assert keys(s3, bucket, f"uploads/{upload.key}/")
            wait_for(lambda: Upload.objects.get(pk=upload.pk).status == UploadStatus.DONE, timeout=120,
                     what="worker A to process the upload")
            dataset = Upload.objects.get(pk=upload.pk).dataset
            assert keys(s3, bucket, f"{dataset.storage_prefix}/splits/train/")
            wait_for(lambda: not keys(s3, bucket, f"uploads/{upload.key}/"), timeout=60,  # just after the commit
                     what="the upload's objects deleted once it is a dataset")

            # Worker A trains until a checkpoint is in the bucket, then dies without a word.
            job = launch(alice, dataset, base_model, max_steps=300, eval_every=50)
            checkpoint = f"{PREFIX}/{job.storage_prefix}/checkpoint/checkpoint.pt"
            wait_for(lambda: checkpoint in keys(s3, bucket, f"{job.storage_prefix}/")
                     and TuningJob.objects.get(pk=job.pk).metrics.filter(kind="eval").count() >= 2,
                     timeout=120, what="a checkpoint of worker A's in the bucket")
            worker_a.kill(signal.SIGKILL)

            # Worker B has none of A's files: it resumes from the bucket's checkpoint.
            worker_b.start(ready=lambda: "ready." in worker_b.log_tail(), timeout=90)
            job = wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=300)
            assert job.status == JobStatus.SUCCEEDED, job.error_message
            assert (job.attempts, job.worker.split("@")[0]) == (2, f"s3-b-{run}")
            assert job.resumed_from_step is not None and job.resumed_from_step >= 100
            version = PromptVersion.objects.get(job=job)
            assert keys(s3, bucket, version.tensor_file)
            # The worker cleans up just after it records the result: await that, as a check right
            # after the status races it.
            wait_for(lambda: not keys(s3, bucket, f"{job.storage_prefix}/"), timeout=60,
                     what="the finished job's checkpoint objects deleted")
            wait_for(lambda: not files_under(tmp_path / "b" / "media"), timeout=60,
                     what="worker B's scratch space emptied")
            assert files_under(tmp_path / "b" / "cache"), "worker B read the dataset through its cache"
            assert not files_under(web / "media"), "the web keeps nothing on its own disk"

            # A third machine serves the version from its own cache.
            names = Keys(settings.SERVING_NAMESPACE)
            alive = redis.Redis.from_url(settings.REDIS_URL)
            server.start(ready=lambda: bool(alive.exists(names.alive)), timeout=60)
            owner = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
            answer = owner.post(f"/api/v1/versions/{version.pk}/predict/", {"inputs": [{"text": "a fine film"}]},
                                content_type="application/json")
            assert answer.status_code == 200, answer.content
            assert answer.json()["predictions"][0]["label"] in {"negative", "positive"}
            assert files_under(tmp_path / "c" / "cache")

            # The download streams from the bucket, to its owner only.
            download = owner.get(f"/api/v1/versions/{version.pk}/download/")
            assert download.status_code == 200
            assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == version.sha256
            stranger = Client(HTTP_AUTHORIZATION=f"Token {api_key(bob)}")
            assert stranger.get(f"/api/v1/versions/{version.pk}/download/").status_code == 404
        finally:
            for process in (worker_a, worker_b, server):
                process.stop()
