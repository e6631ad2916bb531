"""A job that cannot train fails with a reason the user can act on, and keeps nothing half-made."""

from __future__ import annotations

import pytest
import torch
from django.conf import settings

from tests.support.jobs import launch, wait_for_status
from tuning_core.export import save_prompt
from webapp.jobs.models import JobStatus
from webapp.prompts.models import Prompt, PromptVersion
from webapp.prompts.services import new_version_dir, record_prompt_version

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_diverging_loss_fails_the_job_with_advice(
    alice, ready_dataset, tiny_base_model, celery_worker_process
) -> None:
    prompt = Prompt.objects.create(owner=alice, name="broken", base_model=tiny_base_model)
    directory, relative = new_version_dir(prompt)
    # Finite in the file, but large enough that the forward pass overflows to inf/nan.
    poisoned = torch.full((4, tiny_base_model.d_model), 3e38)
    files = save_prompt(poisoned, directory)
    parent = record_prompt_version(
        prompt=prompt, tensor_file=f"{relative}/prompt.safetensors", sha256=files.sha256, prompt_length=4,
        d_model=tiny_base_model.d_model, init="random",
    )

    job = launch(alice, ready_dataset, tiny_base_model, prompt_name=None, continue_from=parent)
    job = wait_for_status(job, JobStatus.FAILED, JobStatus.SUCCEEDED)

    assert job.status == JobStatus.FAILED
    assert "loss became nan" in job.error_message
    assert "lower the learning rate" in job.error_message
    assert job.log_entries.filter(message__startswith="Failed: The training loss became nan").exists()
    assert PromptVersion.objects.filter(prompt=prompt).count() == 1, "no second version from a failed job"
    version_dirs = list((settings.MEDIA_ROOT / "prompts" / str(prompt.pk)).iterdir())
    assert version_dirs == [directory], "a failed job leaves no prompt files behind"
