from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.api.services import ensure_token


class Command(BaseCommand):
    help = "Print USERNAME's API token, creating it if needed (or replacing it once it expired)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--renew", action="store_true", help="replace the token by a new key and expiry")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = get_user_model().objects.get(username=options["username"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}") from None
        token = ensure_token(user, renew=options["renew"])
        self.stdout.write(token.key)
        expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "never expires"
        self.stderr.write(f"({expiry}; --renew replaces it)")
