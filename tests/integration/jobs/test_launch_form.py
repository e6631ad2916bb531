"""The launch form and POST /api/v1/jobs/: bounds and combinations refused with messages."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import api_key, make_ready_dataset, make_version
from webapp.jobs.models import JobStatus, TuningJob
from webapp.prompts.models import Prompt

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_data(alice, tiny_base_model) -> dict[str, object]:
    dataset = make_ready_dataset(alice)
    return {
        "dataset": dataset.pk, "base_model": tiny_base_model.pk, "prompt_name": "sentiment",
        "prompt_length": 20, "init": "class_labels", "learning_rate": 0.3, "batch_size": 8,
        "max_steps": 100, "eval_every": 50, "patience": "", "max_input_length": 64, "seed": 0,
    }


@pytest.fixture
def client_for_alice(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_it_shows_the_form_with_presets_and_the_random_weights_label(client_for_alice, form_data) -> None:
    html = client_for_alice.get("/jobs/new/").content.decode()
    for preset in (1, 5, 20, 100, 150):
        assert f'data-length="{preset}"' in html
    assert "random weights: accuracy is meaningless" in html
    assert 'id="trainable-params"' in html


def test_it_launches_a_job_and_redirects_to_it(client_for_alice, form_data, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for_alice.post("/jobs/new/", form_data)
    job = TuningJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.QUEUED
    assert job.prompt_config["prompt_length"] == 20
    assert job.prompt_config["label_words"] == ["negative", "positive"]
    assert job.train_config["batch_size"] == 8
    assert job.train_config["learning_rate"] == 0.3
    # The advanced fields left out: the engine's defaults.
    assert job.train_config["precision"] == "auto"
    assert job.train_config["eval_sample"] == 512
    assert job.train_config["attention_dropout"] is True
    assert len(callbacks) == 1, "the job is enqueued once, after commit"


def test_it_offers_precision_and_evaluation_settings_under_advanced(client_for_alice) -> None:
    html = client_for_alice.get("/jobs/new/").content.decode()
    advanced = html[html.index('<fieldset class="advanced">'):html.index("</fieldset>")]
    assert "<legend>Advanced</legend>" in advanced
    for value in ("auto", "fp32", "bf16"):
        assert f'<option value="{value}"' in advanced
    assert 'name="eval_sample" value="512"' in advanced
    assert '<option value="true" selected>On (the paper&#x27;s recipe)</option>' in advanced


def test_it_launches_with_the_advanced_settings_and_shows_them(client_for_alice, form_data) -> None:
    response = client_for_alice.post(
        "/jobs/new/", {**form_data, "precision": "bf16", "eval_sample": 0, "attention_dropout": "false"}
    )
    job = TuningJob.objects.get()
    assert response.status_code == 302
    assert job.train_config["precision"] == "bf16"
    assert job.train_config["eval_sample"] is None, "0 scores the whole split"
    assert job.train_config["attention_dropout"] is False
    page = client_for_alice.get(f"/jobs/{job.pk}/").content.decode()
    assert '<td id="job-precision">bf16</td>' in page
    assert "on the whole split" in page
    assert "none on attention probabilities" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("precision", "fp16", "Select a valid choice. fp16 is not one of the available choices."),
        ("eval_sample", -1, "Ensure this value is greater than or equal to 0."),
        ("attention_dropout", "maybe", "Select a valid choice: true or false."),
    ],
)
def test_it_refuses_bad_advanced_values(client_for_alice, form_data, field, value, message) -> None:
    response = client_for_alice.post("/jobs/new/", {**form_data, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TuningJob.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("prompt_length", 0, "Ensure this value is greater than or equal to 1."),
        ("prompt_length", 5000, "Ensure this value is less than or equal to 2048."),
        ("learning_rate", -1, "Ensure this value is greater than or equal to"),
        ("batch_size", 0, "Ensure this value is greater than or equal to 1."),
        ("max_steps", "many", "Enter a whole number."),
        ("eval_every", 500, "Evaluate at least once: at most max steps (100)"),
        ("prompt_name", "", "Name the new prompt, or choose a version to continue from"),
        ("init", "magic", "Select a valid choice."),
    ],
)
def test_it_refuses_bad_values_with_a_message(client_for_alice, form_data, field, value, message) -> None:
    response = client_for_alice.post("/jobs/new/", {**form_data, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TuningJob.objects.exists()
    assert not Prompt.objects.exists()


def test_it_refuses_a_taken_prompt_name(client_for_alice, form_data, alice, tiny_base_model) -> None:
    make_version(Prompt.objects.create(owner=alice, name="sentiment", base_model=tiny_base_model), seed=1,
                 accuracy=0.5)
    response = client_for_alice.post("/jobs/new/", form_data)
    assert "You already have a prompt named &#x27;sentiment&#x27;" in response.content.decode()
    assert not TuningJob.objects.exists()


def test_an_empty_prompt_s_name_is_free_again(client_for_alice, form_data, alice, tiny_base_model) -> None:
    """A prompt whose jobs all ended without a version (or were deleted) holds nothing."""
    empty = Prompt.objects.create(owner=alice, name="sentiment", base_model=tiny_base_model)
    response = client_for_alice.post("/jobs/new/", form_data)
    assert response.status_code == 302
    assert TuningJob.objects.get().prompt_id == empty.pk


def test_it_refuses_another_users_dataset(client_for_alice, form_data, bob) -> None:
    bobs = make_ready_dataset(bob, "bob's data")
    response = client_for_alice.post("/jobs/new/", {**form_data, "dataset": bobs.pk})
    assert "Select a valid choice" in response.content.decode()
    assert not TuningJob.objects.exists()


def test_it_launches_through_the_api_and_explains_errors(alice, form_data) -> None:
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    bad = api.post("/api/v1/jobs/", {**form_data, "batch_size": 0}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["details"] == [{"field": "batch_size", "message": "Ensure this value is greater than or equal to 1."}]

    created = api.post("/api/v1/jobs/", form_data, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "queued"
    assert body["prompt"]["name"] == "sentiment"
    assert body["train_config"]["precision"] == "auto"
    assert body["train_config"]["attention_dropout"] is True

    advanced = {**form_data, "prompt_name": "sentiment bf16", "precision": "bf16", "eval_sample": 128,
                "attention_dropout": False}
    config = api.post("/api/v1/jobs/", advanced, content_type="application/json").json()["train_config"]
    assert (config["precision"], config["eval_sample"], config["attention_dropout"]) == ("bf16", 128, False)

    not_json = api.post("/api/v1/jobs/", "[1, 2]", content_type="application/json")
    assert not_json.status_code == 400
    assert not_json.json()["error"] == "The body is not a JSON object"


def test_it_continues_from_a_version_on_its_own_base_model_only(alice, client_for_alice, form_data, tiny_base_model, tiny_model_dir) -> None:
    from webapp.basemodels.services import register_base_model
    from webapp.prompts.models import PromptVersion

    prompt = Prompt.objects.create(owner=alice, name="sentiment", base_model=tiny_base_model)
    version = PromptVersion.objects.create(prompt=prompt, version=1, base_model=tiny_base_model, prompt_length=20,
                                           d_model=32, init="class_labels", tensor_file="x", sha256="0" * 64)
    other = register_base_model("other tiny", str(tiny_model_dir))
    data = {**form_data, "prompt_name": "", "continue_from": version.pk}

    wrong_model = client_for_alice.post("/jobs/new/", {**data, "base_model": other.pk})
    assert "a prompt only runs on its own base model" in wrong_model.content.decode()

    wrong_length = client_for_alice.post("/jobs/new/", {**data, "prompt_length": 5})
    assert "has 20 prompt tokens; continuing from it keeps that length" in wrong_length.content.decode()

    ok = client_for_alice.post("/jobs/new/", data)
    assert ok.status_code == 302
    job = TuningJob.objects.get()
    assert job.prompt == prompt
    assert job.parent_version == version
    assert job.prompt_config["init"] == "from_file"
    assert job.prompt_config["init_from"] == "x"


def test_it_preselects_the_dataset_linked_from_its_page(client_for_alice, form_data) -> None:
    dataset_page = client_for_alice.get(f"/datasets/{form_data['dataset']}/").content.decode()
    assert f'href="/jobs/new/?dataset={form_data["dataset"]}"' in dataset_page
    form = client_for_alice.get(f"/jobs/new/?dataset={form_data['dataset']}").context["form"]
    assert form.initial["dataset"] == form_data["dataset"]


def test_the_api_launches_once_per_launch_key_and_defaults_the_seed(alice, form_data) -> None:
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    request = {**form_data, "launch_key": "7f1de0f2-9b55-4d3e-9a55-0c0ffee00001"}
    del request["seed"]
    first = api.post("/api/v1/jobs/", request, content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["train_config"]["seed"] == 0
    again = api.post("/api/v1/jobs/", request, content_type="application/json")  # a retried request
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert TuningJob.objects.count() == 1
    assert Prompt.objects.count() == 1


def test_a_launch_key_is_one_user_s_own(alice, bob, form_data) -> None:
    key = "7f1de0f2-9b55-4d3e-9a55-0c0ffee00002"
    Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}").post(
        "/api/v1/jobs/", {**form_data, "launch_key": key}, content_type="application/json")
    bobs = make_ready_dataset(bob)
    answer = Client(HTTP_AUTHORIZATION=f"Token {api_key(bob)}").post(
        "/api/v1/jobs/", {**form_data, "dataset": bobs.pk, "launch_key": key}, content_type="application/json")
    assert answer.status_code == 201  # never alice's job


def test_class_label_init_is_refused_for_a_generation_dataset(alice, client_for_alice, form_data) -> None:
    answers = make_ready_dataset(alice, "answers", task_kind="generation")
    response = client_for_alice.post("/jobs/new/", {**form_data, "dataset": answers.pk, "init": "class_labels"})
    assert response.status_code == 200
    assert "is a generation dataset: it has no label words" in response.content.decode()
    assert not TuningJob.objects.exists()
