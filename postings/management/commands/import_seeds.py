from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from django.utils import timezone

from postings.importers.loader import load, parse_documents
from postings.importers.records import SourceError


class _CheckOnly(Exception):
    """Raised inside the transaction to roll back a --check run."""


class Command(BaseCommand):
    help = (
        "Import the source documents in fixtures/sources/: postings, institutions, "
        "departments, locations and reference role and department descriptions. "
        "All or nothing, and running it twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Report what would change without writing anything.",
        )
        parser.add_argument(
            "--source-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "fixtures" / "sources",
            help="Directory holding the source documents (default: fixtures/sources).",
        )

    def handle(self, *args, check=False, source_dir=None, verbosity=1, **options):
        def progress(message):
            if verbosity >= 1:
                self.stdout.write(f"  {message}")

        try:
            parsed = parse_documents(source_dir)
        except SourceError as error:
            raise CommandError(
                f"Import stopped, nothing was changed. {error}"
            ) from error

        progress(f"parsed {len(parsed)} documents from {source_dir}")
        report = None
        try:
            with transaction.atomic():
                report = load(parsed, today=timezone.localdate(), progress=progress)
                if check:
                    raise _CheckOnly
        except _CheckOnly:
            pass
        except (DatabaseError, ValidationError, ValueError) as error:
            raise CommandError(
                f"Import stopped, nothing was changed. {error}"
            ) from error

        verb = "would change" if check else "changed"
        if verbosity >= 2 or check:
            for line in report.changes:
                self.stdout.write(f"  {line}")
        if report.changed:
            self.stdout.write(self.style.SUCCESS(f"{verb}: {report.summary()}"))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Nothing to change. {report.summary()}")
            )
