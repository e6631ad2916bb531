"""Web code sends tasks by name (webapp.lib.queue); each name must be a task the worker registers."""

from __future__ import annotations

import pytest
from django.conf import settings

import workers.tasks  # noqa: F401 - registers the worker's tasks on the shared app
from webapp.lib.queue import TaskName, app


@pytest.mark.parametrize("name", list(TaskName))
def test_it_registers_every_task_the_web_side_sends(name: TaskName) -> None:
    assert str(name) in app.tasks


@pytest.mark.parametrize("entry", list(settings.CELERY_BEAT_SCHEDULE))
def test_it_registers_every_task_beat_sends(entry: str) -> None:
    assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in app.tasks
