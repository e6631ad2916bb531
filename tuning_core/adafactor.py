"""Adafactor as the paper's code runs it (t5x's `adafactor.Adafactor` with the prompt-tuning rules).

Shazeer & Stern (2018), with t5x's choices, which differ from `transformers.optimization.Adafactor`:

- weight decay is applied as `p <- (1 - wd) * p - update`: *not* scaled by the learning rate
  (transformers multiplies it by lr, so at lr 0.3 its decay is 3.3x weaker);
- the second moment is factored (row and column means) only when the two largest dimensions are
  both >= `min_dim_size_to_factor` (128); otherwise it is a full, per-element estimate. The
  paper's default 100-token prompt therefore gets a full second moment (transformers factors
  every matrix);
- `beta2_t = 1 - t**(-decay_rate)` with t the 1-based step, so the first step uses g**2 alone;
- the update is `g / sqrt(v)` divided by `max(1, RMS(update) / clipping_threshold)`;
- no parameter scaling, no relative step, no momentum (`beta1=None`): the update is lr * that.

The step counter, and every second-moment tensor, live in `state`, so `state_dict()` /
`load_state_dict()` continue a run exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor

# t5x's defaults (and the prompt-tuning configs'): see the module docstring.
DECAY_RATE = 0.8
CLIPPING_THRESHOLD = 1.0
MIN_DIM_SIZE_TO_FACTOR = 128
EPSILON1 = 1e-30  # added to g**2 so that a zero gradient does not divide by zero


def factored_dims(
    shape: tuple[int, ...], min_dim_size: int = MIN_DIM_SIZE_TO_FACTOR
) -> tuple[int, int] | None:
    """(row dim, column dim) to factor over, or None for a full second moment.

    As t5x: the two largest dimensions (by a stable sort of the sizes, so equal sizes keep their
    order), factored only when the smaller of the two is at least `min_dim_size`.
    """
    if len(shape) < 2:
        return None
    order = sorted(range(len(shape)), key=lambda i: shape[i])
    if shape[order[-2]] < min_dim_size:
        return None
    return order[-2], order[-1]


class T5xAdafactor(torch.optim.Optimizer):
    """Adafactor with t5x's update rule (no momentum, no parameter scaling, constant lr).

    params: the trainable tensors (for prompt tuning, the single (p, d) prompt).
    lr: absolute step size (the paper: 0.3, constant).
    weight_decay: per-step decay `p <- (1 - weight_decay) * p - update` (the paper: 1e-5).
    decay_rate: second-moment decay exponent, `beta2_t = 1 - t**(-decay_rate)` (0.8).
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 0.3,
        *,
        weight_decay: float = 1e-5,
        decay_rate: float = DECAY_RATE,
        clipping_threshold: float | None = CLIPPING_THRESHOLD,
        min_dim_size_to_factor: int = MIN_DIM_SIZE_TO_FACTOR,
        epsilon1: float = EPSILON1,
    ):
        if lr <= 0:
            raise ValueError(f"lr must be positive; got {lr}")
        defaults = {
            "lr": lr,
            "weight_decay": weight_decay,
            "decay_rate": decay_rate,
            "clipping_threshold": clipping_threshold,
            "min_dim_size_to_factor": min_dim_size_to_factor,
            "epsilon1": epsilon1,
        }
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                self._update(p, group)
        return loss

    def _update(self, p: Tensor, group: dict[str, Any]) -> None:
        grad = p.grad
        assert grad is not None
        if grad.is_sparse:
            raise RuntimeError("T5xAdafactor does not support sparse gradients")
        grad = grad.float()
        state = self.state[p]
        if not state:
            state["step"] = 0
            dims = factored_dims(tuple(p.shape), group["min_dim_size_to_factor"])
            if dims is None:
                state["v"] = torch.zeros_like(grad)
            else:
                row, col = dims
                state["v_row"] = grad.new_zeros(grad.mean(dim=col).shape)
                state["v_col"] = grad.new_zeros(grad.mean(dim=row).shape)
        t = state["step"] + 1
        beta2 = 1.0 - t ** (-group["decay_rate"])
        mixing = 1.0 - beta2
        grad_sqr = grad * grad + group["epsilon1"]
        if "v" in state:
            v = state["v"]
            v.mul_(beta2).add_(grad_sqr, alpha=mixing)
            update = grad * v.rsqrt()
        else:
            dims = factored_dims(tuple(p.shape), group["min_dim_size_to_factor"])
            assert dims is not None  # the state was made factored for this shape
            row, col = dims
            v_row, v_col = state["v_row"], state["v_col"]
            # v_row averages over the column dim, v_col over the row dim (t5x's naming).
            v_row.mul_(beta2).add_(grad_sqr.mean(dim=col), alpha=mixing)
            v_col.mul_(beta2).add_(grad_sqr.mean(dim=row), alpha=mixing)
            row_in_v_row = row - (1 if col < row else 0)
            row_factor = (v_row / v_row.mean(dim=row_in_v_row, keepdim=True)).rsqrt()
            col_factor = v_col.rsqrt()
            update = grad * row_factor.unsqueeze(col) * col_factor.unsqueeze(row)
        threshold = group["clipping_threshold"]
        if threshold is not None:
            rms = update.square().mean().sqrt()
            update.div_(torch.clamp(rms / threshold, min=1.0))
        if group["weight_decay"]:
            p.mul_(1.0 - group["weight_decay"])
        p.add_(update.to(p.dtype), alpha=-group["lr"])
        state["step"] = t
