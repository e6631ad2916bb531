"""Typed readers for environment variables.

Each reader refuses a malformed value with an `ImproperlyConfigured` naming the
variable, so a typo in deployment fails at start-up instead of surfacing later
as odd behaviour.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    """The variable's value, or `default`; `NAME_FILE` (a path) wins, for secrets."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}")
    return value


def env_bytes(name: str, default: int) -> int:
    """A size such as `200MB`, `1.5GB`, `512k` or a plain number of bytes."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip().upper().removesuffix("B").removesuffix("I")
    units = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    factor = 1
    if text and text[-1] in units:
        factor = units[text[-1]]
        text = text[:-1]
    try:
        value = float(text) * factor
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a size: write e.g. 200MB, 1GB or a number of bytes"
        ) from None
    if value <= 0:
        raise ImproperlyConfigured(f"{name}={raw!r} must be a positive size")
    return int(value)


def env_networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """A comma-separated list of IP addresses or networks (`10.0.0.5, 10.1.0.0/16`); none when unset."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/8)") from None
    return tuple(networks)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class DatabaseUrl:
    name: str
    user: str
    password: str
    host: str
    port: str
    options: dict[str, str]


def parse_database_url(name: str, raw: str) -> DatabaseUrl:
    """`postgres://user:pass@host:port/dbname?sslmode=...`; PostgreSQL only, by design."""
    parts = urlsplit(raw)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"{name}={raw!r} must be a PostgreSQL URL (postgres://user:password@host:port/dbname)"
        )
    db_name = unquote(parts.path.lstrip("/"))
    if not db_name:
        raise ImproperlyConfigured(f"{name}={raw!r} names no database after the host")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} has an invalid port") from None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return DatabaseUrl(
        name=db_name,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        host=unquote(parts.hostname or ""),
        port=str(port or ""),
        options=query,
    )


def check_redis_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"{name}={raw!r} must be a redis:// or rediss:// URL")
    try:
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} has an invalid port") from None
    return raw


# S3 bucket names: 3-63 characters of lower-case letters, digits, dots and hyphens.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def media_storage_settings() -> dict[str, Any]:
    """Django's `STORAGES["default"]` from MEDIA_STORAGE (`local`, the default, or `s3`) and the
    S3_* variables: endpoint, bucket, keys and an optional prefix inside the bucket."""
    kind = env_str("MEDIA_STORAGE", "local").strip().lower()
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE={kind!r} is not a storage: use local (the default) or s3")
    bucket = env_str("S3_BUCKET", "").strip()
    if not _BUCKET.match(bucket):
        raise ImproperlyConfigured(
            f"S3_BUCKET={bucket!r} is not a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens")
    prefix = env_str("S3_PREFIX", "").strip().strip("/")
    if prefix and not re.fullmatch(r"[A-Za-z0-9._/-]+", prefix):
        raise ImproperlyConfigured(
            f"S3_PREFIX={prefix!r} may hold only letters, digits, '.', '_', '-' and '/'")
    return {"BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**s3_connection_settings(), "bucket_name": bucket, "location": prefix}}


def s3_connection_settings() -> dict[str, Any]:
    """django-storages' S3Storage options for the object store the S3_* variables name (endpoint and
    keys; the bucket is the caller's): media, and base models stored as s3://bucket/prefix."""
    endpoint = env_str("S3_ENDPOINT_URL", "").strip()
    parts = urlsplit(endpoint)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"S3_ENDPOINT_URL={endpoint!r} must be the object store's http(s) URL, e.g. http://minio:9000 "
            "or https://s3.eu-west-1.amazonaws.com")
    keys = {name: env_str(name, "").strip() for name in ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")}
    for name, value in keys.items():
        if not value:
            raise ImproperlyConfigured(f"{name} is empty: files in object storage need the store's keys")
    return {
        "endpoint_url": endpoint,
        "access_key": keys["S3_ACCESS_KEY_ID"], "secret_key": keys["S3_SECRET_ACCESS_KEY"],
        "region_name": env_str("S3_REGION", "us-east-1").strip() or "us-east-1",
        # Our names are unique by construction (ids, content hashes): overwrite, never rename.
        "file_overwrite": True, "default_acl": None, "querystring_auth": True, "querystring_expire": 300,
        "addressing_style": "path", "signature_version": "s3v4",
    }
