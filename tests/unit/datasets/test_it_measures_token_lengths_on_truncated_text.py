"""Token lengths are measured on text cut to what can matter: a 5 MB cell is counted as over the
max length without tokenizing 5 MB (which cost about 1.1 GB and 12 s)."""

from __future__ import annotations

import pytest

from tests.factories import review_rows, upload_dataset, write_csv
from webapp.datasets import token_lengths as lengths
from webapp.datasets.processing import Mapping
from webapp.datasets.token_lengths import measure_token_lengths, token_lengths

pytestmark = pytest.mark.django_db

MAX_LENGTH = 8


class SpyTokenizer:
    """One token per character plus EOS; remembers the longest text it was given."""

    longest = 0

    def __call__(self, texts: list[str]) -> dict[str, list[list[int]]]:
        SpyTokenizer.longest = max([SpyTokenizer.longest, *map(len, texts)])
        return {"input_ids": [[1] * (len(t) + 1) for t in texts]}


def test_it_counts_a_huge_cell_as_over_without_tokenizing_all_of_it(alice, tmp_path, settings, monkeypatch) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(lengths, "_load_tokenizer", lambda source: SpyTokenizer())
    rows = review_rows(40)
    rows[3]["text"] = "long " * (1024 * 1024)  # a 5 MB cell
    path = write_csv(tmp_path / "huge.csv", rows)
    dataset = upload_dataset(alice, path, Mapping(input_template="review: {text}", label_column="label",
                                                  label_map={"0": "negative", "1": "positive"},
                                                  split_mode="auto"))
    SpyTokenizer.longest = 0

    measure_token_lengths(dataset.pk, "spy", max_length=MAX_LENGTH)
    dataset.refresh_from_db()
    stats = token_lengths(dataset, "spy", max_length=MAX_LENGTH)

    assert stats is not None
    assert stats["over"] >= 1
    assert sum(stats["histogram"]["counts"]) == 40
    assert SpyTokenizer.longest <= lengths.token_measure_chars(MAX_LENGTH)
