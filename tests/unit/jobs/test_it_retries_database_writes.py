"""A job's database writes retry while the database is away, give up after the bound, and
are not repeated when an earlier try took effect although its answer was lost."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from workers import training
from workers.db_retry import with_db_retry


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> None:
    monkeypatch.setattr(training.time, "sleep", lambda seconds: None)


def flaky(failures: int, answer: object = "written"):
    calls = []

    def call() -> object:
        calls.append(1)
        if len(calls) <= failures:
            raise OperationalError("server closed the connection unexpectedly")
        return answer

    return call, calls


def test_it_retries_until_the_database_answers(settings) -> None:
    settings.JOB_DB_RETRY_SECONDS = 300
    call, calls = flaky(3)
    assert with_db_retry("test write", call) == "written"
    assert len(calls) == 4


def test_it_gives_up_after_the_bound(settings) -> None:
    settings.JOB_DB_RETRY_SECONDS = 0
    call, calls = flaky(1)
    with pytest.raises(OperationalError):
        with_db_retry("test write", call)
    assert len(calls) == 1


def test_it_does_not_repeat_a_write_that_took_effect(settings) -> None:
    settings.JOB_DB_RETRY_SECONDS = 300
    call, calls = flaky(1)
    assert with_db_retry("test write", call, done=lambda: True) is None
    assert len(calls) == 1


def test_other_errors_are_not_retried(settings) -> None:
    def broken() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        with_db_retry("test write", broken)
