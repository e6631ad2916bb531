"""Each initialisation's rows are what section 3.1 of the paper says."""

from __future__ import annotations

import pytest
import torch

from tuning_core.config import InitMethod, PromptConfig
from tuning_core.errors import ConfigError
from tuning_core.export import save_prompt
from tuning_core.model import label_word_ids
from tuning_core.prompt_init import init_prompt, vocab_candidate_ids


def _row_ids(base, prompt):
    """For each prompt row, the ids of embedding rows exactly equal to it."""
    emb = base.embeddings.detach()
    return [torch.nonzero((emb == row).all(dim=1)).flatten().tolist() for row in prompt]


def test_it_draws_random_rows_uniformly_in_half_a_unit(base):
    prompt = init_prompt(base, PromptConfig(prompt_length=200, init=InitMethod.RANDOM))
    assert prompt.shape == (200, base.info.d_model)
    assert prompt.dtype == torch.float32
    assert prompt.min() >= -0.5
    assert prompt.max() <= 0.5
    assert prompt.min() < -0.49
    assert prompt.max() > 0.49
    assert abs(prompt.mean().item()) < 0.02
    assert abs(prompt.std().item() - (1 / 12) ** 0.5) < 0.01  # std of U(-0.5, 0.5)


def test_it_samples_vocab_rows_from_the_most_common_tokens(base):
    candidates = vocab_candidate_ids(base.tokenizer)
    special = set(base.tokenizer.all_special_ids)
    # SentencePiece orders pieces by frequency: the candidates are the lowest non-special ids.
    assert candidates[:3] == [3, 4, 5]
    assert not special & set(candidates)
    assert vocab_candidate_ids(base.tokenizer, top_k=10) == list(range(3, 13))
    prompt = init_prompt(base, PromptConfig(prompt_length=30, init=InitMethod.VOCAB))
    rows = _row_ids(base, prompt)
    assert all(ids and set(ids) <= set(candidates) for ids in rows)
    assert len({ids[0] for ids in rows}) == 30, "tokens are drawn without replacement"


def test_it_copies_label_words_into_the_first_rows(base):
    words = ("positive", "negative", "kamite good")  # the last one is several tokens
    assert len(label_word_ids(base.tokenizer, words[2])) > 1
    prompt = init_prompt(base, PromptConfig(prompt_length=10, label_words=words))
    emb = base.embeddings.detach()
    for row, word in zip(prompt, words):
        ids = label_word_ids(base.tokenizer, word)
        torch.testing.assert_close(row, emb[ids].mean(dim=0))
    assert _row_ids(base, prompt[:1])[0] == label_word_ids(base.tokenizer, "positive")
    # The remaining rows fall back to vocab sampling.
    candidates = set(vocab_candidate_ids(base.tokenizer))
    assert all(ids and set(ids) <= candidates for ids in _row_ids(base, prompt[3:]))


def test_it_starts_from_a_prompt_file(base, tmp_path):
    source = init_prompt(base, PromptConfig(prompt_length=7, init=InitMethod.RANDOM), seed=5)
    save_prompt(source, tmp_path, {"base_model": base.info.source})
    prompt = init_prompt(
        base, PromptConfig(prompt_length=7, init=InitMethod.FROM_FILE, init_from=str(tmp_path))
    )
    assert torch.equal(prompt, source)
    with pytest.raises(ConfigError, match="holds a prompt of 7 tokens.*set prompt_length to 7"):
        init_prompt(base, PromptConfig(prompt_length=8, init="from_file", init_from=str(tmp_path)))


def test_it_is_deterministic_in_the_seed(base):
    config = PromptConfig(prompt_length=12, init=InitMethod.VOCAB)
    assert torch.equal(init_prompt(base, config, seed=1), init_prompt(base, config, seed=1))
    assert not torch.equal(init_prompt(base, config, seed=1), init_prompt(base, config, seed=2))


def test_it_allows_prompts_of_512_tokens(base, train_rows):
    from tuning_core.batches import collate
    from tuning_core.data import tokenize
    from tuning_core.model import prompted_forward, shift_right

    prompt = init_prompt(base, PromptConfig(prompt_length=512, init=InitMethod.RANDOM))
    data = tokenize(train_rows[:2], base.tokenizer, max_input_length=64, max_target_length=8)
    batch = collate(data, [0, 1], 0)
    logits = prompted_forward(
        base, prompt, batch.input_ids, batch.attention_mask, shift_right(base, batch.labels)
    )
    assert logits.shape[:2] == batch.labels.shape
    assert torch.isfinite(logits).all()
