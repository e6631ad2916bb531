"""The domain-transfer matrix: cells hold the headline metric of each version's newest evaluation
on each dataset's split, trained-on cells are marked, missing cells are evaluated by one job each,
an incompatible pair is refused with its reason, and nobody sees another user's versions."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.factories import make_ready_dataset, make_version
from tests.support.jobs import launch_held
from webapp.datasets.models import Dataset
from webapp.evaluations.transfer import transfer_matrix
from webapp.jobs.models import TuningJob
from webapp.jobs.services import cancel_job
from webapp.prompts.models import PromptVersion
from webapp.prompts.services import record_eval_run

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def accuracy_run(version: PromptVersion, dataset: Dataset, split: str, accuracy: float) -> None:
    record_eval_run(version=version, dataset=dataset, split=split, mode="rank",
                    metrics={"accuracy": accuracy, "macro_f1": accuracy / 2}, predictions=[])


@pytest.fixture
def setup(alice: Any, tiny_base: Any) -> dict[str, Any]:
    """v1 trained on `movies`, v2 with no job; `products` has the same labels; `answers` is a
    generation dataset v1 (trained for classification) cannot be evaluated on."""
    movies = make_ready_dataset(alice, "movies", train=8, validation=4, test=8)
    products = make_ready_dataset(alice, "products", train=8, validation=4, test=8)
    answers = make_ready_dataset(alice, "answers", train=8, validation=4, test=8, task_kind="generation")
    training = cancel_job(launch_held(alice, movies, tiny_base, prompt_name="sentiment"))
    prompt = training.prompt
    v1 = make_version(prompt, seed=1, accuracy=0.8, job=training)
    v2 = make_version(prompt, seed=2, accuracy=0.7, parent=v1)
    return {"v1": v1, "v2": v2, "movies": movies, "products": products, "answers": answers}


def query(versions: list[PromptVersion], datasets: list[Dataset], split: str = "test") -> str:
    return urlencode([("v", v.pk) for v in versions] + [("d", d.pk) for d in datasets] + [("split", split)])


def test_cells_hold_the_newest_headline_metric_of_the_split(setup) -> None:
    v1, v2, movies, products = setup["v1"], setup["v2"], setup["movies"], setup["products"]
    accuracy_run(v1, movies, "test", 0.5)
    accuracy_run(v1, movies, "test", 0.75)  # newer: this one counts
    accuracy_run(v1, products, "test", 0.6)
    accuracy_run(v2, products, "test", 0.65)
    accuracy_run(v2, movies, "validation", 0.9)  # another split

    matrix = transfer_matrix([v1, v2], [movies, products], "test")

    values = [[(cell.state, cell.value, cell.trained_on, cell.best) for cell in cells] for _, cells in matrix.rows]
    assert values == [
        [("done", 0.75, True, True), ("done", 0.6, False, False)],
        [("missing", None, False, False), ("done", 0.65, False, True)],
    ]
    assert matrix.rows[0][1][0].metric_name == "accuracy"


def test_the_page_renders_the_matrix_from_its_query(alice, setup) -> None:
    v1, v2, movies, products = setup["v1"], setup["v2"], setup["movies"], setup["products"]
    accuracy_run(v1, movies, "test", 0.75)

    response = logged_in(alice).get(f"/prompts/transfer/?{query([v1, v2], [movies, products])}")

    assert response.status_code == 200
    page = response.content.decode()
    table = page[page.index('id="transfer-table"'):].split("</table>")[0]
    assert "0.750" in table
    assert "trained-on" in table
    assert "trained on" in table
    assert table.count('data-state="missing"') == 3
    assert "Evaluate missing cells (3)" in page
    assert re.search(rf'name="v" value="{v1.pk}"[^>]* checked', page)  # the picker keeps the selection


def test_the_query_is_checked(alice, setup) -> None:
    client = logged_in(alice)
    assert "Pick at least one version" in client.get("/prompts/transfer/").content.decode()
    bad = client.get(f"/prompts/transfer/?v=x&d={setup['movies'].pk}&split=dev")
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Enter a list of values" in text or "is not a valid value" in text
    assert "Select a valid choice. dev is not one of the available choices." in text


def test_nobody_sees_another_users_versions_or_datasets(alice, bob, charlie, setup) -> None:
    alices = query([setup["v1"]], [setup["movies"]])
    for stranger in (bob, charlie):
        client = logged_in(stranger)
        response = client.get(f"/prompts/transfer/?{alices}")
        assert response.status_code == 400
        page = response.content.decode()
        assert "sentiment" not in page
        assert "movies" not in page
        assert "is not one of the available choices" in page
        assert client.post("/prompts/transfer/evaluate/", {"v": setup["v1"].pk, "d": setup["movies"].pk,
                                                          "split": "test"}).status_code == 400
    assert not TuningJob.objects.filter(method="evaluation").exists()
    assert Client().get(f"/prompts/transfer/?{alices}").status_code == 302  # to the login page


def test_missing_cells_launch_one_job_each_and_an_incompatible_pair_says_why(alice, setup) -> None:
    v1, v2, movies, answers = setup["v1"], setup["v2"], setup["movies"], setup["answers"]
    accuracy_run(v1, movies, "test", 0.75)
    client = logged_in(alice)
    selection = query([v1, v2], [movies, answers])

    page = client.get(f"/prompts/transfer/?{selection}").content.decode()
    refused = page[page.index(f'<tr data-version="{v1.pk}"'):].split("</tr>")[0]
    assert 'data-state="refused"' in refused
    assert "was trained for classification and &#x27;answers&#x27; is generation" in refused

    response = client.post("/prompts/transfer/evaluate/", {"v": [v1.pk, v2.pk], "d": [movies.pk, answers.pk],
                                                           "split": "test"}, follow=True)

    jobs = TuningJob.objects.filter(method="evaluation")
    # v1 × movies has a run, v1 × answers is refused: v2 (no job, so no known task) gets both.
    assert sorted((job.parent_version_id, job.dataset_id) for job in jobs) == sorted(
        [(v2.pk, movies.pk), (v2.pk, answers.pk)])
    assert all(job.train_config["split"] == "test" for job in jobs)
    text = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/prompts/transfer/?{selection}"
    assert "Queued 2 evaluations" in text
    # The refused cell says why in the cell itself; launching raises no alarm about it.
    assert "Not evaluated:" not in text
    refused_cell = text[text.index(f'<tr data-version="{v1.pk}"'):].split("</tr>")[0]
    assert "cannot be evaluated" in refused_cell
    assert "was trained for classification" in refused_cell
    assert text.count('data-state="queued"') == 2

    # Evaluations under way are not launched twice.
    client.post("/prompts/transfer/evaluate/", {"v": [v1.pk, v2.pk], "d": [movies.pk, answers.pk], "split": "test"})
    assert TuningJob.objects.filter(method="evaluation").count() == 2
