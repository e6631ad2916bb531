from __future__ import annotations

from tuning_core.config import PromptConfig
from tuning_core.interpret import nearest_tokens
from tuning_core.prompt_init import init_prompt


def test_it_finds_label_words_next_to_class_label_rows(base):
    prompt = init_prompt(base, PromptConfig(prompt_length=4, label_words=("positive", "negative")))
    rows = nearest_tokens(base, prompt, k=3)
    assert len(rows) == 4
    assert all(len(r) == 3 for r in rows)
    assert rows[0][0][0] == "positive"
    assert rows[1][0][0] == "negative"
    assert abs(rows[0][0][1] - 1.0) < 1e-5
    sims = [s for _, s in rows[2]]
    assert sims == sorted(sims, reverse=True)
    special = {"<pad>", "</s>", "<unk>"}
    assert not special & {t for r in rows for t, _ in r}


def test_it_reads_the_neighbours_from_the_checkpoint_file_alone(base, tiny_dir):
    from tuning_core.interpret import nearest_tokens_in_checkpoint, read_input_embeddings

    embeddings = read_input_embeddings(str(tiny_dir))
    assert embeddings is not None
    assert embeddings.shape == tuple(base.embeddings.shape)
    prompt = init_prompt(base, PromptConfig(prompt_length=4, label_words=("positive", "negative")))
    from_file = nearest_tokens_in_checkpoint(str(tiny_dir), prompt.detach().numpy(), k=3)
    from_model = nearest_tokens(base, prompt, k=3)
    assert [[t for t, _ in row] for row in from_file] == [[t for t, _ in row] for row in from_model]
    assert all(abs(a[1] - b[1]) < 1e-4 for r1, r2 in zip(from_file, from_model) for a, b in zip(r1, r2))
    assert read_input_embeddings(str(tiny_dir / "nowhere")) is None
