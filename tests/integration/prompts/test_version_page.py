"""The version page: what a version is, where it came from, its notes, tags, name and files."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from django.test import Client
from safetensors.numpy import load_file

from tests.factories import make_version
from tests.support.jobs import launch_held
from webapp.prompts.models import EvalRun, PromptVersion

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_shows_a_version_with_its_lineage(alice, lineage_versions) -> None:
    v1, v2, v3 = lineage_versions
    response = logged_in(alice).get(f"/prompts/versions/{v2.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "sentiment <span class=\"version-number\">v2</span>" in html
    assert "tiny-t5" in html
    assert "random weights: for trying the pipeline, accuracy is meaningless" in html
    assert "4 tokens × 32" in html
    assert "continued from v1" in html
    assert "from_file" not in html
    lineage = html[html.index('id="lineage"'):html.index('id="version-evaluations"')]
    assert f'href="/prompts/versions/{v1.pk}/"' in lineage
    assert f'href="/prompts/versions/{v3.pk}/"' in lineage
    assert lineage.index(f"/prompts/versions/{v1.pk}/") < lineage.index("(this version)") \
        < lineage.index(f"/prompts/versions/{v3.pk}/")
    assert "from safetensors.torch import load_file" in html
    assert 'load_file("sentiment-v2.safetensors")["prompt"]' in html


def test_it_links_evaluations_and_versions_everywhere(alice, lineage_versions, rank_run) -> None:
    v1 = lineage_versions[0]
    client = logged_in(alice)
    assert f'href="/prompts/evaluations/{rank_run.pk}/"' in client.get(f"/prompts/versions/{v1.pk}/").content.decode()
    prompt_page = client.get(f"/prompts/{v1.prompt_id}/").content.decode()
    for version in lineage_versions:
        assert f'href="/prompts/versions/{version.pk}/"' in prompt_page
    assert f'href="/prompts/evaluations/{rank_run.pk}/"' in prompt_page
    listing = client.get("/prompts/").content.decode()
    assert f'href="/prompts/versions/{lineage_versions[2].pk}/"' in listing  # latest
    assert f'href="/prompts/versions/{v1.pk}/"' in listing  # best


def test_it_marks_the_best_version_not_only_the_latest(alice, lineage_versions) -> None:
    html = logged_in(alice).get(f"/prompts/{lineage_versions[0].prompt_id}/").content.decode()
    row = lambda n: html[html.index(f'id="version-{n}"'):].split("</tr>")[0]  # noqa: E731
    assert ">best</span>" in row(1)
    assert ">latest</span>" not in row(1)
    assert ">latest</span>" in row(3)
    assert ">best</span>" not in row(3)
    assert ">best</span>" not in row(2)
    assert "v1, the highest validation accuracy (0.800)" in html


def test_it_shows_the_job_configuration_as_a_table_and_the_curve(
    alice, lineage_versions, tiny_base
) -> None:
    from webapp.jobs.models import JobMetric

    dataset = EvalRun.objects.get(prompt_version=lineage_versions[0]).dataset
    job = launch_held(alice, dataset, tiny_base, prompt_name="trained")
    JobMetric.objects.create(job=job, kind="train", step=10, loss=2.5)
    JobMetric.objects.create(job=job, kind="eval", step=10, values={"accuracy": 0.75})
    version = make_version(job.prompt, seed=4, accuracy=0.75, job=job)
    html = logged_in(alice).get(f"/prompts/versions/{version.pk}/").content.decode()
    config = html[html.index('id="version-config"'):].split("</table>")[0]
    assert "<th scope=\"row\">Learning rate</th><td>0.3</td>" in config
    assert "<th scope=\"row\">Batch size</th><td>8</td>" in config
    assert "{" not in config
    assert "init_from" not in config
    assert f'href="/jobs/{job.pk}/"' in html
    assert '<script id="version-loss-chart-data" type="application/json"' in html
    assert '"points": [[10, 2.5]]' in html
    assert '"points": [[10, 0.75]]' in html


def test_it_saves_notes_and_tags(alice, lineage_versions) -> None:
    v1 = lineage_versions[0]
    client = logged_in(alice)
    response = client.post(f"/prompts/versions/{v1.pk}/notes/",
                           {"notes": "Our shipped prompt.", "tags": "production, baseline,production"})
    assert response.status_code == 302
    v1.refresh_from_db()
    assert (v1.notes, v1.tags) == ("Our shipped prompt.", ["production", "baseline"])
    html = client.get(f"/prompts/versions/{v1.pk}/").content.decode()
    assert "Our shipped prompt." in html
    assert '<span class="badge tag">production</span>' in html
    assert '<span class="badge tag">baseline</span>' in client.get(f"/prompts/{v1.prompt_id}/").content.decode()


def test_it_refuses_a_tag_too_long_naming_the_field(alice, lineage_versions) -> None:
    v1 = lineage_versions[0]
    response = logged_in(alice).post(f"/prompts/versions/{v1.pk}/notes/", {"notes": "", "tags": "x" * 41})
    assert response.status_code == 400
    assert "A tag is at most 40 characters" in response.content.decode()
    v1.refresh_from_db()
    assert v1.tags == []


def test_it_renames_the_prompt_and_refuses_a_taken_name(alice, lineage_versions, tiny_base) -> None:
    from webapp.prompts.services import create_prompt

    v1 = lineage_versions[0]
    create_prompt(alice, "taken", tiny_base)
    client = logged_in(alice)
    refused = client.post(f"/prompts/versions/{v1.pk}/rename/", {"name": "taken"})
    assert refused.status_code == 400
    assert "You already have a prompt named &#x27;taken&#x27;" in refused.content.decode()
    assert client.post(f"/prompts/versions/{v1.pk}/rename/", {"name": "sentiment-rt"}).status_code == 302
    v1.prompt.refresh_from_db()
    assert v1.prompt.name == "sentiment-rt"


def test_it_deletes_a_version_with_its_files(
    alice, lineage_versions, rank_run, django_capture_on_commit_callbacks
) -> None:
    v1, v2, _ = lineage_versions
    directory = v1.tensor_path.parent
    assert directory.is_dir()
    # The files go once the deletion commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(alice).post(f"/prompts/versions/{v1.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == f"/prompts/{v1.prompt_id}/"
    assert not PromptVersion.objects.filter(pk=v1.pk).exists()
    assert not EvalRun.objects.filter(pk=rank_run.pk).exists()
    assert not directory.exists(), "the version's files stay behind"
    assert directory.parent.exists()
    assert v2.tensor_path.exists()
    v2.refresh_from_db()
    assert v2.parent is None


def test_it_refuses_to_delete_a_version_a_queued_job_continues_from(
    alice, lineage_versions, tiny_base
) -> None:
    v3 = lineage_versions[2]
    dataset = EvalRun.objects.filter(prompt_version__prompt=v3.prompt).first().dataset
    job = launch_held(alice, dataset, tiny_base, prompt_name="sentiment", continue_from=v3)
    client = logged_in(alice)
    response = client.post(f"/prompts/versions/{v3.pk}/delete/", follow=True)
    html = response.content.decode()
    assert f"sentiment v3 cannot be deleted: job #{job.pk} (queued) continues from it" in html
    assert PromptVersion.objects.filter(pk=v3.pk).exists()
    assert v3.tensor_path.exists()
    # The job's page links the version it continues from.
    job_page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'Continues training from <a href="/prompts/versions/{v3.pk}/">sentiment v3</a>' in job_page


def test_it_downloads_npy_equal_to_the_safetensors(alice, lineage_versions) -> None:
    v1 = lineage_versions[0]
    response = logged_in(alice).get(f"/prompts/versions/{v1.pk}/download.npy")
    assert response.status_code == 200
    assert 'filename="sentiment-v1.npy"' in response["Content-Disposition"]
    array = np.load(io.BytesIO(b"".join(response.streaming_content)))
    assert array.dtype == np.float32
    assert array.shape == (4, 32)
    np.testing.assert_array_equal(array, load_file(str(v1.tensor_path))["prompt"])


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_it_hides_version_pages_from_others(request, lineage_versions, stranger) -> None:
    v1 = lineage_versions[0]
    client = logged_in(request.getfixturevalue(stranger))
    for url in (f"/prompts/versions/{v1.pk}/", f"/prompts/versions/{v1.pk}/download.npy"):
        assert client.get(url).status_code == 404
    for url, data in ((f"/prompts/versions/{v1.pk}/notes/", {"notes": "mine", "tags": "x"}),
                      (f"/prompts/versions/{v1.pk}/rename/", {"name": "stolen"}),
                      (f"/prompts/versions/{v1.pk}/delete/", {})):
        assert client.post(url, data).status_code == 404
    v1.refresh_from_db()
    assert (v1.notes, v1.tags, v1.prompt.name) == ("", [], "sentiment")
    assert PromptVersion.objects.filter(pk=v1.pk).exists()
    assert v1.tensor_path.exists()


def test_it_asks_strangers_to_log_in(lineage_versions) -> None:
    response = Client().get(f"/prompts/versions/{lineage_versions[0].pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_marks_the_best_generation_version_by_exact_match(alice, tiny_base) -> None:
    from webapp.prompts.models import Prompt
    from webapp.prompts.queries import best_version

    prompt = Prompt.objects.create(owner=alice, name="answers", base_model=tiny_base)
    first, second = make_version(prompt, seed=1, accuracy=0), make_version(prompt, seed=2, accuracy=0)
    PromptVersion.objects.filter(pk=first.pk).update(metrics={"exact_match": 0.4, "f1": 0.9})
    PromptVersion.objects.filter(pk=second.pk).update(metrics={"exact_match": 0.5, "f1": 0.6})
    assert best_version(prompt.versions.all()) == second
    PromptVersion.objects.filter(pk=second.pk).update(metrics={"f1": 0.6})  # no headline: not ranked
    assert best_version(prompt.versions.all()) == first
    assert logged_in(alice).get(f"/prompts/{prompt.pk}/").status_code == 200
