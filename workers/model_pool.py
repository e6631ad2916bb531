"""Base models kept in memory by a worker process, shared by every job that uses them.

Loading a T5 checkpoint costs seconds to minutes; the model is frozen, so one
copy serves every job on it. Models are evicted least-recently-used once their
total size passes the memory budget (the most recent model always stays, even
alone over budget: a job needs it).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import torch

from tuning_core.model import FrozenT5, load_base_model

logger = logging.getLogger(__name__)

Loader = Callable[[str], FrozenT5]


@dataclass(frozen=True)
class Lease:
    base: FrozenT5
    reused: bool  # already in memory: no load happened
    load_seconds: float


def model_nbytes(base: FrozenT5) -> int:
    return sum(p.numel() * p.element_size() for p in base.model.parameters())


def load_registered(source: str) -> FrozenT5:
    """Load a base model by its registered source; one in object storage (s3://) is read from this
    machine's verified copy, fetched on first use."""
    from webapp.basemodels.services import local_source_of

    return load_base_model(local_source_of(source))


class ModelPool:
    def __init__(self, budget_bytes: int, loader: Loader = load_registered) -> None:
        self.budget_bytes = budget_bytes
        self._loader = loader
        self._models: OrderedDict[str, FrozenT5] = OrderedDict()
        self._lock = threading.Lock()
        self.loads = 0

    def get(self, source: str) -> Lease:
        with self._lock:
            if source in self._models:
                self._models.move_to_end(source)
                return Lease(self._models[source], reused=True, load_seconds=0.0)
            started = time.monotonic()
            base = self._loader(source)
            self.loads += 1
            self._models[source] = base
            self._evict()
            seconds = time.monotonic() - started
            logger.info("loaded base model %s in %.1f s (%d loads so far)", source, seconds, self.loads)
            return Lease(base, reused=False, load_seconds=seconds)

    def __contains__(self, source: str) -> bool:
        return source in self._models

    def sources(self) -> list[str]:
        return list(self._models)

    def total_bytes(self) -> int:
        return sum(model_nbytes(b) for b in self._models.values())

    def _evict(self) -> None:
        while len(self._models) > 1 and self.total_bytes() > self.budget_bytes:
            source, _ = self._models.popitem(last=False)
            logger.info("evicted base model %s from the pool (over budget)", source)
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


_pool: ModelPool | None = None


def get_pool() -> ModelPool:
    """This process's pool (Celery's prefork child keeps it across tasks)."""
    global _pool
    if _pool is None:
        from django.conf import settings

        _pool = ModelPool(settings.MODEL_POOL_MEMORY_BUDGET)
    return _pool
