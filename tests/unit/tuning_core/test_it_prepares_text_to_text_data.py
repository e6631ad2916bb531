from __future__ import annotations

import numpy as np

from tuning_core.batches import epoch_batches
from tuning_core.data import format_examples, is_classification, read_table, tokenize


def test_it_fills_a_template_from_several_columns(tmp_path):
    path = tmp_path / "nli.jsonl"
    path.write_text(
        '{"premise": "a dog runs", "hypothesis": "an animal moves", "label": 0}\n'
        '{"premise": "a cat", "hypothesis": "no cat", "label": 1}\n'
    )
    ds = format_examples(
        read_table(path),
        input_template="premise: {premise} hypothesis: {hypothesis} {{x}}",
        target_column="label",
        label_map={0: "entailment", "1": "contradiction"},
    )
    assert ds.column_names == ["input_text", "target_text"]
    assert ds[0] == {
        "input_text": "premise: a dog runs hypothesis: an animal moves {x}",
        "target_text": "entailment",
    }
    assert ds[1]["target_text"] == "contradiction"


def test_it_truncates_long_inputs_and_counts_them(base):
    rows = [
        {"input_text": "good " * 50, "target_text": "positive"},
        {"input_text": "bad", "target_text": "negative negative negative negative"},
    ]
    data = tokenize(rows, base.tokenizer, max_input_length=10, max_target_length=3)
    assert [len(x) for x in data.input_ids] == [10, 2]
    assert data.input_ids[0][-1] == base.tokenizer.eos_token_id  # EOS survives truncation
    assert (data.truncated_inputs, data.truncated_targets) == (1, 1)


def test_it_shuffles_by_seed_and_groups_by_length():
    lengths = np.random.default_rng(0).integers(1, 100, size=1000)
    a = epoch_batches(lengths, 8, seed=1, epoch=0)
    assert a == epoch_batches(lengths, 8, seed=1, epoch=0)
    assert (
        a
        != epoch_batches(lengths, 8, seed=2, epoch=0)
        != epoch_batches(lengths, 8, seed=1, epoch=1)
    )
    assert sorted(i for b in a for i in b) == list(range(1000))

    def padding(batches):
        return sum(max(lengths[b]) * len(b) - sum(lengths[b]) for b in batches)

    plain = epoch_batches(lengths, 8, seed=1, epoch=0, group_by_length=False)
    assert padding(a) < 0.3 * padding(plain)
    ordered = epoch_batches(lengths, 8, seed=1, epoch=0, shuffle=False, group_by_length=False)
    assert ordered[0] == list(range(8))
    assert ordered[-1] == list(range(992, 1000))


def test_it_tells_classification_from_free_text():
    assert is_classification(["positive", "negative"] * 20)
    assert not is_classification([f"answer {i}" for i in range(40)])
