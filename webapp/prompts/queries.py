"""What the prompt pages show, read from the database: lineage, the best version, a job's
configuration as labelled rows, a confusion matrix as shaded cells. Reads only, never writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tuning_core.task import headline_metric_of
from webapp.prompts.models import PromptVersion


def init_label(version: PromptVersion) -> str:
    """How the version started: "continued from v2" rather than the engine's `from_file`."""
    return version.init_description


class Headline(NamedTuple):
    """A version's headline validation metric and where it was measured, in words."""

    name: str
    value: float
    source: str


def validation_headline(version: PromptVersion) -> Headline | None:
    """The version's headline validation metric: the best one seen during training, else its
    validation EvalRun's; with its source (dataset, split, and whether the in-training sample)."""
    metrics, source = version.metrics or {}, training_source(version)
    if not _numbers(metrics):
        runs = [run for run in version.eval_runs.all() if run.split == "validation" and run.ensemble_id is None]
        metrics = runs[0].metrics if runs else {}
        source = f"full evaluation on {runs[0].dataset.name} validation" if runs else ""
    numbers = _numbers(metrics)
    if not numbers:
        return None
    name = headline_metric_of(numbers)
    return Headline(name, numbers[name], source) if name in numbers else None


def training_source(version: PromptVersion) -> str:
    """Where the best metric seen during training was measured: the training dataset's
    validation split, or the fixed sample of it that evaluations during training score."""
    job = version.job
    if job is None:
        return "during training"
    sample = (job.train_config or {}).get("eval_sample")
    rows = int(job.dataset.split_counts.get("validation", 0))
    where = f"{job.dataset.name} validation"
    if sample and rows and sample < rows:
        return f"during training, on a {sample}-row sample of {where}"
    return f"during training, on {where}"


def _numbers(metrics: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and k != "count"}


def best_version(versions: Iterable[PromptVersion]) -> PromptVersion | None:
    """The version with the highest validation headline metric (the later one on a tie)."""
    scored = [(headline[1], v.version, v) for v in versions if (headline := validation_headline(v))]
    return max(scored, key=lambda t: (t[0], t[1]))[2] if scored else None


@dataclass
class LineageNode:
    version: PromptVersion
    children: list[LineageNode] = field(default_factory=list)
    current: bool = False


def lineage(version: PromptVersion, user: Any) -> tuple[list[PromptVersion], LineageNode]:
    """Ancestors (root first) and the tree of descendants under `version`, the user's only."""
    visible = PromptVersion.objects.for_user(user).select_related("prompt")
    ancestors: list[PromptVersion] = []
    seen = {version.pk}
    parent_id = version.parent_id
    while parent_id is not None and parent_id not in seen:
        parent = visible.filter(pk=parent_id).first()
        if parent is None:
            break
        ancestors.append(parent)
        seen.add(parent.pk)
        parent_id = parent.parent_id
    ancestors.reverse()

    root = LineageNode(version, current=True)
    frontier = [root]
    while frontier:
        by_parent: dict[int, list[PromptVersion]] = {}
        for child in visible.filter(parent__in=[n.version.pk for n in frontier]).exclude(pk__in=seen) \
                .order_by("created_at", "pk"):
            by_parent.setdefault(child.parent_id or 0, []).append(child)
            seen.add(child.pk)
        next_frontier = []
        for node in frontier:
            node.children = [LineageNode(child) for child in by_parent.get(node.version.pk, [])]
            next_frontier.extend(node.children)
        frontier = next_frontier
    return ancestors, root


CONFIG_LABELS = {
    "prompt_length": "Prompt length (tokens)",
    "init": "Initialisation",
    "label_words": "Label words",
    "learning_rate": "Learning rate",
    "weight_decay": "Weight decay",
    "optimizer": "Optimizer",
    "decay_rate": "Second-moment decay",
    "batch_size": "Batch size",
    "grad_accum_steps": "Gradient accumulation steps",
    "max_steps": "Maximum steps",
    "eval_every": "Evaluate every (steps)",
    "eval_sample": "Validation sample during training",
    "patience": "Early-stopping patience (evaluations)",
    "max_input_length": "Maximum input length (tokens)",
    "max_target_length": "Maximum target length (tokens)",
    "seed": "Seed",
    "dropout": "Dropout",
    "attention_dropout": "Attention dropout",
    "shuffle": "Shuffle",
    "group_by_length": "Batches grouped by length",
    "log_every": "Log every (steps)",
    "eval_mode": "Evaluation mode",
    "eval_batch_size": "Evaluation batch size",
    "precision": "Precision",
}
HIDDEN_CONFIG = {"init_from"}  # a path inside the worker's storage: "continued from vN" says it


def _display(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_display(v)}" for k, v in value.items()) or "—"
    return str(value)


def config_rows(version: PromptVersion) -> list[tuple[str, str]]:
    """The prompt and training configuration of the job that made `version` as (label, value)
    rows, prompt first; none when that job is gone."""
    job = version.job
    if job is None:
        return []
    order = {key: i for i, key in enumerate(CONFIG_LABELS)}
    rows = []
    for config in (job.prompt_config or {}, job.train_config or {}):
        # JSON columns keep no key order: known settings in CONFIG_LABELS' order, others after.
        for key in sorted(config, key=lambda k: (order.get(k, len(order)), k)):
            if key in HIDDEN_CONFIG:
                continue
            value = config[key]
            shown = init_label(version) if key == "init" else _display(value)
            rows.append((CONFIG_LABELS.get(key, key.replace("_", " ").capitalize()), shown))
    return rows


@dataclass(frozen=True)
class MatrixCell:
    count: int
    shade: int  # 0–10: the cell's share of its gold row, for the heatmap's colour class
    diagonal: bool
    column: str
    filterable: bool  # a predicted label the prediction filter knows (not "<invalid>")


def confusion_table(metrics: dict[str, Any]) -> tuple[list[str], list[tuple[str, int, list[MatrixCell]]]] | None:
    """Column names and (gold label, row total, cells) rows of a stored confusion matrix."""
    matrix = metrics.get("confusion_matrix") if metrics else None
    if not isinstance(matrix, dict) or not matrix.get("matrix"):
        return None
    labels, columns = list(matrix["labels"]), list(matrix.get("columns") or matrix["labels"])
    rows = []
    for i, (label, counts) in enumerate(zip(labels, matrix["matrix"])):
        total = sum(counts)
        cells = [MatrixCell(int(c), round(10 * c / total) if total else 0, i == j, columns[j], columns[j] in labels)
                 for j, c in enumerate(counts)]
        rows.append((label, total, cells))
    return columns, rows


# A classifier answering one label for at least this share of the rows has learned the base rate,
# not the task: its accuracy is that label's share (and MCC near 0).
DEGENERATE_SHARE = 0.95


def one_label_answer(metrics: dict[str, Any]) -> tuple[str, float] | None:
    """(label, share of rows) when a classifier predicts one label for DEGENERATE_SHARE of the
    rows or more, from the run's confusion matrix; None otherwise."""
    matrix = metrics.get("confusion_matrix") if metrics else None
    if not isinstance(matrix, dict) or not matrix.get("matrix"):
        return None
    columns = list(matrix.get("columns") or matrix["labels"])
    predicted = [sum(row[j] for row in matrix["matrix"]) for j in range(len(columns))]
    total = sum(predicted)
    if not total or len(columns) < 2:
        return None
    j = max(range(len(columns)), key=lambda k: predicted[k])
    share = predicted[j] / total
    return (columns[j], share) if share >= DEGENERATE_SHARE else None
