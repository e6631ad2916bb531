from __future__ import annotations

import pytest
import torch

from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.evaluate import evaluate
from tuning_core.model import load_base_model, pick_device
from tuning_core.train import train

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.gpu
@needs_cuda
def test_it_trains_on_cuda_with_bf16_autocast(tiny_dir, train_rows, val_rows):
    assert pick_device().type == "cuda"
    base = load_base_model(str(tiny_dir))
    assert base.device.type == "cuda"
    assert next(base.model.parameters()).is_cuda
    with base.autocast():
        assert torch.get_autocast_dtype("cuda") == torch.bfloat16
    result = train(
        base,
        PromptConfig(prompt_length=4, label_words=("positive", "negative")),
        TrainConfig(batch_size=8, max_steps=20, eval_every=10),
        train_rows,
        val_rows,
    )
    assert result.prompt.device.type == "cpu"
    assert result.prompt.dtype == torch.float32
    assert all(torch.isfinite(torch.tensor(result.train_losses)))
    assert result.train_losses[-1] < result.train_losses[0]
    scored = evaluate(base, result.prompt, val_rows, mode="rank")
    assert 0.0 <= scored.metrics["accuracy"] <= 1.0


def test_it_falls_back_to_cpu_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device().type == "cpu"
