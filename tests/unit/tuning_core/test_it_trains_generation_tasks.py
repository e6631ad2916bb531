"""Free-text targets: validation by greedy decoding and exact match; Arrow splits as input."""

from __future__ import annotations

import datasets

from tuning_core.config import InitMethod, PromptConfig, TrainConfig
from tuning_core.data import format_examples, read_table
from tuning_core.evaluate import evaluate
from tuning_core.prompt_init import init_prompt
from tuning_core.train import train


def test_it_validates_free_text_with_exact_match(base, tmp_path):
    rows = [
        {"question": f"what is {w} {i}", "answer": f"{w} story {i}"}
        for i, w in enumerate(["good", "bad", "dog", "cat", "city", "river"] * 3)
    ]
    path = tmp_path / "qa.jsonl"
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ds = format_examples(
        read_table(path), input_template="question: {question}", target_column="answer"
    )
    # The web app keeps processed splits as Arrow on disk.
    ds.save_to_disk(str(tmp_path / "train"))
    split = datasets.load_from_disk(str(tmp_path / "train"))
    result = train(
        base,
        PromptConfig(prompt_length=4, init=InitMethod.VOCAB),
        TrainConfig(batch_size=6, max_steps=4, eval_every=2),
        split,
        split.select(range(6)),
    )
    assert result.eval_mode == "generate"
    assert result.metric_name == "exact_match"
    assert result.label_words is None
    assert {"exact_match", "f1"} <= set(result.best_metrics)
    scored = evaluate(
        base,
        init_prompt(base, PromptConfig(prompt_length=2, init="random")),
        split,
        mode="generate",
    )
    assert set(scored.metrics) == {"exact_match", "f1", "count"}
    assert len(scored.predictions) == len(rows)
    assert json.loads(json.dumps(scored.to_dict()))["mode"] == "generate"
