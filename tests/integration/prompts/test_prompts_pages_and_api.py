"""Prompt versions on their pages and in the API, with the tensor download; owners only."""

from __future__ import annotations

import hashlib

import pytest
import torch
from django.test import Client

from tests.factories import api_key
from tuning_core.export import save_prompt
from webapp.basemodels.services import register_base_model
from webapp.prompts.models import EvalRun, Prompt, PromptVersion
from webapp.prompts.services import new_version_dir, record_eval_run, record_prompt_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_versions(alice, tiny_model_dir) -> list[PromptVersion]:
    from tests.factories import make_ready_dataset

    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=8, validation=4, test=0)
    prompt = Prompt.objects.create(owner=alice, name="sentiment", base_model=base_model)
    versions = []
    for seed in (1, 2):
        directory, relative = new_version_dir(prompt)
        files = save_prompt(torch.randn(4, 32, generator=torch.Generator().manual_seed(seed)), directory)
        version = record_prompt_version(
            prompt=prompt, tensor_file=f"{relative}/prompt.safetensors", sha256=files.sha256, prompt_length=4,
            d_model=32, init="class_labels", metrics={"accuracy": 0.5 + seed / 10}, best_step=seed * 10,
            parent=versions[-1] if versions else None,
        )
        record_eval_run(version=version, dataset=dataset, split="validation", mode="rank",
                        metrics={"accuracy": 0.5, "macro_f1": 0.4}, predictions=[{"index": 0}])
        versions.append(version)
    return versions


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")


def test_it_numbers_versions_under_the_prompt(alices_versions) -> None:
    assert [v.version for v in alices_versions] == [1, 2]
    assert alices_versions[1].parent == alices_versions[0]


def test_it_lists_prompts_with_versions_and_metrics(alice, alices_versions) -> None:
    listing = api(alice).get("/api/v1/prompts/").json()["results"]
    assert [(p["name"], p["latest_version"]) for p in listing] == [("sentiment", 2)]

    detail = api(alice).get(f"/api/v1/prompts/{listing[0]['id']}/").json()
    assert [v["version"] for v in detail["versions"]] == [2, 1]
    assert detail["versions"][0]["metrics"] == {"accuracy": 0.7}
    assert detail["versions"][0]["evaluations"][0]["metrics"]["macro_f1"] == 0.4


def test_it_downloads_the_tensor_file_with_its_checksum(alice, alices_versions) -> None:
    prompt_id = alices_versions[0].prompt_id
    latest = api(alice).get(f"/api/v1/prompts/{prompt_id}/download/")
    assert latest.status_code == 200
    body = b"".join(latest.streaming_content)
    assert hashlib.sha256(body).hexdigest() == alices_versions[1].sha256 == latest["X-Content-SHA256"]
    assert 'filename="sentiment-v2.safetensors"' in latest["Content-Disposition"]

    first = api(alice).get(f"/api/v1/versions/{alices_versions[0].pk}/download/")
    assert hashlib.sha256(b"".join(first.streaming_content)).hexdigest() == alices_versions[0].sha256
    # The first path of the download keeps working (deprecated in the schema).
    old_path = api(alice).get(f"/api/v1/prompts/versions/{alices_versions[0].pk}/download/")
    assert hashlib.sha256(b"".join(old_path.streaming_content)).hexdigest() == alices_versions[0].sha256


def test_it_shows_versions_on_the_prompt_page(alice, alices_versions, client) -> None:
    client.force_login(alice)
    html = client.get(f"/prompts/{alices_versions[0].prompt_id}/").content.decode()
    assert 'id="version-1"' in html
    assert 'id="version-2"' in html
    assert "random weights" in html
    assert "sentiment" in client.get("/prompts/").content.decode()


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_it_hides_prompts_from_others(request, alices_versions, stranger) -> None:
    user = request.getfixturevalue(stranger)
    prompt_id, version_id = alices_versions[0].prompt_id, alices_versions[0].pk
    client = api(user)
    assert client.get("/api/v1/prompts/").json()["results"] == []
    for url in (f"/api/v1/prompts/{prompt_id}/", f"/api/v1/prompts/{prompt_id}/download/",
                f"/api/v1/prompts/versions/{version_id}/download/"):
        assert client.get(url).status_code == 404
    pages = Client()
    pages.force_login(user)
    assert pages.get(f"/prompts/{prompt_id}/").status_code == 404
    assert pages.get(f"/prompts/versions/{version_id}/download/").status_code == 404
    assert "sentiment" not in pages.get("/prompts/").content.decode()


def test_it_says_so_when_a_prompt_file_is_missing(alice, alices_versions) -> None:
    alices_versions[1].tensor_path.unlink()
    response = api(alice).get(f"/api/v1/prompts/versions/{alices_versions[1].pk}/download/")
    assert response.status_code == 404
    assert EvalRun.objects.count() == 2
