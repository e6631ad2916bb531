"""Only the owner sees or touches a dataset: bob (a teammate, no shared teams yet) and charlie
(a stranger) get 404 on every dataset URL, and nothing changes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import api_key, make_dataset
from webapp.datasets.models import Dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(alice, tmp_path, client):
    dataset = make_dataset(alice, tmp_path, name="Alice's reviews")
    client.force_login(alice)
    response = client.post("/datasets/new/", {"file": SimpleUploadedFile("a.csv", b"text,label\na,1\nb,0\n")})
    client.logout()
    return dataset, response["Location"]


def _page_urls(dataset: Dataset, mapping_url: str) -> list[tuple[str, str]]:
    pk = dataset.pk
    return [
        ("get", f"/datasets/{pk}/"),
        ("get", f"/datasets/{pk}/download/train.csv"),
        ("post", f"/datasets/{pk}/rename/"),
        ("post", f"/datasets/{pk}/delete/"),
        ("get", mapping_url),
        ("post", mapping_url),
        ("post", mapping_url + "discard/"),
    ]


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_others_get_404_on_every_page(request, owned, client, persona: str) -> None:
    dataset, mapping_url = owned
    client.force_login(request.getfixturevalue(persona))
    for method, url in _page_urls(dataset, mapping_url):
        data = {"name": "mine now", "input_template": "{text}", "label_column": "label"} if method == "post" else {}
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert Dataset.objects.get(pk=dataset.pk).name == "Alice's reviews"
    assert "Alice&#x27;s reviews" not in client.get("/datasets/").content.decode()
    alice_client = Client()
    alice_client.force_login(dataset.owner)
    assert alice_client.get(mapping_url).status_code == 200  # the staged upload is untouched


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_others_get_404_in_the_api(request, owned, persona: str) -> None:
    dataset, _ = owned
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(request.getfixturevalue(persona))}")
    for method in ("get", "delete"):
        response = getattr(api, method)(f"/api/v1/datasets/{dataset.pk}/")
        assert response.status_code == 404
        assert response.json() == {"error": "Not found", "details": []}
    assert api.get("/api/v1/datasets/").json() == {"results": []}
    assert Dataset.objects.filter(pk=dataset.pk).exists()


def test_the_owner_reaches_every_page(owned, client, alice) -> None:
    dataset, mapping_url = owned
    client.force_login(alice)
    assert client.get(f"/datasets/{dataset.pk}/").status_code == 200
    assert client.get(f"/datasets/{dataset.pk}/download/train.csv").status_code == 200
    assert client.get(mapping_url).status_code == 200
    assert client.post(f"/datasets/{dataset.pk}/rename/", {"name": "Renamed"}).status_code == 302
    assert Dataset.objects.get(pk=dataset.pk).name == "Renamed"


def test_anonymous_visitors_are_sent_to_log_in(owned, client) -> None:
    dataset, mapping_url = owned
    for url in ("/datasets/", f"/datasets/{dataset.pk}/", mapping_url, "/datasets/new/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
