"""The job, prompt version and dataset pages show copy-paste curl and Python for their object,
with this server's address and the key in $SPS_TOKEN; the job page's Python runs as shown."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.factories import api_key, make_ready_dataset, make_version, sentiment_rows, write_csv
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model
from webapp.prompts.models import Prompt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_snippets(page, url: str) -> tuple[str, str]:
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_text("Use it from a script: curl and Python").click()
    snippets = page.locator("#api-snippets")
    expect(snippets.locator(".snippet-curl")).to_be_visible()
    expect(snippets.get_by_role("link", name="API tokens")).to_have_attribute("href", "/accounts/tokens/")
    return snippets.locator(".snippet-curl").inner_text(), snippets.locator(".snippet-python").inner_text()


def test_each_page_shows_curl_and_python_for_its_object(page, asgi_server, alice, tiny_model_dir) -> None:
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, train=16, validation=4, test=0)
    job = launch_held(alice, dataset, base_model)
    version = make_version(Prompt.objects.create(owner=alice, name="reviews", base_model=base_model),
                           seed=1, accuracy=0.5)
    log_in(page, asgi_server, "alice", PASSWORD)

    curl, python = open_snippets(page, f"{asgi_server}/jobs/{job.pk}/")
    assert f'curl -fsS -H "Authorization: Token $SPS_TOKEN" {asgi_server}/api/v1/jobs/{job.pk}/' in curl
    assert f"{asgi_server}/api/v1/jobs/{job.pk}/metrics/" in curl
    assert f"{asgi_server}/api/v1/jobs/{job.pk}/" in python
    # The Python, copied as shown, runs against this server with a token from the tokens page.
    run = subprocess.run([sys.executable, "-c", python], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "SPS_TOKEN": api_key(alice)})
    assert run.returncode == 0, run.stderr
    assert f'"id": {job.pk},' in run.stdout
    assert '"status": "queued"' in run.stdout

    curl, python = open_snippets(page, f"{asgi_server}/prompts/versions/{version.pk}/")
    assert f"-o reviews-v1.safetensors {asgi_server}/api/v1/versions/{version.pk}/download/" in curl
    assert f"{asgi_server}/api/v1/prompts/{version.prompt_id}/" in python

    curl, python = open_snippets(page, f"{asgi_server}/datasets/{dataset.pk}/")
    assert f"{asgi_server}/api/v1/datasets/{dataset.pk}/" in curl
    assert "$SPS_TOKEN" in curl
    assert 'os.environ["SPS_TOKEN"]' in python


def test_the_dataset_page_shows_how_to_upload_and_poll(page, asgi_server, alice, celery_worker_process,
                                                       tmp_path) -> None:
    """The upload answers 202 at once; the snippet polls its status_url, and runs as shown."""
    dataset = make_ready_dataset(alice, train=16, validation=4, test=0)
    log_in(page, asgi_server, "alice", PASSWORD)

    curl, python = open_snippets(page, f"{asgi_server}/datasets/{dataset.pk}/")
    file_name = f"{dataset.name}.csv".replace(" ", "_")
    assert f"-F file=@{file_name} -F " in curl
    assert f"-F label_column={dataset.label_column}" in curl
    assert f"{asgi_server}/api/v1/datasets/" in curl
    assert f"{asgi_server}/api/v1/uploads/<id>/" in curl
    assert 'upload["status_url"]' in python

    write_csv(tmp_path / file_name, sentiment_rows(30))
    run = subprocess.run([sys.executable, "-c", python], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path, env={**os.environ, "SPS_TOKEN": api_key(alice)})
    assert run.returncode == 0, run.stderr
    assert '"status": "done"' in run.stdout
    assert f'"name": "{dataset.name} (new)"' in run.stdout
