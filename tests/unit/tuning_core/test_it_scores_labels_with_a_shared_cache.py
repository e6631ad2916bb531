"""Rank classification's cached decoder gives the same log-likelihoods as full passes."""

from __future__ import annotations

import torch

from tuning_core.batches import collate, pad
from tuning_core.config import InitMethod, PromptConfig
from tuning_core.data import tokenize
from tuning_core.evaluate import (
    label_log_likelihoods,
    label_log_likelihoods_naive,
    label_token_ids,
    score_labels,
)
from tuning_core.model import (
    encode,
    prompted_forward,
    sequence_log_likelihood,
    shift_right,
)
from tuning_core.prompt_init import init_prompt


def test_it_matches_one_full_pass_per_label(base, train_rows):
    prompt = init_prompt(base, PromptConfig(prompt_length=4, init=InitMethod.RANDOM))
    words = ["positive", "negative", "very good indeed", "kamite"]  # labels of 1 to 4+ tokens
    label_ids = label_token_ids(base, words, 16)
    assert len({len(x) for x in label_ids}) > 1
    labels = pad(label_ids, -100)
    dec_in = shift_right(base, labels)
    data = tokenize(train_rows[:5], base.tokenizer, max_input_length=32, max_target_length=8)
    batch = collate(data, list(range(5)), 0)
    with torch.no_grad():
        hidden, mask = encode(base, prompt, batch.input_ids, batch.attention_mask)
        fast = label_log_likelihoods(base, hidden, mask, labels, dec_in)
        slow = label_log_likelihoods_naive(base, hidden, mask, labels, dec_in)
    torch.testing.assert_close(fast, slow, rtol=1e-5, atol=1e-4)

    # And both equal scoring each (example, label) pair on its own through the prompted forward.
    # fp32 like the full passes below, which run outside any autocast.
    scores = score_labels(base, [prompt], data, label_ids, batch_size=2, precision="fp32")[0]  # (5, 4)
    with torch.no_grad():
        for i in range(5):
            one = collate(data, [i], 0)
            for j, ids in enumerate(label_ids):
                target = torch.tensor([ids])
                logits = prompted_forward(
                    base, prompt, one.input_ids, one.attention_mask, shift_right(base, target)
                )
                expected = sequence_log_likelihood(logits, target)[0]
                torch.testing.assert_close(scores[i, j], expected, rtol=1e-5, atol=1e-4)
