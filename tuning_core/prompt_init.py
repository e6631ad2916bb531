"""Where a soft prompt starts: the initialisations of section 3.1 of the paper.

- `random`: uniform in [-0.5, 0.5];
- `vocab`: embeddings of tokens drawn from the 5,000 most common vocabulary entries;
- `class_labels`: the task's label words' embeddings first (mean over a word's sub-tokens), the rest
  as `vocab`;
- `from_file`: an existing prompt (continue training, or transfer to another task).

Every function returns a (p, d) float32 tensor on CPU, deterministic in its generator or seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from tuning_core.config import InitMethod, PromptConfig
from tuning_core.errors import ConfigError
from tuning_core.export import load_prompt
from tuning_core.model import FrozenT5, label_word_ids

# "Sampled from the 5,000 most common tokens": SentencePiece numbers pieces by frequency, so for
# T5 these are the lowest ids after the special tokens.
VOCAB_INIT_TOP_K = 5000
# Uniform in [-0.5, 0.5] for random init (the paper's choice).
RANDOM_INIT_RANGE = 0.5


def vocab_candidate_ids(tokenizer: Any, top_k: int = VOCAB_INIT_TOP_K) -> list[int]:
    """The `top_k` lowest non-special token ids: SentencePiece's most frequent pieces."""
    special = set(tokenizer.all_special_ids)
    out: list[int] = []
    for i in range(len(tokenizer)):
        if i not in special:
            out.append(i)
            if len(out) == top_k:
                break
    return out


def init_random(length: int, d_model: int, generator: torch.Generator) -> Tensor:
    """(p, d) uniform in [-0.5, 0.5]."""
    return (torch.rand(length, d_model, generator=generator) * 2 - 1) * RANDOM_INIT_RANGE


def init_vocab(base: FrozenT5, length: int, generator: torch.Generator) -> Tensor:
    """(p, d) embeddings of tokens drawn from the 5,000 most common (distinct while possible)."""
    ids = torch.tensor(vocab_candidate_ids(base.tokenizer))
    if length <= len(ids):
        pick = ids[torch.randperm(len(ids), generator=generator)[:length]]
    else:
        pick = ids[torch.randint(len(ids), (length,), generator=generator)]
    return base.embeddings.detach()[pick.to(base.device)].float().cpu()


def init_class_labels(
    base: FrozenT5, label_words: Sequence[str], length: int, generator: torch.Generator
) -> Tensor:
    """(p, d): row i is label word i's embedding (mean over its sub-tokens); the rest as `vocab`."""
    if len(label_words) > length:
        raise ConfigError(
            f"{len(label_words)} label words do not fit in a prompt of {length} tokens"
        )
    emb = base.embeddings.detach().float()
    rows = []
    for word in label_words:
        ids = label_word_ids(base.tokenizer, word)
        if not ids:
            raise ConfigError(f"Label word {word!r} tokenizes to nothing; use a visible word")
        rows.append(emb[torch.tensor(ids, device=emb.device)].mean(dim=0).cpu())
    rest = init_vocab(base, length - len(rows), generator) if length > len(rows) else None
    parts = ([torch.stack(rows)] if rows else []) + ([rest] if rest is not None else [])
    return torch.cat(parts, dim=0)


def init_prompt(base: FrozenT5, config: PromptConfig, *, seed: int = 0) -> Tensor:
    """The initial prompt for `config` on `base`: (p, d) float32 on CPU, deterministic in `seed`."""
    g = torch.Generator().manual_seed(seed)
    p, d = config.prompt_length, base.info.d_model
    if config.init is InitMethod.RANDOM:
        return init_random(p, d, g)
    if config.init is InitMethod.VOCAB:
        return init_vocab(base, p, g)
    if config.init is InitMethod.CLASS_LABELS:
        return init_class_labels(base, config.label_words, p, g)
    assert config.init_from is not None  # PromptConfig guarantees it
    prompt, _ = load_prompt(config.init_from, base=base)
    if prompt.shape[0] != p:
        raise ConfigError(
            f"{config.init_from} holds a prompt of {prompt.shape[0]} tokens but prompt_length is {p}; "
            f"set prompt_length to {prompt.shape[0]}"
        )
    return prompt.float()
