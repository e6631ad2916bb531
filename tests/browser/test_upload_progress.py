"""After the mapping, the upload's page says a worker is checking the rows (and the datasets list
says so too), then becomes the dataset's page by itself when the worker has made the dataset."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.conf import settings

from tests.factories import review_rows, write_csv
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, upload_for_mapping
from tests.support.processes import ServiceProcess
from webapp.lib.queue import app

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def paused_worker(celery_worker_process: ServiceProcess) -> Iterator[str]:
    """The real worker, told to stop taking work from the default queue until the test resumes it."""
    argv = celery_worker_process.argv
    hostname = argv[argv.index("--hostname") + 1]
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    app.control.cancel_consumer(queue, destination=[hostname], reply=True, timeout=10)
    try:
        yield hostname
    finally:
        app.control.add_consumer(queue, destination=[hostname], reply=True, timeout=10)


def test_it_shows_progress_then_the_dataset(page, asgi_server, paused_worker, alice, tmp_path) -> None:
    from playwright.sync_api import expect

    path = write_csv(tmp_path / "reviews.csv", review_rows(40))
    log_in(page, asgi_server, "alice", PASSWORD)
    upload_url = upload_for_mapping(page, asgi_server, path, "Checked later")
    page.get_by_label("Input template").fill("review: {text}")
    page.get_by_role("button", name="Create the dataset").click()

    # The worker takes no work yet: the message waits, and the page says so.
    status = page.locator("#upload-status")
    expect(status).to_contain_text("Checking the data")
    expect(status).to_contain_text("Waiting for a worker")
    assert page.url == upload_url
    page.screenshot(path=str(tmp_path / "upload-processing.png"), full_page=True)

    page.goto(f"{asgi_server}/datasets/")
    waiting = page.get_by_role("region", name="Uploads not yet a dataset")
    expect(waiting).to_contain_text("Checked later: being checked")
    expect(waiting.get_by_role("button", name="Discard")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "datasets-list-processing.png"), full_page=True)
    waiting.get_by_role("link", name="Watch").click()
    page.wait_for_url(upload_url)

    app.control.add_consumer(settings.CELERY_TASK_DEFAULT_QUEUE, destination=[paused_worker], reply=True, timeout=10)

    page.wait_for_url(re.compile(r".*/datasets/\d+/$"), timeout=60_000)
    expect(page.get_by_role("img", name="Rows per label")).to_be_visible()
    page.goto(f"{asgi_server}/datasets/")
    expect(page.get_by_role("region", name="Uploads not yet a dataset")).to_have_count(0)
    expect(page.locator("#dataset-list")).to_contain_text("Checked later")
