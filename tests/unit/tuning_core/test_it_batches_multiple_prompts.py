"""One pass where every row has its own prompt equals one pass per prompt, row for row."""

from __future__ import annotations

import torch

from tuning_core.batches import collate
from tuning_core.config import InitMethod, PromptConfig
from tuning_core.data import tokenize
from tuning_core.model import (
    multi_prompt_forward,
    prompted_forward,
    shift_right,
    stack_prompts,
)
from tuning_core.prompt_init import init_prompt


def test_it_gives_each_row_its_own_prompt(base, train_rows):
    prompts = [
        init_prompt(base, PromptConfig(prompt_length=n, init=InitMethod.RANDOM), seed=n)
        for n in (3, 7, 1, 5)
    ]
    data = tokenize(train_rows[:6], base.tokenizer, max_input_length=64, max_target_length=8)
    batch = collate(data, list(range(6)), base.tokenizer.pad_token_id)
    decoder_input_ids = shift_right(base, batch.labels)
    which = torch.tensor([2, 0, 1, 3, 1, 0])
    with torch.no_grad():
        mixed = multi_prompt_forward(
            base, prompts, which, batch.input_ids, batch.attention_mask, decoder_input_ids
        )  # (6, T, V)
        for row, k in enumerate(which.tolist()):
            alone = prompted_forward(
                base,
                prompts[k],
                batch.input_ids[row : row + 1],
                batch.attention_mask[row : row + 1],
                decoder_input_ids[row : row + 1],
            )
            torch.testing.assert_close(mixed[row], alone[0], rtol=1e-5, atol=2e-5)


def test_it_left_pads_and_masks_shorter_prompts():
    a, b = torch.ones(2, 4), torch.full((3, 4), 2.0)
    stack, mask = stack_prompts([a, b])
    assert stack.shape == (2, 3, 4)
    assert mask.tolist() == [[0, 1, 1], [1, 1, 1]]
    assert torch.equal(stack[0, 0], torch.zeros(4))
    assert torch.equal(stack[0, 1:], a)
