"""An ensemble's members are scored in its one pass exactly as their own evaluations score them:
each at the input length it was trained with (here 8 and 32 tokens), not the longest of them."""

from __future__ import annotations

import pytest

from tests.factories import make_version
from tests.support.jobs import launch_held, wait_for_status
from webapp.ensembles.evaluations import launch_ensemble_evaluation
from webapp.ensembles.models import Ensemble, EnsembleMember
from webapp.jobs.evaluations import launch_evaluation
from webapp.jobs.models import JobStatus
from webapp.jobs.services import cancel_job
from webapp.prompts.models import EvalRun, Prompt
from webapp.prompts.predictions import PredictionFilter, select_predictions

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def scores(run: EvalRun) -> list[tuple[str, dict[str, float]]]:
    return [(row.predicted, {s.label: s.log_likelihood for s in row.scores})
            for row in select_predictions(run, PredictionFilter(per_page=100_000)).rows]


def test_each_member_scores_as_in_its_own_evaluation(alice, tiny_base, reviews, celery_worker_process) -> None:
    prompt = Prompt.objects.create(owner=alice, name="sentiment", base_model=tiny_base)
    members = []
    for seed, length in ((21, 8), (22, 32)):
        job = cancel_job(launch_held(alice, reviews, tiny_base, prompt_name=f"run {seed}", max_input_length=length,
                                     precision="fp32"))
        members.append(make_version(prompt, seed=seed, accuracy=0.5, job=job))
    ensemble = Ensemble.objects.create(owner=alice, name="short and long", base_model=tiny_base)
    EnsembleMember.objects.bulk_create([EnsembleMember(ensemble=ensemble, version=m, position=i)
                                        for i, m in enumerate(members)])

    together = launch_ensemble_evaluation(alice, ensemble, reviews, ["test"])
    assert [m["max_input_length"] for m in together.train_config["member_scoring"]] == [8, 32]
    alone = [launch_evaluation(alice, member, reviews, "test") for member in members]
    for job in (together, *alone):
        job = wait_for_status(job, JobStatus.SUCCEEDED, JobStatus.FAILED, timeout=180)
        assert job.status == JobStatus.SUCCEEDED, job.error_message

    for member, own_job in zip(members, alone):
        in_ensemble = EvalRun.objects.get(job=together, prompt_version=member)
        own = EvalRun.objects.get(job=own_job)
        assert in_ensemble.metrics["accuracy"] == own.metrics["accuracy"]
        mine, theirs = scores(in_ensemble), scores(own)
        assert [p for p, _ in mine] == [p for p, _ in theirs]
        for (_, a), (_, b) in zip(mine, theirs):
            assert a == pytest.approx(b, abs=1e-3)  # fp32; rows batched with other prompts
