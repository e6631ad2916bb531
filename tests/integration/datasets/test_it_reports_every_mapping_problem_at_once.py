"""The mapping page names every problem it can know in one round trip: split shares, unknown
template columns and the label column leaking into the input, together."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from webapp.datasets.models import Dataset

pytestmark = pytest.mark.django_db

NLI = "premise,hypothesis,label\n" + "".join(f"A man plays {i},Music {i},{i % 3}\n" for i in range(30))


def test_it_names_every_problem_together(client, alice) -> None:
    client.force_login(alice)
    mapping_url = client.post("/datasets/new/", {"name": "NLI", "file": SimpleUploadedFile("nli.csv", NLI.encode())})[
        "Location"]

    response = client.post(mapping_url, {
        "name": "NLI", "input_template": "premise: {premise} hypothesis: {hypotesis} answer: {label}",
        "label_column": "label", "task_kind": "classification", "label_map": "0 = yes\n1 = maybe\n2 = no",
        "split_mode": "auto", "validation_ratio": "0.5", "test_ratio": "0.45", "seed": "1",
    })

    html = response.content.decode()
    assert response.status_code == 400
    assert "Validation and test together must leave at least 10% for training" in html
    assert "refers to column &#x27;hypotesis&#x27;, which the file lacks" in html
    assert "includes the label column {label}: the model would read the answer" in html
    assert not Dataset.objects.exists()
