from __future__ import annotations

from tuning_core.config import PromptConfig
from tuning_core.interpret import nearest_tokens
from tuning_core.prompt_init import init_prompt


def test_it_finds_label_words_next_to_class_label_rows(base):
    prompt = init_prompt(base, PromptConfig(prompt_length=4, label_words=("positive", "negative")))
    rows = nearest_tokens(base, prompt, k=3)
    assert len(rows) == 4 and all(len(r) == 3 for r in rows)
    assert rows[0][0][0] == "positive" and rows[1][0][0] == "negative"
    assert abs(rows[0][0][1] - 1.0) < 1e-5
    sims = [s for _, s in rows[2]]
    assert sims == sorted(sims, reverse=True)
    special = {"<pad>", "</s>", "<unk>"}
    assert not special & {t for r in rows for t, _ in r}
