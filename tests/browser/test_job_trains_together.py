"""A job's page says how many other jobs share its passes on the base model, never whose they are;
a job asked to train alone says so.

Publishing code (cancel_job) runs outside Playwright's event loop, which async_to_sync refuses."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, outside_event_loop
from tests.support.jobs import launch, wait_for_status
from tests.support.waiting import wait_for
from webapp.basemodels.services import register_base_model
from webapp.jobs.models import FINAL_STATUSES, TuningJob
from webapp.jobs.services import cancel_job

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_job_page_says_it_trains_together_with_another_job(page, asgi_server, celery_worker_process, alice,
                                                               bob, tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    bobs = launch(bob, make_ready_dataset(bob, train=32, validation=8, test=0), base_model,
                  prompt_name="bobs secret prompt", max_steps=100_000, eval_every=50_000)
    wait_for(lambda: TuningJob.objects.get(pk=bobs.pk).step > 0, timeout=120, what="bob's job training")
    job = launch(alice, make_ready_dataset(alice, train=32, validation=8, test=0), base_model,
                 max_steps=100_000, eval_every=50_000)
    try:
        log_in(page, asgi_server, "alice", PASSWORD)
        page.goto(f"{asgi_server}/jobs/{job.pk}/")
        together = page.locator("#job-together")
        expect(together).to_have_text(
            "Training together with 1 other job on tiny-t5, sharing one copy of the model.",
            timeout=120_000)
        page.screenshot(path="test-results/job-trains-together.png", full_page=True)
        expect(page.locator("body")).not_to_contain_text("bob")  # no other user's name, prompt or job
        expect(page.locator("body")).not_to_contain_text(f"#{bobs.pk}")

        # The home page lists the worker's group from its heartbeat (every second under test): await
        # a heartbeat written since alice's job joined, then read the page.
        from webapp.core.health import training_groups

        wait_for(lambda: any(group.jobs == 2 for _, group in training_groups()), timeout=30,
                 what="a heartbeat with both jobs")
        page.goto(f"{asgi_server}/")
        expect(page.locator("#training-groups")).to_contain_text("tiny-t5 (fp32): 2 jobs on one model copy")
        page.screenshot(path="test-results/home-training-groups.png", full_page=True)

        page.goto(f"{asgi_server}/jobs/{job.pk}/")
        outside_event_loop(cancel_job, TuningJob.objects.get(pk=bobs.pk))
        expect(together).to_have_text("Training alone on tiny-t5.", timeout=120_000)
    finally:
        for pk in (bobs.pk, job.pk):  # the worker ends both before the test's data goes
            wait_for_status(outside_event_loop(cancel_job, TuningJob.objects.get(pk=pk)), *FINAL_STATUSES,
                            timeout=120)


def test_a_job_launched_to_train_alone_waits_then_says_so(page, asgi_server, celery_worker_process, alice,
                                                          tiny_model_dir) -> None:
    from playwright.sync_api import expect

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, "movie reviews", train=32, validation=8, test=0)
    running = launch(alice, dataset, base_model, prompt_name="running", max_steps=100_000, eval_every=50_000)
    wait_for(lambda: TuningJob.objects.get(pk=running.pk).step > 0, timeout=120, what="a job training")

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/new/")
    page.get_by_label("Dataset").select_option(label=dataset.name)
    page.get_by_label("Prompt name").fill("timing run")
    page.get_by_label("Max steps").fill("100000")
    page.get_by_label("Evaluate every (steps)").fill("50000")
    page.locator("fieldset.advanced").get_by_label("Train alone").check()
    page.get_by_role("button", name="Launch").click()
    page.wait_for_url(f"{asgi_server}/jobs/*/")
    alone = TuningJob.objects.get(prompt__name="timing run")
    try:
        assert alone.exclusive
        expect(page.locator("#job-log")).to_contain_text("Waiting to train alone", timeout=120_000)
        wait_for_status(outside_event_loop(cancel_job, TuningJob.objects.get(pk=running.pk)), *FINAL_STATUSES,
                        timeout=120)
        expect(page.locator("#job-together")).to_have_text("Training alone on tiny-t5, as asked.", timeout=120_000)
    finally:
        for pk in (running.pk, alone.pk):
            wait_for_status(outside_event_loop(cancel_job, TuningJob.objects.get(pk=pk)), *FINAL_STATUSES,
                            timeout=120)
