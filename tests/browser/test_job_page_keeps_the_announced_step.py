"""The job page re-reads its summary from the database, which records steps less often than the
worker announces them: a re-read that is behind keeps the announced step, and "Preparing" stays
gone once steps count (a fresh-clone run met the stale summary putting it back)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, outside_event_loop
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import announce_job
from webapp.lib.events import Event, job_group, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _announce_step(job_id: int, step: int, total: int) -> None:
    publish(job_group(job_id), Event(kind="job.progress", data={
        "step": step, "total_steps": total, "loss": 0.5, "learning_rate": 0.3, "metrics": {}, "point": "step",
        "eta_seconds": 10.0, "is_best": False, "metric_name": None}))


def test_a_summary_behind_the_announced_step_keeps_it(page, asgi_server, alice, tiny_model_dir) -> None:
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    job = launch_held(alice, make_ready_dataset(alice, train=32, validation=8, test=0), base_model, max_steps=100)
    # Running with no step recorded yet: the page says it is preparing.
    TuningJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/{job.pk}/")
    page.wait_for_function("document.body.dataset.live === 'connected'")
    assert page.locator("#job-phase").count() == 1

    outside_event_loop(_announce_step, job.pk, 7, 100)
    page.wait_for_function("document.getElementById('job-progress').value === 7")
    assert page.locator("#job-phase").count() == 0

    # A status announcement makes the page re-read its summary, where the database still says step 0.
    page.evaluate("document.getElementById('job-summary').dataset.before = 'yes'")
    outside_event_loop(announce_job, TuningJob.objects.get(pk=job.pk))
    page.wait_for_function("!document.getElementById('job-summary').dataset.before")  # swapped in

    assert page.locator("#job-phase").count() == 0
    assert page.locator("#job-progress").evaluate("bar => bar.value") == 7
    assert page.locator("#job-step").inner_text() == "7"
