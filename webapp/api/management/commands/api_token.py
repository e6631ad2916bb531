from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from webapp.api.forms import TokenCreateForm
from webapp.api.services import create_token


class Command(BaseCommand):
    help = ("Create a new API token for USERNAME and print its key, once: only its hash is stored, so an "
            "existing key cannot be printed again (list and revoke tokens on the API tokens page).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", help="what the token is for (default: 'manage.py api_token' and the time)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = get_user_model().objects.get(username=options["username"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}") from None
        name = options["name"] or f"manage.py api_token {timezone.now():%Y-%m-%d %H:%M:%S}"
        form = TokenCreateForm({"name": name}, user=user)
        if not form.is_valid():
            raise CommandError("; ".join(str(m) for messages in form.errors.values() for m in messages))
        issued = create_token(user, form.cleaned_data["name"])
        self.stdout.write(issued.key)
        expires = issued.token.expires_at
        expiry = f"expires {expires:%Y-%m-%d %H:%M} UTC" if expires else "never expires"
        self.stderr.write(f"(token {issued.token.name!r}; {expiry}; this key is shown only now: keep it)")
