"""Launching a sweep: one queued job per grid point, made in one transaction; a bad run, a grid over
the limit or a taken name leaves nothing behind."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from webapp.jobs.models import JobStatus, TuningJob
from webapp.prompts.models import Prompt
from webapp.sweeps.models import Sweep
from webapp.sweeps.services import SweepError, launch_sweep

pytestmark = pytest.mark.django_db

RECIPE = {"learning_rate": 0.3, "batch_size": 8, "max_steps": 20, "eval_every": 10, "max_input_length": 32}


@pytest.fixture
def dataset(alice):
    return make_ready_dataset(alice)


def _nothing_made() -> None:
    assert (Sweep.objects.count(), TuningJob.objects.count(), Prompt.objects.count()) == (0, 0, 0)


def test_it_makes_one_queued_job_per_point(alice, dataset, tiny_base, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as sent:
        sweep = launch_sweep(alice, name="lengths", dataset=dataset, base_model=tiny_base, recipe=RECIPE,
                             axes={"prompt_length": [2, 4], "seed": [0, 1, 2]})
    runs = list(sweep.runs.select_related("job", "job__prompt"))
    assert [r.coordinates for r in runs[:2]] == [{"prompt_length": 2, "seed": 0}, {"prompt_length": 2, "seed": 1}]
    assert len(runs) == len(sent) == 6  # each job queued once the transaction commits
    job = runs[4].job
    assert job.status == JobStatus.QUEUED
    assert (job.prompt_config["prompt_length"], job.train_config["seed"]) == (4, 1)
    assert job.train_config["learning_rate"] == 0.3 and job.total_steps == 20
    assert job.prompt.name == "lengths · prompt length 4 seed 1"


def test_a_run_that_breaks_a_label_rule_stops_the_whole_sweep(alice, dataset, tiny_base):
    # Class-label initialisation puts one label word per prompt token: 2 labels need 2 tokens.
    with pytest.raises(SweepError, match="Run prompt length 1 init class_labels: .*2 labels and only 1 prompt"):
        launch_sweep(alice, name="too short", dataset=dataset, base_model=tiny_base, recipe=RECIPE,
                     axes={"prompt_length": [5, 1], "init": ["vocab", "class_labels"]})
    _nothing_made()


def test_it_refuses_a_grid_over_the_limit(alice, dataset, tiny_base, settings):
    settings.SWEEP_MAX_RUNS = 5
    with pytest.raises(SweepError, match="This grid has 6 runs; a sweep has at most 5"):
        launch_sweep(alice, name="big", dataset=dataset, base_model=tiny_base, recipe=RECIPE,
                     axes={"prompt_length": [2, 4, 8], "seed": [0, 1]})
    _nothing_made()


def test_it_refuses_a_bad_value_or_a_taken_name(alice, dataset, tiny_base):
    with pytest.raises(SweepError, match="batch_size: 'eight' is not an integer"):
        launch_sweep(alice, name="s", dataset=dataset, base_model=tiny_base, recipe=RECIPE,
                     axes={"batch_size": ["eight"]})
    with pytest.raises(SweepError, match="Run batch size 100000: batch size: Ensure this value is less"):
        launch_sweep(alice, name="s", dataset=dataset, base_model=tiny_base, recipe=RECIPE,
                     axes={"batch_size": [8, 100_000]})
    _nothing_made()
    launch_sweep(alice, name="s", dataset=dataset, base_model=tiny_base, recipe=RECIPE, axes={"seed": [0]})
    with pytest.raises(SweepError, match="already have a sweep named 's'"):
        launch_sweep(alice, name="s", dataset=dataset, base_model=tiny_base, recipe=RECIPE, axes={"seed": [1]})
    assert Sweep.objects.count() == 1


def test_failed_runs_are_launched_again_in_their_grid_point(alice, dataset, tiny_base):
    from tests.support.accounts import logged_in

    sweep = launch_sweep(alice, name="retry", dataset=dataset, base_model=tiny_base, recipe=RECIPE,
                         axes={"seed": [0, 1, 2]})
    first = {run.position: run.job_id for run in sweep.runs.all()}
    TuningJob.objects.filter(pk=first[1]).update(status=JobStatus.FAILED, error_message="out of memory")
    page = logged_in(alice)
    assert 'id="sweep-rerun"' in page.get(f"/sweeps/{sweep.pk}/").content.decode()
    page.post(f"/sweeps/{sweep.pk}/rerun/")
    runs = {run.position: run for run in sweep.runs.select_related("job__prompt")}
    assert runs[0].job_id == first[0] and runs[2].job_id == first[2]
    assert runs[1].job_id != first[1] and runs[1].attempt == 2
    assert (runs[1].job.status, runs[1].job.train_config["seed"]) == (JobStatus.QUEUED, 1)
    assert runs[1].job.prompt.name == "retry · seed 1 (try 2)"
    assert TuningJob.objects.get(pk=first[1]).status == JobStatus.FAILED  # still in the jobs list
    assert 'id="sweep-rerun"' not in page.get(f"/sweeps/{sweep.pk}/").content.decode()


def test_runs_that_cannot_train_may_be_left_out_and_listed(alice, dataset, tiny_base):
    sweep = launch_sweep(alice, name="fig", dataset=dataset, base_model=tiny_base, recipe=RECIPE,
                         axes={"prompt_length": [1, 5], "init": ["vocab", "class_labels"]}, skip_impossible=True)
    assert [run.coordinates for run in sweep.runs.all()] == [
        {"prompt_length": 1, "init": "vocab"}, {"prompt_length": 5, "init": "vocab"},
        {"prompt_length": 5, "init": "class_labels"}]
    [skipped] = Sweep.objects.get(pk=sweep.pk).skipped
    assert skipped["coordinates"] == {"prompt_length": 1, "init": "class_labels"}
    assert "2 labels and only 1 prompt" in skipped["reason"]
    assert TuningJob.objects.count() == Prompt.objects.count() == 3  # the refused run left nothing
    with pytest.raises(SweepError, match="No run of this grid can train"):
        launch_sweep(alice, name="none", dataset=dataset, base_model=tiny_base, recipe=RECIPE,
                     axes={"prompt_length": [1], "init": ["class_labels"]}, skip_impossible=True)
