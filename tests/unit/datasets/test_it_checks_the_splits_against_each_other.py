"""The dataset page warns about what only shows across splits: a label balance that differs
between train and a scored split, and scored rows whose input is also a training input."""

from __future__ import annotations

import numpy as np

from webapp.datasets.processing import cross_split_warning, label_shift_warning


def test_a_shifted_label_balance_is_named_with_its_shares() -> None:
    # The spam dataset: 15% spam in train, 50% in test.
    warning = label_shift_warning({"train": {"ham": 85, "spam": 15}, "test": {"ham": 50, "spam": 50}})
    assert warning is not None and warning.severity == "warning"
    assert "'ham' is 85% of train and 50% of test" in warning.message or \
        "'spam' is 15% of train and 50% of test" in warning.message


def test_a_close_balance_says_nothing() -> None:
    assert label_shift_warning({"train": {"a": 50, "b": 50}, "validation": {"a": 6, "b": 4}}) is None
    assert label_shift_warning({"train": {"a": 50, "b": 50}}) is None


def test_inputs_seen_in_an_earlier_split_are_counted() -> None:
    hashes = np.asarray([1, 2, 3, 1, 9, 2, 3, 8], dtype=np.int64)
    splits = np.asarray([0, 0, 0, 1, 1, 2, 2, 2], dtype=np.int8)  # validation repeats 1; test 2 and 3
    warning = cross_split_warning(hashes, splits)
    assert warning is not None
    assert warning.message.startswith("1 validation row and 2 test rows repeat an input of an earlier split")


def test_disjoint_splits_say_nothing() -> None:
    assert cross_split_warning(np.asarray([1, 2, 3]), np.asarray([0, 1, 2], dtype=np.int8)) is None
