"""`make run` registers a tiny random-weight T5, and every page that shows it says so."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from webapp.basemodels.models import BaseModel
from webapp.basemodels.services import RANDOM_WEIGHTS_NOTICE, TINY_MODEL_NAME

pytestmark = pytest.mark.django_db


def test_it_builds_and_registers_the_tiny_model(settings, tmp_path, alice) -> None:
    settings.MODEL_CACHE_DIR = tmp_path / "models"
    from webapp.basemodels.services import ensure_tiny_model

    model = ensure_tiny_model(settings.MODEL_CACHE_DIR / "tiny-t5")
    again = ensure_tiny_model(settings.MODEL_CACHE_DIR / "tiny-t5")

    assert model.pk == again.pk
    assert model.name == TINY_MODEL_NAME
    assert model.random_weights
    assert model.d_model == 32
    assert model.num_layers == 2
    assert model.num_parameters > 0
    client = Client()
    client.force_login(alice)
    page = client.get("/jobs/base-models/").content.decode()
    assert TINY_MODEL_NAME in page
    assert RANDOM_WEIGHTS_NOTICE in page


def test_seed_demo_reports_the_tiny_model(settings, tmp_path) -> None:
    settings.MODEL_CACHE_DIR = tmp_path / "models"
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert f"Base model {TINY_MODEL_NAME!r} registered" in out.getvalue()
    assert BaseModel.objects.filter(name=TINY_MODEL_NAME, random_weights=True).exists()


def test_register_base_model_refuses_a_missing_directory(tmp_path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Cannot read a model config"):
        call_command("register_base_model", "ghost", str(tmp_path / "nothing-here"))
