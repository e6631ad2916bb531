"""Every page is served with a Content-Security-Policy that allows no inline script or
style, and runs under it: no violation is reported and the pages' scripts still work."""

from __future__ import annotations

import pytest

from tests.factories import make_ready_dataset
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from tests.support.jobs import launch_held
from webapp.basemodels.services import register_base_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} line ${e.lineNumber}`));
"""


def test_every_page_runs_under_the_policy(strict_page, asgi_server, alice, tiny_model_dir) -> None:
    dataset = make_ready_dataset(alice, "movie reviews", train=64, validation=16, test=0)
    base_model = register_base_model("tiny-t5", str(tiny_model_dir), random_weights=True)
    job = launch_held(alice, dataset, base_model)
    page = strict_page
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)

    response = page.goto(f"{asgi_server}/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    log_in(page, asgi_server, "alice", PASSWORD)

    for path in ["/", "/datasets/", "/datasets/new/", f"/datasets/{dataset.pk}/", "/jobs/", "/jobs/new/",
                 f"/jobs/{job.pk}/", "/jobs/base-models/", "/prompts/", "/ensembles/", "/accounts/tokens/",
                 "/api/docs/"]:
        page.goto(f"{asgi_server}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__violations") == [], path

    # The scripts moved out of the templates still run: the launch form counts parameters.
    page.goto(f"{asgi_server}/jobs/new/")
    page.get_by_role("button", name="5", exact=True).click()
    assert page.locator("#trainable-params").inner_text().startswith("160 (5 × 32)")
    assert not [line for line in console if "Content Security Policy" in line], console
