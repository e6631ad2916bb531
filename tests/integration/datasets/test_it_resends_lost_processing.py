"""An upload stuck processing because its message was lost is sent again; one whose message waits is not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import review_rows, submit_upload, write_csv
from webapp.datasets.models import SplitMode, Upload
from webapp.datasets.processing import Mapping
from webapp.datasets.services import resend_lost_processing
from webapp.lib.queue import TaskName, task_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def processing(alice, tmp_path) -> Upload:
    path = write_csv(tmp_path / "reviews.csv", review_rows(20))
    mapping = Mapping(input_template="review: {text}", label_column="label",
                      label_map={"0": "negative", "1": "positive"}, split_mode=SplitMode.AUTO)
    upload = submit_upload(alice, path, mapping, name="Reviews")  # its message is sent only after commit: never, here
    assert upload.status == "processing"
    return upload


def test_it_sends_a_lost_upload_again(processing: Upload) -> None:
    assert resend_lost_processing(set(), older_than=timedelta(0)) == [processing.key]


def test_it_leaves_an_upload_whose_message_waits(processing: Upload) -> None:
    waiting = {task_id(TaskName.PROCESS_UPLOAD, processing.key)}
    assert resend_lost_processing(waiting, older_than=timedelta(0)) == []


def test_it_gives_a_fresh_upload_time(processing: Upload) -> None:
    assert resend_lost_processing(set(), older_than=timedelta(minutes=5)) == []
