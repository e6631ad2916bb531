"""The OpenAPI document describes every URL the project routes under /api/v1/, and nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
# The document itself is not one of the operations it lists.
NOT_OPERATIONS = {"/schema/"}


def routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        else:
            yield route


def as_openapi_path(route: str) -> str:
    """`api/v1/jobs/<int:id>/` -> `/jobs/{id}/` (paths in the document are relative to /api/v1)."""
    path = "/" + route.removeprefix(API_PREFIX)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)


def test_every_routed_api_url_is_in_the_schema_and_the_other_way_round() -> None:
    routed = {as_openapi_path(r) for r in routes(get_resolver().url_patterns) if r.startswith(API_PREFIX)}
    documented = set(Client().get("/api/v1/schema/").json()["paths"])

    assert routed - NOT_OPERATIONS, "no API routes found: did the prefix change?"
    assert routed - NOT_OPERATIONS - documented == set(), "routed but missing from the OpenAPI document"
    assert documented - routed == set(), "documented but not routed"


def test_it_knows_the_routes_the_issue_names() -> None:
    documented = Client().get("/api/v1/schema/").json()["paths"]
    for path, methods in {
        "/datasets/": {"get", "post"}, "/datasets/{id}/": {"get", "delete"},
        "/jobs/": {"get", "post"}, "/jobs/{id}/": {"get", "delete"}, "/jobs/{id}/metrics/": {"get"},
        "/jobs/{id}/cancel/": {"post"}, "/prompts/": {"get"}, "/prompts/{id}/": {"get"},
        "/prompts/{id}/download/": {"get"}, "/prompts/versions/{id}/download/": {"get"},
        "/versions/{id}/download/": {"get"},
        "/versions/{id}/evaluate/": {"post"},
    }.items():
        assert set(documented[path]) >= methods, path


def test_the_api_root_points_to_the_schema_and_the_docs() -> None:
    body = Client().get("/api/v1/").json()
    assert body["schema"] == "http://testserver/api/v1/schema/"
    assert body["docs"] == "http://testserver/api/docs/"
