"""Upload Rotten Tomatoes in Chromium, map its columns, watch it validate, read its page."""

from __future__ import annotations

import re

import pytest

from tests.factories import ROTTEN_TOMATOES
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.skipif(not (ROTTEN_TOMATOES / "train.csv").exists(), reason="no shared Rotten Tomatoes data here")
def test_it_uploads_maps_and_shows_the_dataset(page, asgi_server, celery_worker_process, alice) -> None:
    from playwright.sync_api import expect

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/datasets/")
    page.get_by_role("link", name="Upload a dataset").click()

    page.get_by_label("Name").fill("Rotten Tomatoes")
    page.set_input_files("#id_file", str(ROTTEN_TOMATOES / "train.csv"))
    page.get_by_role("button", name="Upload and check").click()

    # The mapping page: columns, first rows, suggestions.
    page.wait_for_url(re.compile(r".*/datasets/new/[0-9a-f]{32}/$"))
    expect(page.get_by_role("heading", name="Map the columns")).to_be_visible()
    expect(page.locator("table.preview")).to_contain_text("A three-hour cinema master class.")
    expect(page.get_by_label("Label column")).to_have_value("label")
    expect(page.get_by_label("Task kind")).to_have_value("classification")
    expect(page.get_by_label("Label words")).to_have_value("negative = negative\npositive = positive")
    # The label map follows the label column: free text offers no labels to map.
    page.get_by_label("Label column").select_option("text")
    expect(page.get_by_label("Label words")).to_have_value("")
    page.get_by_label("Label column").select_option("label")
    expect(page.get_by_label("Label words")).to_have_value("negative = negative\npositive = positive")
    page.get_by_label("Input template").fill("review: ")
    page.get_by_role("button", name="{text}").click()  # pick the input column
    expect(page.get_by_label("Input template")).to_have_value("review: {text}")
    expect(page.locator("table.preview td.model-input").first).to_have_text("review: A three-hour cinema master class.")
    page.get_by_label("Label words").fill("positive = great\nnegative = terrible")
    page.get_by_role("button", name="Create the dataset").click()

    # The dataset page updates itself when the worker finishes.
    page.wait_for_url(re.compile(r".*/datasets/\d+/$"))
    chart = page.get_by_role("img", name="Rows per label")
    expect(chart).to_be_visible(timeout=60_000)
    expect(chart).to_contain_text("great")
    expect(chart).to_contain_text("terrible")
    expect(page.locator("[data-dataset-status]")).to_have_text("Ready")
    expect(page.locator("table.splits")).to_contain_text("8190")
    rows = page.locator("table.samples tbody tr")
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text("review: ")

    page.get_by_label("Search").fill("master class")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.samples")).not_to_contain_text("No rows match", timeout=10_000)
    for text in page.locator("table.samples tbody tr td:nth-child(2)").all_inner_texts():
        assert "master class" in text.lower()


def test_it_explains_a_refused_upload(page, asgi_server, alice, tmp_path) -> None:
    from playwright.sync_api import expect

    bad = tmp_path / "reviews.csv"
    bad.write_bytes("text,label\nun film réussi,1\n".encode("cp1252"))
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/datasets/new/")
    page.set_input_files("#id_file", str(bad))
    # Remember whether the progress bar showed: the refusal replaces the document, not the window.
    page.evaluate("""() => {
      const box = document.querySelector('[data-upload-progress]');
      new MutationObserver(() => { if (!box.hidden) window.progressShown = true; })
        .observe(box, {attributes: true});
    }""")
    page.get_by_role("button", name="Upload and check").click()

    problems = page.get_by_role("alert", name="Problems")
    expect(problems).to_contain_text("reviews.csv")
    expect(problems).to_contain_text("line 2 of reviews.csv")
    assert page.evaluate("() => window.progressShown") is True


def test_it_takes_a_dropped_file(page, asgi_server, alice) -> None:
    from playwright.sync_api import expect

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/datasets/new/")
    transfer = page.evaluate_handle("""() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["text,label\\na good film,1\\na bad film,0\\n"], "dropped.csv", {type: "text/csv"}));
      return dt;
    }""")
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": transfer})
    assert page.evaluate("() => document.getElementById('id_file').files[0].name") == "dropped.csv"
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r".*/datasets/new/[0-9a-f]{32}/$"))
    expect(page.locator("table.preview")).to_contain_text("a good film")


def test_it_renames_and_deletes(page, asgi_server, alice, tmp_path) -> None:
    from playwright.sync_api import expect

    from tests.factories import make_dataset

    dataset = make_dataset(alice, tmp_path, name="Reviews")
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/datasets/{dataset.pk}/")
    page.get_by_label("New name").fill("Film reviews")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", name="Film reviews")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete dataset").click()
    page.wait_for_url(f"{asgi_server}/datasets/")
    expect(page.locator(".messages")).to_contain_text("Deleted 'Film reviews'.")
    expect(page.locator("#dataset-list")).not_to_contain_text("Film reviews")


def test_it_takes_separate_split_files(page, asgi_server, celery_worker_process, alice, tmp_path) -> None:
    from playwright.sync_api import expect

    from tests.factories import review_rows, write_csv

    train = write_csv(tmp_path / "train.csv", review_rows(30))
    test = write_csv(tmp_path / "test.csv", review_rows(12))
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/datasets/new/")
    page.get_by_text("Separate split files").click()
    page.set_input_files("#id_train_file", str(train))
    page.set_input_files("#id_test_file", str(test))
    page.get_by_role("button", name="Upload and check").click()

    page.wait_for_url(re.compile(r".*/datasets/new/[0-9a-f]{32}/$"))
    expect(page.get_by_text("train.csv (train): 30 rows")).to_be_visible()
    expect(page.get_by_label("How to split")).to_have_value("files")
    page.get_by_label("Label words").fill("0 = negative\n1 = positive")
    page.get_by_role("button", name="Create the dataset").click()

    page.wait_for_url(re.compile(r".*/datasets/\d+/$"))
    splits = page.locator("table.splits")
    expect(splits).to_contain_text("train", timeout=60_000)
    expect(splits.locator("tbody tr")).to_have_count(2)
    expect(splits).to_contain_text("12")
    expect(page.get_by_role("img", name="Rows per label")).to_contain_text("positive")
