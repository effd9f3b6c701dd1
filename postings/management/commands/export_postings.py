import shutil

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from postings import exports
from postings.filters import PostingFilter
from postings.models import Posting


class Command(BaseCommand):
    help = (
        "Export postings as CSV, Excel (xlsx) or JSON, with the same filters as the "
        "listing URL, e.g. --location 喀什市 --education 专科. Exports every posting "
        "(any status) unless --open-only is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=list(exports.FORMATS), default="json")
        parser.add_argument(
            "--output", help="Write to this file instead of standard output."
        )
        parser.add_argument(
            "--open-only",
            action="store_true",
            help="Only postings open today, as the public listing shows them.",
        )
        for name, filter_ in PostingFilter.base_filters.items():
            if name == "sort":
                parser.add_argument(
                    "--sort", choices=[value for value, _ in filter_.extra["choices"]]
                )
            else:
                parser.add_argument(
                    f"--{name}",
                    action="append",
                    metavar="VALUE",
                    help=f"{filter_.label} (repeat for any of several values)",
                )

    def handle(self, *args, **options):
        export_format, output = options["format"], options["output"]
        if export_format == "xlsx" and not output:
            raise CommandError("An Excel file is binary: give --output FILE.xlsx.")

        data = QueryDict(mutable=True)
        for name in PostingFilter.base_filters:
            values = options.get(name)
            if values:
                data.setlist(name, values if isinstance(values, list) else [values])
        base = (
            Posting.objects.open_now()
            if options["open_only"]
            else Posting.objects.all()
        )
        filterset = PostingFilter(data, queryset=base)
        if not filterset.is_valid():
            problems = "; ".join(
                f"--{field}: {' '.join(messages)}"
                for field, messages in filterset.errors.items()
            )
            raise CommandError(f"Invalid filter: {problems}")
        queryset = filterset.qs if data.get("sort") else filterset.qs.order_by("pk")
        rows = exports.rows(queryset)

        if export_format == "xlsx":
            with open(output, "wb") as target, exports.xlsx_file(rows) as source:
                shutil.copyfileobj(source, target)
            return
        chunks = (
            exports.iter_csv(rows)
            if export_format == "csv"
            else exports.iter_json(rows)
        )
        if output:
            # newline="" keeps the CSV's own \r\n line ends.
            with open(output, "w", encoding="utf-8", newline="") as stream:
                stream.writelines(chunks)
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
