from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from webapp.accounts.services import ensure_demo_user
from webapp.jobs.base_models import RANDOM_WEIGHTS_NOTICE, ensure_tiny_model


class Command(BaseCommand):
    help = "Create (or refresh) the demo account and demo data used by `make run`."

    def handle(self, *args: Any, **options: Any) -> None:
        account = ensure_demo_user()
        tiny = ensure_tiny_model(Path(settings.MODEL_CACHE_DIR) / "tiny-t5")
        self.stdout.write(f"Base model {tiny.name!r} registered ({RANDOM_WEIGHTS_NOTICE})")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: username {account.user.get_username()!r}, password {account.password!r}"
            )
        )
