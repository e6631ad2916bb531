"""Batches: which rows go together in an epoch (a pure function of seed and epoch, so a resumed run
sees the same ones), and the padded tensors the model takes.

Apart from `tuning_core.data`, which the web process imports without torch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from tuning_core.data import TokenizedData

# HF LengthGroupedSampler's choice: sort by length inside windows of 50 batches, so batches have
# little padding while the order stays random at the scale of an epoch.
LENGTH_GROUP_WINDOW = 50


@dataclass
class Batch:
    input_ids: Tensor  # (B, n) padded with pad_id
    attention_mask: Tensor  # (B, n)
    labels: Tensor  # (B, T) padded with -100

    def to(self, device: torch.device) -> Batch:
        return Batch(
            self.input_ids.to(device, non_blocking=True),
            self.attention_mask.to(device, non_blocking=True),
            self.labels.to(device, non_blocking=True),
        )


def pad(rows: Sequence[Sequence[int]], value: int) -> Tensor:
    """Right-pad to the longest row in *this* batch (dynamic padding): (B, max_len) long."""
    width = max(len(r) for r in rows)
    out = torch.full((len(rows), width), value, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.as_tensor(r, dtype=torch.long)
    return out


def collate(data: TokenizedData, indices: Sequence[int], pad_id: int) -> Batch:
    rows = [data.input_ids[i] for i in indices]
    ids = pad(rows, pad_id)
    lengths = torch.tensor([len(r) for r in rows])
    mask = (torch.arange(ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).long()  # (B, n)
    return Batch(
        input_ids=ids, attention_mask=mask, labels=pad([data.target_ids[i] for i in indices], -100)
    )


def epoch_batches(
    lengths: np.ndarray,
    batch_size: int,
    *,
    seed: int,
    epoch: int,
    shuffle: bool = True,
    group_by_length: bool = True,
) -> list[list[int]]:
    """The batches (lists of row indices) of one epoch; a pure function of (seed, epoch).

    Being a pure function is what makes resuming exact: a checkpoint only needs (epoch, batch
    position). The last batch of an epoch may be smaller.
    """
    n = len(lengths)
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(n) if shuffle else np.arange(n)
    if group_by_length:
        window = LENGTH_GROUP_WINDOW * batch_size
        chunks = [order[i : i + window] for i in range(0, n, window)]
        # Stable sort, longest first, inside each window.
        order = np.concatenate([c[np.argsort(-lengths[c], kind="stable")] for c in chunks])
    batches = [order[i : i + batch_size].tolist() for i in range(0, n, batch_size)]
    if shuffle and group_by_length and len(batches) > 1:
        # Otherwise every window would run from long to short batches.
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def eval_batches(lengths: np.ndarray, batch_size: int) -> Iterator[list[int]]:
    """Batches for inference, longest first so padding is minimal; callers restore the order."""
    order = np.argsort(-lengths, kind="stable")
    for i in range(0, len(order), batch_size):
        yield order[i : i + batch_size].tolist()
