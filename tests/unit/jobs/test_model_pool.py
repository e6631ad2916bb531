"""The worker's model pool: one load per base model, least-recently-used eviction."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from workers.model_pool import ModelPool


def fake_loader(loaded: list[str], params: int = 1000):
    def load(source: str):
        loaded.append(source)
        model = torch.nn.Linear(params, 1, bias=False)  # params × 4 bytes
        return SimpleNamespace(model=model, source=source)

    return load


def test_it_loads_a_model_once_and_reuses_it() -> None:
    loaded: list[str] = []
    pool = ModelPool(budget_bytes=10**9, loader=fake_loader(loaded))

    first = pool.get("t5-small")
    second = pool.get("t5-small")

    assert loaded == ["t5-small"]
    assert (first.reused, second.reused) == (False, True)
    assert first.base is second.base


def test_it_evicts_the_least_recently_used_model_over_budget() -> None:
    loaded: list[str] = []
    pool = ModelPool(budget_bytes=2 * 4000 + 1, loader=fake_loader(loaded))  # room for two

    pool.get("a")
    pool.get("b")
    pool.get("a")  # b is now the least recently used
    pool.get("c")

    assert pool.sources() == ["a", "c"]
    pool.get("b")
    assert loaded == ["a", "b", "c", "b"]


def test_it_keeps_the_newest_model_even_alone_over_budget() -> None:
    pool = ModelPool(budget_bytes=1, loader=fake_loader([]))
    pool.get("huge")
    assert pool.sources() == ["huge"]
