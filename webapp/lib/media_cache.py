"""This machine's copies of stored files (MEDIA_STORAGE=s3): fetched once, kept by content, bounded.

Each copy is an entry, a directory named by a key: a file's sha256 when the caller knows it (prompt
versions record theirs, and the copy is checked against it), otherwise a hash of what the store
says about the objects (names, sizes, ETags), so a replaced object (a newer checkpoint) is fetched
again. An entry is filled under a temporary name and renamed into place whole, so processes
sharing the cache never read a part. Past LOCAL_CACHE_MAX_BYTES the least recently used entries
go, except those used in the last minutes (whoever fetched them may not have opened them yet).

What the store says is asked with as few requests as S3 allows: one HEAD for a file, one LIST
for a folder (django-storages' generic `size`/`get_modified_time` would cost two per file).
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

from tuning_core.checksum import sha256_file

KEEP_RECENT_SECONDS = 600


class CorruptCopy(OSError):
    """A fetched file's sha256 differs from the one recorded when it was stored."""


def root() -> Path:
    return Path(settings.LOCAL_CACHE_DIR)


def cached(key: str) -> bool:
    return (root() / key).is_dir()


# ------------------------------------------------------------------------------------------------
# what the store says about its objects


def _is_s3(store: Storage) -> bool:
    return hasattr(store, "bucket") and hasattr(store, "_normalize_name")


def _missing(exc: Exception) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}


def stamp(store: Storage, name: str) -> str:
    """Size and version of the stored object; FileNotFoundError when there is none."""
    if not _is_s3(store):
        if not store.exists(name):
            raise FileNotFoundError(f"{name} is not in storage")
        return f"{store.size(name)}:{store.get_modified_time(name).timestamp()}"
    obj = store.bucket.Object(store._normalize_name(name))  # type: ignore[attr-defined]
    try:
        obj.load()  # one HEAD
    except Exception as exc:
        if _missing(exc):
            raise FileNotFoundError(f"{name} is not in storage") from None
        raise
    return f"{obj.content_length}:{obj.e_tag}"


def stamps_under(store: Storage, prefix: str) -> dict[str, str]:
    """Every stored name under `prefix/` (any depth) with its stamp."""
    prefix = prefix.rstrip("/")
    if not _is_s3(store):
        return {name: stamp(store, name) for name in walk(store, prefix)}
    location = store._normalize_name(prefix) + "/"  # type: ignore[attr-defined]
    start = len(location) - len(prefix) - 1  # the bucket key's characters before our name
    return {o.key[start:]: f"{o.size}:{o.e_tag}"
            for o in store.bucket.objects.filter(Prefix=location)}  # type: ignore[attr-defined]


def walk(store: Storage, prefix: str = "") -> list[str]:
    """Every name `store` holds under `prefix` (the whole store when empty), at any depth, sorted."""
    try:
        directories, files = store.listdir(prefix)
    except FileNotFoundError:
        return []
    under = f"{prefix}/" if prefix else ""
    names = [f"{under}{name}" for name in files]
    for directory in directories:
        names += walk(store, f"{under}{directory}")
    return sorted(names)


# ------------------------------------------------------------------------------------------------
# fetching into entries


def fetch(store: Storage, name: str, sha256: str | None = None) -> Path:
    """A local copy of the stored file `name`; FileNotFoundError when there is none."""
    base = Path(name).name

    def fill(entry: Path) -> None:
        download(store, name, entry / base)
        if sha256 and sha256_file(entry / base) != sha256:
            raise CorruptCopy(f"The stored file {name} does not match its recorded sha256 {sha256[:12]}…")

    key = sha256 or _key(name, {name: stamp(store, name)})
    return _entry(key, fill) / base


def fetch_dir(store: Storage, prefix: str) -> Path:
    """A local directory holding every file stored under `prefix/`, at its relative path."""
    stamps = stamps_under(store, prefix)
    start = len(prefix.rstrip("/")) + 1

    def fill(entry: Path) -> None:
        entry.mkdir(exist_ok=True)
        for name in stamps:
            download(store, name, entry / name[start:])

    return _entry(_key(prefix, stamps), fill)


def fetch_verified_dir(store: Storage, manifest: dict[str, str]) -> Path:
    """A local directory holding each file of `manifest` (relative name -> sha256), every one
    checked against its sha256: a base model registered from object storage."""

    def fill(entry: Path) -> None:
        for relative, sha256 in manifest.items():
            download(store, relative, entry / relative)
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
            download(store, name, scratch / name)
            manifest[name] = sha256_file(scratch / name)
        return _entry(manifest_key(manifest), lambda entry: _move_into(scratch, entry)), manifest
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def manifest_key(manifest: dict[str, str]) -> str:
    return _key("", manifest)


def _key(prefix: str, stamps: dict[str, str]) -> str:
    listing = "\n".join(f"{n}\0{s}" for n, s in sorted(stamps.items()))
    return hashlib.sha256(f"{prefix}\n{listing}".encode()).hexdigest()


def _move_into(source: Path, entry: Path) -> None:
    for path in source.iterdir():
        os.replace(path, entry / path.name)


def _ready_root() -> Path:
    root().mkdir(parents=True, exist_ok=True)
    return root()


def _entry(key: str, fill: Callable[[Path], None]) -> Path:
    entry = root() / key
    if entry.is_dir():
        try:
            os.utime(entry)  # recently used
            return entry
        except FileNotFoundError:  # evicted by another process just now: fetch it again
            pass
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


def download(store: Storage, name: str, target: Path) -> None:
    """Stream the stored `name` into the local file `target`, never whole in memory (an S3 object
    is read in parts by boto3; django-storages' file would buffer it all)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        if _is_s3(store):
            store.bucket.Object(store._normalize_name(name)).download_file(str(target))  # type: ignore[attr-defined]
            return
        with store.open(name, "rb") as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
    except Exception as exc:
        if _missing(exc):
            raise FileNotFoundError(f"{name} is not in storage") from None
        raise


# A partial fetch this old belongs to a process that died mid-download.
STALE_PARTIAL_SECONDS = 24 * 3600


def _used_and_size(entry: Path) -> tuple[float, int] | None:
    """When the entry was last used and its bytes; None when another process removed it meanwhile."""
    try:
        return entry.stat().st_mtime, sum(p.stat().st_size for p in entry.rglob("*") if p.is_file())
    except FileNotFoundError:
        return None


def evict(limit: int | None = None) -> int:
    """Remove least recently used entries until the cache fits `limit` bytes; returns bytes freed.
    Other processes may evict at the same time: an entry gone meanwhile is simply not counted."""
    limit = settings.LOCAL_CACHE_MAX_BYTES if limit is None else limit
    entries = []
    for entry in root().iterdir():
        found = _used_and_size(entry) if entry.is_dir() else None
        if found is None:
            continue
        if entry.name.startswith("."):
            if found[0] < time.time() - STALE_PARTIAL_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
            continue
        entries.append((found[0], found[1], entry))
    entries.sort()
    total = sum(size for _, size, _ in entries)
    recent = time.time() - KEEP_RECENT_SECONDS
    freed = 0
    for used, size, entry in entries:
        if total - freed <= limit or used > recent:
            break
        shutil.rmtree(entry, ignore_errors=True)
        freed += size
    return freed
