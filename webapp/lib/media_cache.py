"""This machine's copies of stored files (MEDIA_STORAGE=s3): fetched once, kept by content, bounded.

Each copy is an entry, a directory named by a key: a file's sha256 when the caller knows it (prompt
versions record theirs, and the copy is checked against it), otherwise a hash of what the store
says about the objects (names, sizes, modified times), so a replaced object (a newer checkpoint) is
fetched again. An entry is filled under a temporary name and renamed into place whole, so processes
sharing the cache never read a part. Past LOCAL_CACHE_MAX_BYTES the least recently used entries
go, except those used in the last minutes (whoever fetched them may not have opened them yet).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage

from tuning_core.export import sha256_file

KEEP_RECENT_SECONDS = 600


class CorruptCopy(Exception):
    """A fetched file's sha256 differs from the one recorded when it was stored."""


def root() -> Path:
    return Path(settings.LOCAL_CACHE_DIR)


def cached(key: str) -> bool:
    return (root() / key).is_dir()


def fetch(store: Storage, name: str, sha256: str | None = None) -> Path:
    """A local copy of the stored file `name`."""
    base = Path(name).name

    def fill(entry: Path) -> None:
        _download(store, name, entry / base)
        if sha256 and sha256_file(entry / base) != sha256:
            raise CorruptCopy(f"The stored file {name} does not match its recorded sha256 {sha256[:12]}…")

    return _entry(sha256 or _listing_key(store, name, [name]), fill) / base


def fetch_dir(store: Storage, prefix: str, names: list[str]) -> Path:
    """A local directory holding every name of `names` (all under `prefix/`) at its relative path."""
    start = len(prefix.rstrip("/")) + 1

    def fill(entry: Path) -> None:
        for name in names:
            _download(store, name, entry / name[start:])

    return _entry(_listing_key(store, prefix, names), fill)


def fetch_verified_dir(store: Storage, manifest: dict[str, str]) -> Path:
    """A local directory holding each file of `manifest` (relative name -> sha256), every one
    checked against its sha256: a base model registered from object storage."""

    def fill(entry: Path) -> None:
        for relative, sha256 in manifest.items():
            _download(store, relative, entry / relative)
            if sha256_file(entry / relative) != sha256:
                raise CorruptCopy(f"The stored file {relative} differs from the one registered (sha256 "
                                  f"{sha256[:12]}…): it changed since; register the model again")

    return _entry(manifest_key(manifest), fill)


def snapshot_dir(store: Storage, names: list[str]) -> tuple[Path, dict[str, str]]:
    """Fetch every name of `store` into the cache and say each one's sha256: what a later
    `fetch_verified_dir` checks against."""
    manifest: dict[str, str] = {}
    scratch = Path(tempfile.mkdtemp(dir=_ready_root(), prefix=".fetch-"))
    try:
        for name in names:
            _download(store, name, scratch / name)
            manifest[name] = sha256_file(scratch / name)
        return _entry(manifest_key(manifest), lambda entry: _move_into(scratch, entry)), manifest
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _move_into(source: Path, entry: Path) -> None:
    for path in source.iterdir():
        os.replace(path, entry / path.name)


def manifest_key(manifest: dict[str, str]) -> str:
    return hashlib.sha256("\n".join(f"{n}\0{s}" for n, s in sorted(manifest.items())).encode()).hexdigest()


def _ready_root() -> Path:
    root().mkdir(parents=True, exist_ok=True)
    return root()


def _entry(key: str, fill: Callable[[Path], None]) -> Path:
    entry = root() / key
    if entry.is_dir():
        os.utime(entry)  # recently used
        return entry
    partial = Path(tempfile.mkdtemp(dir=_ready_root(), prefix=".fetch-"))
    try:
        fill(partial)
        os.rename(partial, entry)
    except OSError:
        if not entry.is_dir():  # not a lost race with another process filling the same entry
            raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    evict()
    return entry


def _download(store: Storage, name: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with store.open(name, "rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)


def _listing_key(store: Storage, prefix: str, names: list[str]) -> str:
    listing = "\n".join(f"{n}\0{store.size(n)}\0{store.get_modified_time(n).timestamp()}" for n in names)
    return hashlib.sha256(f"{prefix}\n{listing}".encode()).hexdigest()


def _size(entry: Path) -> int:
    return sum(p.stat().st_size for p in entry.rglob("*") if p.is_file())


def evict(limit: int | None = None) -> int:
    """Remove least recently used entries until the cache fits `limit` bytes; returns bytes freed."""
    limit = settings.LOCAL_CACHE_MAX_BYTES if limit is None else limit
    entries = sorted((e.stat().st_mtime, _size(e), e) for e in root().iterdir()
                     if e.is_dir() and not e.name.startswith("."))
    total = sum(size for _, size, _ in entries)
    recent = time.time() - KEEP_RECENT_SECONDS
    freed = 0
    for used, size, entry in entries:
        if total - freed <= limit or used > recent:
            break
        shutil.rmtree(entry, ignore_errors=True)
        freed += size
    return freed
