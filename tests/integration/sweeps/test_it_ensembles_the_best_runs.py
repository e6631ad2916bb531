"""'Ensemble the best k' takes the k runs with the best validation metric that kept a version, and
queues the ensemble's evaluation on the sweep's dataset."""

from __future__ import annotations

import pytest

from tests.factories import api_key, make_ready_dataset, make_version
from tests.support.accounts import logged_in
from webapp.ensembles.models import Ensemble
from webapp.jobs.models import JobStatus, TuningJob
from webapp.sweeps.services import SweepError, ensemble_best, launch_sweep

pytestmark = pytest.mark.django_db

METRICS = [0.61, 0.74, None, 0.70, 0.55, 0.72]  # the third run kept no version


@pytest.fixture
def finished_sweep(alice, tiny_base):
    dataset = make_ready_dataset(alice)
    sweep = launch_sweep(alice, name="seeds", dataset=dataset, base_model=tiny_base,
                         recipe={"batch_size": 8, "max_steps": 20, "eval_every": 10, "max_input_length": 32},
                         axes={"seed": list(range(6))})
    for run, metric in zip(sweep.runs.select_related("job__prompt"), METRICS):
        TuningJob.objects.filter(pk=run.job_id).update(status=JobStatus.SUCCEEDED, best_metric=metric,
                                                       best_metric_name="accuracy")
        if metric is not None:
            make_version(run.job.prompt, seed=run.position, accuracy=metric, job=run.job)
    return sweep


def _member_seeds(ensemble: Ensemble) -> list[int]:
    return [version.job.train_config["seed"] for version in ensemble.member_versions()]


def test_it_picks_the_three_best_and_queues_their_evaluation(finished_sweep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as sent:
        ensemble = ensemble_best(finished_sweep, 3)
    assert _member_seeds(ensemble) == [1, 5, 3]  # 0.74, 0.72, 0.70
    assert ensemble.name == "seeds: best 3"
    job = TuningJob.objects.get(method="ensemble_evaluation")
    assert (job.status, job.train_config["splits"]) == (JobStatus.QUEUED, ["validation", "test"])
    assert len(sent) == 1


def test_it_refuses_more_than_the_runs_that_kept_a_version(finished_sweep):
    with pytest.raises(SweepError, match="needs 6 runs with a version; 5 of this sweep's runs have one"):
        ensemble_best(finished_sweep, 6)
    assert Ensemble.objects.count() == 0


def test_the_page_and_the_api_ensemble_the_best(finished_sweep, alice, bob, client):
    page = logged_in(alice)
    detail = page.get(f"/sweeps/{finished_sweep.pk}/").content.decode()
    assert 'id="sweep-ensemble"' in detail and 'id="sweep-compare"' in detail
    response = page.post(f"/sweeps/{finished_sweep.pk}/ensemble/", {"k": 2})
    ensemble = Ensemble.objects.get()
    assert response.url == f"/ensembles/{ensemble.pk}/"
    assert _member_seeds(ensemble) == [1, 5]
    assert logged_in(bob).post(f"/sweeps/{finished_sweep.pk}/ensemble/", {"k": 2}).status_code == 404

    key = api_key(alice)
    made = client.post(f"/api/v1/sweeps/{finished_sweep.pk}/ensemble/", {"k": 4}, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Token {key}")
    assert made.status_code == 201, made.json()
    assert made.json()["name"] == "seeds: best 4"
    assert len(made.json()["members"]) == 4


def test_the_parallel_view_draws_every_run_the_best_on_top(finished_sweep, alice):
    from webapp.sweeps.parallel import RAMP, UNSCORED, parallel_view
    from webapp.sweeps.services import run_rows

    view = parallel_view(finished_sweep.axes, run_rows(finished_sweep))
    assert [axis.name for axis in view.axes] == ["seed", "accuracy"]
    assert len(view.lines) == 6
    assert (view.lines[0].color, view.lines[0].scored) == (UNSCORED, False)  # the run without a metric, under
    assert view.lines[-1].color == RAMP[-1] and "accuracy 0.740" in view.lines[-1].title  # the best, on top
    page = logged_in(alice).get(f"/sweeps/{finished_sweep.pk}/").content.decode()
    assert page.count("<polyline") == 6


def test_each_cell_keeps_its_best_seed(alice, tiny_base):
    from webapp.sweeps.services import best_per_cell, run_rows

    sweep = launch_sweep(alice, name="cells", dataset=make_ready_dataset(alice), base_model=tiny_base,
                         recipe={"batch_size": 8, "max_steps": 20, "eval_every": 10, "max_input_length": 32},
                         axes={"prompt_length": [2, 4], "seed": [0, 1]})
    for run, metric in zip(sweep.runs.all(), [0.6, 0.7, 0.9, 0.5]):
        TuningJob.objects.filter(pk=run.job_id).update(status=JobStatus.SUCCEEDED, best_metric=metric,
                                                       best_metric_name="accuracy")
    cells = best_per_cell(run_rows(sweep))
    assert [(row.coordinates["prompt_length"], row.coordinates["seed"], row.metric) for row in cells] == [
        (2, 1, 0.7), (4, 0, 0.9)]
    assert 'id="sweep-cells"' in logged_in(alice).get(f"/sweeps/{sweep.pk}/").content.decode()
