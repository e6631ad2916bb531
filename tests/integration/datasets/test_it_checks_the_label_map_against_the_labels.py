"""The mapping page names the file's labels that the label map leaves out, before processing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from webapp.datasets.models import Dataset

pytestmark = pytest.mark.django_db

CSV = b"text,label\na fine film,pos\na dull film,neg\nok,meh\nfun,pos\nslow,neg\n"


def _mapping(client, label_map: str):
    upload = client.post("/datasets/new/", {"name": "films", "file": SimpleUploadedFile("films.csv", CSV)})
    assert upload.status_code == 302, upload.content
    return client.post(upload["Location"], {
        "name": "films", "input_template": "{text}", "label_column": "label", "task_kind": "classification",
        "label_map": label_map, "split_mode": "auto", "validation_ratio": "0.2", "test_ratio": "0.2", "seed": "1",
    })


def test_it_names_the_labels_without_words(client, alice) -> None:
    client.force_login(alice)
    response = _mapping(client, "pos = positive\nnegg = negative")
    assert response.status_code == 400
    [error] = response.context["form"].errors["label_map"]
    assert error == ("Labels 'meh', 'neg' of column 'label' have no entry in the label map; 'negg' in the map "
                     "is not among them: add a line `label = words` for each")
    assert Dataset.objects.count() == 0


def test_a_complete_map_passes(client, alice) -> None:
    client.force_login(alice)
    response = _mapping(client, "pos = positive\nneg = negative\nmeh = neutral")
    assert response.status_code == 302
