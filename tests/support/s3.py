"""A real S3 API over HTTP for the storage tests: moto's standalone server, in a thread of the test
process. Deployments use MinIO or a cloud store; the protocol our code speaks is the same."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.support.processes import free_port


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str = "test-access-key"
    secret_key: str = "test-secret-key"

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key, region_name="us-east-1")

    def new_bucket(self) -> str:
        name = f"sps-test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """The variables that point a process (web, worker, prediction server) at `bucket`."""
        return {"MEDIA_STORAGE": "s3", "S3_ENDPOINT_URL": self.endpoint, "S3_BUCKET": bucket,
                "S3_ACCESS_KEY_ID": self.access_key, "S3_SECRET_ACCESS_KEY": self.secret_key, "S3_PREFIX": prefix}


@contextmanager
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


def s3_storages(server: S3Server, bucket: str, prefix: str = "") -> dict[str, Any]:
    """STORAGES for this test process, as settings.py builds them from `server.env(bucket)`."""
    import os
    from unittest import mock

    from django.conf import settings

    from webapp.lib.env import media_storage_settings

    with mock.patch.dict(os.environ, server.env(bucket, prefix)):
        default = media_storage_settings()
    return {**settings.STORAGES, "default": default}
