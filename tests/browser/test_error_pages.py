"""A missing page, or another user's, answers the site's styled 404: the header, the navigation
and a way back, never Django's bare page."""

from __future__ import annotations

import pytest

from tests.support.accounts import PASSWORD
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_missing_page_has_the_navigation_and_a_way_back(page, asgi_server, alice) -> None:
    from playwright.sync_api import expect

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/jobs/")
    page.evaluate("window.location.href = '/prompts/versions/987654/'")
    page.wait_for_url("**/prompts/versions/987654/")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Datasets")).to_be_visible()
    expect(page.locator("main")).to_contain_text("/prompts/versions/987654/")
    page.get_by_role("link", name="Go back").click()
    page.wait_for_url(f"{asgi_server}/jobs/")


def test_a_stranger_and_a_signed_out_visitor_get_a_styled_answer(page, asgi_server) -> None:
    from playwright.sync_api import expect

    response = page.goto(f"{asgi_server}/no/such/page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()


def test_a_file_gone_from_storage_is_named_on_the_page(page, asgi_server, alice, tiny_model_dir) -> None:
    """A 404 that knows what is missing says so, inside the same styled page."""
    from playwright.sync_api import expect

    from tests.factories import make_version
    from webapp.basemodels.services import register_base_model
    from webapp.prompts.models import Prompt

    prompt = Prompt.objects.create(owner=alice, name="gone", base_model=register_base_model(
        "tiny-t5", str(tiny_model_dir), random_weights=True))
    version = make_version(prompt, seed=1, accuracy=0.5)
    version.tensor_path.unlink()

    log_in(page, asgi_server, "alice", PASSWORD)
    response = page.goto(f"{asgi_server}/prompts/versions/{version.pk}/download.npy")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("[data-reason]")).to_have_text("The prompt file is missing from storage.")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
