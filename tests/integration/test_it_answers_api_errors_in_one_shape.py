"""Every API error leaves in the one JSON shape {"error": ..., "details": [...]}: oversized
bodies (413, by Content-Length and counted when chunked), an unknown URL, a form field over
Django's limit, and the database being down (503).

The server-level cases run against a real Daphne of their own, started with a small upload
limit or with a database that is not there.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import api_key, media_snapshot
from tests.support.processes import daphne_server, free_port, port_open
from webapp.datasets.models import Dataset

pytestmark = pytest.mark.django_db(transaction=True)

SMALL_LIMIT = 64 * 1024
OVER = 2 * 1024 * 1024  # past the limit plus the room kept for form fields


def _shape(response_body: bytes) -> dict:  # type: ignore[type-arg]
    body = json.loads(response_body)
    assert set(body) == {"error", "details"}, body
    return body  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def small_limit_server(django_db_setup, django_db_blocker, service_logs) -> Iterator[int]:
    """One Daphne for the module: its tests only send requests, none changes the server."""
    port = free_port()
    with django_db_blocker.unblock():
        server = daphne_server(service_logs, port, UPLOAD_MAX_BYTES=str(SMALL_LIMIT))
    server.start(ready=lambda: port_open(port), timeout=60)
    yield port
    server.stop()


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = "sps-test-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"label_column\"\r\n\r\nlabel\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\ntext,label\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + b"a fine film,1\n" * (size // 14) + tail, f"multipart/form-data; boundary={boundary}"


def test_it_answers_413_by_content_length_before_reading(alice, small_limit_server) -> None:
    body, content_type = _multipart(OVER)
    before = (media_snapshot(settings.MEDIA_ROOT), Dataset.objects.count())
    connection = http.client.HTTPConnection("127.0.0.1", small_limit_server, timeout=60)
    connection.request("POST", "/api/v1/datasets/", body=body, headers={
        "Content-Type": content_type, "Authorization": f"Token {api_key(alice)}"})
    response = connection.getresponse()

    assert response.status == 413
    assert "over the size limit of 64 KB" in _shape(response.read())["error"]
    assert (media_snapshot(settings.MEDIA_ROOT), Dataset.objects.count()) == before


def test_it_answers_413_for_a_chunked_body_by_counting(alice, small_limit_server) -> None:
    body, content_type = _multipart(OVER)
    chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
    connection = http.client.HTTPConnection("127.0.0.1", small_limit_server, timeout=60)
    connection.request("POST", "/api/v1/datasets/", body=chunks, encode_chunked=True, headers={
        "Content-Type": content_type, "Authorization": f"Token {api_key(alice)}",
        "Transfer-Encoding": "chunked"})
    response = connection.getresponse()

    assert response.status == 413
    assert "over the size limit of 64 KB" in _shape(response.read())["error"]


@pytest.mark.parametrize("size", [8192, 16384, 300_000])
def test_it_reads_bodies_whose_size_is_a_whole_number_of_chunks(alice, small_limit_server, size) -> None:
    # Daphne reads 8 KB at a time and the paced body 256 KB: a body ending on a chunk's edge
    # must still end (the application would otherwise wait for more forever).
    body = b"label_column=" + b"x" * (size - len(b"label_column="))
    connection = http.client.HTTPConnection("127.0.0.1", small_limit_server, timeout=60)
    connection.request("POST", "/api/v1/datasets/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Token {api_key(alice)}"})
    response = connection.getresponse()
    assert response.status in {400, 413}
    _shape(response.read())


def test_it_ignores_a_clients_own_refusal_header(alice, small_limit_server) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", small_limit_server, timeout=60)
    connection.request("GET", "/api/v1/datasets/", headers={
        "Authorization": f"Token {api_key(alice)}", "X-SPS-Body-Refused": "1"})
    response = connection.getresponse()
    assert response.status == 200, response.read()


def test_it_answers_json_for_an_unknown_api_url(alice) -> None:
    response = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}").get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert _shape(response.content)["error"] == "Not found"


def test_it_answers_413_for_a_form_field_over_djangos_limit(alice) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Token {api_key(alice)}")
    response = client.post("/api/v1/datasets/", {"label_column": "label",
                                                  "input_template": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    assert response.status_code == 413
    assert "over the size limit" in _shape(response.content)["error"]


def test_it_answers_503_while_the_database_is_down(service_logs) -> None:
    port, nowhere = free_port(), free_port()
    server = daphne_server(service_logs, port, DATABASE_URL=f"postgres://sps:sps@127.0.0.1:{nowhere}/gone")
    server.start(ready=lambda: port_open(port), timeout=60)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/api/v1/datasets/", headers={"Authorization": "Token some-key"})
        response = connection.getresponse()
        status, retry_after, body = response.status, response.getheader("Retry-After"), response.read()
    finally:
        server.stop()

    assert status == 503
    assert retry_after
    assert _shape(body)["error"].startswith("The database is unavailable")
