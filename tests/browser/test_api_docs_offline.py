"""/api/docs/ shows the API's operations with Swagger UI served by this server alone: every
request elsewhere is blocked, and the page runs under the Content-Security-Policy."""

from __future__ import annotations

import pytest

from tests.browser.test_content_security_policy import RECORD_VIOLATIONS
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_render_offline_under_the_policy(strict_page, asgi_server, alice) -> None:
    from playwright.sync_api import expect

    page = strict_page
    elsewhere: list[str] = []

    def only_this_server(route) -> None:
        if route.request.url.startswith(asgi_server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, asgi_server, "alice", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API docs").click()
    page.wait_for_url(f"{asgi_server}/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Soft Prompt Studio API")
    launch = page.locator(".opblock-post", has_text="/jobs/").first
    expect(launch).to_be_visible()
    for path in ("/datasets/", "/jobs/{id}/cancel/", "/versions/{id}/download/", "/versions/{id}/evaluate/"):
        expect(page.locator(".opblock-summary-path", has_text=path).first).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()

    # Try it out with the browser's session: a GET answers the user's (empty) job list.
    page.locator(".opblock-get .opblock-summary-path", has_text="/jobs/").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table tr.response .response-col_status").first).to_contain_text("200")

    page.wait_for_load_state("networkidle")
    assert elsewhere == []
    assert page.evaluate("window.__violations") == []
