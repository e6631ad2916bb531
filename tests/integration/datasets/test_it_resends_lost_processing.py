"""A dataset stuck validating because its message was lost is sent again; one whose message waits is not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import review_rows, upload_dataset, write_csv
from webapp.datasets.models import Dataset, DatasetStatus, SplitMode
from webapp.datasets.processing import Mapping
from webapp.datasets.services import resend_lost_processing
from webapp.lib.queue import TaskName, task_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def validating(alice, tmp_path) -> Dataset:
    path = write_csv(tmp_path / "reviews.csv", review_rows(20))
    mapping = Mapping(input_template="review: {text}", label_column="label",
                      label_map={"0": "negative", "1": "positive"}, split_mode=SplitMode.AUTO)
    dataset = upload_dataset(alice, path, mapping, name="Reviews")  # its message is sent only after commit: never, here
    assert dataset.status == DatasetStatus.VALIDATING
    return dataset


def test_it_sends_a_lost_dataset_again(validating: Dataset) -> None:
    assert resend_lost_processing(set(), older_than=timedelta(0)) == [validating.pk]


def test_it_leaves_a_dataset_whose_message_waits(validating: Dataset) -> None:
    waiting = {task_id(TaskName.PROCESS_DATASET, validating.pk)}
    assert resend_lost_processing(waiting, older_than=timedelta(0)) == []


def test_it_gives_a_fresh_dataset_time(validating: Dataset) -> None:
    assert resend_lost_processing(set(), older_than=timedelta(minutes=5)) == []
