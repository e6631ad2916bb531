"""A sweep of 6 tiny runs trains as one group on a real worker and ends with 6 versions; its page
and API then show the best run and the panels of the stored metrics."""

from __future__ import annotations

import statistics

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import logged_in
from tests.support.jobs import launch, wait_for_status
from tests.support.waiting import wait_for
from webapp.api.areas.sweeps import sweep_json
from webapp.jobs.models import JobStatus, TuningJob
from webapp.jobs.services import cancel_job
from webapp.prompts.models import PromptVersion
from webapp.sweeps.services import launch_sweep

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_six_runs_train_together_and_end_with_six_versions(alice, tiny_base, celery_worker_process) -> None:
    dataset = make_ready_dataset(alice)
    # A long job holds the group open, so the sweep's runs all join it whatever the machine's speed.
    anchor = launch(alice, dataset, tiny_base, prompt_name="anchor", max_steps=100_000, eval_every=50_000)
    wait_for(lambda: TuningJob.objects.get(pk=anchor.pk).step > 0, timeout=120, what="the anchor training")
    try:
        sweep = launch_sweep(alice, name="grid", dataset=dataset, base_model=tiny_base,
                             recipe={"batch_size": 8, "max_steps": 20, "eval_every": 10, "max_input_length": 32,
                                     "learning_rate": 0.1},
                             axes={"prompt_length": [2, 4, 6], "seed": [0, 1]})
        for run in sweep.runs.all():
            wait_for_status(run.job, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=180)
    finally:
        wait_for_status(cancel_job(TuningJob.objects.get(pk=anchor.pk)), JobStatus.CANCELLED, timeout=120)

    jobs = [run.job for run in sweep.runs.select_related("job")]
    assert {job.status for job in jobs} == {JobStatus.SUCCEEDED}
    assert len({job.fused_group for job in jobs} | {TuningJob.objects.get(pk=anchor.pk).fused_group}) == 1
    assert PromptVersion.objects.filter(job__in=jobs).count() == 6

    data = sweep_json(sweep)
    assert data["status"] == "succeeded"
    best = max(jobs, key=lambda job: (job.best_metric, -jobs.index(job)))
    assert data["best"]["job"] == best.pk
    [panel] = data["panels"]
    for point in panel["lines"]["all runs"]:  # mean ± sd over the two seeds, by hand
        metrics = [job.best_metric for job in jobs if job.prompt_config["prompt_length"] == point["x"]]
        assert point["mean"] == pytest.approx(statistics.fmean(metrics))
        assert point["sd"] == pytest.approx(statistics.stdev(metrics))
    page = logged_in(alice).get(f"/sweeps/{sweep.pk}/").content.decode()
    assert 'id="sweep-best"' in page and "succeeded" in page
