"""Build an ensemble in the builder, a real worker scores every member in one pass: the vote's EvalRun
and one per member, and the vote equals a hand computation from the members' stored scores."""

from __future__ import annotations

import pytest

from tests.support.accounts import logged_in
from tests.support.jobs import wait_for_status
from tuning_core.voting import majority_vote
from webapp.ensembles.models import Ensemble
from webapp.jobs.models import JobStatus, TuningJob
from webapp.prompts.models import EvalRun
from webapp.prompts.predictions import PredictionFilter, PredictionRow, select_predictions

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def stored(run: EvalRun) -> list[PredictionRow]:
    """Every stored prediction of `run` in dataset order, read as the pages read them."""
    return select_predictions(run, PredictionFilter(per_page=100_000)).rows


def hand_vote(member_runs: list[EvalRun], voting: str) -> tuple[list[str], list[str]]:
    """Gold and voted labels, recomputed from each member's stored label scores."""
    import math

    by_index = [stored(run) for run in member_runs]
    labels = sorted(s.label for s in by_index[0][0].scores)
    gold, voted = [], []
    for rows in zip(*by_index):
        gold.append(rows[0].gold)
        scores = [[{s.label: s.log_likelihood for s in row.scores}[label] for label in labels] for row in rows]
        if voting == "majority":
            choices = [max(range(len(labels)), key=lambda j, s=s: s[j]) for s in scores]
            summed = [sum(s[j] for s in scores) for j in range(len(labels))]
            voted.append(labels[majority_vote(choices, summed)])
        else:
            def normalised(s: list[float]) -> list[float]:
                top = max(s)
                total = math.log(sum(math.exp(v - top) for v in s)) + top
                return [v - total for v in s]
            means = [sum(col) / len(col) for col in zip(*map(normalised, scores))]
            voted.append(labels[max(range(len(labels)), key=lambda j: means[j])])
    return gold, voted


@pytest.mark.parametrize("voting", ["majority", "soft"])
def test_a_worker_scores_every_member_in_one_pass(alice, members, reviews, celery_worker_process, voting) -> None:
    response = logged_in(alice).post("/ensembles/new/", {
        "name": "three voices", "voting": voting, "versions": [m.pk for m in members],
        "dataset": reviews.pk, "splits": ["validation", "test"],
    })

    ensemble = Ensemble.objects.get(name="three voices")
    assert response.status_code == 302
    assert response["Location"] == f"/ensembles/{ensemble.pk}/"
    job = TuningJob.objects.get(method="ensemble_evaluation")
    assert job.train_config["member_ids"] == [m.pk for m in members]
    job = wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED)
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.step == job.total_steps == 24

    for split, size in (("validation", 10), ("test", 14)):
        runs = EvalRun.objects.filter(job=job, split=split, ensemble=ensemble)
        vote = runs.get(prompt_version__isnull=True)
        member_runs = [runs.get(prompt_version=m) for m in members]
        assert vote.num_examples == size
        assert all(r.num_examples == size for r in member_runs)
        assert vote.ensemble_revision == 1
        assert vote.ensemble_members == [m.pk for m in members]
        gold, voted = hand_vote(member_runs, voting)
        assert [row.predicted for row in stored(vote)] == voted
        assert vote.metrics["accuracy"] == pytest.approx(sum(g == v for g, v in zip(gold, voted)) / size)
        summary = vote.metrics["ensemble"]
        assert summary["member_accuracy"] == [r.metrics["accuracy"] for r in member_runs]
        member_right = [{row.index for row in stored(r) if row.correct} for r in member_runs]
        assert summary["oracle_accuracy"] == pytest.approx(len(set().union(*member_right)) / size)
        assert sum(b["count"] for b in summary["margin_histogram"]) == size

    page = logged_in(alice).get(f"/ensembles/{ensemble.pk}/").content.decode()
    assert "Oracle (any member right)" in page
    assert "Members: mean ± sd" in page
    assert f"{members[0]}" in page
    job_page = logged_in(alice).get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/ensembles/{ensemble.pk}/"' in job_page
    assert "Ensemble evaluation" in job_page
