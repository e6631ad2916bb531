"""A saved prompt's safetensors header names its base model, label words and input template, and
the sha256 of its values, so the file explains itself without prompt.json."""

from __future__ import annotations

import hashlib
import json

import torch
from safetensors import safe_open

from tuning_core.export import save_prompt


def test_the_header_carries_what_the_prompt_needs(tmp_path) -> None:
    prompt = torch.randn(5, 8, generator=torch.Generator().manual_seed(0))
    files = save_prompt(prompt, tmp_path, metadata={
        "base_model": "google/t5-base-lm-adapt", "label_words": ["negative", "positive"],
        "input_template": "review: {text}", "init": "class_labels", "metrics": {"accuracy": 0.9}})
    with safe_open(str(files.tensor_path), framework="pt") as f:
        header = f.metadata()
        values = f.get_tensor("prompt")
    assert header["base_model"] == "google/t5-base-lm-adapt"
    assert json.loads(header["label_words"]) == ["negative", "positive"]
    assert header["input_template"] == "review: {text}"
    assert header["tensor_sha256"] == hashlib.sha256(values.numpy().tobytes()).hexdigest()
    assert "metrics" not in header  # the header holds what loading needs; prompt.json has the rest
