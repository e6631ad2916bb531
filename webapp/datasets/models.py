"""Uploads and the datasets made from them.

An `Upload` is the files someone sent, scanned, waiting for (or being checked against) a column
mapping; its files live under `MEDIA_ROOT/uploads/<id hex>/`. Once processing accepts every row a
`Dataset` row is made, ready, and the files move to `MEDIA_ROOT/datasets/<storage_key>/`
(`original/<role>.<format>`, `splits/<split>/`). A user's filename is only ever shown, never used
as a path.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from tuning_core.task import TaskKind
from webapp.datasets.reading import FileScan
from webapp.lib import media

SPLITS = ("train", "validation", "test")


class UploadStatus(models.TextChoices):
    STAGED = "staged"  # waiting for its mapping
    PROCESSING = "processing"  # a worker checks every row
    REJECTED = "rejected"  # back on its mapping page, with the problems
    DONE = "done"  # its dataset was made


# The kinds are tuning_core's (one TaskKind for the engine and the pages); these are their names
# on the pages.
TASK_KIND_CHOICES = [(TaskKind.CLASSIFICATION.value, "Classification"),
                     (TaskKind.GENERATION.value, "free-text generation")]


class SplitMode(models.TextChoices):
    FILES = "files", "separate files"
    AUTO = "auto", "split automatically"
    COLUMN = "column", "by a split column"


class DatasetQuerySet(models.QuerySet["Dataset"]):
    def for_user(self, user: Any) -> DatasetQuerySet:
        """Datasets a user may see and touch: their own (there are no teams yet)."""
        return self.filter(owner=user)


class Dataset(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(max_length=200)
    task_kind = models.CharField(max_length=20, choices=TASK_KIND_CHOICES, default=TaskKind.CLASSIFICATION.value)
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
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DatasetQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]  # noqa: RUF012 - Django reads Meta as data

    def __str__(self) -> str:
        return self.name

    @property
    def storage_prefix(self) -> str:
        """Where the dataset's files are stored: original/ (the files as uploaded) and splits/."""
        return f"datasets/{self.storage_key}"

    @property
    def storage_dir(self) -> Path:
        """The dataset's files on this machine (in local mode, where they are kept)."""
        return media.scratch_path(self.storage_prefix)

    def split_name(self, split: str) -> str:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
        return f"{self.storage_prefix}/splits/{split}"

    def split_path(self, split: str) -> Path:
        """A local copy of the `save_to_disk` directory of a processed split (input_text,
        target_text, raw_label): the stored files themselves in local mode."""
        return media.local_dir(self.split_name(split))

    def splits_path(self) -> Path:
        """A local copy of every processed split, one directory each."""
        return media.local_dir(f"{self.storage_prefix}/splits")

    def has_split(self, split: str) -> bool:
        # In object storage the row is trusted: asking the store on every page costs a request.
        return (
            split in SPLITS
            and self.split_counts.get(split, 0) > 0
            and (media.is_remote() or media.scratch_path(self.split_name(split)).is_dir())
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


@dataclass
class StagedFile:
    """One file of an upload: what the user called it, and what its scan found."""

    role: str  # "file" or a split name
    name: str  # the user's filename: for messages and the format, never a path
    format: str
    size: int
    stored: str  # our filename inside the upload's directory
    scan: FileScan

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StagedFile:
        return cls(**{**data, "scan": FileScan.from_json(data["scan"])})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class UploadQuerySet(models.QuerySet["Upload"]):
    def for_user(self, user: Any) -> UploadQuerySet:
        """Uploads a user may see and touch: their own."""
        return self.filter(owner=user)

    def waiting(self) -> UploadQuerySet:
        """Uploads that are not a dataset yet: to map, being checked, or rejected and to fix."""
        return self.exclude(status=UploadStatus.DONE)

    def stale(self, before: datetime) -> UploadQuerySet:
        """Uploads left on their mapping page (never mapped, or rejected and not fixed) since `before`."""
        return self.filter(status__in=(UploadStatus.STAGED, UploadStatus.REJECTED), updated_at__lt=before)


class Upload(models.Model):
    """The files of one upload until they are a dataset; a rejected one keeps them for a fix."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads")
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=UploadStatus.choices, default=UploadStatus.STAGED)
    files = models.JSONField(default=list)  # [StagedFile.to_json()], in upload order
    # The mapping last submitted (processing.Mapping as a dict); None until then.
    mapping = models.JSONField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True)  # why processing rejected it
    progress = models.CharField(max_length=300, blank=True)  # what processing is doing now
    dataset = models.OneToOneField(Dataset, null=True, blank=True, on_delete=models.SET_NULL, related_name="upload")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]  # noqa: RUF012 - Django reads Meta as data

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        """The id as it appears in addresses and task ids."""
        return self.id.hex

    @property
    def storage_prefix(self) -> str:
        """Where the upload's files are stored until it becomes a dataset, by its id alone."""
        return f"uploads/{self.key}"

    @property
    def dir(self) -> Path:
        """The upload's files on this machine (in local mode, where they are kept)."""
        return media.scratch_path(self.storage_prefix)

    def local_file(self, staged: StagedFile) -> Path:
        """A local copy of one staged file (fetched from object storage on a worker)."""
        return media.local_path(f"{self.storage_prefix}/{staged.stored}")

    @cached_property
    def staged_files(self) -> list[StagedFile]:
        # Parsed once per instance: the mapping page asks for every column's distinct values, and
        # an upload's files never change after staging.
        return [StagedFile.from_json(f) for f in self.files]

    @property
    def first(self) -> StagedFile:
        return self.staged_files[0]

    @property
    def columns(self) -> list[str]:
        return self.first.scan.columns

    @property
    def single_file(self) -> bool:
        return self.first.role == "file"

    @property
    def rows(self) -> int:
        return sum(f.scan.rows for f in self.staged_files)

    def distinct(self, column: str) -> list[str] | None:
        """Distinct values of `column` across the files; None when there were too many to keep."""
        values: dict[str, None] = {}
        for f in self.staged_files:
            distinct = f.scan.distinct(column)
            if distinct is None:
                return None
            values.update(dict.fromkeys(distinct))
        return sorted(values, key=_natural)


def _natural(value: str) -> tuple[int, float | str]:
    try:
        return (0, float(value))
    except ValueError:
        return (1, value)
