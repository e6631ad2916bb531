"""How a prompt version reads an input and answers: the template and label words of the dataset it
was trained on, and the lengths and precision of its training. The predict API and the playground
both turn a user's input into what the model reads through here, as evaluation does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tuning_core.config import TrainConfig
from tuning_core.data import cell_text, render_template, template_fields
from tuning_core.errors import DataError
from webapp.prompts.models import PromptVersion

# A version whose job recorded no lengths was trained at the engine's defaults.
DEFAULT_MAX_INPUT_LENGTH = TrainConfig.max_input_length
DEFAULT_MAX_TARGET_LENGTH = TrainConfig.max_target_length


class InputError(Exception):
    """An input (or a version) that cannot be read as asked; `field` names the request field to fix."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class VersionSetup:
    tensor_file: str
    sha256: str
    template: str
    labels: list[str] | None  # None: a generation prompt
    max_input_length: int
    max_target_length: int
    precision: str

    @property
    def kind(self) -> str:
        return "generation" if self.labels is None else "classification"

    @property
    def columns(self) -> list[str]:
        """The columns the template reads, each once, in order."""
        try:
            return list(dict.fromkeys(template_fields(self.template)))
        except DataError as exc:
            raise InputError(str(exc)) from None


def trained_settings(version: PromptVersion) -> tuple[int, int, str]:
    """(max input length, max target length, precision) `version` was trained with: how every
    evaluation, ensemble and predict call scores it (the engine's defaults where its job
    recorded none, or is gone)."""
    config = (version.job.train_config if version.job else None) or {}
    return (config.get("max_input_length", DEFAULT_MAX_INPUT_LENGTH),
            config.get("max_target_length", DEFAULT_MAX_TARGET_LENGTH), config.get("precision", "auto"))


def version_setup(version: PromptVersion) -> VersionSetup:
    job = version.job
    if job is None:
        raise InputError(f"{version} has lost the training job that holds its input template and labels")
    dataset = job.dataset
    max_input_length, max_target_length, precision = trained_settings(version)
    return VersionSetup(
        tensor_file=version.tensor_file,
        sha256=version.sha256,
        template=dataset.input_template,
        labels=list(dataset.label_words) if dataset.task_kind == "classification" else None,
        max_input_length=max_input_length,
        max_target_length=max_target_length,
        precision=precision,
    )


def render_input(setup: VersionSetup, values: Mapping[str, Any]) -> str | None:
    """`values` through the template, or None when a column the template reads is missing.
    {"text": ...} fills a template of one column whatever its name."""
    columns = setup.columns
    if set(values) == {"text"} and len(columns) == 1:
        values = {columns[0]: values["text"]}
    if any(c not in values for c in columns):
        return None
    return render_template(setup.template, {k: cell_text(v) for k, v in values.items()})
