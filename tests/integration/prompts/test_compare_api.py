"""The compare page as JSON: the same counts and statistics the page shows; a stranger's versions are a 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from scipy import stats

from tests.factories import api_key
from tests.integration.prompts.test_compare_page import compared  # noqa: F401 - the fixture
from webapp.prompts.models import PromptVersion

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")


def test_it_answers_what_the_page_shows(alice, compared: list[PromptVersion]) -> None:  # noqa: F811 - the fixture
    v1, v2 = compared
    response = api(alice).get("/api/v1/compare/", {"v": [v1.pk, v2.pk]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [v["id"] for v in body["versions"]] == [v1.pk, v2.pk]
    assert body["reference"] == v1.pk
    assert body["split"]["split"] == "validation"
    reference, other = body["metrics"]
    assert reference["is_reference"]
    assert reference["pair"] is None
    pair = other["pair"]
    assert (pair["reference_only"], pair["other_only"]) == (18, 24)
    assert pair["mcnemar_p"] == pytest.approx(stats.binomtest(18, 42, 0.5).pvalue)
    assert pair["ci_low"] <= pair["difference"] <= pair["ci_high"]
    assert body["disagreements"]["matching"] == 42
    assert {"label", "values"} <= set(body["config"][0])


def test_strangers_and_single_versions_are_refused(alice, bob, compared: list[PromptVersion]) -> None:  # noqa: F811
    v1, v2 = compared
    assert api(bob).get("/api/v1/compare/", {"v": [v1.pk, v2.pk]}).status_code == 404  # as the page answers
    single = api(alice).get("/api/v1/compare/", {"v": [v1.pk]})
    assert single.status_code == 400
    assert single.json()["details"][0]["field"] == "v"
