"""Moving an installation's files between local storage (MEDIA_ROOT) and an S3 bucket.

Every file is copied, read back from the destination and compared by sha256. Nothing is switched:
the operator changes MEDIA_STORAGE once every file is verified. A file already at the destination
with the same sha256 is not copied again, so a run that was interrupted resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from unittest import mock

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.module_loading import import_string

from webapp.lib import media_cache
from webapp.lib.env import media_storage_settings

Side = Literal["local", "s3"]
# Files being written when the run started (publish and fetch temporaries): never moved.
TEMPORARY_PREFIXES = (".publish-", ".fetch-")


class MoveFailed(Exception):
    """A file could not be copied or read back whole; nothing was switched."""


@dataclass
class MoveReport:
    copied: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.copied) + len(self.already_there)


def storage_for(side: Side) -> Storage:
    """The local MEDIA_ROOT, or the bucket the S3_* variables name (whatever MEDIA_STORAGE says now)."""
    if side == "local":
        return FileSystemStorage(location=settings.MEDIA_ROOT, allow_overwrite=True)
    with mock.patch.dict(os.environ, {"MEDIA_STORAGE": "s3"}):
        config = media_storage_settings()
    return import_string(config["BACKEND"])(**config["OPTIONS"])


def all_names(store: Storage) -> list[str]:
    """Every file of `store`, but those being written when the run started."""
    return [name for name in media_cache.walk(store)
            if not any(part.startswith(TEMPORARY_PREFIXES) for part in name.split("/"))]


def _sha256(store: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with store.open(name, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def move_media(source: Storage, destination: Storage,
               on_file: Callable[[str, str], None] | None = None) -> MoveReport:
    """Copy every file of `source` to `destination`, each verified by sha256; `on_file(name, what)`
    hears "copied" or "already there" per file. Raises MoveFailed on the first file that does not
    verify (those before it stay copied and verified: the next run skips them)."""
    report = MoveReport()
    for name in all_names(source):
        wanted = _sha256(source, name)
        if destination.exists(name) and _sha256(destination, name) == wanted:
            report.already_there.append(name)
            what = "already there"
        else:
            with source.open(name, "rb") as fh:
                saved = destination.save(name, File(fh, name=name))
            if saved != name:
                raise MoveFailed(f"{name} was stored as {saved}: the destination renames files; "
                                 "configure it to overwrite")
            if _sha256(destination, name) != wanted:
                raise MoveFailed(f"{name} reads back with another sha256 at the destination; run again")
            report.copied.append(name)
            what = "copied"
        if on_file is not None:
            on_file(name, what)
    return report
