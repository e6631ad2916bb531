"""The mapping page's labels per split, for each way of splitting: separate files (one column per
file), a split column (its values' aliases joined: Dev is validation), the whole file when split
automatically, and a clear reason when there is no table to show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.factories import write_csv
from webapp.datasets.label_distribution import SHOWN_LABELS, label_distribution
from webapp.datasets.models import SplitMode
from webapp.datasets.reading import DISTINCT_CAP
from webapp.datasets.services import IncomingFile, stage_upload

pytestmark = pytest.mark.django_db


def stage(owner: Any, **files: Path) -> Any:
    return stage_upload(owner, "labels", [IncomingFile(role, path.name, path, path.stat().st_size)
                                          for role, path in files.items()])


def rows(labels: list[str], **extra: str) -> list[dict[str, str]]:
    return [{"text": f"row {i}", "label": label, **extra} for i, label in enumerate(labels)]


def test_separate_files_are_one_column_each(alice: Any, tmp_path: Path) -> None:
    upload = stage(alice, train=write_csv(tmp_path / "train.csv", rows(["a"] * 9 + ["b"])),
                   test=write_csv(tmp_path / "test.csv", rows(["a", "b"])))
    table = label_distribution(upload, "label", SplitMode.FILES, "")
    assert table.splits == ["train", "test"]
    assert table.rows() == [("a", [(9, "90.0%"), (1, "50.0%")]), ("b", [(1, "10.0%"), (1, "50.0%")])]
    assert table.warning is not None and "'b' is 10% of train and 50% of test" in table.warning.message


def test_split_names_are_joined_by_what_they_mean(alice: Any, tmp_path: Path) -> None:
    data = rows(["a", "b"], part="train") + rows(["a"], part="Dev") + rows(["b"], part="validation")
    upload = stage(alice, file=write_csv(tmp_path / "all.csv", data))
    table = label_distribution(upload, "label", SplitMode.COLUMN, "part")
    assert table.splits == ["train", "validation"]
    assert table.totals() == [2, 2]


def test_many_labels_are_summed_past_the_shown_ones(alice: Any, tmp_path: Path) -> None:
    labels = [f"class {i:02d}" for i in range(SHOWN_LABELS + 3)]
    upload = stage(alice, file=write_csv(tmp_path / "many.csv", rows(labels)))
    table = label_distribution(upload, "label", SplitMode.AUTO, "")
    assert table.splits == ["whole file"]
    assert len(table.rows()) == SHOWN_LABELS + 1
    assert table.rows()[-1] == ("3 other labels", [(3, f"{3 / len(labels):.1%}")])


def test_without_a_table_the_page_says_why(alice: Any, tmp_path: Path) -> None:
    free_text = [{"text": f"row {i}", "label": f"answer number {i}"} for i in range(DISTINCT_CAP + 1)]
    upload = stage(alice, file=write_csv(tmp_path / "free.csv", free_text))
    assert "free text" in label_distribution(upload, "label", SplitMode.AUTO, "").unavailable

    small = stage(alice, file=write_csv(tmp_path / "small.csv", rows(["a", "b"])))
    assert "Choose the split column" in label_distribution(small, "label", SplitMode.COLUMN, "").unavailable
    assert "Choose a label column" in label_distribution(small, "nope", SplitMode.AUTO, "").unavailable
