"""Chromium (Debian's package) driven by Playwright against a live Daphne server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, open_page, shared_context

# Playwright's sync API runs an event loop in this thread; Django would otherwise
# refuse the test's own ORM calls (fixtures, assertions) next to it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make setup` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def lenient_context(browser) -> Iterator[object]:
    yield from shared_context(browser, bypass_csp=True)


@pytest.fixture(scope="session")
def strict_context(browser) -> Iterator[object]:
    yield from shared_context(browser, bypass_csp=False)


@pytest.fixture
def page(lenient_context, request: pytest.FixtureRequest) -> Iterator[object]:
    """A page whose test may poll with string expressions (`wait_for_function`), which Playwright
    evaluates with eval: the Content-Security-Policy is bypassed here, and enforced in
    `strict_page` (test_content_security_policy.py drives every page through that)."""
    yield from open_page(lenient_context, request)


@pytest.fixture
def strict_page(strict_context, request: pytest.FixtureRequest) -> Iterator[object]:
    """A page under the site's Content-Security-Policy, as a user's browser runs it."""
    yield from open_page(strict_context, request)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so `open_page` knows whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
