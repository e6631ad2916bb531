from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from webapp.accounts.services import ensure_demo_user


class Command(BaseCommand):
    help = "Create (or refresh) the demo account and demo data used by `make run`."

    def handle(self, *args: Any, **options: Any) -> None:
        account = ensure_demo_user()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: username {account.user.get_username()!r}, password {account.password!r}"
            )
        )
