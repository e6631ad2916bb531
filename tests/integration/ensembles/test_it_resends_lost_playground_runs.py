"""A playground run whose queue message was lost is sent again by the reconciler, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from tests.support.jobs import HELD_QUEUE
from webapp.core.reconcile import resend_lost_work
from webapp.ensembles.models import PlaygroundRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_lost_playground_run_is_sent_again(alice, tiny_base) -> None:
    # Made without a message, as when the broker was down at the time.
    old = timezone.now() - timedelta(seconds=settings.RESEND_LOST_WORK_AFTER + 60)
    lost = PlaygroundRun.objects.create(owner=alice, base_model=tiny_base, inputs=["x"], targets={}, created_at=old)
    fresh = PlaygroundRun.objects.create(owner=alice, base_model=tiny_base, inputs=["y"], targets={})

    # Sent to a queue no worker consumes, so no session worker takes the run while the test ends.
    with override_settings(CELERY_GPU_QUEUE=HELD_QUEUE):
        assert resend_lost_work().playground_runs == [lost.pk]
        assert resend_lost_work().playground_runs == [], "a message now waiting is not sent twice"
    assert fresh.pk != lost.pk


def test_a_run_whose_worker_died_ends_as_failed(alice, tiny_base) -> None:
    from tests.support.accounts import logged_in

    old = timezone.now() - timedelta(minutes=11)
    dead = PlaygroundRun.objects.create(owner=alice, base_model=tiny_base, inputs=["x"], targets={}, created_at=old,
                                        status="running")
    busy = PlaygroundRun.objects.create(owner=alice, base_model=tiny_base, inputs=["y"], targets={}, status="running")

    resend_lost_work()

    dead.refresh_from_db()
    busy.refresh_from_db()
    assert (dead.status, busy.status) == ("failed", "running")
    page = logged_in(alice).get(f"/playground/?run={dead.pk}").content.decode()
    assert "The worker stopped while scoring these inputs; score them again" in page
