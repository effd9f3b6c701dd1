"""One export, measured in a fresh process: `python bench/export_probe.py
--writer ours|import-export --format csv|xlsx --rows N --output FILE`.

Prints one JSON line: rows written, seconds, and the process's peak resident
memory (which includes Django itself, as a worker's would).
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobboard.settings")

import django

django.setup()

from django.db.models import Prefetch  # noqa: E402

from postings import exports  # noqa: E402
from postings.models import Posting, PostingCertificate, PostingLocation  # noqa: E402


def prefetched(queryset):
    return queryset.select_related(
        "employer", "institution", "department"
    ).prefetch_related(
        Prefetch(
            "posting_locations",
            queryset=PostingLocation.objects.select_related("location"),
        ),
        "duties",
        "requirements",
        Prefetch(
            "posting_certificates",
            queryset=PostingCertificate.objects.select_related("certificate"),
        ),
    )


def ours(queryset, export_format, output):
    rows = exports.rows(queryset)
    if export_format == "csv":
        with open(output, "w", encoding="utf-8", newline="") as stream:
            stream.writelines(exports.iter_csv(rows))
    else:
        with open(output, "wb") as stream:
            exports.write_xlsx(rows, stream)


def import_export(queryset, export_format, output):
    from import_export import fields, resources

    def joined(attribute, label):
        def dehydrate(self, posting):
            return "、".join(label(item) for item in getattr(posting, attribute).all())

        return dehydrate

    def numbered(attribute):
        def dehydrate(self, posting):
            items = getattr(posting, attribute).all()
            return "\n".join(f"{n}. {item.text}" for n, item in enumerate(items, 1))

        return dehydrate

    class PostingResource(resources.ModelResource):
        """The same 22 columns as our export, the way import-export does it."""

        url = fields.Field(column_name="链接")
        employer = fields.Field(attribute="employer__name", column_name="用人单位")
        institution = fields.Field(
            attribute="institution__name", column_name="招聘机构"
        )
        department = fields.Field(attribute="department__name", column_name="招聘部门")
        locations = fields.Field(column_name="工作地点")
        provinces = fields.Field(column_name="省份")
        duties = fields.Field(column_name="岗位职责")
        requirements = fields.Field(column_name="任职要求")
        certificates = fields.Field(column_name="资格证书")
        min_education = fields.Field(column_name="最低学历")
        status = fields.Field(column_name="状态")

        class Meta:
            model = Posting
            fields = (
                "id", "url", "employer", "institution", "department", "title", "grade",
                "category", "headcount", "locations", "provinces", "duties", "requirements",
                "min_education", "min_years_experience", "max_age", "certificates", "status",
                "published_on", "closes_on", "source_document", "source_row",
            )  # fmt: skip
            export_order = fields

        def dehydrate_url(self, posting):
            return f"http://127.0.0.1:8000{posting.get_absolute_url()}"

        dehydrate_locations = joined("posting_locations", lambda pl: pl.location.name)
        dehydrate_provinces = joined(
            "posting_locations", lambda pl: pl.location.province
        )
        dehydrate_certificates = joined(
            "posting_certificates", lambda pc: pc.certificate.name
        )
        dehydrate_duties = numbered("duties")
        dehydrate_requirements = numbered("requirements")

        def dehydrate_min_education(self, posting):
            return posting.get_min_education_display() if posting.min_education else ""

        def dehydrate_status(self, posting):
            return posting.get_status_display()

    dataset = PostingResource().export(queryset)
    data = dataset.export(export_format)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(
        output, mode, **({} if mode == "wb" else {"encoding": "utf-8"})
    ) as stream:
        stream.write(data)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--writer", choices=["ours", "import-export"], required=True)
    parser.add_argument("--format", choices=["csv", "xlsx"], required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    # The first N postings by id, as one range condition.
    last = Posting.objects.order_by("pk").values_list("pk", flat=True)[args.rows - 1]
    queryset = Posting.objects.filter(pk__lte=last).order_by("pk")
    started = time.perf_counter()
    if args.writer == "ours":
        ours(queryset, args.format, args.output)  # rows() prefetches what it needs
    else:
        # Every related row prefetched, as import-export's docs advise.
        import_export(prefetched(queryset), args.format, args.output)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "writer": args.writer,
        "format": args.format,
        "rows": queryset.count(),
        "seconds": round(seconds, 3),
        "peak_mb": round(peak_kb / 1024, 1),
        "bytes": Path(args.output).stat().st_size,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
