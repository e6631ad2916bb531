"""What a job needs from the object store retries while the store does not answer, gives up after
JOB_STORAGE_RETRY_SECONDS, and never waits for a file that is missing or damaged: waiting does
not mend those."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import EndpointConnectionError

from webapp.lib.media_cache import CorruptCopy
from workers.storage_retry import with_storage_retry


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


def failing(times: int, error: Exception):  # noqa: ANN201 - a call and its count
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "fetched"

    return call, calls


def test_it_retries_until_the_store_answers(settings) -> None:
    settings.JOB_STORAGE_RETRY_SECONDS = 300
    call, calls = failing(3, EndpointConnectionError(endpoint_url="http://minio:9000"))
    assert with_storage_retry("test fetch", call) == "fetched"
    assert len(calls) == 4


def test_it_gives_up_after_the_bound(settings) -> None:
    settings.JOB_STORAGE_RETRY_SECONDS = 0
    call, calls = failing(1, EndpointConnectionError(endpoint_url="http://minio:9000"))
    with pytest.raises(EndpointConnectionError):
        with_storage_retry("test fetch", call)
    assert len(calls) == 1


@pytest.mark.parametrize("error", [FileNotFoundError("jobs/1/checkpoint.pt is not in storage"),
                                   CorruptCopy("does not match its recorded sha256")])
def test_a_missing_or_damaged_file_is_not_waited_for(settings, error: Exception) -> None:
    settings.JOB_STORAGE_RETRY_SECONDS = 300
    call, calls = failing(1, error)
    with pytest.raises(type(error)):
        with_storage_retry("test fetch", call)
    assert len(calls) == 1
