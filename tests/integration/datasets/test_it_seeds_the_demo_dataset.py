"""`make run` seeds Rotten Tomatoes from ../shared/data/rotten_tomatoes/ when it is there."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import ROTTEN_TOMATOES
from webapp.datasets.models import Dataset

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.mark.skipif(not (ROTTEN_TOMATOES / "train.csv").exists(), reason="no shared Rotten Tomatoes data here")
def test_it_seeds_rotten_tomatoes_once() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    dataset = Dataset.objects.get(owner__username="demo")
    assert dataset.name == "Rotten Tomatoes"
    assert dataset.split_counts == {"train": 10238, "validation": 1360, "test": 1154}
    assert dataset.labels == ["negative", "positive"]
    assert "Demo dataset: Rotten Tomatoes (12752 rows)" in out.getvalue()


def test_it_skips_the_dataset_when_the_files_are_missing(tmp_path, db) -> None:
    from webapp.accounts.services import ensure_demo_user
    from webapp.datasets.services import seed_rotten_tomatoes

    assert seed_rotten_tomatoes(ensure_demo_user().user, tmp_path) is None
    assert not Dataset.objects.exists()
