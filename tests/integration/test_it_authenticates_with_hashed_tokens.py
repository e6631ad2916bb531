"""API tokens are stored as hashes, many per user; a revoked key is refused at once; keys made
before hashing (clear text in the database) keep working after the migration."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from webapp.api.models import ApiToken
from webapp.api.services import create_token, revoke_token

pytestmark = pytest.mark.django_db


def test_only_the_hash_and_a_short_prefix_are_stored(alice) -> None:
    issued = create_token(alice, "laptop")
    row = ApiToken.objects.filter(pk=issued.token.pk).values().get()
    assert row["key_hash"] == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key.startswith(row["prefix"])
    assert len(row["prefix"]) < len(issued.key) // 2
    assert issued.key not in {str(value) for value in row.values()}


def test_each_of_many_tokens_works_and_records_its_last_use(alice) -> None:
    laptop, ci = create_token(alice, "laptop"), create_token(alice, "ci")
    assert Client(HTTP_AUTHORIZATION=f"Token {ci.key}").get("/api/v1/jobs/").status_code == 200
    assert Client(HTTP_AUTHORIZATION=f"Token {laptop.key}").get("/api/v1/jobs/").status_code == 200
    ci.token.refresh_from_db()
    assert ci.token.last_used_at is not None


def test_a_revoked_token_is_refused_and_the_others_still_work(alice) -> None:
    laptop, ci = create_token(alice, "laptop"), create_token(alice, "ci")
    revoke_token(laptop.token)

    refused = Client(HTTP_AUTHORIZATION=f"Token {laptop.key}").get("/api/v1/jobs/")
    assert refused.status_code == 401
    assert set(refused.json()) == {"error", "details"}
    assert refused.json()["error"].startswith("Invalid token")
    assert Client(HTTP_AUTHORIZATION=f"Token {ci.key}").get("/api/v1/jobs/").status_code == 200


def test_a_token_of_a_deactivated_user_is_refused(alice) -> None:
    key = create_token(alice, "laptop").key
    alice.is_active = False
    alice.save()
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/jobs/").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_clear_text_keys_and_they_keep_working() -> None:
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes("api")
    old_apps = executor.migrate([("api", "0002_token_expiry")]).apps
    user = old_apps.get_model("auth", "User").objects.create(username="olduser", is_active=True)
    old_apps.get_model("api", "ApiToken").objects.create(user_id=user.pk, key="0123456789abcdef" * 2 + "01234567")

    executor = MigrationExecutor(connection)
    executor.migrate(leaf)

    token = ApiToken.objects.get(user_id=user.pk)
    assert token.key_hash == hashlib.sha256(b"0123456789abcdef0123456789abcdef01234567").hexdigest()
    assert token.prefix == "01234567"
    assert token.name
    response = Client(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567").get("/api/v1/jobs/")
    assert response.status_code == 200
