"""A worker's training groups: jobs on one model join the running group; a job that asks to
train alone, or one on another model, waits for the group to empty, first come first served."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.support.toy_reviews import sentiment_rows
from tests.support.waiting import wait_for
from tuning_core.config import PromptConfig, TrainConfig
from tuning_core.model import FrozenT5, load_base_model
from tuning_core.train import TrainingRun
from workers.training_groups import TrainingGroups

PROMPT = PromptConfig(prompt_length=3, label_words=("positive", "negative"))


@pytest.fixture(scope="module")
def base(tiny_model_dir: Path) -> FrozenT5:
    return load_base_model(str(tiny_model_dir), device="cpu")


class Jobs:
    """Job threads handing runs to one TrainingGroups, and what each was told."""

    def __init__(self, base: FrozenT5) -> None:
        self.base = base
        self.groups = TrainingGroups(max_jobs=8, max_rows=256)
        self.joined: dict[int, str] = {}
        self.waited: dict[int, str] = {}
        self.order: list[int] = []  # as they joined
        self.threads: list[threading.Thread] = []
        self.results: dict[int, Any] = {}

    def start(self, job_id: int, *, steps: int = 3, source: str = "tiny", exclusive: bool = False,
              stop: threading.Event | None = None) -> None:
        config = TrainConfig(batch_size=4, max_steps=steps, eval_every=10**6, dropout=0.0, precision="fp32")
        run = TrainingRun(self.base, PROMPT, config, sentiment_rows(16),
                          should_stop=stop.is_set if stop is not None else None)

        def joined(group: str) -> None:
            self.joined[job_id] = group
            self.order.append(job_id)

        def train() -> None:
            self.results[job_id] = self.groups.train(
                job_id, run, source=source, exclusive=exclusive, on_join=joined,
                on_wait=lambda why: self.waited.__setitem__(job_id, why))

        thread = threading.Thread(target=train)
        self.threads.append(thread)
        thread.start()

    def finish(self) -> None:
        for thread in self.threads:
            thread.join(timeout=120)


def test_jobs_on_one_model_share_the_running_group(base) -> None:
    jobs, stop = Jobs(base), threading.Event()
    jobs.start(1, steps=10**6, stop=stop)
    wait_for(lambda: 1 in jobs.joined, timeout=60, what="the long job joined")
    jobs.start(2)
    wait_for(lambda: 2 in jobs.results, timeout=60, what="the short job ended")
    stop.set()
    jobs.finish()
    assert jobs.joined[1] == jobs.joined[2]
    assert jobs.waited == {}
    assert jobs.results[2].steps_completed == 3
    assert jobs.results[1].stopped_reason == "cancelled"
    assert jobs.groups.snapshot() == []  # the group ended with its last job


def test_train_alone_and_another_model_wait_in_turn(base) -> None:
    jobs, stop = Jobs(base), threading.Event()
    jobs.start(1, steps=10**6, stop=stop)
    wait_for(lambda: 1 in jobs.joined, timeout=60, what="the long job joined")
    jobs.start(2, exclusive=True)
    wait_for(lambda: 2 in jobs.waited, timeout=60, what="the exclusive job waiting")
    jobs.start(3, source="another model")
    wait_for(lambda: 3 in jobs.waited, timeout=60, what="the other model's job waiting")
    jobs.start(4)  # the running group's model, but two jobs wait before it: it waits its turn
    wait_for(lambda: 4 in jobs.waited, timeout=60, what="the late job waiting")
    assert jobs.order == [1]
    [snapshot] = jobs.groups.snapshot()
    assert (snapshot.jobs, snapshot.exclusive) == (1, False)

    stop.set()
    jobs.finish()
    assert jobs.order == [1, 2, 3, 4]
    assert len({jobs.joined[j] for j in (1, 2, 3, 4)}) == 4  # each in a group of its own
    assert "train alone" in jobs.waited[2]
    assert "this worker trains 1 job on tiny" in jobs.waited[3]
    assert all(jobs.results[j].steps_completed == 3 for j in (2, 3, 4))
