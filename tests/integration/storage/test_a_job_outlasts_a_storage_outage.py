"""The object store unreachable in the middle of a job (MEDIA_STORAGE=s3): the checkpoints that
cannot be stored are told in the job's log and training goes on; once the store is back the next
checkpoint is stored, and the job ends with its version in the bucket.

Only the worker loses the store: it reaches moto through a proxy the test cuts."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from tests.factories import make_ready_dataset
from tests.support.jobs import launch, outlasts
from tests.support.processes import celery_worker
from tests.support.proxy import CuttableProxy
from tests.support.s3 import S3Server, s3_storages
from tests.support.waiting import wait_for
from webapp.basemodels.services import register_base_model
from webapp.jobs.models import JobStatus, TuningJob
from webapp.prompts.models import PromptVersion

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUEUE = "gpu-storage-outage-test"


def logged(job: TuningJob, text: str) -> bool:
    return job.log_entries.filter(message__contains=text).exists()


def test_training_goes_on_while_the_store_is_away(s3: S3Server, alice: Any, tiny_model_dir: Path, tmp_path: Path,
                                                  service_logs: Path) -> None:
    bucket = s3.new_bucket()
    endpoint = urlsplit(s3.endpoint)
    proxy = CuttableProxy(endpoint.hostname or "127.0.0.1", int(endpoint.port or 80))
    worker = celery_worker(service_logs, "s3-outage@localhost", queues=QUEUE, **{
        **s3.env(bucket), "S3_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}",
        "MEDIA_ROOT": str(tmp_path / "worker" / "media"), "LOCAL_CACHE_DIR": str(tmp_path / "worker" / "cache"),
        "JOB_STORAGE_RETRY_SECONDS": "60"})
    with override_settings(STORAGES=s3_storages(s3, bucket), MEDIA_STORAGE="s3", MEDIA_ROOT=tmp_path / "web",
                           LOCAL_CACHE_DIR=tmp_path / "web-cache", CELERY_GPU_QUEUE=QUEUE):
        try:
            worker.start(ready=lambda: "ready." in worker.log_tail(), timeout=90)
            dataset = make_ready_dataset(alice)
            base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
            job = launch(alice, dataset, base_model, max_steps=600, eval_every=100)

            wait_for(lambda: job.metrics.filter(kind="eval").exists(), timeout=120, what="a first evaluation")
            job = outlasts(job, proxy, lambda: logged(job, "A checkpoint could not be stored"),
                           "a checkpoint that meets the outage")
        finally:
            worker.stop()
            proxy.close()

    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.attempts == 1
    version = PromptVersion.objects.get(job=job)
    assert s3.client().head_object(Bucket=bucket, Key=version.tensor_file)["ContentLength"] > 0
    assert logged(job, "Checkpoints are stored again")
