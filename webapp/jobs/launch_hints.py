"""What the launch form tells a user about their choices before they launch.

How long the dataset's targets are (and how many a max target length would cut), how many
epochs the steps mean, how long the job should take at the speed a worker measured on the base
model, which initialisation fits the task, and which labels a continued prompt was trained on.
Read only: the launch page hands these to static/js/launch.js as JSON, and the form uses the
default max target length when the field is left empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuning_core.config import InitMethod, TrainConfig
from tuning_core.task import TaskKind
from webapp.datasets.token_lengths import JOB_INPUT_LENGTHS, input_lengths
from webapp.jobs.models import JobMethod, JobMetric, JobStatus, TuningJob

# A default longer than this is rarely what a user wants (decoding cost grows with it); they
# may still type a larger value, and the form says how many targets the default cuts.
MAX_TARGET_DEFAULT_CAP = 128


@dataclass(frozen=True)
class TargetLengths:
    """Target token lengths of a dataset, EOS included, as the engine counts them."""

    longest: int
    counts: dict[int, int] | None  # length -> targets; None where only the longest was measured

    def cut_by(self, limit: int) -> int | None:
        """How many targets a max target length of `limit` would cut (None: not measured)."""
        if self.counts is None:
            return None
        return sum(n for length, n in self.counts.items() if length > limit)


def target_lengths(dataset: Any) -> TargetLengths | None:
    """From any token-length measure of the dataset: T5 checkpoints share one tokenizer, so a
    measure with another base model's tokenizer counts the same tokens."""
    best: TargetLengths | None = None
    for entry in dataset.token_stats.values():
        if not isinstance(entry, dict) or "target_histogram" not in entry:
            continue
        counts = entry.get("target_lengths")
        found = TargetLengths(
            longest=int(entry["target_histogram"].get("max", 0)),
            counts={int(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else None,
        )
        if best is None or (best.counts is None and found.counts is not None):
            best = found
    return best


# The launch form proposes the shortest of JOB_INPUT_LENGTHS that cuts at most INPUT_CUT_TARGET of
# the training inputs (a longer input costs every step), and warns above INPUT_CUT_WARNING.
INPUT_CUT_TARGET = 0.05
INPUT_CUT_WARNING = 0.10


def default_max_input_length(dataset: Any) -> int:
    """The shortest of JOB_INPUT_LENGTHS cutting at most INPUT_CUT_TARGET of the training inputs;
    the longest step when none does; the engine's default when nothing was measured."""
    lengths = input_lengths(dataset)
    if lengths is None or not lengths.total:
        return TrainConfig.max_input_length
    steps = [s for s in JOB_INPUT_LENGTHS if s <= lengths.measured_to] or [lengths.measured_to]
    return next((s for s in steps if lengths.cut_by(s) <= INPUT_CUT_TARGET * lengths.total), steps[-1])


def default_max_target_length(dataset: Any) -> int:
    """The dataset's longest target, capped; the engine's default when nothing was measured."""
    lengths = target_lengths(dataset)
    if lengths is None or lengths.longest < 2:
        return TrainConfig.max_target_length
    return min(lengths.longest, MAX_TARGET_DEFAULT_CAP)


def default_init(dataset: Any) -> str:
    """Class labels for classification (the paper's best), vocabulary for generation."""
    if dataset.task_kind == TaskKind.CLASSIFICATION:
        return InitMethod.CLASS_LABELS.value
    return InitMethod.VOCAB.value


def dataset_hints(datasets: Any) -> dict[str, dict[str, Any]]:
    hints: dict[str, dict[str, Any]] = {}
    for dataset in datasets:
        lengths = target_lengths(dataset)
        inputs = input_lengths(dataset)
        hints[str(dataset.pk)] = {
            "train_input_lengths": {str(k): v for k, v in inputs.counts.items()} if inputs else None,
            "input_measured_to": inputs.measured_to if inputs else None,
            "default_max_input_length": default_max_input_length(dataset),
            "task_kind": dataset.task_kind,
            "train_rows": int(dataset.split_counts.get("train", 0)),
            # Scored in full once training ends (the best prompt on validation and test).
            "scored_rows": int(dataset.split_counts.get("validation", 0)) + int(dataset.split_counts.get("test", 0)),
            "labels": list(dataset.labels) if dataset.task_kind == TaskKind.CLASSIFICATION else [],
            "longest_target": lengths.longest if lengths else None,
            "target_lengths": {str(k): v for k, v in lengths.counts.items()} if lengths and lengths.counts else None,
            "default_max_target_length": default_max_target_length(dataset),
            "default_init": default_init(dataset),
        }
    return hints


def speed_hints(user: Any) -> dict[str, dict[str, Any]]:
    """Per base model: seconds per training example measured on the user's latest finished
    training job on it (evaluations during training included, as a launch will have them), and
    seconds per scored example from their latest evaluation job on it (the final scoring of the
    validation and test splits after training)."""
    speeds: dict[str, dict[str, Any]] = {}
    jobs = (TuningJob.objects.for_user(user).filter(status=JobStatus.SUCCEEDED, method=JobMethod.PROMPT_TUNING)
            .order_by("-finished_at"))
    for job in jobs[:50]:
        key = str(job.base_model_id)
        if key in speeds:
            continue
        last = JobMetric.objects.filter(job=job, kind=JobMetric.Kind.TRAIN).order_by("-step").first()
        batch = int(job.train_config.get("batch_size") or 0)
        if last is None or not last.step or not batch or last.elapsed_seconds <= 0:
            continue
        speeds[key] = {"seconds_per_example": last.elapsed_seconds / (last.step * batch), "job": job.pk}
    evaluations = (TuningJob.objects.for_user(user).evaluations().filter(status=JobStatus.SUCCEEDED, total_steps__gt=0)
                   .order_by("-finished_at"))
    for job in evaluations[:50]:
        entry = speeds.get(str(job.base_model_id))
        if entry is None or "seconds_per_scored_example" in entry or job.run_seconds is None:
            continue
        entry["seconds_per_scored_example"] = job.run_seconds / job.total_steps
    return speeds


def version_labels(versions: Any) -> dict[str, list[str]]:
    """The label words each version was trained with (none for generation prompts)."""
    labels: dict[str, list[str]] = {}
    for version in versions.select_related("job"):
        words = version.job.prompt_config.get("label_words") if version.job else None
        labels[str(version.pk)] = list(words or [])
    return labels
