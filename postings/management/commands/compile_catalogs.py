"""Build the compiled message catalogues (.mo) from the committed .po files.

The .po files are the source; the .mo files are built by the set-up (make run,
make test, the Docker image), never committed. Babel compiles them in Python,
so serving the site needs no system gettext; Django's compilemessages would.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile each locale/*/LC_MESSAGES/*.po into its .mo (not fuzzy entries)."

    def handle(self, *args, **options):
        compiled = 0
        for locale_path in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if (
                    mo_path.exists()
                    and mo_path.stat().st_mtime >= po_path.stat().st_mtime
                ):
                    continue
                with po_path.open("rb") as po_file:
                    try:
                        catalog = read_po(po_file, abort_invalid=True)
                    except Exception as error:  # babel raises its own types
                        raise CommandError(f"{po_path}: {error}") from error
                # Written beside, then moved: a running server never reads a
                # half-written catalogue.
                partial = mo_path.with_suffix(".mo.partial")
                with partial.open("wb") as mo_file:
                    write_mo(mo_file, catalog, use_fuzzy=False)
                partial.replace(mo_path)
                compiled += 1
                if options["verbosity"] >= 1:
                    self.stdout.write(f"Compiled {po_path}")
        if options["verbosity"] >= 2 and not compiled:
            self.stdout.write("Every catalogue is up to date.")
