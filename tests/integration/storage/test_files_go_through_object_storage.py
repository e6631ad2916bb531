"""With MEDIA_STORAGE=s3 every file is an object in the bucket: published whole, read back
through this machine's cache (verified by sha256 where it is known), deleted by prefix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import override_settings

from tests.support.s3 import S3Server
from tuning_core.checksum import sha256_file
from webapp.lib import media, media_cache


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_a_published_file_is_an_object_under_the_prefix(s3: S3Server, s3_media: str, tmp_path: Path) -> None:
    media.publish(write(tmp_path / "w" / "prompt.safetensors", b"tensor bytes"), "prompts/7/v1/prompt.safetensors")

    listed = s3.client().list_objects_v2(Bucket=s3_media)["Contents"]
    assert [o["Key"] for o in listed] == ["media/prompts/7/v1/prompt.safetensors"]
    assert media.exists("prompts/7/v1/prompt.safetensors")
    with media.open_stored("prompts/7/v1/prompt.safetensors") as fh:
        assert fh.read() == b"tensor bytes"


def test_reads_come_from_the_cache_verified_and_fetched_once(s3: S3Server, s3_media: str, tmp_path: Path) -> None:
    source = write(tmp_path / "w" / "prompt.safetensors", b"x" * 1000)
    media.publish(source, "prompts/1/prompt.safetensors")
    digest = sha256_file(source)

    copy = media.local_path("prompts/1/prompt.safetensors", sha256=digest)
    assert copy.read_bytes() == b"x" * 1000
    assert copy.is_relative_to(tmp_path / "cache")
    s3.client().delete_object(Bucket=s3_media, Key="media/prompts/1/prompt.safetensors")
    assert media.local_path("prompts/1/prompt.safetensors", sha256=digest) == copy  # no second fetch

    recorded = sha256_file(write(tmp_path / "w" / "recorded", b"the bytes that were recorded"))
    media.publish(write(tmp_path / "w" / "other", b"other bytes"), "prompts/2/prompt.safetensors")
    with pytest.raises(media_cache.CorruptCopy, match="does not match its recorded sha256"):
        media.local_path("prompts/2/prompt.safetensors", sha256=recorded)
    assert not any((tmp_path / "cache").glob(f"{recorded}*")), "no copy is kept of a file that failed its check"


def test_a_replaced_object_is_fetched_again(s3_media: str, tmp_path: Path) -> None:
    media.publish(write(tmp_path / "w" / "checkpoint.pt", b"step 100"), "jobs/3/checkpoint.pt")
    assert media.local_path("jobs/3/checkpoint.pt").read_bytes() == b"step 100"
    media.publish(write(tmp_path / "w" / "checkpoint.pt", b"step 200, longer"), "jobs/3/checkpoint.pt")
    assert media.local_path("jobs/3/checkpoint.pt").read_bytes() == b"step 200, longer"


def test_a_directory_round_trips_and_a_prefix_is_deleted(s3: S3Server, s3_media: str, tmp_path: Path) -> None:
    split = tmp_path / "w" / "splits" / "train"
    write(split / "data-00000-of-00001.arrow", b"rows")
    write(split / "state.json", b"{}")
    names = media.publish_dir(tmp_path / "w" / "splits", "datasets/k/splits")
    assert names == ["datasets/k/splits/train/data-00000-of-00001.arrow", "datasets/k/splits/train/state.json"]

    local = media.local_dir("datasets/k/splits")
    assert (local / "train" / "data-00000-of-00001.arrow").read_bytes() == b"rows"
    assert (local / "train" / "state.json").read_bytes() == b"{}"

    media.delete_prefix("datasets/k")
    assert media.list_names("datasets/k") == []
    assert "Contents" not in s3.client().list_objects_v2(Bucket=s3_media)


def test_the_cache_evicts_the_least_recently_used_copies(s3_media: str, tmp_path: Path) -> None:
    for i in range(3):
        media.publish(write(tmp_path / "w" / f"f{i}", bytes(100)), f"files/f{i}")
    copies = [media.local_path(f"files/f{i}") for i in range(3)]
    for age, copy in zip((3000, 2000, 1000), copies, strict=True):  # f0 used longest ago
        past = copy.parent.stat().st_mtime - age
        os.utime(copy.parent, (past, past))

    abandoned = tmp_path / "cache" / ".fetch-of-a-killed-process"  # a download its process never finished
    abandoned.mkdir()
    (abandoned / "part").write_bytes(bytes(50))
    long_ago = abandoned.stat().st_mtime - media_cache.STALE_PARTIAL_SECONDS - 1
    os.utime(abandoned, (long_ago, long_ago))

    with override_settings(LOCAL_CACHE_MAX_BYTES=250):
        assert media_cache.evict() == 100
    assert [c.exists() for c in copies] == [False, True, True]
    assert not abandoned.exists()
    assert media.local_path("files/f0").read_bytes() == bytes(100)  # fetched again when asked for
