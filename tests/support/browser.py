"""Driving Chromium through Playwright: opening pages, logging in, uploading, and calling code that
must not run beside Playwright's event loop."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# This machine has no network beyond loopback: these flags stop Chromium from
# trying to reach Google's services at every start.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]


def shared_context(browser, *, bypass_csp: bool) -> Iterator[object]:
    """A browser context the tests of a session take turns in, each on a page of its own.

    A fresh context's first page costs Chromium about a CPU-second (a renderer and the context's
    storage started from nothing); a page in a context that keeps one open costs a fraction of that,
    and on two cores shared by the whole suite that was a sixth of its time. What a test can leave
    in a context (cookies, so a sign-in; granted permissions) is cleared after each test by
    `open_page`; the pages use no web storage.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=bypass_csp)
    context.set_default_timeout(15_000)
    context.new_page()  # kept open: a context with no page left winds down, and the next page starts cold
    yield context
    context.close()


def open_page(context, request: pytest.FixtureRequest) -> Iterator[object]:
    """A new page in `context`; a screenshot of it is kept when the test fails, and the context is
    left as the next test expects it: no page of the test's left open, signed out, no permissions."""
    own = context.pages[0]  # the page shared_context keeps open
    page = context.new_page()
    try:
        yield page
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            artifacts = Path(os.environ.get("BROWSER_ARTIFACTS", "test-results"))
            artifacts.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
    finally:
        for opened in context.pages:  # the test's page, and any page it opened
            if opened is not own:
                opened.close()
        context.clear_cookies()
        context.clear_permissions()


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def outside_event_loop(function, *args, **kwargs):
    """Run `function` in a worker thread: Playwright's loop occupies this one, and code
    that publishes to the channel layer (async_to_sync) refuses to run beside it."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def upload_for_mapping(page, base_url: str, path: Path, name: str = "") -> str:
    """Upload `path` on the upload page and land on its mapping page; returns that page's URL."""
    import re

    page.goto(f"{base_url}/datasets/new/")
    if name:
        page.get_by_label("Name").fill(name)
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r".*/datasets/new/[0-9a-f]{32}/$"))
    return str(page.url)
