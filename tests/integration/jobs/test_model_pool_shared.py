"""Two jobs on the same base model, one worker process: the model is loaded once."""

from __future__ import annotations

import pytest

from tests.support.jobs import launch, wait_for_status
from webapp.jobs.models import JobStatus

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_loads_the_base_model_once_for_two_jobs(
    alice, ready_dataset, tiny_model_dir, celery_worker_process
) -> None:
    from webapp.basemodels.services import register_base_model

    # A source no earlier test used, so this worker process has not loaded it yet.
    alias = tiny_model_dir.parent / "tiny-t5-for-pool-test"
    if not alias.exists():
        alias.symlink_to(tiny_model_dir, target_is_directory=True)
    base_model = register_base_model("tiny-t5 pool test", str(alias), random_weights=True)

    first = wait_for_status(launch(alice, ready_dataset, base_model, prompt_name="one", max_steps=5, eval_every=5),
                            JobStatus.SUCCEEDED, JobStatus.FAILED)
    second = wait_for_status(launch(alice, ready_dataset, base_model, prompt_name="two", max_steps=5, eval_every=5),
                             JobStatus.SUCCEEDED, JobStatus.FAILED)

    assert (first.status, second.status) == (JobStatus.SUCCEEDED, JobStatus.SUCCEEDED)
    assert first.model_reused is False
    assert second.model_reused is True
    assert first.log_entries.filter(message__startswith="Base model loaded in").exists()
    assert second.log_entries.filter(message="Base model reused from the worker's memory").exists()
