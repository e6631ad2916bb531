from __future__ import annotations

import numpy as np

from tests.factories import review_rows, write_csv
from tests.support.data_problems import process, process_problems
from webapp.datasets.processing import stratified_split


def test_the_split_keeps_label_proportions_and_repeats_with_the_seed() -> None:
    labels = np.array([0] * 900 + [1] * 100)
    split = stratified_split(labels, 0.1, 0.2, seed=7)
    assert (split == 1).sum() == 100
    assert (split == 2).sum() == 200
    assert ((split == 1) & (labels == 1)).sum() == 10  # 10% of each class
    assert ((split == 2) & (labels == 1)).sum() == 20
    assert (stratified_split(labels, 0.1, 0.2, seed=7) == split).all()
    assert not (stratified_split(labels, 0.1, 0.2, seed=8) == split).all()


def test_ratios_are_adjustable(tmp_path) -> None:
    path = write_csv(tmp_path / "d.csv", review_rows(100))
    result = process(path, tmp_path / "out", validation_ratio=0.2, test_ratio=0.0)
    assert result.split_counts == {"train": 80, "validation": 20}
    assert result.stats["label_counts_by_split"]["validation"] == {"0": 10, "1": 10}


def test_it_splits_by_a_split_column(tmp_path) -> None:
    rows = [{**r, "split": ["train", "train", "dev", "test"][i % 4]} for i, r in enumerate(review_rows(40))]
    result = process(write_csv(tmp_path / "d.csv", rows), tmp_path / "out", split_mode="column", split_column="split")
    assert result.split_counts == {"train": 20, "validation": 10, "test": 10}


def test_it_names_rows_with_an_unknown_split(tmp_path) -> None:
    rows = [{**r, "split": "train"} for r in review_rows(6)]
    rows[3]["split"] = "holdout"
    [problem] = process_problems(write_csv(tmp_path / "d.csv", rows), tmp_path / "out",
                                 split_mode="column", split_column="split")
    assert problem.line == 5  # the fourth row, after the header
    assert problem.message == "Unknown split 'holdout'; use train, validation or test"
