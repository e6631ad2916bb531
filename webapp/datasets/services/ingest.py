"""Step 2 of an upload: from a submitted mapping to a ready dataset, or back to the mapping page.

`submit_mapping` checks the mapping against the columns, marks the upload `processing` and sends
it to a worker (or, for the API and the demo, processes it at once). `process_upload`, in the
worker, checks every row, writes the splits, and then in one transaction creates the `Dataset`
(ready) and moves the files to it. When the rows do not fit, the upload becomes `rejected` with
the problems and keeps its files and mapping: its owner fixes the mapping without uploading again.
A Dataset row exists only once it is ready.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tuning_core.errors import DataError, DataProblem
from webapp.datasets.announcements import publish_upload_status
from webapp.datasets.models import SPLITS, Dataset, SplitMode, Upload, UploadStatus
from webapp.datasets.processing import Mapping, ProcessResult, SourceFile, check_mapping, process_files
from webapp.datasets.services.datasets import problem_dict
from webapp.datasets.token_lengths import measure_at_processing
from webapp.lib import media
from webapp.lib.files import remove_tree
from webapp.lib.queue import TaskName, enqueue_on_commit, send_now, task_id

logger = logging.getLogger(__name__)

# Live status: at most one progress write (and websocket message) per this many seconds.
PROGRESS_INTERVAL = 1.0
WAITING_FOR_A_WORKER = "Waiting for a worker"
OUR_FAULT = DataProblem("Processing failed because of an error on our side; it was logged. Try again, or tell us.")


def submit_mapping(upload: Upload, mapping: Mapping, *, name: str | None = None,
                   inline: bool = False) -> Dataset | None:
    """Send a staged (or rejected) upload to be processed with `mapping`.

    inline=False: a worker processes it after commit; returns None (the upload page shows progress).
    inline=True: processed now; returns the dataset, or raises DataError and the upload is rejected
    (nothing is announced: the caller has the answer).
    Raises DataError, changing nothing, when the mapping names columns the files lack.
    """
    mapping = _checked(upload, mapping)
    name = (name or upload.name).strip()[:200] or "Untitled dataset"
    claimed = Upload.objects.filter(pk=upload.pk, status__in=(UploadStatus.STAGED, UploadStatus.REJECTED)).update(
        status=UploadStatus.PROCESSING, mapping=asdict(mapping), name=name, problems=[],
        progress=WAITING_FOR_A_WORKER, updated_at=timezone.now())
    upload.refresh_from_db()
    if not claimed:  # submitted twice (a double click): the first one is under way
        return upload.dataset
    if not inline:
        enqueue_on_commit(TaskName.PROCESS_UPLOAD, upload.key)
        return None
    try:
        return _ingest(upload, on_progress=None)
    except BaseException as exc:
        _reject(upload, exc.problems if isinstance(exc, DataError) else [OUR_FAULT])
        raise


def _checked(upload: Upload, mapping: Mapping) -> Mapping:
    problems: list[DataProblem] = []
    for f in upload.staged_files:
        problems.extend(check_mapping(mapping, f.scan.columns, file=f.name))
    if problems:
        raise DataError(problems)
    if mapping.split_mode == SplitMode.FILES and upload.single_file:
        raise DataError(DataProblem("One file was uploaded: split it automatically or by a split column"))
    if not upload.single_file and not any(f.role == "train" for f in upload.staged_files):
        raise DataError(DataProblem("Separate files need at least a train file"))
    if mapping.split_mode != SplitMode.FILES and not upload.single_file:
        return Mapping(**{**asdict(mapping), "split_mode": SplitMode.FILES})
    return mapping


def process_upload(upload_id: str) -> Dataset | None:
    """The worker's entry point: check a `processing` upload's rows and make its dataset, or reject
    it; either way its owner's pages hear of it. Another delivery of the same message, or a late one,
    finds the upload no longer processing and does nothing (None)."""
    upload = Upload.objects.filter(pk=upload_id, status=UploadStatus.PROCESSING).first()
    if upload is None:
        return None
    last = 0.0

    def on_progress(message: str) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < PROGRESS_INTERVAL:
            return
        last = now
        Upload.objects.filter(pk=upload.pk, status=UploadStatus.PROCESSING).update(progress=message)
        publish_upload_status(upload, UploadStatus.PROCESSING, message)

    on_progress("Checking every row")
    try:
        dataset = _ingest(upload, on_progress)
    except DataError as exc:
        problems = exc.problems
    except Exception:
        logger.exception("processing upload %s failed", upload.key)
        problems = [OUR_FAULT]
    else:
        if dataset is not None:
            publish_upload_status(upload, UploadStatus.DONE, "", url=reverse("datasets:detail", args=[dataset.pk]))
        return dataset
    if _reject(upload, problems):
        publish_upload_status(upload, UploadStatus.REJECTED, "")
    return None


def _ingest(upload: Upload, on_progress: Callable[[str], None] | None) -> Dataset | None:
    """Write the splits into a work directory inside the upload's, then make the dataset. A worker
    killed halfway leaves only a work directory, which the next delivery does not read."""
    work = upload.dir / f"work-{uuid.uuid4().hex[:8]}"
    try:
        mapping = Mapping(**upload.mapping or {})
        result = process_files(_sources(upload), mapping, work, on_progress)
        measure_at_processing(work, result)
        dataset = _make_dataset(upload, mapping, result, work)
    finally:
        remove_tree(work)
    return dataset


def _sources(upload: Upload) -> list[SourceFile]:
    order = {"file": 0, **{s: i for i, s in enumerate(SPLITS)}}
    files = sorted(upload.staged_files, key=lambda f: order.get(f.role, 9))
    return [SourceFile(role=f.role, path=upload.local_file(f), format=f.format, name=f.name) for f in files]


def _make_dataset(upload: Upload, mapping: Mapping, result: ProcessResult, work: Path) -> Dataset | None:
    """Create the ready dataset and store its files, all or nothing; None when the upload is no
    longer processing (another delivery got there first). The upload keeps its own files until
    the dataset is committed, so a failure here leaves it as it was, for a retry."""
    stored: str | None = None
    try:
        with transaction.atomic():
            claimed = Upload.objects.select_for_update().filter(pk=upload.pk, status=UploadStatus.PROCESSING).first()
            if claimed is None:
                return None
            files = claimed.staged_files
            dataset = Dataset.objects.create(
                owner_id=claimed.owner_id, name=claimed.name, task_kind=result.task_kind,
                input_template=mapping.input_template, label_column=mapping.label_column,
                label_map=dict(mapping.label_map), columns=claimed.columns,
                source_files=[{"role": f.role, "name": f.name, "format": f.format, "size": f.size,
                               "stored": f.stored, "rows": f.scan.rows} for f in files],
                split_mode=mapping.split_mode, split_options=mapping.split_options(),
                split_counts=result.split_counts, labels=result.labels, label_counts=result.label_counts,
                stats=result.stats, problems=[problem_dict(p) for p in result.warnings],
                token_stats=result.token_stats,
            )
            stored = dataset.storage_prefix
            for f in files:
                media.publish(claimed.local_file(f), f"{stored}/original/{f.stored}")
            media.publish_dir(work / "splits", f"{stored}/splits")
            Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.DONE, dataset=dataset, progress="",
                                                       problems=[], updated_at=timezone.now())
            upload_files = claimed.storage_prefix
            transaction.on_commit(lambda: media.delete_prefix(upload_files), robust=True)
    except BaseException:
        if stored is not None:
            media.delete_prefix(stored)
        raise
    upload.refresh_from_db()
    return dataset


def _reject(upload: Upload, problems: list[DataProblem]) -> bool:
    """Back to the mapping page with the problems; the files and the mapping stay for a fix.
    False when the upload was no longer processing (another delivery got there first)."""
    rejected = Upload.objects.filter(pk=upload.pk, status=UploadStatus.PROCESSING).update(
        status=UploadStatus.REJECTED, problems=[problem_dict(p) for p in problems], progress="",
        updated_at=timezone.now())
    if rejected:
        upload.refresh_from_db()
    return bool(rejected)


def resend_lost_processing(waiting: set[str], older_than: timedelta) -> list[str]:
    """Uploads still processing `older_than` after their last change whose message is not among
    `waiting`: send them again (a second delivery of an upload being processed does nothing)."""
    cutoff = timezone.now() - older_than
    resent = []
    for upload in Upload.objects.filter(status=UploadStatus.PROCESSING, updated_at__lt=cutoff).order_by("created_at"):
        if task_id(TaskName.PROCESS_UPLOAD, upload.key) not in waiting and send_now(
                TaskName.PROCESS_UPLOAD, upload.key):
            resent.append(upload.key)
    return resent
