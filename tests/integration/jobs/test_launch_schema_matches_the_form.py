"""The API's launch schema describes every field of the launch form (the form checks the rules)."""

from __future__ import annotations

import pytest

from webapp.api.areas.jobs import JobLaunch
from webapp.jobs.forms import JobLaunchForm

pytestmark = pytest.mark.django_db


def test_the_schema_lists_every_form_field_and_requires_what_the_form_requires(alice) -> None:
    form = JobLaunchForm(user=alice)
    assert set(JobLaunch.model_fields) == set(form.fields)
    required = {name for name, field in JobLaunch.model_fields.items() if field.is_required()}
    assert required == {name for name, field in form.fields.items() if field.required}
