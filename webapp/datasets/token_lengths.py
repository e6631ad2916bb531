"""Token lengths of a dataset's inputs and targets under a base model's tokenizer.

Measured by a worker (tokenising every split is no work for a web request), once at processing
with the first registered base model and later on demand; pages only read what was stored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from tuning_core.errors import DataProblem
from webapp.basemodels.models import BaseModel
from webapp.basemodels.services import local_tokenizer
from webapp.datasets.announcements import publish_dataset_changed
from webapp.datasets.models import SPLITS, Dataset
from webapp.datasets.processing import ProcessResult, histogram
from webapp.lib.queue import TaskName, enqueue_on_commit
from webapp.lib.splits import load_split

logger = logging.getLogger(__name__)

DEFAULT_MAX_INPUT_LENGTH = 512


def tokenizer_choices() -> list[tuple[str, str]]:
    """(name, source) of the base models a dataset's token lengths can be measured with."""
    return [(m.name, m.source) for m in BaseModel.objects.order_by("name")]


def _load_tokenizer(source: str) -> Any:
    # Local files only: measuring never waits on the hub (a model in object storage is fetched once).
    return local_tokenizer(source, fetch=True)


def token_length_key(source: str, max_length: int) -> str:
    return f"{source}|{max_length}"


def token_lengths(dataset: Dataset, source: str, max_length: int) -> dict[str, Any] | None:
    """What is known of `source`'s token lengths at `max_length`: the measured histogram and share
    of inputs that would be truncated, `{"status": "measuring"}`, `{"status": "failed", "error": …}`,
    or None when nobody asked yet. Pages only read this; `request_token_lengths` starts a measure."""
    entry: dict[str, Any] | None = dataset.token_stats.get(token_length_key(source, max_length))
    return entry


def request_token_lengths(dataset: Dataset, source: str, max_length: int) -> None:
    """Mark the measure as under way and hand it to a worker (tokenising every split is no work
    for a web request). A measure already done or under way is not started again."""
    key = token_length_key(source, max_length)
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        entry = locked.token_stats.get(key)
        if entry is not None and entry.get("status") != "failed":
            return
        locked.token_stats = {**locked.token_stats, key: {"status": "measuring"}}
        locked.save(update_fields=["token_stats"])
        enqueue_on_commit(TaskName.MEASURE_TOKEN_LENGTHS, dataset.pk, source, max_length)
    dataset.token_stats = locked.token_stats


def measure_token_lengths(dataset_id: int, source: str, max_length: int) -> None:
    """The worker's side of `request_token_lengths`: measure, store, announce. A dataset deleted
    meanwhile is nothing to measure."""
    dataset = Dataset.objects.filter(pk=dataset_id).first()
    if dataset is None:
        return
    try:
        entry = _token_lengths_at(dataset.splits_path(), dataset.available_splits, source, max_length)
    except Exception as exc:  # noqa: BLE001 - a tokenizer that will not load is news for the page
        logger.warning("could not measure token lengths with %s", source, exc_info=True)
        first_line = (str(exc).splitlines() or [exc.__class__.__name__])[0]
        entry = {"status": "failed", "error": first_line}
    _store_token_lengths(dataset_id, token_length_key(source, max_length), entry)
    publish_dataset_changed(dataset.owner_id, dataset_id, "token lengths measured")


def _store_token_lengths(dataset_id: int, key: str, entry: dict[str, Any]) -> None:
    # Under a row lock: two measures finishing together must not drop each other's result.
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().filter(pk=dataset_id).first()
        if locked is None:
            return
        locked.token_stats = {**locked.token_stats, key: entry}
        locked.save(update_fields=["token_stats"])


def truncation_warning(stats: dict[str, Any], model_name: str) -> DataProblem | None:
    if not stats["over"]:
        return None
    return DataProblem(
        f"{stats['over']:,} input(s) ({share_text(stats['share_over'])}) are longer than {stats['max_length']} "
        f"tokens of {model_name} and will be truncated", severity="warning")


# The max input lengths a job is launched with (the launch form proposes one of them).
JOB_INPUT_LENGTHS = (64, 128, 256, 512)


@dataclass(frozen=True)
class InputLengths:
    """Training input token lengths of a dataset (EOS included), exact up to `measured_to`; a
    longer input counts as `measured_to + 1`."""

    measured_to: int
    counts: dict[int, int]

    @classmethod
    def of(cls, entry: dict[str, Any]) -> InputLengths | None:
        """From one token-length measure; None for one made before training inputs were kept."""
        counts = entry.get("train_input_lengths")
        if not isinstance(counts, dict):
            return None
        return cls(int(entry["max_length"]), {int(k): int(v) for k, v in counts.items()})

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cut_by(self, limit: int) -> int:
        """How many training inputs a max input length of `limit` cuts (at most `measured_to`)."""
        return sum(n for length, n in self.counts.items() if length > limit)


def input_lengths(dataset: Dataset) -> InputLengths | None:
    """The longest-reaching measure of the training inputs (any T5 tokenizer counts the same)."""
    found = [m for m in (InputLengths.of(e) for e in dataset.token_stats.values() if isinstance(e, dict)) if m]
    return max(found, key=lambda m: m.measured_to, default=None)


def training_cuts(entry: dict[str, Any]) -> list[tuple[int, int, int, str]]:
    """(max input length, training inputs it cuts, training inputs, share) at each length a job
    would use, up to the measured one; none for a measure made before training inputs were kept."""
    lengths = InputLengths.of(entry)
    if lengths is None or not lengths.total:
        return []
    return [(limit, lengths.cut_by(limit), lengths.total, share_text(lengths.cut_by(limit) / lengths.total))
            for limit in JOB_INPUT_LENGTHS if limit <= lengths.measured_to]


def share_text(share: float) -> str:
    """A share as a percentage that never reads as none when it is some: 2 of 6,046 is "<0.1%"."""
    return "<0.1%" if 0 < share < 0.001 else f"{share:.1%}"


def measure_at_processing(work: Path, result: ProcessResult) -> None:
    """At processing time, measure with the first base model, if one is registered and loads; the
    histogram is kept (the dataset page shows it without measuring again) and may add a warning."""
    choices = tokenizer_choices()
    if not choices:
        return
    name, source = choices[0]
    splits = [s for s in SPLITS if (work / "splits" / s).is_dir()]
    try:
        # The splits still sit in the work directory: measure them there.
        stats = _token_lengths_at(work / "splits", splits, source, DEFAULT_MAX_INPUT_LENGTH)
    except Exception:
        logger.warning("could not measure token lengths with %s", source, exc_info=True)
        return
    result.token_stats[token_length_key(source, DEFAULT_MAX_INPUT_LENGTH)] = stats
    warning = truncation_warning(stats, name)
    if warning:
        result.warnings.append(warning)


# A SentencePiece piece is at most 16 characters (its trainer's max_sentencepiece_length).
MAX_CHARS_PER_TOKEN = 16


def token_measure_chars(max_length: int) -> int:
    """How much of an input is tokenized to measure it: enough for `max_length` + 1 tokens
    of the longest pieces, so an input over the limit still measures over it, while a 5 MB
    cell costs what a short one does (its length past this is not needed, only that it is over)."""
    return (max_length + 1) * MAX_CHARS_PER_TOKEN


def _token_lengths_at(root: Path, splits: Sequence[str], source: str, max_length: int) -> dict[str, Any]:
    import numpy as np

    tokenizer = _load_tokenizer(source)
    cut = token_measure_chars(max_length)
    lengths: dict[str, list[int]] = {"input_text": [], "target_text": []}
    train_inputs: list[int] = []
    for split in splits:
        ds = load_split(root / split)
        for batch in ds.select_columns(list(lengths)).iter(batch_size=1000):
            for column, found in lengths.items():
                texts = [text[:cut] for text in batch[column]]
                measured = [len(ids) for ids in tokenizer(texts)["input_ids"]]
                found.extend(measured)
                if split == "train" and column == "input_text":
                    train_inputs.extend(measured)
    values = np.asarray(lengths["input_text"], dtype=np.int64)
    # Training inputs per length (EOS included, as the engine counts them), up to max_length + 1:
    # the launch form says how many a max input length cuts, exactly as the job's log will.
    train_lengths, train_counts = np.unique(np.minimum(np.asarray(train_inputs, dtype=np.int64), max_length + 1),
                                            return_counts=True)
    over = int((values > max_length).sum())
    targets = np.asarray(lengths["target_text"], dtype=np.int64)
    target_lengths, target_counts = np.unique(targets, return_counts=True)
    # Targets beside inputs: a generation task's answers must fit the max target length too. Exact
    # counts per length (a few hundred distinct lengths at most) let the launch form say how many
    # targets a max target length cuts.
    return {"source": source, "max_length": max_length, "histogram": histogram(values),
            "target_histogram": histogram(targets),
            "target_lengths": {str(int(n)): int(c) for n, c in zip(target_lengths, target_counts)},
            "train_input_lengths": {str(int(n)): int(c) for n, c in zip(train_lengths, train_counts)},
            "over": over, "share_over": round(over / max(1, len(values)), 4)}
