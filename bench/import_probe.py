"""One table import, measured in a fresh process.

    python bench/import_probe.py make --rows N --scenario unchanged|edited --output F
    python bench/import_probe.py run --tool ours|import-export --file F

``make`` writes the admin export (postings/exports.py, with its internal
columns) of the first N postings by id; ``edited`` raises every headcount by
one and rewords every posting's last duty, so every row is a change.
``run`` imports the file as HR would: ours is the admin's preview (stored
upload and preview rows) followed by the confirmation (the stored file read
and applied again); django-import-export's is its dry run followed by the
import, each reading the file, with a ModelResource for the same columns.
Everything the run wrote is rolled back at the end, so runs are repeatable.

Prints one JSON line: rows, seconds, what the import found, and the
process's peak resident memory (which includes Django, as a worker's would).
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

from django.db import transaction  # noqa: E402

from postings import admin_imports, exports, search  # noqa: E402
from postings.importers import plans, tables  # noqa: E402
from postings.models import Posting  # noqa: E402


def make(rows, scenario, output):
    last = Posting.objects.order_by("pk").values_list("pk", flat=True)[rows - 1]
    queryset = Posting.objects.filter(pk__lte=last).order_by("pk")

    def edited(row_iter):
        for row in row_iter:
            row["headcount"] = (row["headcount"] or 0) + 1
            if row["duties"]:
                row["duties"] = [*row["duties"][:-1], row["duties"][-1] + "（已更新）"]
            yield row

    row_iter = exports.rows(queryset, internal=True)
    if scenario == "edited":
        row_iter = edited(row_iter)
    with open(output, "wb") as stream:
        exports.write_xlsx(row_iter, stream, internal=True)


def ours(path):
    data = path.read_bytes()
    # The preview: the upload stored, every row planned and stored for display.
    upload = admin_imports.store_upload(None, path.name, data)
    admin_imports.preview(upload, None)
    assert not upload.file_error, upload.file_error
    # The confirmation: the stored file read and applied, all or nothing.
    counts = dict(upload.counts)
    if counts.get("new") or counts.get("changed"):
        table = tables.read(
            upload.file_name,
            admin_imports.upload_content(upload),
            header_names=plans.UPLOAD_HEADERS,
        )
        plans.Importer(table).apply(expected_digest=upload.digest)
    return counts


def import_export(path):
    from import_export import fields, resources, widgets
    from import_export.formats.base_formats import XLSX

    from postings.importers.facts import extract_facts
    from postings.models import (
        Department,
        Duty,
        Institution,
        Location,
        PostingLocation,
        Requirement,
    )

    reason = f"导入 {path.name}"
    status_values = {label: value for value, label in Posting.Status.choices}

    class InstitutionWidget(widgets.ForeignKeyWidget):
        """招聘机构 by name under 用人单位, as our import resolves it."""

        def clean(self, value, row=None, **kwargs):
            employer = row.get("用人单位")
            if value == employer:
                return Institution.objects.get(name=value, parent=None)
            return Institution.objects.get(name=value, parent__name=employer)

    class StatusWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return status_values.get(value)

        def render(self, value, obj=None, **kwargs):
            return Posting.Status(value).label

    class DateWidget(widgets.DateWidget):
        def clean(self, value, row=None, **kwargs):
            value = super().clean(value, row, **kwargs)
            return value.date() if hasattr(value, "date") else value

    text = widgets.CharWidget(allow_blank=True)

    def items(cell):
        return plans.items(cell) if cell else ()

    class PostingResource(resources.ModelResource):
        """The same columns as our import, the way import-export does it:
        related names through widgets, items written after each save."""

        id = fields.Field(
            attribute="id", column_name="编号", widget=widgets.IntegerWidget()
        )
        institution = fields.Field(
            attribute="institution", column_name="招聘机构",
            widget=InstitutionWidget(Institution),
        )  # fmt: skip
        title = fields.Field(attribute="title", column_name="岗位名称", widget=text)
        grade = fields.Field(attribute="grade", column_name="岗位职级", widget=text)
        category = fields.Field(
            attribute="category", column_name="招聘类别", widget=text
        )
        headcount = fields.Field(
            attribute="headcount",
            column_name="招聘人数",
            widget=widgets.IntegerWidget(),
        )
        published_on = fields.Field(
            attribute="published_on", column_name="发布日期", widget=DateWidget()
        )
        closes_on = fields.Field(
            attribute="closes_on", column_name="报名截止日期", widget=DateWidget()
        )
        status = fields.Field(
            attribute="status", column_name="流程状态", widget=StatusWidget()
        )

        class Meta:
            model = Posting
            fields = (
                "id", "institution", "title", "grade", "category", "headcount",
                "published_on", "closes_on", "status",
            )  # fmt: skip
            import_id_fields = ("id",)
            skip_unchanged = True
            report_skipped = True
            use_transactions = True

        def _items_wanted(self, row):
            return {
                "department": row.get("招聘部门") or None,
                "duties": items(row.get("岗位职责")),
                "requirements": items(row.get("任职要求")),
                "locations": tuple(plans.names(row.get("工作地点"))),
            }

        def _items_stored(self, instance):
            return {
                "department": instance.department.name if instance.department else None,
                "duties": tuple(d.text for d in instance.duties.all()),
                "requirements": tuple(
                    exports.requirement_text(r.section, r.text)
                    for r in instance.requirements.all()
                ),
                "locations": tuple(
                    pl.location.name for pl in instance.posting_locations.all()
                ),
            }

        def skip_row(self, instance, original, row, import_validation_errors=None):
            if not super().skip_row(instance, original, row, import_validation_errors):
                return False
            return self._items_wanted(row) == self._items_stored(original)

        def before_save_instance(self, instance, row, **kwargs):
            wanted = self._items_wanted(row)
            name = wanted["department"]
            instance.department = (
                Department.objects.get_or_create(
                    institution=instance.institution, name=name
                )[0]
                if name
                else None
            )
            instance._change_reason = reason

        def after_save_instance(self, instance, row, **kwargs):
            wanted = self._items_wanted(row)
            stored = self._items_stored(instance)
            if wanted["duties"] != stored["duties"]:
                for duty in instance.duties.all():
                    duty._change_reason = reason
                    duty.delete()
                for n, text in enumerate(wanted["duties"], 1):
                    Duty(posting=instance, position=n, text=text).save()
            if wanted["requirements"] != stored["requirements"]:
                for requirement in instance.requirements.all():
                    requirement.delete()
                for n, text in enumerate(wanted["requirements"], 1):
                    Requirement(posting=instance, position=n, text=text).save()
                facts = extract_facts(wanted["requirements"])
                instance.min_education = facts.min_education
                instance.save()
            if wanted["locations"] != stored["locations"]:
                for item in instance.posting_locations.all():
                    item.delete()
                for n, name in enumerate(wanted["locations"], 1):
                    location = Location.objects.get(name=name)
                    PostingLocation(
                        posting=instance, location=location, position=n
                    ).save()
            search.index_posting(instance)

    def dataset():
        return XLSX().create_dataset(path.read_bytes())

    resource_ = PostingResource()
    dry = resource_.import_data(dataset(), dry_run=True, raise_errors=True)
    real = resource_.import_data(dataset(), dry_run=False, raise_errors=True)
    assert not dry.has_errors() and not real.has_errors()
    return {kind.lower(): count for kind, count in real.totals.items() if count}


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    maker = sub.add_parser("make")
    maker.add_argument("--rows", type=int, required=True)
    maker.add_argument("--scenario", choices=["unchanged", "edited"], required=True)
    maker.add_argument("--output", type=Path, required=True)
    runner = sub.add_parser("run")
    runner.add_argument("--tool", choices=["ours", "import-export"], required=True)
    runner.add_argument("--file", type=Path, required=True)
    args = parser.parse_args()

    if args.command == "make":
        make(args.rows, args.scenario, args.output)
        return
    started = time.perf_counter()
    with transaction.atomic():
        found = ours(args.file) if args.tool == "ours" else import_export(args.file)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "tool": args.tool,
                "file": args.file.name,
                "rows": sum(found.values()),
                "found": found,
                "seconds": round(seconds, 2),
                "peak_mb": round(peak_kb / 1024, 1),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
