"""A question-answering file (20 sentence answers in 60 rows) is proposed as generation, the label
words box hides for generation, and the dataset is created as a generation task."""

from __future__ import annotations

import re

import pytest

from tests.factories import write_csv
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, upload_for_mapping

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ANSWERS = [f"It opened in {1900 + i} after a long winter of work" for i in range(20)]


def test_a_free_text_file_is_proposed_as_generation(page, asgi_server, celery_worker_process, alice,
                                                    tmp_path) -> None:
    from playwright.sync_api import expect

    rows = [{"question": f"When did museum {i} open?", "answer": ANSWERS[i % 20]} for i in range(60)]
    path = write_csv(tmp_path / "museums.csv", rows)
    log_in(page, asgi_server, "alice", PASSWORD)
    upload_for_mapping(page, asgi_server, path, "Museums")

    expect(page.get_by_label("Label column")).to_have_value("answer")
    expect(page.get_by_label("Task kind")).to_have_value("generation")
    expect(page.get_by_label("Label words")).to_be_hidden()
    page.get_by_label("Task kind").select_option("classification")
    expect(page.get_by_label("Label words")).to_be_visible()
    page.get_by_label("Task kind").select_option("generation")
    expect(page.get_by_label("Label words")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "generation-mapping.png"), full_page=True)

    page.get_by_role("button", name="Create the dataset").click()
    page.wait_for_url(re.compile(r".*/datasets/\d+/$"))
    expect(page.locator("[data-dataset-status]")).to_have_text("Ready", timeout=60_000)
    expect(page.get_by_text("free-text generation", exact=False).first).to_be_visible()
