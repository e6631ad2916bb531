"""A tiny random T5 with a real SentencePiece tokenizer, built locally in well under a second.

For tests and demos where no checkpoint can be downloaded. The weights are random, so such a model
shows mechanics (loss falls, parity, resume equality), never task quality.

Two shapes, like the real checkpoints:
- `t5`: original T5: ReLU feed-forward, `lm_head` tied to the input embedding, decoder output
  scaled by d_model**-0.5 before the head.
- `t5.1.1`: T5 v1.1 / LM-adapted: gated-GELU feed-forward, its own `lm_head`, no output scaling.
  The config says `tie_word_embeddings: false` and the checkpoint holds a distinct `lm_head.weight`,
  which is how transformers 5.x recognises this shape.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any, Literal

# Words that demos and tests use as labels or inputs: frequent in the generated text, so each is a
# single SentencePiece token and class-label initialisation has something meaningful to copy.
_WORDS = [
    "positive",
    "negative",
    "neutral",
    "good",
    "bad",
    "great",
    "terrible",
    "awful",
    "wonderful",
    "boring",
    "funny",
    "excellent",
    "poor",
    "movie",
    "film",
    "story",
    "actor",
    "actress",
    "director",
    "scene",
    "plot",
    "script",
    "music",
    "ending",
    "character",
    "performance",
    "the",
    "a",
    "an",
    "is",
    "was",
    "are",
    "were",
    "be",
    "been",
    "and",
    "or",
    "but",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "with",
    "by",
    "from",
    "as",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "he",
    "she",
    "they",
    "we",
    "you",
    "i",
    "not",
    "never",
    "always",
    "really",
    "too",
    "so",
    "much",
    "more",
    "most",
    "less",
    "best",
    "worst",
    "love",
    "hate",
    "like",
    "enjoy",
    "loved",
    "hated",
    "fun",
    "dull",
    "smart",
    "silly",
    "sweet",
    "dark",
    "beautiful",
    "ugly",
    "slow",
    "fast",
    "long",
    "short",
    "new",
    "old",
    "first",
    "last",
    "one",
    "two",
    "three",
    "yes",
    "no",
    "true",
    "false",
    "question",
    "answer",
    "entailment",
    "contradiction",
    "premise",
    "hypothesis",
    "review",
    "sentence",
    "summary",
    "title",
    "text",
    "label",
    "paris",
    "london",
    "city",
    "country",
    "river",
    "mountain",
    "house",
    "car",
    "dog",
    "cat",
    "time",
    "year",
    "day",
    "world",
    "life",
    "people",
    "man",
    "woman",
    "child",
    "work",
    "hand",
    "part",
    "place",
]
_SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "te",
    "su",
    "na",
    "lo",
    "pe",
    "vi",
    "da",
    "zo",
    "ku",
    "ri",
    "ma",
    "ne",
    "to",
    "ba",
    "li",
]

TINY_DEFAULTS = {
    "d_model": 32,
    "d_kv": 8,
    "d_ff": 64,
    "num_layers": 2,
    "num_decoder_layers": 2,
    "num_heads": 4,
    "relative_attention_num_buckets": 8,
    "relative_attention_max_distance": 32,
}


def _corpus(seed: int, lines: int = 3000) -> list[str]:
    """Sentences over a fixed vocabulary, plus every printable character so few inputs are <unk>."""
    rng = random.Random(seed)
    words = _WORDS + [a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES[:4]]
    text = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 14))) for _ in range(lines)]
    # Real words far more often than syllable words, so they become whole pieces.
    text += [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 14))) for _ in range(lines)]
    chars = (
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?'\"()-_/&%$#@+=*<>[]{}"
    )
    text += [" ".join(chars)] * 5
    return text


def _train_spiece(seed: int, vocab_size: int) -> bytes:
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_corpus(seed)),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type="unigram",
        # T5's layout: <pad>=0, </s>=1, <unk>=2, no <s>.
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        character_coverage=1.0,
        # One thread keeps the training, hence the vocabulary, deterministic.
        num_threads=1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return buf.getvalue()


def build_tiny_t5(
    out_dir: str | Path,
    *,
    shape: Literal["t5", "t5.1.1"] = "t5.1.1",
    seed: int = 0,
    vocab_size: int = 900,
    dropout: float = 0.1,
    **config_overrides: int,
) -> Path:
    """Write a loadable tiny T5 (config.json, model.safetensors, spiece.model, tokenizer files).

    Deterministic for a given (shape, seed, sizes). Returns the directory, ready for
    `load_base_model(str(path))` or `T5ForConditionalGeneration.from_pretrained(path)`.
    `config_overrides` change the sizes in `TINY_DEFAULTS` (d_model, num_layers, ...).
    """
    import torch
    from safetensors.torch import save_file
    from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration

    from tuning_core.errors import ConfigError

    if shape not in ("t5", "t5.1.1"):
        raise ConfigError(f"shape must be 't5' or 't5.1.1'; got {shape!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    (out / "spiece.model").write_bytes(_train_spiece(seed, vocab_size))
    (out / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "T5Tokenizer"}))
    # Loading converts spiece.model into a fast tokenizer; saving writes tokenizer.json beside it.
    tokenizer = AutoTokenizer.from_pretrained(out)
    tokenizer.save_pretrained(out)
    n_tokens = len(tokenizer)  # SentencePiece pieces + 100 sentinel tokens

    tied = shape == "t5"
    sizes = {**TINY_DEFAULTS, **config_overrides}
    params: dict[str, Any] = {
        "vocab_size": n_tokens,
        "dropout_rate": dropout,
        "feed_forward_proj": "relu" if tied else "gated-gelu",
        "tie_word_embeddings": tied,
        "decoder_start_token_id": 0,
        "pad_token_id": 0,
        "eos_token_id": 1,
        **sizes,
    }
    config = T5Config(**params)
    generator_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        model = T5ForConditionalGeneration(config)
        state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
        # The embedding copies inside the stacks are tied to `shared` in both shapes.
        state.pop("encoder.embed_tokens.weight", None)
        state.pop("decoder.embed_tokens.weight", None)
        if tied:
            state.pop("lm_head.weight", None)
        else:
            # T5 1.1 has an untied head: give it its own values, like the real checkpoints.
            g = torch.Generator().manual_seed(seed + 1)
            state["lm_head.weight"] = torch.randn(n_tokens, sizes["d_model"], generator=g)
    finally:
        torch.random.set_rng_state(generator_state)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})

    config_dict = config.to_dict()
    # transformers 5 forces tie_word_embeddings=True in memory; what matters is the saved value.
    config_dict["tie_word_embeddings"] = tied
    config_dict.pop("scale_decoder_outputs", None)
    config_dict["architectures"] = ["T5ForConditionalGeneration"]
    config_dict["model_type"] = "t5"
    (out / "config.json").write_text(json.dumps(config_dict, indent=2, sort_keys=True, default=str))
    check_head_tying(out, tied=tied)
    return out


def check_head_tying(model_dir: str | Path, *, tied: bool) -> None:
    """Reload a saved T5 and check its output head is tied to the embedding exactly when `tied`.

    The trap this catches: transformers 5 builds a T5 1.1 in memory with a tied head whatever
    the config says, so a config saved without an explicit `tie_word_embeddings: false` (or a
    state dict without its own `lm_head.weight`) reloads as a tied, original-T5-shaped model.
    Raises RuntimeError, naming what it found, when the reloaded model is the other shape.
    """
    from transformers import T5ForConditionalGeneration

    from tuning_core.model import quiet_untied_head_warning

    quiet_untied_head_warning()
    model = T5ForConditionalGeneration.from_pretrained(str(model_dir))
    is_tied = model.lm_head.weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    if is_tied != tied:
        found = "tied to the input embedding" if is_tied else "a separate lm_head"
        wanted = "an original T5 (tied head)" if tied else "a T5 1.1 (separate lm_head)"
        raise RuntimeError(
            f"{model_dir} should hold {wanted} but reloads with {found}; check "
            "tie_word_embeddings in its config.json and lm_head.weight in its weights"
        )
