"""Parity with the reference implementation: PEFT's prompt tuning for seq2seq models.

PEFT prepends the prompt to the encoder input only (its decoder half is unused for prompt tuning),
like us. Same initial prompt, same batches, same (transformers') Adafactor, same dropout masks (one
seed, the same order of dropout calls): the per-step losses must agree.
"""

from __future__ import annotations

import pytest
import torch
from peft import PromptTuningConfig, TaskType, get_peft_model
from transformers import T5ForConditionalGeneration

from tuning_core.batches import collate, epoch_batches
from tuning_core.config import InitMethod, PromptConfig, TrainConfig
from tuning_core.data import tokenize
from tuning_core.model import set_dropout
from tuning_core.prompt_init import init_prompt
from tuning_core.train import make_optimizer, train

STEPS = 24


@pytest.mark.parametrize("dropout", [0.0, 0.1])
def test_it_matches_peft_step_for_step(base, tiny_dir, train_rows, dropout):
    prompt_config = PromptConfig(prompt_length=6, init=InitMethod.VOCAB)
    # PEFT users run transformers' Adafactor, so the parity is pinned to it; PEFT's reference
    # runs in fp32, so ours does too (auto would be bf16 on a CPU with AMX).
    config = TrainConfig(
        batch_size=8,
        max_steps=STEPS,
        eval_every=1000,
        dropout=dropout,
        seed=3,
        optimizer="hf-adafactor",
        precision="fp32",
    )
    ours = train(base, prompt_config, config, train_rows)

    model = T5ForConditionalGeneration.from_pretrained(tiny_dir)
    peft_model = get_peft_model(
        model,
        PromptTuningConfig(
            task_type=TaskType.SEQ_2_SEQ_LM,
            num_virtual_tokens=6,
            token_dim=base.info.d_model,
            num_transformer_submodules=1,
            num_layers=2,
            num_attention_heads=4,
        ),
    )
    embedding = peft_model.prompt_encoder["default"].embedding
    with torch.no_grad():
        embedding.weight.copy_(init_prompt(base, prompt_config, seed=config.seed))
    set_dropout(peft_model, dropout)
    optimizer = make_optimizer([embedding.weight], config)
    data = tokenize(
        train_rows,
        base.tokenizer,
        max_input_length=config.max_input_length,
        max_target_length=config.max_target_length,
    )
    batches = []
    for epoch in range(10):
        batches += epoch_batches(
            data.input_lengths, config.batch_size, seed=config.seed, epoch=epoch
        )
    torch.manual_seed(config.seed)
    peft_model.train()
    reference = []
    for indices in batches[:STEPS]:
        batch = collate(data, indices, base.tokenizer.pad_token_id)
        loss = peft_model(
            input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels
        ).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        reference.append(loss.item())

    assert len(ours.train_losses) == STEPS
    for step, (a, b) in enumerate(zip(ours.train_losses, reference), start=1):
        assert abs(a - b) <= 1e-5 * max(1.0, abs(b)), f"step {step}: ours {a} vs peft {b}"
    torch.testing.assert_close(ours.last_prompt, embedding.weight.detach(), rtol=1e-4, atol=1e-5)
