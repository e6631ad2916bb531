"""Errors raised by tuning_core.

Every error here is an *expected* failure: its message is written for the person who launched the
job or ran the command, and says what to change. Anything else escaping tuning_core is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (arrow's run to many lines), or its type."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class TuningError(Exception):
    """Base class of every expected tuning_core failure."""


class ConfigError(TuningError):
    """A configuration value, or a combination of values, that cannot work."""


class ModelLoadError(TuningError):
    """The base model could not be found or loaded."""


class PromptFileError(TuningError):
    """A prompt file (ours, a PEFT adapter, a .npy) is unreadable or does not fit the base model."""


class ProblemCode(StrEnum):
    """What kind of problem a DataProblem is, for code that must act on it (a form that attaches
    it to a field, a collector that reports it once): never match words in messages."""

    INVALID_TEMPLATE = "invalid_template"
    TEMPLATE_WITHOUT_COLUMN = "template_without_column"
    UNKNOWN_TEMPLATE_COLUMN = "unknown_template_column"
    UNKNOWN_TARGET_COLUMN = "unknown_target_column"
    UNKNOWN_SPLIT_COLUMN = "unknown_split_column"
    EMPTY_LABEL_WORDS = "empty_label_words"
    UNMAPPED_LABEL = "unmapped_label"
    EMPTY_TARGET = "empty_target"
    EMPTY_INPUT = "empty_input"


@dataclass(frozen=True)
class DataProblem:
    """One thing wrong with a user's data, located as precisely as we can.

    line: the line of a text file (CSV, TSV, JSON, JSONL) where the record starts, 1-based and
    counting the header, as an editor shows it. row: the 1-based record number where there are no
    lines (a Parquet file, rows already loaded in memory). One of the two at most.
    code: a ProblemCode where code acts on the kind of problem. field: the setting the problem
    is about (input_template, target_column, split_column, label_map), so a form can show it there.
    """

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    severity: Literal["error", "warning"] = "error"
    line: int | None = None
    code: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "row": self.row, "column": self.column, "field": self.field,
                "code": self.code, "message": self.message, "severity": self.severity}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DataProblem:
        """The inverse of to_dict; keys it does not know (stored by older versions) are ignored."""
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @property
    def place(self) -> str | None:
        """Where in the file, in words: "line 3 of data.csv", "row 3", "data.csv"."""
        at = f"line {self.line}" if self.line is not None else f"row {self.row}" if self.row is not None else None
        if at and self.file:
            return f"{at} of {self.file}"
        return at or self.file

    def __str__(self) -> str:
        where = [part for part in (self.place, f"column {self.column!r}" if self.column is not None else None)
                 if part]
        return f"{', '.join(where)}: {self.message}" if where else self.message


class DataError(TuningError):
    """The data cannot be used; `problems` lists every problem found (errors and warnings)."""

    def __init__(self, problems: list[DataProblem] | DataProblem | str):
        if isinstance(problems, str):
            problems = [DataProblem(problems)]
        elif isinstance(problems, DataProblem):
            problems = [problems]
        self.problems: list[DataProblem] = list(problems)
        errors = [p for p in self.problems if p.severity == "error"] or self.problems
        message = str(errors[0])
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        super().__init__(message)


class NonFiniteLossError(TuningError):
    """The training loss became NaN or infinite."""

    def __init__(self, step: int, loss: float):
        self.step = step
        self.loss = loss
        super().__init__(
            f"The training loss became {loss} at step {step}. The prompt diverged; "
            "lower the learning rate (for example by a factor of 3) and start again."
        )
