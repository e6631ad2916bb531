"""A refused upload through the API answers 400 (413 when over the size limit) with details and
leaves nothing behind, including problems only processing finds (a single class, empty inputs)."""

from __future__ import annotations

import gzip
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from tests.factories import api_key, media_snapshot
from webapp.datasets.models import Dataset, Upload

pytestmark = pytest.mark.django_db

GOOD = b"text,label\na fine film,1\na dull film,0\nfun,1\nslow,0\n"


def _stored() -> tuple:
    # The uploads folder itself is made by the first upload ever and kept: it holds nothing of this one.
    files = [p for p in media_snapshot(settings.MEDIA_ROOT) if p != "uploads"]
    return files, Dataset.objects.count(), Upload.objects.count()


def _post(user, data: dict) -> tuple:
    client = Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    before = _stored()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the request's commit, inside the test's transaction
        response = client.post("/api/v1/datasets/", data)
    after = _stored()
    return response, before, after


@pytest.mark.parametrize(("content", "fields", "detail"), [
    (gzip.compress(GOOD, mtime=0), {}, {"file": "data.csv", "row": None, "column": None,
                              "message": "This is a gzip archive, not a CSV text file; upload the table itself, uncompressed"}),
    (b"text,label\na,1\nb,1,x\n", {}, {"file": "data.csv", "line": 3, "column": None,
                                       "message": "Expected 2 fields (text, label) but found 3; quote fields that "
                                                  "contain the delimiter"}),
    (GOOD, {"label_column": "lable"}, {"file": "data.csv", "row": None, "column": "lable",
                                       "message": "No label column 'lable' (columns are 'text', 'label'); did you mean 'label'?"}),
    (b"text,label\na,1\nb,1\nc,1\n", {"task_kind": "classification"},
     {"file": "data.csv", "row": None, "column": "label",
      "message": "Every row has the same label ('1'): classification needs at least two classes"}),
    (b"text,label\na,1\n ,0\nc,1\nd,0\n", {}, {"file": "data.csv", "line": 3, "column": "text",
                                               "message": "The input is empty"}),
    (GOOD, {"label_map": json.dumps({"1": "positive"})},
     {"file": "data.csv", "line": 3, "column": "label",
      "message": "Label '0' has no entry in the label map (known: '1')"}),
])
def test_it_answers_400_and_stores_nothing(alice, content: bytes, fields: dict, detail: dict) -> None:
    # wait=true: processed inline, so a problem found in a row answers here too (without it a
    # worker finds it, and the upload's status says so).
    data = {"file": SimpleUploadedFile("data.csv", content), "text_column": "text", "label_column": "label",
            "wait": "true", **fields}
    response, before, after = _post(alice, data)
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"error", "details"}
    assert {k: body["details"][0][k] for k in detail} == detail
    assert after == before


def test_it_refuses_a_file_over_the_size_limit(alice, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    data = {"file": SimpleUploadedFile("big.csv", GOOD * 100), "text_column": "text", "label_column": "label"}
    response, before, after = _post(alice, data)
    assert response.status_code == 413
    assert response.json()["details"][0]["file"] == "big.csv"
    assert response.json()["error"] == "The file is over the size limit of 1 KB; upload at most 1 KB"
    assert after == before


def test_it_names_invalid_fields(alice) -> None:
    data = {"file": SimpleUploadedFile("data.csv", GOOD), "label_column": "label", "label_map": "{not json"}
    response, before, after = _post(alice, data)
    assert response.status_code == 400
    fields = {d["field"] for d in response.json()["details"]}
    assert fields == {"label_map", "input_template"}
    assert after == before
