from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webapp.lib.media_move import MoveFailed, move_media, storage_for


class Command(BaseCommand):
    help = ("Copy every stored file to local storage (MEDIA_ROOT) or to the S3 bucket of the S3_* variables, "
            "each verified by sha256. Switches nothing: set MEDIA_STORAGE afterwards. Run it again to resume.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", choices=["s3", "local"], required=True, help="where the files go")

    def handle(self, *args: Any, **options: Any) -> None:
        to = options["to"]
        source, destination = storage_for("local" if to == "s3" else "s3"), storage_for(to)
        verbose = int(options["verbosity"]) > 1
        try:
            report = move_media(source, destination,
                                on_file=lambda name, what: self.stdout.write(f"{what}: {name}") if verbose else None)
        except MoveFailed as exc:
            raise CommandError(f"{exc}. Nothing was switched; MEDIA_STORAGE still names the old storage.") from None
        self.stdout.write(self.style.SUCCESS(
            f"{report.total} files verified by sha256 at the destination ({len(report.copied)} copied, "
            f"{len(report.already_there)} already there). Now set MEDIA_STORAGE={to} on every machine and "
            "restart them; the old copies stay until you delete them."))
