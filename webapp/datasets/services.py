"""Every write to datasets goes through here: views, the API, the worker task and commands call it.

The life of an upload:
1. `stage_upload` checks each file where the upload handler left it (size, archive or binary,
   UTF-8, every row parses, columns) and only then copies it into `MEDIA_ROOT/staging/<id>/`;
   a refused upload stores nothing.
2. `create_dataset` checks the column mapping against the columns, creates the row
   (`validating`) and moves the files to `MEDIA_ROOT/datasets/<storage_key>/original/`.
3. `process_dataset` (the Celery task, or inline for the API and the demo seed) checks every row
   against the mapping, splits and writes Arrow files, and records `ready`. When the rows do not
   fit, `reject_dataset` puts the files back into a staging with the problems and the mapping,
   and deletes the row: a rejected upload stores no dataset, and its owner fixes the mapping
   without uploading again.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tuning_core.errors import DataError, DataProblem
from tuning_core.reading import format_of
from webapp.datasets.announcements import publish_dataset_status
from webapp.datasets.models import SPLITS, Dataset, DatasetStatus, SplitMode
from webapp.datasets.processing import (
    SPLIT_DEFAULTS,
    Mapping,
    ProcessResult,
    SourceFile,
    check_mapping,
    detect_task_kind,
    process_files,
)
from webapp.datasets.reading import FileScan, scan_file
from webapp.datasets.token_lengths import measure_at_processing
from webapp.lib.files import remove_tree
from webapp.lib.queue import TaskName, enqueue_on_commit, send_now, task_id

logger = logging.getLogger(__name__)

# An upload waiting for its column mapping is swept after this long.
STAGING_TTL_SECONDS = 24 * 3600
# Live status: at most one progress write (and websocket message) per this many seconds.
PROGRESS_INTERVAL = 1.0
ACTIVE_JOB_STATUSES = ("queued", "running")


class DatasetInUse(Exception):
    """Deleting a dataset that a tuning job needs."""


def problem_dict(p: DataProblem) -> dict[str, Any]:
    return dict(p.to_dict())


def human_size(n: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value.is_integer() else f"{value:.1f} {unit}"
    return f"{n} bytes"


# ----------------------------------------------------------------------------------------------
# ownership


def get_dataset_for_user(user: Any, pk: int) -> Dataset:
    """The user's own dataset; anyone else's (or none) is a 404, so ids leak nothing."""
    try:
        return Dataset.objects.for_user(user).get(pk=pk)
    except Dataset.DoesNotExist:
        raise Http404("No such dataset") from None


# ----------------------------------------------------------------------------------------------
# step 1: staging an upload


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


# ----------------------------------------------------------------------------------------------
# step 2: the dataset row


def create_dataset(owner: Any, staging: Staging, mapping: Mapping, *, name: str | None = None,
                   inline: bool = False) -> Dataset:
    """Create the dataset from a staged upload and its mapping.

    inline=False: the row is `validating` and a worker processes it (the page shows progress).
    inline=True: processed now; on any problem DataError is raised and nothing is stored.
    Raises DataError when the mapping names columns the files lack.
    """
    problems: list[DataProblem] = []
    for f in staging.files:
        problems.extend(check_mapping(mapping, f.scan.columns, file=f.name))
    if problems:
        raise DataError(problems)
    if mapping.split_mode == SplitMode.FILES and staging.single_file:
        raise DataError(DataProblem("One file was uploaded: split it automatically or by a split column"))
    if mapping.split_mode != SplitMode.FILES and not staging.single_file:
        mapping = Mapping(**{**asdict(mapping), "split_mode": SplitMode.FILES})
    if not any(f.role == "train" for f in staging.files) and not staging.single_file:
        raise DataError(DataProblem("Separate files need at least a train file"))

    dataset: Dataset | None = None
    try:
        with transaction.atomic():
            dataset = Dataset.objects.create(
                owner=owner,
                name=(name or staging.name).strip()[:200] or "Untitled dataset",
                status=DatasetStatus.VALIDATING,
                task_kind=mapping.task_kind,
                input_template=mapping.input_template,
                label_column=mapping.label_column,
                label_map=dict(mapping.label_map),
                columns=staging.columns,
                source_files=[{"role": f.role, "name": f.name, "format": f.format, "size": f.size,
                               "stored": f.stored, "rows": f.scan.rows} for f in staging.files],
                split_mode=mapping.split_mode,
                split_options=mapping.split_options(),
                progress="Waiting for a worker",
            )
            original = dataset.storage_dir / "original"
            original.mkdir(parents=True)
            for f in staging.files:
                shutil.move(staging.dir / f.stored, original / f.stored)
            # The scans (columns, preview rows, distinct values) come back if processing rejects it.
            staging.save(dataset.storage_dir / UPLOAD_MANIFEST)
            if inline:
                result = _process(dataset, on_progress=None)
                _record_ready(dataset, result)
            else:
                _enqueue_processing(dataset)
    except BaseException:
        if dataset is not None:
            remove_tree(dataset.storage_dir)
        raise
    finally:
        discard_staging(staging)
    return dataset


def resend_lost_processing(waiting: set[str], older_than: timedelta) -> list[int]:
    """Datasets still validating `older_than` after their last change whose message is not among
    `waiting`: send them again (a second delivery of a dataset being processed does nothing)."""
    cutoff = timezone.now() - older_than
    resent = []
    for dataset in Dataset.objects.filter(status=DatasetStatus.VALIDATING, updated_at__lt=cutoff).order_by("pk"):
        if task_id(TaskName.PROCESS_DATASET, dataset.pk) not in waiting and send_now(
                TaskName.PROCESS_DATASET, dataset.pk):
            resent.append(dataset.pk)
    return resent


def _enqueue_processing(dataset: Dataset) -> None:
    enqueue_on_commit(TaskName.PROCESS_DATASET, dataset.pk)


def _sources(dataset: Dataset) -> list[SourceFile]:
    original = dataset.storage_dir / "original"
    order = {"file": 0, **{s: i for i, s in enumerate(SPLITS)}}
    files = sorted(dataset.source_files, key=lambda f: order.get(f["role"], 9))
    return [SourceFile(role=f["role"], path=original / f["stored"], format=f["format"], name=f["name"])
            for f in files]


def mapping_of(dataset: Dataset) -> Mapping:
    opts = dataset.split_options
    return Mapping(
        input_template=dataset.input_template, label_column=dataset.label_column,
        label_map=dict(dataset.label_map), task_kind=dataset.task_kind, split_mode=dataset.split_mode,
        validation_ratio=float(opts.get("validation_ratio", SPLIT_DEFAULTS.validation_ratio)),
        test_ratio=float(opts.get("test_ratio", SPLIT_DEFAULTS.test_ratio)),
        seed=int(opts.get("seed", SPLIT_DEFAULTS.seed)), split_column=opts.get("split_column", ""),
    )


def _process(dataset: Dataset, on_progress: Callable[[str], None] | None) -> ProcessResult:
    """Write the splits into a fresh work directory, then swap it in: a second delivery of the
    task, or a worker killed halfway, never leaves a half-written split in place."""
    work = dataset.storage_dir / f"work-{uuid.uuid4().hex[:8]}"
    try:
        result = process_files(_sources(dataset), mapping_of(dataset), work, on_progress)
        measure_at_processing(work, result)
        final = dataset.storage_dir / "splits"
        remove_tree(final)
        (work / "splits").rename(final)
        return result
    finally:
        remove_tree(work)


def process_dataset(dataset_id: int) -> Dataset | None:
    """The worker's entry point: validate and process a `validating` dataset, record the outcome,
    and announce it to the owner's pages. A dataset already processed, rejected or deleted is left
    alone; one rejected now is gone too (see `reject_dataset`): both return None."""
    dataset = Dataset.objects.filter(pk=dataset_id, status=DatasetStatus.VALIDATING).first()
    if dataset is None:
        return None
    last = 0.0

    def on_progress(message: str) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < PROGRESS_INTERVAL:
            return
        last = now
        Dataset.objects.filter(pk=dataset_id, status=DatasetStatus.VALIDATING).update(progress=message)
        publish_dataset_status(dataset.owner_id, dataset.pk, DatasetStatus.VALIDATING, message)

    on_progress("Checking every row")
    try:
        result = _process(dataset, on_progress)
    except DataError as exc:
        reject_dataset(dataset, exc.problems)
        return None
    except Exception:
        logger.exception("processing dataset %s failed", dataset_id)
        reject_dataset(dataset, [DataProblem(
            "Processing failed because of an error on our side; it was logged. Try again, or tell us.")])
        return None
    _record_ready(dataset, result)
    current = Dataset.objects.filter(pk=dataset_id).first()
    if current is None:
        # Deleted while we worked: its files went on commit, before ours were written.
        remove_tree(dataset.storage_dir)
        return None
    publish_dataset_status(current.owner_id, current.pk, current.status, current.progress)
    return current


def _record_ready(dataset: Dataset, result: ProcessResult) -> None:
    fields: dict[str, Any] = {
        "status": DatasetStatus.READY, "task_kind": result.task_kind, "split_counts": result.split_counts,
        "labels": result.labels, "label_counts": result.label_counts, "stats": result.stats,
        "problems": [problem_dict(p) for p in result.warnings], "progress": "",
        "token_stats": result.token_stats,
    }
    Dataset.objects.filter(pk=dataset.pk, status=DatasetStatus.VALIDATING).update(**fields)
    for key, value in fields.items():
        setattr(dataset, key, value)
    (dataset.storage_dir / UPLOAD_MANIFEST).unlink(missing_ok=True)  # only a rejection needs it


def reject_dataset(dataset: Dataset, problems: list[DataProblem]) -> Staging | None:
    """Undo a dataset whose rows do not fit its mapping: its files go back into a fresh staging
    that carries the problems and the submitted mapping, the row and its directory are deleted,
    and the owner's pages hear where to fix it. Nothing makes `invalid` rows any more.

    Returns None when the row is no longer `validating` (another delivery of the task got there
    first) or is gone (deleted meanwhile: then its files go too, and no staging is made)."""
    with transaction.atomic():
        # The lock orders us with a concurrent delete or a second delivery of the task.
        claimed = Dataset.objects.select_for_update().filter(pk=dataset.pk, status=DatasetStatus.VALIDATING).first()
        if claimed is None:
            if not Dataset.objects.filter(pk=dataset.pk).exists():
                remove_tree(dataset.storage_dir)
            return None
        staging = _restage(claimed, problems)
        try:
            claimed.delete()
        except BaseException:
            _unstage(staging, claimed)
            raise
        storage = claimed.storage_dir
        transaction.on_commit(lambda: remove_tree(storage))
    url = reverse("datasets:mapping", kwargs={"staging_id": staging.id})
    publish_dataset_status(dataset.owner_id, dataset.pk, "rejected", "", url=url)
    return staging


def _restage(dataset: Dataset, problems: list[DataProblem]) -> Staging:
    original = dataset.storage_dir / "original"
    kept = Staging.read(dataset.storage_dir / UPLOAD_MANIFEST)
    files = kept.files if kept is not None else _rescan(dataset)
    mapping = {**asdict(mapping_of(dataset)), "name": dataset.name}
    staging = Staging(id=uuid.uuid4().hex, owner_id=dataset.owner_id, name=dataset.name, files=files,
                      problems=[problem_dict(p) for p in problems], mapping=mapping,
                      rejected_dataset_id=dataset.pk)
    staging.dir.mkdir(parents=True)
    try:
        for f in files:
            shutil.move(original / f.stored, staging.dir / f.stored)
        staging.save()
    except BaseException:
        _unstage(staging, dataset)
        raise
    return staging


def _unstage(staging: Staging, dataset: Dataset) -> None:
    """Put the files back where the dataset row expects them, so a retry of the task finds them."""
    original = dataset.storage_dir / "original"
    for f in staging.files:
        if (staging.dir / f.stored).exists():
            shutil.move(staging.dir / f.stored, original / f.stored)
    remove_tree(staging.dir)


def _rescan(dataset: Dataset) -> list[StagedFile]:
    """The scans of a dataset created before its manifest was kept beside its files."""
    original = dataset.storage_dir / "original"
    return [StagedFile(role=f["role"], name=f["name"], format=f["format"], size=f["size"], stored=f["stored"],
                       scan=scan_file(original / f["stored"], f["format"], f["name"]))
            for f in dataset.source_files]


# ----------------------------------------------------------------------------------------------
# rename, delete


def rename_dataset(dataset: Dataset, name: str) -> Dataset:
    dataset.name = name.strip()[:200]
    dataset.save(update_fields=["name", "updated_at"])
    return dataset


def delete_dataset(dataset: Dataset) -> None:
    """Delete the row and its files; refused while a tuning job uses the dataset."""
    if hasattr(dataset, "jobs"):
        active = dataset.jobs.filter(status__in=ACTIVE_JOB_STATUSES).count()
        if active:
            raise DatasetInUse(
                f"{dataset.name!r} is used by {active} queued or running tuning job{'s' if active > 1 else ''}; "
                "cancel or wait for them before deleting it")
    storage = dataset.storage_dir
    try:
        with transaction.atomic():
            dataset.delete()
            transaction.on_commit(lambda: remove_tree(storage))
    except ProtectedError as exc:
        names = ", ".join(f"#{job.pk}" for job in sorted(exc.protected_objects, key=lambda j: j.pk))
        raise DatasetInUse(
            f"{dataset.name!r} is kept because tuning job{'s' if len(exc.protected_objects) > 1 else ''} {names} "
            "trained on it; delete those jobs first (their prompt versions stay)") from None


# ----------------------------------------------------------------------------------------------
# demo


def seed_rotten_tomatoes(owner: Any, data_dir: Path) -> Dataset | None:
    """The demo dataset from `data_dir/{train,validation,test}.csv`, once per owner; None when the
    files are not there."""
    name = "Rotten Tomatoes"
    existing = Dataset.objects.for_user(owner).filter(name=name).exclude(status=DatasetStatus.INVALID).first()
    if existing is not None:
        return existing
    paths = {split: data_dir / f"{split}.csv" for split in SPLITS}
    if not paths["train"].is_file():
        return None
    files = [IncomingFile(role=s, name=p.name, path=p, size=p.stat().st_size) for s, p in paths.items() if p.is_file()]
    staging = stage_upload(owner, name, files)
    mapping = Mapping(input_template="review: {text}", label_column="label",
                      label_map={"negative": "negative", "positive": "positive"}, split_mode="files")
    return create_dataset(owner, staging, mapping, inline=True)

