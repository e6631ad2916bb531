"""Every file the product keeps goes through here: Django's default storage, which is the local
MEDIA_ROOT (the default) or an S3-compatible bucket (MEDIA_STORAGE=s3, django-storages).

Names are storage names ("datasets/<key>/train.arrow"), chosen by us from ids and content hashes,
never by a user. `tuning_core` reads and writes local paths, so:
- `local_path` / `local_dir` give a local copy of what is stored: the file itself in local mode,
  or a copy in this machine's cache (`media_cache`), fetched once, in S3 mode;
- `publish` / `publish_dir` put what was written locally into storage, each object whole or not at
  all (an S3 PUT is atomic; locally a temporary file is renamed into place);
- in S3 mode MEDIA_ROOT is only this machine's scratch space for files being written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages

from webapp.lib import media_cache


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def storage() -> Storage:
    return storages["default"]


def where() -> str:
    """Where the files are, checked now: raises when the storage cannot be reached or written."""
    if not is_remote():
        root = Path(settings.MEDIA_ROOT)
        root.mkdir(parents=True, exist_ok=True)
        if not os.access(root, os.W_OK):
            raise PermissionError(f"{root} is not writable")
        return f"local files under {root}"
    store = storage()
    store.bucket.meta.client.head_bucket(Bucket=store.bucket.name)  # type: ignore[attr-defined]
    location = f"/{store.location}" if store.location else ""  # type: ignore[attr-defined]
    return f"bucket {store.bucket.name}{location} at {settings.STORAGES['default']['OPTIONS']['endpoint_url']}"  # type: ignore[attr-defined]


def is_remote() -> bool:
    """Whether files live in object storage, so local copies must be fetched and published."""
    return settings.MEDIA_STORAGE == "s3"


def scratch_path(name: str) -> Path:
    """Where this machine writes (or, in local mode, keeps) the file stored as `name`."""
    root = Path(settings.MEDIA_ROOT)
    path = root / name
    if ".." in Path(name).parts or Path(name).is_absolute():
        raise ValueError(f"{name!r} is not a storage name: names are relative and stay inside the media root")
    return path


def publish(path: Path, name: str) -> None:
    """Store the local file `path` as `name`, replacing what was there; readers see the old object
    or the new one, never a part."""
    if not is_remote():
        target = scratch_path(name)
        if target.resolve() == path.resolve():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".publish-", delete=False) as tmp:
            with path.open("rb") as source:
                shutil.copyfileobj(source, tmp)
        os.chmod(tmp.name, 0o666 & ~_UMASK)  # as a plain write would leave it, not the temporary's 0600
        os.replace(tmp.name, target)
        return
    with path.open("rb") as source:
        storage().save(name, File(source, name=path.name))


def publish_dir(directory: Path, prefix: str) -> list[str]:
    """Store every file under `directory` as `prefix/<relative path>`; returns the names."""
    names = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = f"{prefix}/{path.relative_to(directory).as_posix()}"
        publish(path, name)
        names.append(name)
    return names


def fetch_to(name: str, path: Path) -> bool:
    """Make the local file `path` hold what is stored as `name` (a checkpoint another machine
    wrote); False when nothing is stored. In local mode `path` is the stored file itself."""
    if not is_remote():
        return scratch_path(name).is_file()
    try:
        media_cache.stamp(storage(), name)
    except FileNotFoundError:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".fetch-", delete=False) as tmp:
        media_cache.download(storage(), name, Path(tmp.name))
    os.replace(tmp.name, path)
    return True


def exists(name: str) -> bool:
    return scratch_path(name).exists() if not is_remote() else storage().exists(name)


def open_stored(name: str) -> IO[bytes]:
    """The stored file for reading as a stream (downloads): never a whole copy in memory.
    Raises FileNotFoundError when nothing is stored under that name."""
    if not exists(name):
        raise FileNotFoundError(f"{name} is not in storage")
    return storage().open(name, "rb")  # type: ignore[no-any-return]


def local_path(name: str, sha256: str | None = None) -> Path:
    """A local file with the content stored as `name` (verified against `sha256` when given).
    Raises FileNotFoundError when nothing is stored under that name."""
    if not is_remote():
        path = scratch_path(name)
        if not path.is_file():
            raise FileNotFoundError(f"{name} is not in storage")
        return path
    return media_cache.fetch(storage(), name, sha256)


def local_dir(prefix: str) -> Path:
    """A local directory with every file stored under `prefix/`, as they are now."""
    if not is_remote():
        return scratch_path(prefix)
    return media_cache.fetch_dir(storage(), prefix)


def list_names(prefix: str) -> list[str]:
    """Every stored name under `prefix/`, at any depth."""
    if not is_remote():
        root = scratch_path(prefix)
        return sorted(f"{prefix}/{p.relative_to(root).as_posix()}" for p in root.rglob("*") if p.is_file())
    return sorted(media_cache.stamps_under(storage(), prefix))


def delete_prefix(prefix: str) -> None:
    """Delete everything stored under `prefix/` (already gone is fine), and this machine's scratch copy.

    Called after the rows that owned the files are committed, with `on_commit(..., robust=True)`:
    a failure here is logged (the objects stay, orphaned) and never undoes the commit."""
    shutil.rmtree(scratch_path(prefix), ignore_errors=True)
    if not is_remote():
        return
    store = storage()
    # One request per thousand objects, not one per object; S3 answers 200 and lists what failed.
    answers = store.bucket.objects.filter(Prefix=store._normalize_name(prefix.rstrip("/")) + "/").delete()  # type: ignore[attr-defined]
    failed = [e.get("Key", "?") for answer in answers for e in answer.get("Errors", [])]
    if failed:
        raise OSError(f"{len(failed)} objects under {prefix}/ could not be deleted (first: {failed[0]})")


def delete(name: str) -> None:
    if is_remote():
        storage().delete(name)
    scratch_path(name).unlink(missing_ok=True)

