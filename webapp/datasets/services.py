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

import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tuning_core.errors import DataError, DataProblem
from webapp.datasets.announcements import publish_dataset_status
from webapp.datasets.models import SPLITS, Dataset, DatasetStatus, SplitMode
from webapp.datasets.processing import (
    SPLIT_DEFAULTS,
    Mapping,
    ProcessResult,
    SourceFile,
    check_mapping,
    process_files,
)
from webapp.datasets.reading import scan_file
from webapp.datasets.staging import UPLOAD_MANIFEST, IncomingFile, StagedFile, Staging, discard_staging, stage_upload
from webapp.datasets.token_lengths import measure_at_processing
from webapp.lib.files import remove_tree
from webapp.lib.queue import TaskName, enqueue_on_commit, send_now, task_id

logger = logging.getLogger(__name__)

# An upload waiting for its column mapping is swept after this long.

# Live status: at most one progress write (and websocket message) per this many seconds.
PROGRESS_INTERVAL = 1.0
ACTIVE_JOB_STATUSES = ("queued", "running")


class DatasetInUse(Exception):
    """Deleting a dataset that a tuning job needs."""


def problem_dict(p: DataProblem) -> dict[str, Any]:
    return dict(p.to_dict())


# ----------------------------------------------------------------------------------------------
# ownership


def get_dataset_for_user(user: Any, pk: int) -> Dataset:
    """The user's own dataset; anyone else's (or none) is a 404, so ids leak nothing."""
    try:
        return Dataset.objects.for_user(user).get(pk=pk)
    except Dataset.DoesNotExist:
        raise Http404("No such dataset") from None


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

