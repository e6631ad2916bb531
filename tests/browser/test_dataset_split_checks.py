"""The dataset page warns about what only shows across splits: the spam dataset's train has 15%
spam and its test 50%, and a test message is also a training message."""

from __future__ import annotations

import pytest

from tests.factories import upload_dataset, write_csv
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in
from webapp.datasets.models import SplitMode
from webapp.datasets.processing import Mapping

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rows() -> list[dict[str, str]]:
    out = []
    for i in range(40):  # train: 6 spam of 40 (15%)
        spam = i < 6
        out.append({"text": f"{'win a prize now' if spam else 'lunch at noon'} number {i}",
                    "label": "spam" if spam else "ham", "split": "train"})
    for i in range(20):  # test: 10 spam of 20 (50%); the first repeats a training message
        spam = i < 10
        text = "win a prize now number 0" if i == 0 else f"{'claim your reward' if spam else 'see you at six'} {i}"
        out.append({"text": text, "label": "spam" if spam else "ham", "split": "test"})
    return out


def test_the_dataset_page_warns_about_label_shift_and_repeats(page, asgi_server, alice, tmp_path) -> None:
    from playwright.sync_api import expect

    mapping = Mapping(input_template="{text}", label_column="label", label_map={"spam": "spam", "ham": "ham"},
                      split_mode=SplitMode.COLUMN, split_column="split")
    dataset = upload_dataset(alice, write_csv(tmp_path / "spam.csv", rows()), mapping, name="spam")

    log_in(page, asgi_server, "alice", PASSWORD)
    page.goto(f"{asgi_server}/datasets/{dataset.pk}/")
    warnings = page.get_by_role("region", name="Warnings")
    expect(warnings).to_contain_text("'spam' is 15% of train and 50% of test")
    expect(warnings).to_contain_text("1 test row repeats an input of an earlier split")
