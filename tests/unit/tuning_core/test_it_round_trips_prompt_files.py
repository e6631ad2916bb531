"""Prompt files: ours, PEFT adapters (same logits as our forward), .npy; clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from peft import PeftModel
from transformers import T5ForConditionalGeneration

from tuning_core.batches import collate
from tuning_core.checksum import sha256_file
from tuning_core.config import InitMethod, PromptConfig
from tuning_core.data import tokenize
from tuning_core.errors import PromptFileError
from tuning_core.export import (
    export_npy,
    export_peft,
    import_peft,
    load_prompt,
    save_prompt,
)
from tuning_core.model import prompted_forward, shift_right
from tuning_core.prompt_init import init_prompt


@pytest.fixture
def prompt(base):
    return init_prompt(base, PromptConfig(prompt_length=5, init=InitMethod.RANDOM), seed=11)


def test_it_saves_one_float32_tensor_and_its_metadata(prompt, tmp_path):
    files = save_prompt(
        prompt,
        tmp_path,
        {"base_model": "tiny", "init": "random", "train_config": {"learning_rate": 0.3}},
    )
    from safetensors.torch import load_file

    tensors = load_file(str(tmp_path / "prompt.safetensors"))
    assert list(tensors) == ["prompt"]
    assert tensors["prompt"].dtype == torch.float32
    assert tensors["prompt"].shape == (5, 32)
    meta = json.loads((tmp_path / "prompt.json").read_text())
    assert meta["sha256"] == sha256_file(files.tensor_path) == files.sha256
    assert (meta["base_model"], meta["prompt_length"], meta["d_model"], meta["init"]) == (
        "tiny",
        5,
        32,
        "random",
    )
    assert meta["train_config"] == {"learning_rate": 0.3}
    for path in (tmp_path, tmp_path / "prompt.safetensors"):
        loaded, loaded_meta = load_prompt(path)
        assert torch.equal(loaded, prompt)
        assert loaded_meta["sha256"] == files.sha256


@pytest.mark.parametrize("shape", ["t5", "t5.1.1"])
def test_it_exports_a_peft_adapter_with_the_same_logits(
    shape, tiny_dirs, base, base_t5, prompt, train_rows, tmp_path
):
    ours = {"t5": base_t5, "t5.1.1": base}[shape]
    adapter = export_peft(prompt, ours, tmp_path / "adapter")
    peft_model = PeftModel.from_pretrained(
        T5ForConditionalGeneration.from_pretrained(tiny_dirs[shape]), str(adapter)
    )
    peft_model.eval()
    data = tokenize(train_rows[:4], ours.tokenizer, max_input_length=32, max_target_length=8)
    batch = collate(data, [0, 1, 2, 3], 0)
    with torch.no_grad():
        theirs = peft_model(
            input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels
        ).logits
        mine = prompted_forward(
            ours, prompt, batch.input_ids, batch.attention_mask, shift_right(ours, batch.labels)
        )
    torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-5)
    imported, meta = import_peft(adapter)
    assert torch.equal(imported, prompt)
    assert meta["base_model"] == ours.info.source
    assert torch.equal(load_prompt(adapter)[0], prompt)


def test_it_exports_npy(prompt, tmp_path):
    path = export_npy(prompt, tmp_path / "p.npy")
    array = np.load(path)
    assert array.dtype == np.float32
    assert array.shape == (5, 32)
    assert torch.equal(load_prompt(path)[0], prompt)


def test_it_rejects_bad_prompt_files(base, prompt, tmp_path):
    with pytest.raises(PromptFileError, match="does not exist"):
        load_prompt(tmp_path / "missing.safetensors")
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"not a safetensors file")
    with pytest.raises(PromptFileError, match="not a readable safetensors file"):
        load_prompt(garbage)
    save_prompt(torch.zeros(3, 16), tmp_path / "narrow", {"base_model": "other-model"})
    with pytest.raises(PromptFileError, match="width 16.*d_model 32.*other-model"):
        load_prompt(tmp_path / "narrow", base=base)
    save_prompt(prompt, tmp_path / "changed")
    (tmp_path / "changed" / "prompt.safetensors").write_bytes(
        (tmp_path / "narrow" / "prompt.safetensors").read_bytes()
    )
    with pytest.raises(PromptFileError, match="sha256"):
        load_prompt(tmp_path / "changed")
    np.save(tmp_path / "vector.npy", np.zeros(4, dtype=np.float32))
    with pytest.raises(PromptFileError, match="not \\(length, width\\)"):
        load_prompt(tmp_path / "vector.npy")
    with pytest.raises(PromptFileError, match="neither"):
        load_prompt(tmp_path)
