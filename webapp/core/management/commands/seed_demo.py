from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from tuning_core.errors import DataError
from webapp.accounts.services import ensure_demo_user
from webapp.basemodels.services import RANDOM_WEIGHTS_NOTICE, ensure_tiny_model
from webapp.datasets.services import seed_rotten_tomatoes

# The shared data folder sits beside the repository (see DESIGN.md's environment facts).
ROTTEN_TOMATOES_DIR = settings.BASE_DIR.parent / "shared" / "data" / "rotten_tomatoes"


class Command(BaseCommand):
    help = "Create (or refresh) the demo account and demo data used by `make run`."

    def handle(self, *args: Any, **options: Any) -> None:
        account = ensure_demo_user()
        tiny = ensure_tiny_model(Path(settings.MODEL_CACHE_DIR) / "tiny-t5")
        self.stdout.write(f"Base model {tiny.name!r} registered ({RANDOM_WEIGHTS_NOTICE})")
        try:
            dataset = seed_rotten_tomatoes(account.user, ROTTEN_TOMATOES_DIR)
        except DataError as exc:
            self.stderr.write(f"Rotten Tomatoes demo dataset not seeded: {exc}")
        else:
            if dataset is None:
                self.stdout.write(f"No demo dataset: {ROTTEN_TOMATOES_DIR} is not there")
            else:
                self.stdout.write(f"Demo dataset: {dataset.name} ({dataset.total_rows} rows)")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: username {account.user.get_username()!r}, password {account.password!r}"
            )
        )
