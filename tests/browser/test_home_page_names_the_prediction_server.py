"""The home page's Services card says whether the prediction server answers predict calls."""

from __future__ import annotations

import json

import pytest
import redis

from tests.support.accounts import PASSWORD
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_prediction_server(page, asgi_server, alice, prediction_server_process) -> None:
    from django.conf import settings
    from playwright.sync_api import expect

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/")
    expect(page.locator("#serving-health")).to_contain_text("answering predict calls on")

    alive = json.loads(redis.Redis.from_url(settings.REDIS_URL).get(f"{settings.SERVING_NAMESPACE}:alive"))
    expect(page.locator("#serving-health")).to_contain_text(f"(pid {alive['pid']})")
