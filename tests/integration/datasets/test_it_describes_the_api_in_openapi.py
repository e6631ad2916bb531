from __future__ import annotations

import pytest
from django.test import Client

from webapp.api.areas import datasets
from webapp.api.registry import AREA_MODULES

pytestmark = pytest.mark.django_db


def test_it_serves_an_openapi_document_assembled_from_the_areas() -> None:
    doc = Client().get("/api/v1/schema/").json()
    assert doc["openapi"].startswith("3.")
    assert datasets in AREA_MODULES
    assert set(doc["paths"]["/datasets/"]) == {"get", "post"}
    assert set(doc["paths"]["/datasets/{id}/"]) >= {"get", "delete"}
    post = doc["paths"]["/datasets/"]["post"]
    fields = post["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert {"file", "train_file", "validation_file", "test_file", "name", "input_template", "text_column",
            "label_column", "label_map"} <= set(fields)
    assert post["responses"]["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "label_column" in post["requestBody"]["content"]["multipart/form-data"]["schema"]["required"]
    assert doc["components"]["securitySchemes"]["TokenAuth"]["name"] == "Authorization"
    assert doc["servers"] == [{"url": "/api/v1", "description": "this server"}]
    assert set(doc["components"]["schemas"]["Error"]["required"]) == {"error", "details"}


def test_every_reference_resolves() -> None:
    doc = Client().get("/api/v1/schema/").json()
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[-1] in doc["components"]["schemas"]
