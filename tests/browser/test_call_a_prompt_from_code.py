"""A version's and an ensemble's pages show how to call them from code: the predict call in curl and
Python, and the Python, copied as shown, labels an input through the real web and prediction servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.factories import api_key, make_ready_dataset, trained_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, outside_event_loop
from webapp.basemodels.services import register_base_model
from webapp.prompts.models import Prompt

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def snippets_on(page, url: str) -> tuple[str, str]:
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_text("Use it from a script: curl and Python").click()
    snippets = page.locator("#api-snippets")
    expect(snippets.locator(".snippet-curl")).to_be_visible()
    return snippets.locator(".snippet-curl").inner_text(), snippets.locator(".snippet-python").inner_text()


def run_python(code: str, token: str, cwd) -> list[dict]:
    """The snippet's printed JSON answers (it prints one per call, the last is the predict call's);
    files it downloads land in `cwd`."""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90,
                         env={**os.environ, "SPS_TOKEN": token}, cwd=cwd)
    assert run.returncode == 0, run.stderr
    decoder, text, answers = json.JSONDecoder(), run.stdout.strip(), []
    while text:
        answer, end = decoder.raw_decode(text)
        answers.append(answer)
        text = text[end:].strip()
    return answers


def test_version_and_ensemble_pages_show_a_working_predict_call(strict_page, asgi_server, prediction_server_process,
                                                                alice, tiny_model_dir, tmp_path) -> None:
    from webapp.ensembles.services import create_ensemble

    page = strict_page
    base = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    reviews = make_ready_dataset(alice, name="reviews", train=8, validation=4, test=4)
    prompt = Prompt.objects.create(owner=alice, name="sentiment", base_model=base)
    versions = [outside_event_loop(trained_version, alice, prompt, reviews, base, seed=s, accuracy=a)
                for s, a in ((61, 0.6), (62, 0.8))]
    ensemble = outside_event_loop(create_ensemble, alice, name="duo", versions=versions)
    token = outside_event_loop(api_key, alice)
    log_in(page, asgi_server, "alice", PASSWORD)

    curl, python = snippets_on(page, f"{asgi_server}/prompts/versions/{versions[0].pk}/")
    assert "# Label inputs with this version" in curl
    assert (f'-H "Content-Type: application/json" -d \'{{"inputs": [{{"text": "type an input here"}}], '
            f'"return_scores": true}}\' {asgi_server}/api/v1/versions/{versions[0].pk}/predict/') in curl
    predicted = run_python(python, token, tmp_path)[-1]
    assert predicted["version"] == versions[0].pk
    assert predicted["predictions"][0]["input"] == "review: type an input here"
    assert predicted["predictions"][0]["label"] in ("negative", "positive")

    curl, python = snippets_on(page, f"{asgi_server}/ensembles/{ensemble.pk}/")
    assert f"{asgi_server}/api/v1/ensembles/{ensemble.pk}/predict/" in curl
    voted = run_python(python, token, tmp_path)[-1]
    assert voted["ensemble"] == ensemble.pk
    assert sum(voted["predictions"][0]["votes"].values()) == 2
