"""The geometry of trained prompts: how large they are and how alike.

Prompts are (p, d) matrices. Their norms say how far training moved them from the scale of the
vocabulary embeddings; the cosine similarity of two flattened prompts says whether two runs found
the same solution (prompts of different lengths have no such comparison). Which vocabulary tokens
each position is near is `tuning_core.interpret.nearest_tokens`; `label_words_among` marks the
label words still among those neighbours (the paper's section 7: class-label-initialised prompts
keep them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class PromptNorms:
    total: float  # Frobenius norm of the whole (p, d) prompt
    mean_token: float  # mean L2 norm of its p rows
    max_token: float


def prompt_norms(prompt: NDArray[np.floating]) -> PromptNorms:
    """L2 norms of a (p, d) prompt: the whole matrix, and its rows (prompt tokens)."""
    matrix = np.asarray(prompt, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f"a prompt is a (p, d) matrix with p ≥ 1, got shape {matrix.shape}")
    rows = np.linalg.norm(matrix, axis=1)  # (p,)
    return PromptNorms(float(np.linalg.norm(matrix)), float(rows.mean()), float(rows.max()))


def pairwise_cosine(prompts: Sequence[NDArray[np.floating]]) -> list[list[float | None]]:
    """Cosine similarity of every pair of flattened prompts: an (n, n) table, 1.0 on the diagonal,
    None where the two shapes differ (or a prompt is all zeros)."""
    flat = [np.asarray(p, dtype=np.float64).ravel() for p in prompts]
    shapes = [np.shape(p) for p in prompts]
    norms = [float(np.linalg.norm(f)) for f in flat]
    table: list[list[float | None]] = []
    for i, a in enumerate(flat):
        row: list[float | None] = []
        for j, b in enumerate(flat):
            if shapes[i] != shapes[j] or norms[i] == 0 or norms[j] == 0:
                row.append(None)
            else:
                row.append(float(np.clip(a @ b / (norms[i] * norms[j]), -1.0, 1.0)))
        table.append(row)
    return table


def label_words_among(neighbours: Sequence[Sequence[tuple[str, float]]], label_words: Sequence[str],
                      ) -> list[list[str]]:
    """For each prompt position, the label words found among its nearest tokens (compared without
    case or surrounding spaces; a label of several sub-tokens matches when its text is one token)."""
    wanted = {word.strip().casefold(): word for word in label_words}
    return [[wanted[token.strip().casefold()] for token, _ in row if token.strip().casefold() in wanted]
            for row in neighbours]
