"""'Sweep these settings': the sweep form starts from a job's settings, or from the launch form's."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import logged_in
from tests.support.jobs import launch_held

pytestmark = pytest.mark.django_db


def _value(page: str, name: str) -> str:
    start = page.index(f'name="{name}"')
    tag = page[page.rindex("<", 0, start):page.index(">", start)]
    return tag.split('value="')[1].split('"')[0] if 'value="' in tag else ""


def test_the_form_starts_from_a_jobs_settings(alice, bob, tiny_base):
    dataset = make_ready_dataset(alice)
    job = launch_held(alice, dataset, tiny_base, prompt_length=7, learning_rate=0.05, batch_size=4, max_steps=30)
    page = logged_in(alice)
    assert 'id="job-sweep"' in page.get(f"/jobs/{job.pk}/").content.decode()
    form = page.get(f"/sweeps/new/?from={job.pk}").content.decode()
    assert [_value(form, n) for n in ("prompt_length", "learning_rate", "batch_size", "max_steps")] == [
        "7", "0.05", "4", "30"]
    assert f'<option value="{dataset.pk}" selected>' in form
    assert logged_in(bob).get(f"/sweeps/new/?from={job.pk}").status_code == 404  # not his job


def test_the_launch_form_sends_its_fields_to_the_sweep_form(alice, tiny_base):
    make_ready_dataset(alice)
    page = logged_in(alice)
    assert 'id="launch-sweep"' in page.get("/jobs/new/").content.decode()
    form = page.get("/sweeps/new/?prompt_length=12&seed=3&prompt_name=ignored&learning_rate=").content.decode()
    assert (_value(form, "prompt_length"), _value(form, "seed"), _value(form, "learning_rate")) == ("12", "3", "0.3")


def test_the_form_estimates_from_the_last_finished_jobs(alice, tiny_base):
    from datetime import timedelta

    from django.utils import timezone

    from webapp.jobs.models import JobStatus, TuningJob
    from webapp.sweeps.services import training_rates

    dataset = make_ready_dataset(alice)
    now = timezone.now()
    for seconds in (8, 12):  # 20 steps of 4 rows: 0.1 and 0.15 s per example
        job = launch_held(alice, dataset, tiny_base, prompt_name=f"run {seconds}", batch_size=4, max_steps=20)
        TuningJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, step=20, finished_at=now,
                                                   started_at=now - timedelta(seconds=seconds))
    rate = training_rates(alice)[tiny_base.pk]
    assert (rate["name"], rate["jobs"]) == ("tiny-t5", 2)
    assert abs(rate["seconds_per_example"] - 0.125) < 1e-9
    assert '"seconds_per_example": 0.12' in logged_in(alice).get("/sweeps/new/").content.decode()
