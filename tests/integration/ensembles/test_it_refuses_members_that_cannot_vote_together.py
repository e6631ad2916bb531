"""The membership rules: 2 to 16 distinct classification versions on one base model with one label
set; a refusal names the offending member, and nothing is stored."""

from __future__ import annotations

import html

import pytest

from tests.factories import make_ready_dataset, trained_version
from tests.support.accounts import logged_in
from webapp.basemodels.services import register_base_model
from webapp.ensembles.models import Ensemble
from webapp.jobs.models import TuningJob
from webapp.prompts.models import Prompt

pytestmark = pytest.mark.django_db(transaction=True)


def build(alice, versions, dataset) -> str:
    response = logged_in(alice).post("/ensembles/new/", {
        "name": "mixed", "voting": "majority", "versions": [v.pk for v in versions], "dataset": dataset.pk,
        "splits": ["validation"]})
    assert response.status_code == 400
    assert not Ensemble.objects.exists()
    assert not TuningJob.objects.filter(method="ensemble_evaluation").exists()
    return html.unescape(response.content.decode())


def test_it_needs_two_members(alice, members, reviews) -> None:
    assert "An ensemble needs at least 2 versions; 1 chosen" in build(alice, members[:1], reviews)


def test_it_refuses_another_label_set(alice, members, reviews, tiny_base) -> None:
    stars = make_ready_dataset(alice, name="stars", labels=("bad", "good"))
    other = trained_version(alice, Prompt.objects.create(owner=alice, name="stars", base_model=tiny_base), stars,
                            tiny_base, seed=21, accuracy=0.5)
    page = build(alice, [*members[:2], other], reviews)
    assert ("stars v1 answers with the label words bad, good, but sentiment v1 answers with negative, positive: "
            "every member must share one label set") in page


def test_it_refuses_another_base_model(alice, members, reviews, tiny_model_dir) -> None:
    twin = register_base_model("tiny-t5 twin", str(tiny_model_dir), random_weights=True)
    other = trained_version(alice, Prompt.objects.create(owner=alice, name="on twin", base_model=twin), reviews,
                            twin, seed=22, accuracy=0.5)
    page = build(alice, [members[0], other], reviews)
    assert "on twin v1 runs on tiny-t5 twin, but sentiment v1 runs on tiny-t5" in page


def test_it_refuses_a_generation_prompt(alice, members, reviews, tiny_base) -> None:
    answers = make_ready_dataset(alice, name="answers", task_kind="generation")
    other = trained_version(alice, Prompt.objects.create(owner=alice, name="answers", base_model=tiny_base),
                            answers, tiny_base, seed=23, accuracy=0.5, init="vocab")
    assert "answers v1 was trained for generation: an ensemble votes over class labels" in build(
        alice, [members[0], other], reviews)


def test_it_refuses_someone_elses_version(alice, bob, members, reviews, tiny_base) -> None:
    bobs = make_ready_dataset(bob, name="bob's")
    theirs = trained_version(bob, Prompt.objects.create(owner=bob, name="bob's", base_model=tiny_base), bobs,
                             tiny_base, seed=24, accuracy=0.5)
    assert f"{theirs.pk} is not one of your versions" in build(alice, [members[0], theirs], reviews)


def test_it_refuses_more_than_sixteen(alice, members, reviews) -> None:
    from webapp.ensembles.services import EnsembleError, create_ensemble

    with pytest.raises(EnsembleError, match="at most 16 versions; 17 chosen"):
        create_ensemble(alice, name="crowd", versions=[members[0]] * 17)
    with pytest.raises(EnsembleError, match="sentiment v1 is chosen twice"):
        create_ensemble(alice, name="echo", versions=[members[0], members[0]])


def test_it_refuses_to_evaluate_on_a_dataset_with_other_labels(alice, members, reviews) -> None:
    from webapp.ensembles.services import create_ensemble

    ensemble = create_ensemble(alice, name="trio", versions=members)
    stars = make_ready_dataset(alice, name="stars", labels=("bad", "good"))
    response = logged_in(alice).post(f"/ensembles/{ensemble.pk}/evaluate/", {"dataset": stars.pk, "split": "test"})
    assert response.status_code == 400
    assert "sentiment v1 answers with the label words negative, positive; 'stars' also has bad, good" in \
        html.unescape(response.content.decode())
    assert not TuningJob.objects.filter(method="ensemble_evaluation").exists()
