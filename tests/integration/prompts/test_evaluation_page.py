"""The evaluation page: metrics, per-class table, confusion heatmap, and predictions to filter,
sort and page through."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from webapp.prompts.models import EvalRun
from webapp.prompts.predictions import PredictionFilter, select_predictions

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown_indexes(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="(?:right|wrong)" data-index="(\d+)"', html)]


def test_it_shows_metrics_per_class_and_the_confusion_matrix(alice, rank_run) -> None:
    response = logged_in(alice).get(f"/prompts/evaluations/{rank_run.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<dt>accuracy</dt><dd>0.7500</dd>" in html
    assert "<dt>macro_f1</dt>" in html
    assert "<dt>mcc</dt>" in html
    per_class = html[html.index('id="eval-per-class"'):].split("</table>")[0]
    counts = rank_run.metrics["per_class"]
    for label in ("negative", "positive"):
        m = counts[label]
        assert (f'<th scope="row">{label}</th><td>{m["precision"]:.3f}</td><td>{m["recall"]:.3f}</td>'
                f'<td>{m["f1"]:.3f}</td><td>{m["support"]}</td>') in per_class
    confusion = html[html.index('id="eval-confusion"'):].split("</table>")[0]
    matrix = rank_run.metrics["confusion_matrix"]["matrix"]
    assert matrix == [[60, 0], [30, 30]]
    assert 'class="cell shade-10 diagonal"' in confusion  # negative → negative: the whole row
    assert 'class="cell shade-5 off"' in confusion
    assert ">30</a>" in confusion
    assert "?gold=positive&amp;predicted=negative#predictions" in confusion


def test_it_pages_predictions_fifty_at_a_time(alice, rank_run) -> None:
    client = logged_in(alice)
    first = client.get(f"/prompts/evaluations/{rank_run.pk}/").content.decode()
    assert shown_indexes(first) == list(range(50))
    assert "120 of 120 predictions · page 1 of 3" in first
    last = client.get(f"/prompts/evaluations/{rank_run.pk}/?page=3").content.decode()
    assert shown_indexes(last) == list(range(100, 120))
    assert 'href="?page=2#predictions" rel="prev"' in last
    beyond = client.get(f"/prompts/evaluations/{rank_run.pk}/?page=99").content.decode()
    assert shown_indexes(beyond) == list(range(100, 120))


def test_it_filters_errors_gold_predicted_and_text(alice, rank_run) -> None:
    client = logged_in(alice)
    url = f"/prompts/evaluations/{rank_run.pk}/"
    errors = client.get(url, {"errors_only": "on"}).content.decode()
    assert shown_indexes(errors) == [i for i in range(120) if i % 4 == 3][:50]
    assert "30 of 120 predictions" in errors
    assert 'class="right"' not in errors
    by_labels = client.get(url, {"gold": "positive", "predicted": "negative"}).content.decode()
    assert shown_indexes(by_labels) == [i for i in range(120) if i % 4 == 3]
    by_text = client.get(url, {"q": "FILM NUMBER 11 WAS"}).content.decode()
    assert shown_indexes(by_text) == [11]
    combined = client.get(url, {"errors_only": "on", "q": "odd"}).content.decode()
    assert shown_indexes(combined) == [i for i in range(120) if i % 4 == 3 and i % 3 == 0]
    # The pager keeps the filters.
    assert 'href="?errors_only=on&amp;page=2#predictions"' not in errors  # 30 errors: one page
    two_pages = client.get(url, {"gold": "negative"}).content.decode()
    assert 'href="?gold=negative&amp;page=2#predictions" rel="next"' in two_pages


def test_it_sorts_by_confidence_and_shows_scores(alice, rank_run) -> None:
    client = logged_in(alice)
    url = f"/prompts/evaluations/{rank_run.pk}/"
    least = client.get(url, {"sort": "confidence"}).content.decode()
    assert shown_indexes(least)[:3] == [0, 1, 2]
    most = client.get(url, {"sort": "-confidence"}).content.decode()
    assert shown_indexes(most)[:3] == [119, 118, 117]
    assert "margin 5.95" in most  # 0.05 + 119 / 20
    assert "Label scores" in least
    assert "negative 0.512 · -0.50" in least # softmax of (-0.5, -0.55)


def test_it_says_which_filter_is_wrong(alice, rank_run) -> None:
    response = logged_in(alice).get(f"/prompts/evaluations/{rank_run.pk}/", {"gold": "neutral", "page": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "gold: Select a valid choice. neutral is not one of the available choices." in html
    assert "page: Enter a whole number." in html
    assert shown_indexes(html) == list(range(50))


def test_it_shows_generated_text_beside_the_target(alice, generation_run) -> None:
    html = logged_in(alice).get(f"/prompts/evaluations/{generation_run.pk}/").content.decode()
    assert "<dt>exact_match</dt><dd>0.2500</dd>" in html
    assert "<dt>f1</dt>" in html
    assert "<th>Target</th><th>Generated</th>" in html
    assert "<td>a dog ran</td>\n        <td>a dog walked</td>" in html
    assert 'id="eval-confusion"' not in html
    assert 'name="gold"' not in html
    errors = logged_in(alice).get(f"/prompts/evaluations/{generation_run.pk}/", {"errors_only": "on"})
    assert shown_indexes(errors.content.decode()) == [1, 2, 3]


def test_the_filter_function_alone(rank_run) -> None:
    page = select_predictions(rank_run, PredictionFilter(errors_only=True, sort="confidence", per_page=7, page=2))
    assert [row.index for row in page.rows] == [31, 35, 39, 43, 47, 51, 55]
    assert (page.matching, page.total, page.page, page.num_pages) == (30, 120, 2, 5)
    assert all(not row.correct for row in page.rows)
    assert all(row.confidence is not None and row.confidence > 0.5 for row in page.rows)


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_it_hides_evaluations_from_others(request, rank_run, stranger) -> None:
    client = logged_in(request.getfixturevalue(stranger))
    assert client.get(f"/prompts/evaluations/{rank_run.pk}/").status_code == 404
    assert client.get(f"/prompts/evaluations/{rank_run.pk}/", {"errors_only": "on"}).status_code == 404
    assert EvalRun.objects.filter(pk=rank_run.pk).exists()
