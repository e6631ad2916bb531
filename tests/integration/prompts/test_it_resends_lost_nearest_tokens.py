"""Nearest tokens asked for long ago whose queue message was lost are sent again by the reconciler,
once; fresh requests and finished ones are left alone."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from tests.support.jobs import HELD_QUEUE
from webapp.core.reconcile import resend_lost_work
from webapp.prompts.models import PromptVersion

pytestmark = pytest.mark.django_db(transaction=True)


# A queue no worker consumes: a worker that took the resent message would write to the tables as
# this test's flush empties them.
@override_settings(CELERY_TASK_DEFAULT_QUEUE=HELD_QUEUE)
def test_a_lost_request_is_sent_again_once(lineage_versions) -> None:
    lost, fresh, done = lineage_versions
    # Written without a message, as when the broker was down or restarted empty.
    PromptVersion.objects.filter(pk=lost.pk).update(
        nearest_tokens={"status": "queued", "k": 5, "queued_at": time.time() - 3600})
    PromptVersion.objects.filter(pk=fresh.pk).update(nearest_tokens={"status": "queued", "k": 5, "queued_at": time.time()})
    PromptVersion.objects.filter(pk=done.pk).update(
        nearest_tokens={"status": "done", "k": 5, "queued_at": time.time() - 3600, "rows": []})

    assert resend_lost_work().nearest_tokens == [lost.pk]
    assert resend_lost_work().nearest_tokens == [], "a message now waiting (or already run) is not sent twice"
