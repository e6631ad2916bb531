"""The playground: typed lines go through each version's input template, the real prediction server scores two
versions and an ensemble, and the answers equal an evaluation of the same text; bad input is refused
with a message; runs are their owner's."""

from __future__ import annotations

import html

import pytest

from tests.support.accounts import logged_in
from webapp.ensembles.models import PlaygroundRun
from webapp.ensembles.services import create_ensemble

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.worker
def test_the_prediction_server_answers_typed_inputs(alice, bob, members, prediction_server_process, tiny_base) -> None:
    from tuning_core.config import ScoringOptions
    from tuning_core.evaluate import evaluate
    from tuning_core.export import load_prompt
    from tuning_core.model import load_base_model
    from tuning_core.voting import vote

    for member in members:  # fp32 on both sides: bf16 rounding could flip a near tie of a random model
        job = member.job
        job.train_config = {**job.train_config, "precision": "fp32"}
        job.save(update_fields=["train_config"])
    ensemble = create_ensemble(alice, name="trio", versions=members)
    client = logged_in(alice)
    response = client.post("/playground/", {"inputs": "a wonderful film\n\nboring and ugly\n",
                                            "versions": [members[0].pk, members[1].pk], "ensembles": [ensemble.pk]})

    run = PlaygroundRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/playground/?run={run.pk}"
    assert run.inputs == ["a wonderful film", "boring and ugly"]
    run.refresh_from_db()
    assert run.status == "done", run.error_message

    base = load_base_model(tiny_base.source)
    rows = [{"input_text": f"review: {text}", "target_text": "negative"} for text in run.inputs]
    alone = [evaluate(base, load_prompt(m.tensor_path, base=base)[0], rows, label_words=["negative", "positive"], scoring=ScoringOptions(precision="fp32")) for m in members]
    by_id = {m.pk: result for m, result in zip(members, alone)}
    assert {t["id"] for t in run.results["versions"]} == {members[0].pk, members[1].pk}
    for target in run.results["versions"]:
        result = by_id[target["id"]]
        assert target["rendered"] == ["review: a wonderful film", "review: boring and ugly"]
        assert [r["predicted"] for r in target["rows"]] == [p.predicted for p in result.predictions]
    voted = run.results["ensembles"][0]["rows"]
    for i, row in enumerate(voted):
        scores = [[r.predictions[i].scores[label] for label in ("negative", "positive")] for r in alone]
        assert row["predicted"] == ["negative", "positive"][vote(scores)[0]]
        assert sum(row["votes"].values()) == 3

    page = html.unescape(client.get(f"/playground/?run={run.pk}").content.decode())
    assert "review: boring and ugly" in page
    assert "votes: negative" in page
    assert logged_in(bob).get(f"/playground/?run={run.pk}").content.decode().count("review: boring") == 0


def test_it_refuses_what_it_cannot_score(alice, bob, members) -> None:
    client = logged_in(alice)
    cases = [
        ({"inputs": "", "versions": [members[0].pk]}, "This field is required"),
        ({"inputs": "hello"}, "Choose at least one version or ensemble"),
        ({"inputs": "\n".join(f"line {i}" for i in range(21)), "versions": [members[0].pk]},
         "At most 20 inputs at a time; 21 typed"),
        ({"inputs": "x" * 2001, "versions": [members[0].pk]}, "Line 1 is 2,001 characters; at most 2,000"),
    ]
    for data, message in cases:
        response = client.post("/playground/", data)
        assert response.status_code == 400
        assert message in html.unescape(response.content.decode()), message
    assert logged_in(bob).post("/playground/", {"inputs": "hi", "versions": [members[0].pk]}).status_code == 400
    assert not PlaygroundRun.objects.exists()


def test_without_a_prediction_server_the_run_says_so(alice, members, settings) -> None:
    settings.SERVING_NAMESPACE = "sps:test-playground-no-server"
    client = logged_in(alice)

    response = client.post("/playground/", {"inputs": "a wonderful film", "versions": [members[0].pk]})

    run = PlaygroundRun.objects.get()
    assert response.status_code == 302
    assert run.status == "failed"
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "These inputs could not be scored: The prediction server is not running" in page


def test_a_run_left_running_by_a_dead_web_process_ends_as_failed(alice, tiny_base) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from webapp.core.reconcile import resend_lost_work

    old = timezone.now() - timedelta(minutes=11)
    dead = PlaygroundRun.objects.create(owner=alice, base_model=tiny_base, inputs=["x"], targets={}, created_at=old,
                                        status="running")
    busy = PlaygroundRun.objects.create(owner=alice, base_model=tiny_base, inputs=["y"], targets={}, status="running")

    resend_lost_work()

    dead.refresh_from_db()
    busy.refresh_from_db()
    assert dead.status == "failed"
    assert busy.status == "running"
    page = logged_in(alice).get(f"/playground/?run={dead.pk}").content.decode()
    assert "Scoring stopped before it finished; score these inputs again" in page
