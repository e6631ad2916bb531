from __future__ import annotations

import pytest

from tests.factories import make_dataset
from webapp.datasets import token_lengths as lengths
from webapp.datasets.token_lengths import measure_token_lengths, token_lengths, truncation_warning

pytestmark = pytest.mark.django_db


class WordTokenizer:
    """One token per word plus EOS; the real tiny T5 runs in the dataset page's integration test."""

    def __call__(self, texts: list[str]) -> dict[str, list[list[int]]]:
        return {"input_ids": [[1] * (len(t.split()) + 1) for t in texts]}


def test_it_reports_the_share_truncated(alice, tmp_path, settings, monkeypatch) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(lengths, "_load_tokenizer", lambda source: WordTokenizer())
    tiny_t5 = "word-tokenizer"
    dataset = make_dataset(alice, tmp_path, rows=40)

    measure_token_lengths(dataset.pk, tiny_t5, max_length=8)
    dataset.refresh_from_db()
    stats = token_lengths(dataset, tiny_t5, max_length=8)
    assert stats is not None
    warning = truncation_warning(stats, "tiny")

    assert stats["over"] > 0
    assert sum(stats["histogram"]["counts"]) == 40
    assert warning is not None
    assert warning.severity == "warning"
    assert warning.message == (
        f"{stats['over']} input(s) ({stats['share_over']:.1%}) are longer than 8 tokens of tiny and will be truncated")

    measure_token_lengths(dataset.pk, tiny_t5, max_length=512)
    dataset.refresh_from_db()
    roomy = token_lengths(dataset, tiny_t5, max_length=512)
    assert roomy is not None
    assert roomy["over"] == 0
    assert truncation_warning(roomy, "tiny") is None


def test_processing_warns_with_the_first_base_model(alice, tmp_path, settings, monkeypatch) -> None:
    from webapp.basemodels.models import BaseModel

    settings.MEDIA_ROOT = tmp_path / "media"
    BaseModel.objects.create(name="t5-words", source="words", d_model=8, num_layers=1, num_parameters=1, vocab_size=9)
    monkeypatch.setattr(lengths, "_load_tokenizer", lambda source: WordTokenizer())
    monkeypatch.setattr(lengths, "DEFAULT_MAX_INPUT_LENGTH", 8)

    dataset = make_dataset(alice, tmp_path, rows=40)

    [warning] = dataset.warnings
    assert warning["severity"] == "warning"
    assert warning["message"].endswith("are longer than 8 tokens of t5-words and will be truncated")
