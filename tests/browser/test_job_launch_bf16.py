"""Launch a job with the Advanced settings (bf16, the whole split evaluated, no attention
dropout); the job page shows them, and the worker trains it to the end in bf16."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from webapp.basemodels.services import register_base_model
from webapp.jobs.models import TuningJob

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_launches_in_bf16_and_shows_it_on_the_job_page(page, asgi_server, celery_worker_process, alice, tiny_model_dir) -> None:
    dataset = make_ready_dataset(alice, "movie reviews", train=64, validation=16, test=0)
    register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    log_in(page, asgi_server, "alice", PASSWORD)

    page.goto(f"{asgi_server}/jobs/new/")
    page.get_by_label("Dataset").select_option(label=dataset.name)
    page.get_by_label("Prompt name").fill("sentiment bf16")
    page.get_by_role("button", name="5", exact=True).click()
    page.get_by_label("Batch size").fill("8")
    page.get_by_label("Max steps").fill("20")
    page.get_by_label("Evaluate every (steps)").fill("10")
    page.get_by_label("Max input length").fill("32")
    advanced = page.locator("fieldset.advanced")
    assert advanced.get_by_label("Precision").input_value() == "auto"
    advanced.get_by_label("Precision").select_option("bf16")
    advanced.get_by_label("Evaluation sample (rows)").fill("0")
    advanced.get_by_label("Attention dropout").select_option("false")
    page.get_by_role("button", name="Launch").click()

    page.wait_for_url(f"{asgi_server}/jobs/*/")
    assert page.locator("#job-precision").inner_text() == "bf16"
    config = page.locator("#job-config").inner_text()
    assert "on the whole split" in config
    assert "none on attention probabilities" in config

    page.wait_for_selector("#job-result", timeout=120_000)
    assert page.locator("#job-status").inner_text() == "Succeeded"
    job = TuningJob.objects.get()
    assert job.train_config["precision"] == "bf16"
    assert job.step == 20
    page.reload()
    assert page.locator("#job-precision").inner_text() == "bf16"
