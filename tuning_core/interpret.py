"""Interpretability: which vocabulary tokens each prompt position is closest to.

The paper (section 7) reads a prompt through the nearest neighbours of each of its tokens, by
cosine similarity to the model's input embeddings. Class-label-initialised prompts tend to keep
their label words among the neighbours of the first positions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from tuning_core.evaluate import check_prompt
from tuning_core.model import FrozenT5


def nearest_tokens(
    base: FrozenT5, prompt: Tensor, k: int = 5, *, include_special: bool = False
) -> list[list[tuple[str, float]]]:
    """For each prompt row (p, d), the k vocabulary tokens of highest cosine similarity.

    Returns p lists of (decoded token, similarity), most similar first. Only ids the tokenizer
    knows are considered (T5's embedding matrix has unused rows beyond the vocabulary), and
    special tokens are skipped unless `include_special`.
    """
    prompt = check_prompt(base, prompt)  # (p, d)
    n_vocab = min(len(base.tokenizer), base.embeddings.shape[0])
    emb = base.embeddings.detach()[:n_vocab].float()  # (V, d)
    with torch.no_grad():
        sims = F.normalize(prompt, dim=-1) @ F.normalize(emb, dim=-1).T  # (p, V)
        if not include_special:
            special = torch.tensor(sorted(set(base.tokenizer.all_special_ids)), device=sims.device)
            special = special[special < n_vocab]
            sims[:, special] = float("-inf")
        k = max(1, min(k, n_vocab))
        values, ids = sims.topk(k, dim=-1)  # (p, k)
    out: list[list[tuple[str, float]]] = []
    for row_ids, row_vals in zip(ids.tolist(), values.tolist()):
        out.append([(token_text(base, i), float(v)) for i, v in zip(row_ids, row_vals)])
    return out


def token_text(base: FrozenT5, token_id: int) -> str:
    """A readable form of one token: its decoded text, or the raw piece when that is blank."""
    text = base.tokenizer.decode([token_id])
    if text.strip():
        return text.strip()
    piece = base.tokenizer.convert_ids_to_tokens(token_id)
    return str(piece)
