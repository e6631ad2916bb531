"""Step 1 of an upload: the files, scanned and kept under MEDIA_ROOT/staging/<id>/ with a manifest,
until the user maps their columns (step 2, services.create_dataset) or leaves them.

A staged upload is files, not rows; its owner check is Staging.is_visible_to.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404

from tuning_core.errors import DataError, DataProblem
from tuning_core.reading import format_of
from webapp.datasets.models import SplitMode
from webapp.datasets.processing import (
    detect_task_kind,
)
from webapp.datasets.reading import FileScan, scan_file
from webapp.lib.files import human_size, remove_tree

logger = logging.getLogger(__name__)

STAGING_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class IncomingFile:
    role: str  # "file" or a split name
    name: str  # the user's filename: for messages and the format, never a path
    path: Path  # where the upload handler (or a command) put the bytes
    size: int


@dataclass
class StagedFile:
    role: str
    name: str
    format: str
    size: int
    stored: str  # our filename inside the staging directory
    scan: FileScan


@dataclass
class Staging:
    id: str
    owner_id: int
    name: str
    files: list[StagedFile]
    created_at: float = field(default_factory=time.time)
    # Set when processing rejected a dataset made from these files: what was wrong, the mapping
    # the user submitted (to fill the form again, with "name"), and the dataset that is gone.
    problems: list[dict[str, Any]] = field(default_factory=list)
    mapping: dict[str, Any] | None = None
    rejected_dataset_id: int | None = None

    @property
    def dir(self) -> Path:
        return staging_root() / self.id

    def is_visible_to(self, user: Any) -> bool:
        """The ownership rule of a staged upload (a file, not a model, until uploads are rows)."""
        return bool(self.owner_id == user.pk)

    @property
    def first(self) -> StagedFile:
        return self.files[0]

    @property
    def columns(self) -> list[str]:
        return self.first.scan.columns

    @property
    def single_file(self) -> bool:
        return self.first.role == "file"

    def distinct(self, column: str) -> list[str] | None:
        """Distinct values of `column` across the files; None when there were too many to keep."""
        values: dict[str, None] = {}
        for f in self.files:
            if column in f.scan.many or column not in f.scan.distinct:
                return None
            values.update(dict.fromkeys(f.scan.distinct[column]))
        return sorted(values, key=_natural)

    @property
    def rows(self) -> int:
        return sum(f.scan.rows for f in self.files)

    def save(self, path: Path | None = None) -> None:
        (path or self.dir / MANIFEST).write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, staging_id: str) -> Staging | None:
        return cls.read(staging_root() / staging_id / MANIFEST)

    @classmethod
    def read(cls, path: Path) -> Staging | None:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        files = [StagedFile(**{**f, "scan": FileScan(**f["scan"])}) for f in data.pop("files")]
        return cls(files=files, **data)


MANIFEST = "manifest.json"
# A dataset keeps its staging's manifest beside `original/` until it is ready or rejected.
UPLOAD_MANIFEST = "upload.json"


def _natural(value: str) -> tuple[int, float | str]:
    try:
        return (0, float(value))
    except ValueError:
        return (1, value)


def staging_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "staging"


def stage_upload(owner: Any, name: str, files: Sequence[IncomingFile]) -> Staging:
    """Check every file completely and keep them for the mapping step; raise DataError listing the
    problems of every file, leaving nothing behind."""
    limit = settings.UPLOAD_MAX_BYTES
    problems: list[DataProblem] = []
    staged: list[StagedFile] = []
    for f in files:
        fmt = format_of(f.name)
        if fmt is None:
            problems.append(DataProblem(
                f"Unsupported file type {Path(f.name).suffix or '(no extension)'!r}; upload CSV, TSV, "
                "JSONL, JSON (an array of objects) or Parquet", file=f.name))
            continue
        if f.size > limit:
            problems.append(DataProblem(
                f"The file is {human_size(f.size)}, over the size limit of {human_size(limit)}", file=f.name))
            continue
        try:
            scan = scan_file(f.path, fmt, f.name)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        staged.append(StagedFile(role=f.role, name=f.name, format=fmt, size=f.size,
                                 stored=f"{f.role}.{fmt}", scan=scan))
    if problems:
        raise DataError(problems)
    if len(staged) > 1:
        first = staged[0].scan.columns
        for other in staged[1:]:
            if set(other.scan.columns) != set(first):
                raise DataError(DataProblem(
                    f"The {other.role} file's columns ({', '.join(other.scan.columns)}) differ from the "
                    f"{staged[0].role} file's ({', '.join(first)}); give every split the same columns",
                    file=other.name))

    sweep_stale_staging()
    staging = Staging(id=uuid.uuid4().hex, owner_id=owner.pk, name=name.strip() or Path(files[0].name).stem,
                      files=staged)
    staging.dir.mkdir(parents=True)
    try:
        for f, s in zip(files, staged):
            shutil.copyfile(f.path, staging.dir / s.stored)
        staging.save()
    except BaseException:
        remove_tree(staging.dir)
        raise
    return staging


def get_staging_for_user(user: Any, staging_id: str) -> Staging:
    staging = Staging.load(staging_id) if _is_hex_id(staging_id) else None
    if staging is None or not staging.is_visible_to(user):
        raise Http404("No such upload")
    return staging


def _is_hex_id(value: str) -> bool:
    try:
        return uuid.UUID(hex=value).hex == value
    except ValueError:
        return False


def discard_staging(staging: Staging) -> None:
    remove_tree(staging.dir)


def waiting_uploads(user: Any) -> list[Staging]:
    """The user's uploads that wait on their mapping page, newest first: those never mapped and
    those that processing rejected (with their problems). Kept for STAGING_TTL_SECONDS."""
    root = staging_root()
    if not root.is_dir():
        return []
    found = []
    for entry in root.iterdir():
        staging = Staging.read(entry / MANIFEST)
        if staging is not None and staging.is_visible_to(user):
            found.append(staging)
    return sorted(found, key=lambda s: s.created_at, reverse=True)


def rejected_stagings(user: Any) -> list[Staging]:
    """The user's uploads that processing rejected and that wait to be fixed, newest first."""
    return [staging for staging in waiting_uploads(user) if staging.problems]


def staging_for_rejected_dataset(user: Any, dataset_id: int) -> Staging | None:
    """Where a rejected dataset of the user's went, so its old address can lead there."""
    return next((s for s in rejected_stagings(user) if s.rejected_dataset_id == dataset_id), None)


def sweep_stale_staging(now: float | None = None) -> int:
    """Remove uploads abandoned on the mapping page; returns how many."""
    root = staging_root()
    if not root.is_dir():
        return 0
    cutoff = (now or time.time()) - STAGING_TTL_SECONDS
    removed = 0
    for entry in root.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                remove_tree(entry)
                removed += 1
        except OSError:
            continue
    return removed


def suggested_mapping(staging: Staging) -> dict[str, Any]:
    """Initial values for the mapping form: guess the label and text columns and the task kind."""
    columns = staging.columns
    lowered = {c.lower(): c for c in columns}
    label = next((lowered[c] for c in ("label", "labels", "target", "class", "answer", "output", "y")
                  if c in lowered), columns[-1])
    inputs = [c for c in columns if c != label and c.lower() not in ("split", "id", "idx")] or columns[:1]
    if len(inputs) == 1:
        template = "{" + inputs[0] + "}"
    else:
        template = " ".join(f"{c}: {{{c}}}" for c in inputs)
    distinct = staging.distinct(label)
    kind = detect_task_kind(distinct, staging.rows)
    split_column = lowered.get("split", "")
    return {
        "input_template": template,
        "label_column": label,
        "task_kind": kind,
        "split_mode": SplitMode.FILES if not staging.single_file else SplitMode.COLUMN if split_column else SplitMode.AUTO,
        "split_column": split_column,
    }
