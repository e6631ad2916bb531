"""A PEFT adapter's config says how the prompt was initialised, as PEFT names it: class labels as
TEXT with the label words, vocab as SAMPLE_VOCAB, random (and a continued prompt) as RANDOM."""

from __future__ import annotations

import json

import pytest
import torch

from tuning_core.export import T5Shape, peft_adapter_files

SHAPE = T5Shape(source="google/t5-base-lm-adapt", d_model=8, num_heads=2, num_layers=2)


def config_of(init: str, label_words: tuple[str, ...] = ()) -> dict:  # type: ignore[type-arg]
    files = peft_adapter_files(torch.zeros(4, 8), SHAPE, init=init, label_words=label_words)
    return json.loads(files["adapter_config.json"])


def test_class_labels_are_text_init_with_the_words() -> None:
    config = config_of("class_labels", ("negative", "positive"))
    assert config["prompt_tuning_init"] == "TEXT"
    assert config["prompt_tuning_init_text"] == "negative positive"
    assert config["tokenizer_name_or_path"] == "google/t5-base-lm-adapt"


@pytest.mark.parametrize(("init", "peft"), [("vocab", "SAMPLE_VOCAB"), ("random", "RANDOM"),
                                            ("from_file", "RANDOM"), ("class_labels", "RANDOM")])
def test_the_other_inits(init: str, peft: str) -> None:
    assert config_of(init)["prompt_tuning_init"] == peft  # class labels without words: nothing to name
