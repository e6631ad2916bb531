"""The default optimizer follows t5x's Adafactor (the paper's code) step by step.

The reference below is written from t5x/adafactor.py (`apply_param_gradient` with
`multiply_by_parameter_scale=False`, `beta1=None`, the heuristic factor rule), in numpy and float64,
independently of tuning_core.adafactor.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from tuning_core.adafactor import T5xAdafactor
from tuning_core.config import OptimizerName, PromptConfig, TrainConfig
from tuning_core.errors import ConfigError
from tuning_core.train import CHECKPOINT_FILE, load_checkpoint, make_optimizer, train

LR, WD = 0.3, 1e-5
STEPS = 6


def reference_step(
    param: np.ndarray, grad: np.ndarray, state: dict[str, Any], step: int
) -> tuple[np.ndarray, dict[str, Any]]:
    """One t5x Adafactor step; `step` is 0-based as t5x's optimizer state counts."""
    decay_rate, clipping_threshold, min_dim_size_to_factor, epsilon1 = 0.8, 1.0, 128, 1e-30
    beta2 = 1.0 - (step + 1.0) ** (-decay_rate)
    mixing_rate = 1.0 - beta2
    grad_sqr = grad * grad + epsilon1
    sorted_dims = np.argsort(param.shape)
    new_state: dict[str, Any] = {}
    if param.ndim >= 2 and param.shape[sorted_dims[-2]] >= min_dim_size_to_factor:
        d1, d0 = int(sorted_dims[-2]), int(sorted_dims[-1])
        v_row = beta2 * state.get("v_row", 0.0) + mixing_rate * grad_sqr.mean(axis=d0)
        v_col = beta2 * state.get("v_col", 0.0) + mixing_rate * grad_sqr.mean(axis=d1)
        reduced_d1 = d1 - (1 if d0 < d1 else 0)
        row_col_mean = v_row.mean(axis=reduced_d1, keepdims=True)
        row_factor = (v_row / row_col_mean) ** -0.5
        col_factor = v_col**-0.5
        y = grad * np.expand_dims(row_factor, d0) * np.expand_dims(col_factor, d1)
        new_state.update(v_row=v_row, v_col=v_col)
    else:
        v = beta2 * state.get("v", 0.0) + mixing_rate * grad_sqr
        y = grad * v**-0.5
        new_state["v"] = v
    y = y / max(1.0, float(np.sqrt(np.mean(y * y))) / clipping_threshold)
    return (1.0 - WD) * param - LR * y, new_state


def _gradient(param: np.ndarray, step: int) -> np.ndarray:
    """A gradient that depends on the parameter (a quadratic pull) plus noise of varied scale."""
    rng = np.random.default_rng(100 + step)
    scale = rng.uniform(0.01, 3.0, size=(param.shape[0], 1))  # rows of very different size
    scale *= 10.0 ** (step % 3)  # growing gradients: the update clipping comes into play
    return (0.5 * param + rng.normal(size=param.shape) * scale).astype(np.float32)


@pytest.mark.parametrize(
    ("shape", "factored"),
    [((20, 32), False), ((100, 200), False), ((150, 128), True), ((128, 300), True)],
)
def test_it_matches_the_t5x_rule_step_by_step(shape, factored):
    start = np.random.default_rng(0).uniform(-0.5, 0.5, size=shape).astype(np.float32)
    weight = torch.nn.Parameter(torch.from_numpy(start.copy()))
    optimizer = make_optimizer([weight], TrainConfig(learning_rate=LR, weight_decay=WD))
    assert isinstance(optimizer, T5xAdafactor)
    ref, ref_state = start.astype(np.float64), {}
    for step in range(STEPS):
        grad = _gradient(ref.astype(np.float32), step)
        weight.grad = torch.from_numpy(grad.copy())
        optimizer.step()
        ref, ref_state = reference_step(ref, grad.astype(np.float64), ref_state, step)
        np.testing.assert_allclose(
            weight.detach().numpy(), ref, rtol=2e-5, atol=2e-6, err_msg=f"step {step + 1}"
        )
    state = optimizer.state[weight]
    assert state["step"] == STEPS
    if factored:
        assert set(state) == {"step", "v_row", "v_col"}
        assert state["v_row"].shape == ref_state["v_row"].shape
        assert state["v_col"].shape == ref_state["v_col"].shape
    else:
        assert set(state) == {"step", "v"}
        assert state["v"].shape == shape


def test_it_decays_weights_per_step_not_scaled_by_the_learning_rate():
    start = torch.rand(20, 16)
    weight = torch.nn.Parameter(start.clone())
    optimizer = make_optimizer([weight], TrainConfig(learning_rate=LR, weight_decay=WD))
    weight.grad = torch.zeros_like(weight)  # no gradient: only the decay moves the weights
    optimizer.step()
    torch.testing.assert_close(weight.detach(), start * (1 - WD), rtol=0, atol=1e-9)
    assert not torch.allclose(weight.detach(), start * (1 - WD * LR), rtol=0, atol=1e-9)


def test_it_clips_the_update_to_an_rms_of_one_times_the_lr():
    weight = torch.nn.Parameter(torch.zeros(20, 16))
    optimizer = T5xAdafactor([weight], lr=LR, weight_decay=0.0)
    for step in range(3):
        # Gradients growing 100x a step: the second moment lags, so g / sqrt(v) grows past 1.
        grad = torch.randn(20, 16, generator=torch.Generator().manual_seed(step)) * 100.0**step
        before = weight.detach().clone()
        weight.grad = grad
        optimizer.step()
        rms = (weight.detach() - before).square().mean().sqrt()
        assert float(rms) <= LR * (1 + 1e-5)


def test_it_continues_exactly_from_a_saved_state():
    def run(steps: int, weight: torch.nn.Parameter, optimizer: torch.optim.Optimizer, first: int):
        for step in range(first, first + steps):
            weight.grad = torch.from_numpy(_gradient(weight.detach().numpy(), step))
            optimizer.step()

    config = TrainConfig()
    straight = torch.nn.Parameter(torch.rand(150, 128, generator=torch.Generator().manual_seed(1)))
    straight_opt = make_optimizer([straight], config)
    run(STEPS, straight, straight_opt, 0)

    first = torch.nn.Parameter(torch.rand(150, 128, generator=torch.Generator().manual_seed(1)))
    first_opt = make_optimizer([first], config)
    run(3, first, first_opt, 0)
    saved = first_opt.state_dict()
    resumed = torch.nn.Parameter(first.detach().clone())
    resumed_opt = make_optimizer([resumed], config)
    resumed_opt.load_state_dict(saved)
    run(STEPS - 3, resumed, resumed_opt, 3)
    assert torch.equal(resumed.detach(), straight.detach())


def test_it_keeps_transformers_adafactor_selectable():
    from transformers.optimization import Adafactor

    assert TrainConfig().optimizer is OptimizerName.ADAFACTOR
    hf = make_optimizer([torch.nn.Parameter(torch.zeros(2, 2))], TrainConfig(optimizer="hf-adafactor"))
    assert isinstance(hf, Adafactor)
    with pytest.raises(ConfigError, match="optimizer must be one of adafactor, hf-adafactor"):
        TrainConfig(optimizer="adam")


def test_it_keeps_the_optimizer_state_in_checkpoints(base, train_rows, tmp_path):
    prompt = PromptConfig(prompt_length=5, label_words=("positive", "negative"))
    train(base, prompt, TrainConfig(batch_size=8, max_steps=3, eval_every=3), train_rows,
          checkpoint_dir=tmp_path)
    state = load_checkpoint(tmp_path / CHECKPOINT_FILE)
    assert state["fingerprint"]["optimizer"] == "adafactor"
    (param_state,) = state["optimizer"]["state"].values()
    assert param_state["step"] == 3
    assert param_state["v"].shape == (5, base.info.d_model)
