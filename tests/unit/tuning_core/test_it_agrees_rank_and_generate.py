"""On a model that answers cleanly, rank classification and greedy generation agree.

A random tiny T5 answers nothing cleanly, so we first teach one: a few dozen Adam steps of full
fine-tuning (a private copy, not the shared frozen model) on a task whose label is given away by
its adjectives, with a fixed prompt in front. Then both evaluation modes must pick the same label
for every example, and generation must never leave the label set.
"""

from __future__ import annotations

import pytest
import torch

from tests.support.toy_reviews import sentiment_rows
from tuning_core.batches import collate, epoch_batches
from tuning_core.config import InitMethod, PromptConfig
from tuning_core.data import tokenize
from tuning_core.evaluate import evaluate
from tuning_core.model import (
    load_base_model,
    prompted_forward,
    shift_right,
    target_nll,
)
from tuning_core.prompt_init import init_prompt


def _teach(tiny_dir, rows, prompt, epochs=10):
    base = load_base_model(str(tiny_dir), device="cpu", dropout=0.0)
    base.model.requires_grad_(True)
    base.model.train()
    optimizer = torch.optim.Adam(base.model.parameters(), lr=2e-2)
    data = tokenize(rows, base.tokenizer, max_input_length=32, max_target_length=8)
    torch.manual_seed(0)
    for epoch in range(epochs):
        for indices in epoch_batches(data.input_lengths, 16, seed=0, epoch=epoch):
            batch = collate(data, indices, 0)
            logits = prompted_forward(
                base, prompt, batch.input_ids, batch.attention_mask, shift_right(base, batch.labels)
            )
            loss = target_nll(logits, batch.labels).sum() / (batch.labels != -100).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    base.model.requires_grad_(False)
    base.model.eval()
    return base, loss.item()


@pytest.mark.slow
def test_it_ranks_and_generates_the_same_labels(base, tiny_dir):
    rows = sentiment_rows(48, seed=3)
    for row in rows[::3]:  # a third class with a two-token label
        row["input_text"] = "review: the movie was kamite"
        row["target_text"] = "very good"
    prompt = init_prompt(base, PromptConfig(prompt_length=3, init=InitMethod.RANDOM))
    model, final_loss = _teach(tiny_dir, rows, prompt)
    assert final_loss < 0.1

    held_out = sentiment_rows(24, seed=4)
    held_out[0] = {"input_text": "review: the movie was kamite", "target_text": "very good"}
    labels = ["negative", "positive", "very good"]
    ranked = evaluate(model, prompt, held_out, mode="rank", label_words=labels)
    generated = evaluate(model, prompt, held_out, mode="generate", label_words=labels)
    assert [p.predicted for p in ranked.predictions] == [p.predicted for p in generated.predictions]
    assert generated.metrics["invalid_rate"] == 0.0
    assert ranked.metrics["accuracy"] == generated.metrics["accuracy"] == 1.0
    # Rank mode scores every label; the chosen one has the highest log-likelihood.
    first = ranked.predictions[0]
    assert set(first.scores) == set(labels)
    assert max(first.scores, key=first.scores.get) == first.predicted
