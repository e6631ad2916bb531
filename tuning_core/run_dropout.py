"""Dropout whose masks belong to runs, not to batches: what fused training needs.

T5's dropout draws from one generator for the whole batch, so when the rows of several runs share
a forward pass, the mask a row gets depends on which rows came before it. Here every run draws its
rows' masks from its own generator, at the shape its rows would have if they were alone in the pass
(its own batch, padded to its own longest input and target), and the mask is placed where those
rows sit in the fused batch. A run's masks therefore depend only on its seed and its steps: the
same whether it trains alone or beside other runs, and restored with its generator's state.

Where a row's mask lands: the encoder sequence of a fused row is `[prompt padding; prompt; input;
input padding]`, so a run's own encoder positions start after its prompt padding; decoder positions
start at 0. Values at padded positions are never seen (masked keys, ignored targets).

Sites: every `nn.Dropout` of the model (embeddings, layer outputs, feed-forward inner activations)
and the attention probabilities, through an attention function registered with transformers that
computes eager attention and drops probabilities with the runs' masks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import Tensor, nn

Axis = Literal["encoder", "decoder"]


@dataclass(frozen=True)
class RunSegment:
    """The rows of one run inside a fused batch, and how that run drops out.

    rows: [start, stop) in the fused batch. encoder_offset: the run's prompt padding (its own
    encoder positions begin there). encoder_length, decoder_length: the run's own padded lengths.
    layer_p: the run's dropout on layer outputs (None: the model's own). attention: whether the run
    drops attention probabilities (at layer_p, or the model's own rate).
    """

    start: int
    stop: int
    generator: torch.Generator
    encoder_offset: int
    encoder_length: int
    decoder_length: int
    layer_p: float | None
    attention: bool

    def span(self, axis: Axis) -> slice:
        if axis == "encoder":
            return slice(self.encoder_offset, self.encoder_offset + self.encoder_length)
        return slice(0, self.decoder_length)

    def length(self, axis: Axis) -> int:
        return self.encoder_length if axis == "encoder" else self.decoder_length


def _drop(x: Tensor, segments: Sequence[RunSegment], axes: tuple[Axis, ...], rates: Sequence[float],
          seq_dims: tuple[int, ...]) -> Tensor:
    """x with each segment's rows multiplied by its own inverted-dropout mask.

    axes[i] says which sequence `seq_dims[i]` of x is; rates[j] is segment j's probability.
    """
    if not any(p > 0 for p in rates):
        return x
    mask = torch.ones_like(x)
    for segment, p in zip(segments, rates):
        if p <= 0:
            continue
        index: list[Any] = [slice(None)] * x.dim()
        index[0] = slice(segment.start, segment.stop)
        shape = list(x.shape)
        shape[0] = segment.stop - segment.start
        for axis, dim in zip(axes, seq_dims):
            index[dim] = segment.span(axis)
            shape[dim] = segment.length(axis)
        keep = torch.empty(shape, device=x.device, dtype=torch.float32)
        keep.bernoulli_(1.0 - p, generator=segment.generator)
        mask[tuple(index)] = (keep / (1.0 - p)).to(x.dtype)
    return x * mask


class RunDropout:
    """Installs run-owned dropout on a model for the duration of a pass (`for_pass`)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.segments: Sequence[RunSegment] = ()
        self._layers: list[tuple[nn.Dropout, Axis]] = []
        self._attention: dict[int, tuple[Axis, Axis]] = {}
        for name, module in model.named_modules():
            axis: Axis = "encoder" if name.startswith("encoder.") else "decoder"
            if isinstance(module, nn.Dropout) and name.startswith(("encoder.", "decoder.")):
                self._layers.append((module, axis))
            elif name.endswith(".SelfAttention"):
                self._attention[id(module)] = (axis, axis)
            elif name.endswith(".EncDecAttention"):
                self._attention[id(module)] = ("decoder", "encoder")

    @contextlib.contextmanager
    def for_pass(self, segments: Sequence[RunSegment]) -> Iterator[None]:
        """Inside, every dropout site of the model uses the segments' generators and rates."""
        from transformers import AttentionInterface
        from transformers.masking_utils import AttentionMaskInterface, eager_mask

        # transformers finds attention functions by a process-wide name: one name per model.
        name = f"sps_run_dropout_{id(self)}"
        AttentionInterface.register(name, self._attend)
        AttentionMaskInterface.register(name, eager_mask)  # additive float masks, as eager attention
        previous = self.model.config._attn_implementation
        self.segments = segments
        for module, axis in self._layers:
            module.forward = self._layer_forward(module, axis)  # type: ignore[method-assign]
        self.model.set_attn_implementation(name)
        try:
            yield
        finally:
            self.model.set_attn_implementation(previous)
            for module, _ in self._layers:
                del module.forward  # back to the class's method
            self.segments = ()

    def _layer_forward(self, module: nn.Dropout, axis: Axis) -> Any:
        def forward(x: Tensor) -> Tensor:  # (B, S, F)
            if not module.training:
                return x
            rates = [module.p if s.layer_p is None else s.layer_p for s in self.segments]
            return _drop(x, self.segments, (axis,), rates, (1,))
        return forward

    def _attend(self, module: nn.Module, query: Tensor, key: Tensor, value: Tensor,
                attention_mask: Tensor | None, scaling: float | None = None, dropout: float = 0.0,
                position_bias: Tensor | None = None, **_: Any) -> tuple[Tensor, Tensor]:
        """Eager attention (as transformers' T5 computes it), with the runs' masks on the
        probabilities. query, key, value: (B, H, S, d_head)."""
        scale = query.size(-1) ** -0.5 if scaling is None else scaling
        weights = torch.matmul(query, key.transpose(2, 3)) * scale  # (B, H, Sq, Sk)
        if position_bias is not None:
            weights = weights + position_bias
        if attention_mask is not None:
            weights = weights + attention_mask
        weights = nn.functional.softmax(weights, dim=-1)
        if module.training:
            own = getattr(module, "dropout", 0.0)
            rates = [0.0 if not s.attention else (own if s.layer_p is None else s.layer_p)
                     for s in self.segments]
            weights = _drop(weights, self.segments, self._attention[id(module)], rates, (2, 3))
        out = torch.matmul(weights, value).transpose(1, 2).contiguous()  # (B, Sq, H, d_head)
        return out, weights
