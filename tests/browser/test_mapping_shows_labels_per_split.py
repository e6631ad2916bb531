"""The mapping page shows each split's label distribution before anything is processed, following
the label column and the way of splitting, and warns about label shift as the dataset page does."""

from __future__ import annotations

import pytest

from tests.factories import write_csv
from tests.support.accounts import PASSWORD
from tests.support.browser import log_in, upload_for_mapping

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def spam_rows() -> list[dict[str, str]]:
    """Train: 6 spam of 40 (15%); test (named "Test" in the file): 10 spam of 20 (50%)."""
    train = [{"text": f"message {i}", "label": "spam" if i < 6 else "ham", "part": "train"} for i in range(40)]
    test = [{"text": f"note {i}", "label": "spam" if i < 10 else "ham", "part": "Test"} for i in range(20)]
    return train + test


def test_the_label_table_follows_the_mapping(page, asgi_server, alice, tmp_path) -> None:
    from playwright.sync_api import expect

    log_in(page, asgi_server, "alice", PASSWORD)
    upload_for_mapping(page, asgi_server, write_csv(tmp_path / "spam.csv", spam_rows()))
    table = page.get_by_role("region", name="Labels per split")

    # "part" holds only split names, so it is offered as the split column, and left out of the input.
    expect(page.get_by_label("How to split")).to_have_value("column")
    expect(page.get_by_label("Split column")).to_have_value("part")
    expect(page.get_by_label("Input template")).to_have_value("{text}")
    expect(table.locator("thead")).to_have_text("Labeltraintest")
    expect(table.get_by_role("row", name="spam")).to_have_text("spam6 (15.0%)10 (50.0%)")
    expect(table.locator("[data-label-shift]")).to_contain_text("'spam' is 15% of train and 50% of test")
    page.screenshot(path=str(tmp_path / "mapping-labels.png"), full_page=True)

    # Split automatically: one column for the whole file, the shares every split keeps.
    page.get_by_label("How to split").select_option("auto")
    expect(table.locator("thead")).to_have_text("Labelwhole file")
    expect(table.locator("tbody tr").first).to_have_text("ham44 (73.3%)")
    expect(table).to_contain_text("stratified by label")

    # A column of free values cannot split rows; the page says why instead of guessing.
    page.get_by_label("Split column").select_option("label")
    page.get_by_label("How to split").select_option("column")
    expect(table).to_contain_text("'label' holds values other than train, validation and test")
