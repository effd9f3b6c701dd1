from django.core.management.base import BaseCommand

from postings import exports
from postings.models import Posting


class Command(BaseCommand):
    help = "Export postings as a JSON array, one object per posting (see the README)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument(
            "--output", help="Write to this file instead of standard output."
        )

    def handle(self, *args, output=None, **options):
        chunks = exports.iter_json(exports.rows(Posting.objects.order_by("pk")))
        if output:
            with open(output, "w", encoding="utf-8") as stream:
                stream.writelines(chunks)
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
