"""Step 1 of an upload: the files, checked completely and kept as an `Upload` under
MEDIA_ROOT/uploads/<id>/ until the user maps their columns (`ingest.submit_mapping`), discards
them, or leaves them for UPLOAD_TTL (then the periodic sweep removes them)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from tuning_core.errors import DataError, DataProblem
from tuning_core.reading import format_of
from webapp.datasets.models import SplitMode, StagedFile, Upload, UploadStatus
from webapp.datasets.processing import detect_task_kind
from webapp.datasets.reading import scan_file
from webapp.lib import media
from webapp.lib.files import human_size

UPLOAD_TTL = timedelta(hours=24)


class UploadBusy(Exception):
    """Discarding an upload a worker is checking."""


@dataclass(frozen=True)
class IncomingFile:
    role: str  # "file" or a split name
    name: str  # the user's filename: for messages and the format, never a path
    path: Path  # where the upload handler (or a command) put the bytes
    size: int


def stage_upload(owner: Any, name: str, files: Sequence[IncomingFile]) -> Upload:
    """Check every file completely and keep them for the mapping step; raise DataError listing the
    problems of every file, leaving nothing behind."""
    staged = _scan_all(files)
    upload_id = uuid.uuid4()
    prefix = f"uploads/{upload_id.hex}"
    try:
        with transaction.atomic():
            upload = Upload.objects.create(id=upload_id, owner=owner, files=[f.to_json() for f in staged],
                                           name=name.strip()[:200] or Path(files[0].name).stem[:200])
            for incoming, kept in zip(files, staged):
                media.publish(incoming.path, f"{prefix}/{kept.stored}")
    except BaseException:
        media.delete_prefix(prefix)
        raise
    return upload


def _scan_all(files: Sequence[IncomingFile]) -> list[StagedFile]:
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
        staged.append(StagedFile(role=f.role, name=f.name, format=fmt, size=f.size, stored=f"{f.role}.{fmt}",
                                 scan=scan))
    if problems:
        raise DataError(problems)
    first = staged[0]
    for other in staged[1:]:
        if set(other.scan.columns) != set(first.scan.columns):
            raise DataError(DataProblem(
                f"The {other.role} file's columns ({', '.join(other.scan.columns)}) differ from the "
                f"{first.role} file's ({', '.join(first.scan.columns)}); give every split the same columns",
                file=other.name))
    return staged


def get_upload_for_user(user: Any, upload_id: uuid.UUID) -> Upload:
    """The user's own upload; anyone else's (or none) is a 404."""
    try:
        return Upload.objects.for_user(user).get(pk=upload_id)
    except Upload.DoesNotExist:
        raise Http404("No such upload") from None


def discard_upload(upload: Upload) -> None:
    """Delete an upload and its files; refused while a worker checks it."""
    with transaction.atomic():
        claimed = Upload.objects.select_for_update().filter(pk=upload.pk).first()
        if claimed is None:
            return
        if claimed.status == UploadStatus.PROCESSING:
            raise UploadBusy(f"{upload.name!r} is being checked; wait for the result before discarding it")
        files = claimed.storage_prefix
        claimed.delete()
        transaction.on_commit(lambda: media.delete_prefix(files), robust=True)


def sweep_stale_uploads(now: datetime | None = None) -> int:
    """Remove uploads left on their mapping page for UPLOAD_TTL; returns how many."""
    removed = 0
    for upload in Upload.objects.stale((now or timezone.now()) - UPLOAD_TTL):
        try:
            discard_upload(upload)
        except UploadBusy:  # its owner submitted it just now
            continue
        removed += 1
    return removed


def suggested_mapping(upload: Upload) -> dict[str, Any]:
    """Initial values for the mapping form: guess the label and text columns and the task kind."""
    columns = upload.columns
    lowered = {c.lower(): c for c in columns}
    label = next((lowered[c] for c in ("label", "labels", "target", "class", "answer", "output", "y")
                  if c in lowered), columns[-1])
    # A column named "split", or else one holding nothing but split names (train, dev, test, ...).
    split_like = [c for c in upload.first.scan.by_split if c != label] if upload.single_file else []
    split_column = lowered.get("split") or (split_like[0] if split_like else "")
    inputs = [c for c in columns if c not in (label, split_column) and c.lower() not in ("split", "id", "idx")]
    inputs = inputs or columns[:1]
    if len(inputs) == 1:
        template = "{" + inputs[0] + "}"
    else:
        template = " ".join(f"{c}: {{{c}}}" for c in inputs)
    return {
        "input_template": template,
        "label_column": label,
        "task_kind": detect_task_kind(upload.distinct(label), upload.rows),
        "split_mode": (SplitMode.FILES if not upload.single_file
                       else SplitMode.COLUMN if split_column else SplitMode.AUTO),
        "split_column": split_column,
    }
