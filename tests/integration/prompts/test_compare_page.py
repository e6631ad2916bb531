"""The compare page: two versions with known predictions on one split give the right disagreement
counts, a bootstrap interval holding the difference and scipy's McNemar p-value; only the owner's
versions of one base model, 2 to 8 of them; the missing evaluations are queued from the page."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from django.test import Client
from scipy import stats

from tests.factories import make_ready_dataset, make_version
from tests.support.predictions import LABELS, classification_metrics_of, rank_predictions
from webapp.basemodels.services import register_base_model
from webapp.evaluations.compare import disagreements, metric_rows, runs_on, split_choices
from webapp.jobs.models import TuningJob
from webapp.prompts.models import EvalRun, Prompt, PromptVersion
from webapp.prompts.services import record_eval_run

pytestmark = pytest.mark.django_db

N = 120


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def v2_predictions() -> list[dict[str, Any]]:
    """v1 (the conftest's run) is wrong on every 4th example; v2 on every 5th."""
    rows = []
    for i in range(N):
        gold = LABELS[i % 2]
        wrong = i % 5 == 0
        predicted = LABELS[1 - i % 2] if wrong else gold
        rows.append({"index": i, "input_text": f"review: film number {i}", "target_text": gold,
                     "predicted": predicted, "correct": not wrong, "valid": True,
                     "scores": {predicted: -0.2, LABELS[i % 2] if wrong else LABELS[1 - i % 2]: -1.0}})
    return rows


@pytest.fixture
def compared(lineage_versions: list[PromptVersion]) -> list[PromptVersion]:
    """v1 and v2 of alice's prompt, both evaluated on the same validation split."""
    v1, v2, _ = lineage_versions
    dataset = EvalRun.objects.get(prompt_version=v1).dataset
    predictions = v2_predictions()
    record_eval_run(version=v2, dataset=dataset, split="validation", mode="rank",
                    metrics=classification_metrics_of(predictions), predictions=predictions)
    return [v1, v2]


def url(*versions: PromptVersion, **params: str) -> str:
    query = "&".join([f"v={v.pk}" for v in versions] + [f"{k}={val}" for k, val in params.items()])
    return f"/prompts/compare/?{query}"


def test_the_statistics_match_the_known_predictions_and_scipy(compared: list[PromptVersion]) -> None:
    v1, v2 = compared
    v1_right = np.array([i % 4 != 3 for i in range(N)])
    v2_right = np.array([i % 5 != 0 for i in range(N)])
    only_v1 = int(np.sum(v1_right & ~v2_right))
    only_v2 = int(np.sum(v2_right & ~v1_right))
    assert (only_v1, only_v2) == (18, 24)

    choice = split_choices(compared)[0]
    runs = runs_on(compared, choice)
    _, rows = metric_rows(compared, runs, reference=v1)
    assert rows[0].is_reference
    assert rows[0].pair is None
    pair = rows[1].pair
    assert pair is not None
    assert (pair.reference_only, pair.other_only, pair.n) == (only_v1, only_v2, N)
    assert pair.mcnemar_p == stats.binomtest(only_v2, only_v1 + only_v2, 0.5).pvalue
    true_difference = (v2_right.sum() - v1_right.sum()) / N
    assert pair.difference == pytest.approx(true_difference)
    assert pair.ci_low is not None
    assert pair.ci_high is not None
    assert pair.ci_low <= true_difference <= pair.ci_high

    page = disagreements(compared, runs)
    assert page.matching == only_v1 + only_v2
    shown = page.rows[0]
    assert shown.index == 0
    assert shown.gold == "negative"
    assert shown.predictions == [("negative", True), ("positive", False)]


def test_the_page_shows_counts_deltas_and_the_p_value(alice: Any, compared: list[PromptVersion]) -> None:
    v1, v2 = compared
    response = logged_in(alice).get(url(v1, v2))
    assert response.status_code == 200
    html = response.content.decode()
    metrics = html[html.index('id="metrics-table"'):].split("</table>")[0]
    row = metrics[metrics.index(f'data-version="{v2.pk}"'):].split("</tr>")[0]
    assert "<td>18</td><td>24</td>" in row  # reference right & v2 wrong, and the reverse
    assert "+0.0500" in row  # accuracy 0.8 − 0.75
    assert f"{stats.binomtest(24, 42, 0.5).pvalue:.4f}" in row
    assert "42 examples where the predictions differ" in html
    assert html.count('<tr data-index="') == 42
    pairs = html[html.index('id="disagreement-pairs"'):].split("</ul>")[0]
    assert "sentiment v2 against sentiment v1: right where it is wrong on <strong>24</strong>, wrong where it is right " \
           "on <strong>18</strong> of 120 examples" in pairs
    # The bootstrap interval comes in a second request (the page does not wait for it) …
    assert 'data-intervals-pending="true"' in metrics
    assert "data-interval-pending>compute</a>" in row
    with_intervals = logged_in(alice).get(url(v1, v2, intervals="1")).content.decode()
    table = with_intervals[with_intervals.index('id="metrics-table"'):].split("</table>")[0]
    assert 'data-intervals-pending="false"' in table
    assert re.search(r"<td>\[-?0\.\d{4}, 0\.\d{4}\]</td>", table)
    # … and is cached from then on.
    again = logged_in(alice).get(url(v1, v2)).content.decode()
    assert 'data-intervals-pending="false"' in again


def test_it_highlights_configuration_differences(alice: Any, compared: list[PromptVersion]) -> None:
    html = logged_in(alice).get(url(*compared)).content.decode()
    config = html[html.index('class="compare-config"'):].split("</table>")[0]
    assert re.search(r'<tr class="differs"><th scope="row">Version</th><td>v1</td><td>v2</td>', config)
    assert re.search(r'<tr class="same"><th scope="row">Prompt length \(tokens\)</th><td>4</td><td>4</td>', config)
    assert re.search(r'<tr class="differs"><th scope="row">Initialisation</th><td>class labels</td>'
                     r'<td>continued from v1</td>', config)


def test_it_filters_and_pages_the_disagreements(alice: Any, compared: list[PromptVersion]) -> None:
    client = logged_in(alice)
    negative = client.get(url(*compared, gold="negative")).content.decode()
    indexes = [int(i) for i in re.findall(r'<tr data-index="(\d+)"', negative)]
    assert indexes
    assert all(i % 2 == 0 for i in indexes)
    assert len(indexes) == sum(1 for i in range(0, N, 2) if (i % 4 == 3) != (i % 5 == 0))
    page = disagreements(compared, runs_on(compared, split_choices(compared)[0]), page=2, per_page=10)
    assert (page.matching, page.page, page.num_pages, len(page.rows)) == (42, 2, 5, 10)


def test_it_compares_against_the_chosen_reference(alice: Any, compared: list[PromptVersion]) -> None:
    v1, v2 = compared
    html = logged_in(alice).get(url(v1, v2, ref=str(v2.pk))).content.decode()
    metrics = html[html.index('id="metrics-table"'):].split("</table>")[0]
    row = metrics[metrics.index(f'data-version="{v1.pk}"'):].split("</tr>")[0]
    assert "<td>24</td><td>18</td>" in row
    assert "-0.0500" in row
    assert f'class="reference" data-version="{v2.pk}"' in metrics


def test_it_queues_the_missing_evaluations(alice: Any, lineage_versions: list[PromptVersion],
                                           compared: list[PromptVersion]) -> None:
    v1, v2, v3 = lineage_versions
    client = logged_in(alice)
    html = client.get(url(v1, v2, v3)).content.decode()
    assert "1 of 3 versions have no evaluation" in html
    assert "Run the missing evaluations" in html
    on = split_choices([v1, v2, v3])[0].key
    response = client.post("/prompts/compare/evaluate/", {"v": [v1.pk, v2.pk, v3.pk], "on": on, "ref": v2.pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/prompts/compare/?v=")
    assert response["Location"].endswith(f"&ref={v2.pk}")  # the chosen reference stays
    job = TuningJob.objects.get(method="evaluation")
    assert job.parent_version_id == v3.pk
    assert job.train_config["split"] == "validation"
    again = client.post("/prompts/compare/evaluate/", {"v": [v1.pk, v2.pk, v3.pk], "on": on}, follow=True)
    assert TuningJob.objects.filter(method="evaluation").count() == 2  # v3 has no EvalRun yet: queued again
    assert again.status_code == 200


def test_it_shows_the_prompts_geometry(alice: Any, compared: list[PromptVersion]) -> None:
    html = logged_in(alice).get(url(*compared)).content.decode()
    geometry = html[html.index('id="prompt-geometry"'):].split("</table>")[0]
    assert geometry.count("<td>1.000</td>") == 2  # each prompt against itself
    assert "4 × 32" in geometry


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_strangers_get_404(request: Any, compared: list[PromptVersion], stranger: str) -> None:
    client = logged_in(request.getfixturevalue(stranger))
    assert client.get(url(*compared)).status_code == 404
    post = client.post("/prompts/compare/evaluate/", {"v": [v.pk for v in compared], "on": "1:validation"})
    assert post.status_code == 404
    assert not TuningJob.objects.exists()


def test_a_strangers_version_among_mine_is_404(alice: Any, bob: Any, compared: list[PromptVersion],
                                               tiny_base: Any) -> None:
    prompt = Prompt.objects.create(owner=bob, name="bobs", base_model=tiny_base)
    bobs = make_version(prompt, seed=9, accuracy=0.5)
    assert logged_in(alice).get(url(compared[0], bobs)).status_code == 404


def test_it_refuses_versions_of_different_base_models(alice: Any, compared: list[PromptVersion],
                                                      tiny_model_dir: Any) -> None:
    other_base = register_base_model("other-t5", str(tiny_model_dir), random_weights=True)
    prompt = Prompt.objects.create(owner=alice, name="other", base_model=other_base)
    other = make_version(prompt, seed=5, accuracy=0.5)
    response = logged_in(alice).get(url(compared[0], other))
    assert response.status_code == 400
    html = response.content.decode()
    assert "different base models (other-t5, tiny-t5)" in html
    assert "Pick versions of one base model" in html


@pytest.mark.parametrize("query, message", [
    ("", "Pick the versions to compare (at least two)"),
    ("v=abc&v=1", "A version is a number: &#x27;abc&#x27; is not one"),
    ("v={v1}", "Pick at least 2 versions to compare (you picked 1)."),
    ("v={v1}&v={v1}", "Pick at least 2 versions to compare (you picked 1)."),
    ("&".join(f"v={i}" for i in range(1, 10)), "Compare at most 8 versions at once (you picked 9)."),
])
def test_it_says_what_to_fix(alice: Any, compared: list[PromptVersion], query: str, message: str) -> None:
    response = logged_in(alice).get("/prompts/compare/?" + query.format(v1=compared[0].pk))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_choice_falls_back_with_a_message(alice: Any, compared: list[PromptVersion]) -> None:
    response = logged_in(alice).get(url(*compared, on="999:test", ref="12345", page="x"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "on: Select a valid choice." in html
    assert "(the default is shown)" in html
    assert "42 examples where the predictions differ" in html


def test_it_pairs_only_the_examples_every_run_scored(compared: list[PromptVersion],
                                                     lineage_versions: list[PromptVersion]) -> None:
    v1, v2, v3 = lineage_versions
    dataset = EvalRun.objects.get(prompt_version=v1).dataset
    half = rank_predictions()[:60]  # v3 scored only the first 60 examples
    record_eval_run(version=v3, dataset=dataset, split="validation", mode="rank",
                    metrics=classification_metrics_of(half), predictions=half)
    versions = [v1, v2, v3]
    runs = runs_on(versions, split_choices(versions)[0])
    _, rows = metric_rows(versions, runs, reference=v1)
    assert rows[1].pair is not None
    assert rows[1].pair.n == 60
    assert rows[2].pair is not None
    assert (rows[2].pair.n, rows[2].pair.reference_only, rows[2].pair.other_only) == (60, 0, 0)
    assert disagreements(versions, runs).matching == sum(1 for i in range(60) if (i % 4 == 3) != (i % 5 == 0))


def test_it_queues_and_shows_the_nearest_tokens(alice: Any, compared: list[PromptVersion]) -> None:
    from webapp.prompts.services import compute_nearest_tokens

    v1, v2 = compared
    client = logged_in(alice)
    before = client.get(url(v1, v2)).content.decode()
    assert "not computed yet" in before
    assert "Compute nearest tokens" in before
    response = client.post("/prompts/compare/neighbours/", {"v": [v1.pk, v2.pk]})
    assert response.status_code == 302
    assert response["Location"].endswith("#compare-neighbours")
    v1.refresh_from_db()
    assert v1.nearest_tokens["status"] == "queued"
    assert v1.nearest_tokens["k"] == 5
    pending = client.get(url(v1, v2)).content.decode()
    assert 'data-pending="truetrue"' in pending
    assert "computing…" in pending

    for version in compared:  # what the worker's task does
        compute_nearest_tokens(version.pk)
    v1.refresh_from_db()
    assert v1.nearest_tokens["status"] == "done"
    assert len(v1.nearest_tokens["rows"]) == 4
    assert all(len(row) == 5 for row in v1.nearest_tokens["rows"])
    done = client.get(url(v1, v2)).content.decode()
    section = done[done.index('id="compare-neighbours"'):]
    assert 'data-pending=""' in section
    assert "4 positions" in section
    assert "Compute nearest tokens" not in section
    first = v1.nearest_tokens["rows"][0][0][0]
    assert f"<td>0</td><td>{first} " in section or "<td>0</td><td><strong" in section


def test_a_missing_prompt_file_is_a_stored_failure(compared: list[PromptVersion]) -> None:
    from webapp.prompts.services import compute_nearest_tokens

    v1 = compared[0]
    v1.tensor_path.unlink()
    compute_nearest_tokens(v1.pk)
    v1.refresh_from_db()
    assert v1.nearest_tokens["status"] == "failed"
    assert "missing" in v1.nearest_tokens["error"]


def test_strangers_cannot_ask_for_nearest_tokens(bob: Any, compared: list[PromptVersion]) -> None:
    response = logged_in(bob).post("/prompts/compare/neighbours/", {"v": [v.pk for v in compared]})
    assert response.status_code == 404
    assert not any(v.nearest_tokens for v in PromptVersion.objects.filter(pk__in=[v.pk for v in compared]))


def test_a_version_page_links_the_comparison_with_its_parent(alice: Any, compared: list[PromptVersion]) -> None:
    v1, v2 = compared
    client = logged_in(alice)
    html = client.get(f"/prompts/versions/{v2.pk}/").content.decode()
    assert f'href="/prompts/compare/?v={v1.pk}&amp;v={v2.pk}" id="compare-with-parent"' in html
    assert 'id="compare-with-parent"' not in client.get(f"/prompts/versions/{v1.pk}/").content.decode()


def test_it_refuses_versions_of_different_task_kinds(alice: Any, tiny_base: Any) -> None:
    from tests.support.jobs import launch_held

    versions = []
    for name, kind, init in (("reviews", "classification", "class_labels"), ("answers", "generation", "vocab")):
        dataset = make_ready_dataset(alice, name, task_kind=kind)
        job = launch_held(alice, dataset, tiny_base, prompt_name=name, init=init)
        versions.append(make_version(Prompt.objects.get(pk=job.prompt_id), seed=len(versions), accuracy=0.5, job=job))
    response = logged_in(alice).get(url(*versions))
    assert response.status_code == 400
    html = response.content.decode()
    assert "was trained for classification and" in html
    assert "Pick versions of one kind of task" in html
