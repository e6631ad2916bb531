"""The launch form carries a one-time key: the same form sent twice (a double click, a resend
after back) answers with the job the first sending made and launches nothing more."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, outside_event_loop
from webapp.basemodels.services import register_base_model
from webapp.jobs.models import TuningJob
from webapp.jobs.services import cancel_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEND_TWICE = """async () => {
  const form = document.querySelector("form.launch-form");
  const body = new FormData(form);
  const answers = [];
  for (let i = 0; i < 2; i++) {
    const response = await fetch(location.href, {method: "POST", body, credentials: "same-origin"});
    answers.push({url: response.url, text: await response.text()});
  }
  return answers;
}"""


def test_sending_the_launch_form_twice_makes_one_job(page, asgi_server, alice, tiny_model_dir) -> None:
    dataset = make_ready_dataset(alice, "movie reviews", train=64, validation=16, test=0)
    register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/new/")
    page.get_by_label("Dataset").select_option(label=dataset.name)
    page.get_by_label("Prompt name").fill("sentiment")
    page.get_by_label("Max steps").fill("50")
    page.get_by_label("Evaluate every (steps)").fill("25")

    first, second = page.evaluate(SEND_TWICE)
    assert re.fullmatch(rf"{asgi_server}/jobs/\d+/", first["url"])
    assert second["url"] == first["url"]
    assert "This form was sent before" in second["text"]
    assert TuningJob.objects.for_user(alice).count() == 1
    # The job is real and the session's worker trains it: stop it rather than let the end of the
    # test wait for it (tests/conftest.py flushes the tables only once the worker is idle).
    outside_event_loop(cancel_job, TuningJob.objects.for_user(alice).get())
