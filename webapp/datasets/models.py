"""Datasets people upload: where the files live, how rows become text-to-text examples, what we found.

A dataset's files live under `MEDIA_ROOT/datasets/<storage_key>/` with names we choose
(`original/<role>.<format>`, `splits/<split>/`); a user's filename is only ever shown, never
used as a path.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

SPLITS = ("train", "validation", "test")


class DatasetStatus(models.TextChoices):
    VALIDATING = "validating"
    READY = "ready"
    # Kept for rows made before rejected uploads went back to staging (services.reject_dataset);
    # nothing creates invalid rows any more.
    INVALID = "invalid"


class TaskKind(models.TextChoices):
    CLASSIFICATION = "classification"
    GENERATION = "generation", "free-text generation"


class SplitMode(models.TextChoices):
    FILES = "files", "separate files"
    AUTO = "auto", "split automatically"
    COLUMN = "column", "by a split column"


class DatasetQuerySet(models.QuerySet["Dataset"]):
    def for_user(self, user: Any) -> DatasetQuerySet:
        """Datasets a user may see and touch: their own (there are no teams yet)."""
        return self.filter(owner=user)

    def ready(self) -> DatasetQuerySet:
        return self.filter(status=DatasetStatus.READY)


class Dataset(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=DatasetStatus.choices, default=DatasetStatus.VALIDATING)
    task_kind = models.CharField(max_length=20, choices=TaskKind.choices, default=TaskKind.CLASSIFICATION)
    input_template = models.TextField()
    label_column = models.CharField(max_length=200)
    # Raw label (as text) -> label words; empty: the label's own text is the target.
    label_map = models.JSONField(default=dict, blank=True)
    labels = models.JSONField(default=list, blank=True)  # sorted label words (classification only)
    label_counts = models.JSONField(default=dict, blank=True)  # {label words: rows}, all splits
    split_counts = models.JSONField(default=dict, blank=True)  # {"train": 8000, ...}
    problems = models.JSONField(default=list, blank=True)  # [{file, row, column, message, severity}]
    storage_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # [{"role": "file"|"train"|..., "name": user's filename (display only), "format", "size"}]
    source_files = models.JSONField(default=list, blank=True)
    columns = models.JSONField(default=list, blank=True)
    split_mode = models.CharField(max_length=10, choices=SplitMode.choices, default=SplitMode.AUTO)
    split_options = models.JSONField(default=dict, blank=True)  # ratios and seed, or the split column
    # Computed when processing: per-split label counts, word-length histogram, duplicates.
    stats = models.JSONField(default=dict, blank=True)
    # Token-length histograms keyed by "<tokenizer source>|<max length>", filled on demand.
    token_stats = models.JSONField(default=dict, blank=True)
    progress = models.CharField(max_length=300, blank=True)  # what validation is doing now
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DatasetQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]  # noqa: RUF012 - Django reads Meta as data

    def __str__(self) -> str:
        return self.name

    @property
    def storage_dir(self) -> Path:
        return Path(settings.MEDIA_ROOT) / "datasets" / str(self.storage_key)

    def split_path(self, split: str) -> Path:
        """The `save_to_disk` directory of a processed split (input_text, target_text, raw_label)."""
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
        return self.storage_dir / "splits" / split

    def has_split(self, split: str) -> bool:
        return (
            self.status == DatasetStatus.READY
            and split in SPLITS
            and self.split_counts.get(split, 0) > 0
            and self.split_path(split).is_dir()
        )

    @property
    def available_splits(self) -> list[str]:
        return [s for s in SPLITS if self.split_counts.get(s, 0) > 0]

    @property
    def split_rows(self) -> list[tuple[str, int]]:
        """(split, rows) in train, validation, test order."""
        return [(s, int(self.split_counts[s])) for s in SPLITS if s in self.split_counts]

    @property
    def label_words(self) -> list[str]:
        return list(self.labels)

    @property
    def total_rows(self) -> int:
        return sum(int(v) for v in self.split_counts.values())

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [p for p in self.problems if p.get("severity") == "error"]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [p for p in self.problems if p.get("severity") == "warning"]
