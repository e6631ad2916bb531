"""At 390 px wide (a phone) the main pages do not scroll sideways: the header wraps and wide
tables scroll inside their card."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset, make_version
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model
from webapp.prompts.models import Prompt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_main_pages_fit_390_pixels(page, asgi_server, alice, tiny_model_dir, tmp_path) -> None:
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    dataset = make_ready_dataset(alice, "movie reviews", train=32, validation=8, test=8)
    job = launch_held(alice, dataset, base_model, prompt_name="sentiment")
    version = make_version(Prompt.objects.get(pk=job.prompt_id), seed=1, accuracy=0.5, job=job)

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, asgi_server, "alice", PASSWORD)
    wide = []
    for path in ("/", "/datasets/", f"/datasets/{dataset.pk}/", "/datasets/new/", "/jobs/", "/jobs/new/",
                 f"/jobs/{job.pk}/", "/prompts/", f"/prompts/versions/{version.pk}/", "/ensembles/",
                 "/sweeps/", "/playground/", "/accounts/tokens/"):
        page.goto(f"{asgi_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide.append((path, width))
            page.screenshot(path=str(tmp_path / f"{path.strip('/').replace('/', '-') or 'home'}.png"), full_page=True)
    assert wide == []
