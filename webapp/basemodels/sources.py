"""Where a base model's files come from: a hub id, a local directory, or `s3://bucket/prefix`
holding a saved T5 (config.json, weights, tokenizer files) in the object store of the S3_*
variables.

An S3 model is read once at registration, and each file's sha256 is recorded on its row; every
machine that needs it fetches it once into its cache (LOCAL_CACHE_DIR) and checks each file
against that record, so a model changed or damaged in the bucket is refused, not trained on.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage

from webapp.lib import media_cache
from webapp.lib.env import s3_connection_settings

S3_SCHEME = "s3://"
# What reading a model from the store can raise: gone or damaged (OSError, CorruptCopy), a malformed
# URL (ValueError), unset or malformed S3_* variables, refused keys or a missing bucket (boto3).
STORE_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, ImproperlyConfigured, BotoCoreError, ClientError)


class ModelNotHere(OSError):
    """An S3 model this machine has not fetched, asked for where no fetch may happen (a web request)."""


def is_s3(source: str) -> bool:
    return source.startswith(S3_SCHEME)


def _store(source: str) -> Storage:
    from storages.backends.s3 import S3Storage

    parts = urlsplit(source)
    if not parts.netloc or not parts.path.strip("/"):
        raise ValueError(f"{source!r} is not s3://bucket/prefix: name the bucket and the folder holding the model")
    return S3Storage(**s3_connection_settings(), bucket_name=parts.netloc, location=parts.path.strip("/"))


def snapshot(source: str) -> tuple[Path, dict[str, str]]:
    """Fetch an S3 model's files into this machine's cache: their directory and each file's sha256."""
    store = _store(source)
    names = media_cache.walk(store)
    if "config.json" not in names:
        raise FileNotFoundError(f"{source} holds no config.json: point at the folder of a saved T5 model")
    return media_cache.snapshot_dir(store, names)


def local_source(source: str, files: dict[str, str], *, fetch: bool = True) -> str:
    """What transformers can load on this machine: the source itself, or for an S3 model its
    verified copy in the cache (fetched now unless `fetch` is False: then ModelNotHere)."""
    if not is_s3(source):
        return source
    if not files:
        raise FileNotFoundError(f"{source} has no recorded files: register the base model again")
    if not fetch and not media_cache.cached(media_cache.manifest_key(files)):
        raise ModelNotHere(f"{source} is not on this server yet (a worker fetches it with its first job)")
    return str(media_cache.fetch_verified_dir(_store(source), files))
