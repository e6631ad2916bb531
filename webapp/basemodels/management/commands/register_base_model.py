from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.basemodels.services import BaseModelError, register_base_model


class Command(BaseCommand):
    help = "Register a T5 checkpoint (hub id, local directory, or s3://bucket/prefix) as a base model."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("source", help="hub id such as google/t5-base-lm-adapt, a local directory, or "
                            "s3://bucket/prefix (the object store of the S3_* variables; each file's sha256 is recorded)")
        parser.add_argument("--random-weights", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            model = register_base_model(options["name"], options["source"], random_weights=options["random_weights"])
        except BaseModelError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Registered {model.name}: d_model {model.d_model}, {model.size_label} parameters")
