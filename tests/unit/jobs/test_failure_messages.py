"""What a failed job's page says: expected failures say what to change; bugs say they were logged."""

from __future__ import annotations

import torch

from tuning_core.errors import DataError, DataProblem, ModelLoadError, NonFiniteLossError
from workers.training import failure_message


def test_it_tells_how_to_recover_from_a_diverged_loss() -> None:
    message = failure_message(NonFiniteLossError(step=12, loss=float("nan")))
    assert "loss became nan at step 12" in message
    assert "lower the learning rate" in message


def test_it_tells_how_to_fit_in_memory() -> None:
    message = failure_message(torch.OutOfMemoryError("CUDA out of memory"))
    assert "ran out of memory" in message
    assert "Lower the batch size" in message


def test_it_names_the_data_problem() -> None:
    problem = DataProblem("Training targets ['maybe'] are not among the label words", column="label")
    assert failure_message(DataError(problem)).startswith("The dataset cannot be used for training: column 'label'")


def test_it_passes_engine_errors_through() -> None:
    assert failure_message(ModelLoadError("Base model directory '/x' does not exist")) == (
        "Base model directory '/x' does not exist"
    )


def test_it_admits_a_bug_without_hiding_it() -> None:
    message = failure_message(KeyError("step"))
    assert "internal error (KeyError" in message
    assert "report it with the job number" in message
