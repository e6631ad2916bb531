"""Receiving upload files: streamed to a temporary file, the size checked while streaming.

Django reads a multipart body as it arrives and hands each chunk to the upload handlers. This
handler writes to a temporary file (never memory) and stops reading the file the moment it passes
the limit, so a 5 GB mistake costs neither memory nor disk. Install it before anything touches
`request.POST` or `request.FILES` (hence `csrf_exempt` + `csrf_protect` on the view, as Django's
documentation describes for changing upload handlers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest

from tuning_core.errors import DataProblem
from webapp.datasets.services.uploads import IncomingFile
from webapp.lib.files import human_size

FILE_FIELDS = ("file", "train_file", "validation_file", "test_file")


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, request: HttpRequest | None = None, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = limit if limit is not None else settings.UPLOAD_MAX_BYTES
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.file.close()  # a NamedTemporaryFile: closing removes it
            refused = getattr(self.request, "refused_uploads", [])
            refused.append(self.file_name or self.field_name)
            self.request.refused_uploads = refused  # type: ignore[union-attr]
            # connection_reset=False: read (and drop) the rest, so the client gets our answer.
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


def install_upload_handler(request: HttpRequest) -> None:
    request.upload_handlers = [SizeLimitedUploadHandler(request, settings.UPLOAD_MAX_BYTES)]


def refused_problems(request: HttpRequest) -> list[DataProblem]:
    """Files the handler stopped reading because they passed the limit."""
    request.FILES  # noqa: B018 - parse the body now, if nothing did yet
    limit = human_size(settings.UPLOAD_MAX_BYTES)
    return [DataProblem(f"The file is over the size limit of {limit}; upload at most {limit}", file=name)
            for name in getattr(request, "refused_uploads", [])]


def incoming(files: dict[str, Any]) -> list[IncomingFile]:
    """The uploaded files by role (`file` or a split), as the services take them."""
    out = []
    for field in FILE_FIELDS:
        upload = files.get(field)
        if upload is None:
            continue
        role = field.removesuffix("_file") if field != "file" else "file"
        out.append(IncomingFile(role=role, name=Path(upload.name or field).name, path=Path(upload.temporary_file_path()),
                                size=upload.size))
    return out
