"""A playground run whose queue message was lost is sent again by the reconciler, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from webapp.core.reconcile import resend_lost_work
from webapp.ensembles.models import PlaygroundRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_lost_playground_run_is_sent_again(alice, tiny_base) -> None:  # type: ignore[no-untyped-def]
    # Made without a message, as when the broker was down at the time.
    old = timezone.now() - timedelta(seconds=settings.RESEND_LOST_WORK_AFTER + 60)
    lost = PlaygroundRun.objects.create(owner=alice, base_model=tiny_base, inputs=["x"], targets={}, created_at=old)
    fresh = PlaygroundRun.objects.create(owner=alice, base_model=tiny_base, inputs=["y"], targets={})

    assert resend_lost_work().playground_runs == [lost.pk]
    assert resend_lost_work().playground_runs == [], "a message now waiting is not sent twice"
    assert fresh.pk != lost.pk
