"""`train --no-shuffle` trains on the rows in the file's order: no shuffling, no grouping by length."""

from __future__ import annotations

import numpy as np

from tuning_core.__main__ import build_parser, train_config_from_args
from tuning_core.batches import epoch_batches

BASE = ["train", "--base-model", "m", "--train", "t.csv", "--out", "o"]


def test_no_shuffle_keeps_the_file_order() -> None:
    config = train_config_from_args(build_parser().parse_args([*BASE, "--no-shuffle"]))
    lengths = np.array([3, 9, 1, 7, 5, 2, 8, 4])
    batches = epoch_batches(lengths, 3, seed=0, epoch=0, shuffle=config.shuffle,
                            group_by_length=config.group_by_length)
    assert batches == [[0, 1, 2], [3, 4, 5], [6, 7]]


def test_group_by_length_can_be_turned_off_alone() -> None:
    config = train_config_from_args(build_parser().parse_args([*BASE, "--no-group-by-length"]))
    assert config.shuffle
    assert not config.group_by_length


def test_the_defaults_shuffle_and_group() -> None:
    config = train_config_from_args(build_parser().parse_args(BASE))
    assert config.shuffle
    assert config.group_by_length
