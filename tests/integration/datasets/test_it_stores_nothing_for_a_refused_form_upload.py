"""A refused upload through the browser form leaves no row and no file behind."""

from __future__ import annotations

import gzip

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import media_snapshot
from webapp.datasets.models import Dataset, Upload

pytestmark = pytest.mark.django_db

CASES = {
    "archive": (gzip.compress(b"text,label\na,1\n", mtime=0), "This is a gzip archive, not a CSV text file"),
    "encoding": ("text,label\ncaf\xe9 cr\xe8me,1\n".encode("latin-1"), "Not valid UTF-8"),
    "malformed": (b"text,label\na,1\nb,1,extra\n", "Expected 2 fields (text, label) but found 3"),
    "empty": (b"text,label\n", "The file has no data rows"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_it_explains_and_stores_nothing(client, alice, case: str) -> None:
    content, message = CASES[case]
    client.force_login(alice)
    before = (media_snapshot(settings.MEDIA_ROOT), Dataset.objects.count(), Upload.objects.count())

    response = client.post("/datasets/new/", {"name": "bad", "file": SimpleUploadedFile("data.csv", content)})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert (media_snapshot(settings.MEDIA_ROOT), Dataset.objects.count(), Upload.objects.count()) == before


def test_it_refuses_a_file_over_the_size_limit(client, alice, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 4096
    client.force_login(alice)
    before = (media_snapshot(settings.MEDIA_ROOT), Dataset.objects.count(), Upload.objects.count())
    content = b"text,label\n" + b"a fine film,1\n" * 1000

    response = client.post("/datasets/new/", {"file": SimpleUploadedFile("big.csv", content)})

    assert response.status_code == 400
    assert "over the size limit of 4 KB" in response.content.decode()
    assert (media_snapshot(settings.MEDIA_ROOT), Dataset.objects.count(), Upload.objects.count()) == before


def test_it_refuses_an_unsupported_file_type(client, alice) -> None:
    client.force_login(alice)
    before = media_snapshot(settings.MEDIA_ROOT)
    response = client.post("/datasets/new/", {"file": SimpleUploadedFile("data.xlsx", b"text,label\na,1\n")})
    assert response.status_code == 400
    assert "Unsupported file type &#x27;.xlsx&#x27;" in response.content.decode()
    assert media_snapshot(settings.MEDIA_ROOT) == before
