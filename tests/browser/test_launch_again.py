"""'Launch again with changes' on a job page opens the launch form filled in as that job was."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model
from webapp.jobs.models import TuningJob
from webapp.jobs.services import cancel_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_prefills_the_form_from_a_job(page, asgi_server, alice, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=16, validation=4, test=0)
    job = cancel_job(launch_held(alice, dataset, base_model, prompt_name="sentiment", prompt_length=7,
                                 learning_rate=0.2, max_steps=120, eval_every=40, seed=5))

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/{job.pk}/")
    page.get_by_role("link", name="Launch again with changes").click()
    page.wait_for_url(re.compile(rf".*/jobs/new/\?from={job.pk}$"))
    expect(page.locator("#id_prompt_name")).to_have_value("sentiment-again")
    expect(page.locator("#id_prompt_length")).to_have_value("7")
    expect(page.locator("#id_learning_rate")).to_have_value("0.2")
    expect(page.locator("#id_max_steps")).to_have_value("120")
    expect(page.locator("#id_seed")).to_have_value("5")
    expect(page.locator("#id_dataset")).to_have_value(str(dataset.pk))

    page.locator("#id_max_steps").fill("60")  # the change
    page.get_by_role("button", name=re.compile("Launch")).click()
    page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
    again = TuningJob.objects.exclude(pk=job.pk).get()
    assert again.train_config["max_steps"] == 60
    assert again.prompt_config["prompt_length"] == 7
    cancel_job(again)


def test_a_stranger_cannot_copy_a_job(client, alice, charlie, tiny_model_dir) -> None:
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    job = cancel_job(launch_held(alice, make_ready_dataset(alice), base_model))
    client.force_login(charlie)
    assert client.get(f"/jobs/new/?from={job.pk}").status_code == 404
