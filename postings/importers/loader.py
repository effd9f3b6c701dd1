"""Turning parsed records into rows: all or nothing, and idempotent.

Every document is parsed before anything is written, so a malformed document
stops the import with the database untouched. Writing happens in one
transaction, and a record is written only where it differs from what is
stored: a second run with the same documents changes nothing (and so records
no change in the history).

Imported postings are keyed by (source document, row). The source is the
authority for what it states (title, duties, requirements, locations …);
the publishing workflow (status and dates) belongs to HR and is set only
when a posting is first created.
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from postings import search
from postings.models import (
    Certificate,
    Department,
    DepartmentDescription,
    Duty,
    Institution,
    Location,
    Posting,
    PostingCertificate,
    PostingLocation,
    Requirement,
    RoleDescription,
    RoleDescriptionItem,
)

from . import (
    boc_table,
    consumer_finance,
    cqbank_internet_finance,
    reference_ebanking,
    reference_it_roles,
)
from .facts import extract_facts
from .gazetteer import PROVINCE_OF
from .records import DepartmentRecord, PostingRecord, RoleRecord, SourceError

_IMPORTERS = (
    boc_table,
    cqbank_internet_finance,
    consumer_finance,
    reference_it_roles,
    reference_ebanking,
)
PARSERS = {importer.DOCUMENT: importer.parse for importer in _IMPORTERS}
# What the public pages call each document, instead of its file name.
SOURCE_NAMES = {importer.DOCUMENT: importer.SOURCE_NAME for importer in _IMPORTERS}


def source_name(span):
    """The readable name of a record's source: its document's, and the
    article's within a collection."""
    name = SOURCE_NAMES.get(span.document, "")
    return f"{name} · {span.article}" if span.article else name


def parse_documents(directory):
    """Parse every known source document in ``directory``; raise SourceError."""
    directory = Path(directory)
    parsed = {}
    for name, parse in PARSERS.items():
        path = directory / name
        if not path.exists():
            raise SourceError(name, 0, f"missing: expected the file at {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise SourceError(
                name, _line_of(path, error.start), "not valid UTF-8 text"
            ) from error
        parsed[name] = parse(text, name)
    return parsed


def _line_of(path, byte_offset):
    return path.read_bytes()[:byte_offset].count(b"\n") + 1


@dataclass
class Report:
    """What an import did (or, with --check, would do)."""

    counts: Counter = field(default_factory=Counter)
    changes: list[str] = field(default_factory=list)

    def count(self, kind, outcome, label=None):
        self.counts[(kind, outcome)] += 1
        if label and outcome != "unchanged":
            self.changes.append(f"{outcome}: {kind} {label}")

    @property
    def changed(self):
        return any(outcome != "unchanged" for _, outcome in self.counts)

    def summary(self):
        kinds = sorted({kind for kind, _ in self.counts})
        parts = []
        for kind in kinds:
            numbers = ", ".join(
                f"{self.counts[(kind, outcome)]} {outcome}"
                for outcome in (
                    "created",
                    "updated",
                    "unchanged",
                    "no longer in source",
                )
                if self.counts[(kind, outcome)]
            )
            parts.append(f"{kind}: {numbers}")
        return "; ".join(parts)


def load(parsed, *, today, progress=print):
    """Write parsed records; return a Report. Runs in one transaction."""
    report = Report()
    with transaction.atomic():
        loader = _Loader(report, today)
        for document, records in parsed.items():
            for record in records:
                if isinstance(record, PostingRecord):
                    loader.posting(record)
                elif isinstance(record, RoleRecord):
                    loader.role(record)
                elif isinstance(record, DepartmentRecord):
                    loader.department_description(record)
            progress(f"{document}: {len(records)} records")
            loader.report_stale(document, records)
    return report


class _Loader:
    def __init__(self, report, today):
        self.report = report
        self.today = today
        self.reason = "从来源文件导入"

    def report_stale(self, document, records):
        """Rows stored from this document that it no longer contains.

        They are reported, not deleted: HR may have worked on them.
        """
        rows = {record.source.row for record in records}
        for model, kind in (
            (Posting, "posting"),
            (RoleDescription, "role description"),
            (DepartmentDescription, "department description"),
        ):
            kept = {type(r) for r in records}
            if not any(_MODEL_OF[t] is model for t in kept):
                continue
            stale = model.objects.filter(source_document=document).exclude(
                source_row__in=rows
            )
            for obj in stale:
                self.report.count(
                    kind, "no longer in source", f"{obj} (row {obj.source_row})"
                )

    def replace_items(self, posting, model, wanted):
        """Make the posting's items of ``model`` equal ``wanted``; True if changed.

        Items are compared on the fields the source determines, so a second
        import of the same document touches nothing.
        """
        fields = _ITEM_FIELDS[model]
        stored = list(model.objects.filter(posting=posting).values_list(*fields))
        if stored == [
            tuple(getattr(item, field) for field in fields) for item in wanted
        ]:
            return False
        for item in model.objects.filter(posting=posting):
            item._change_reason = self.reason
            item.delete()
        if wanted:
            bulk_create_with_history(wanted, model, default_change_reason=self.reason)
        return True

    def institution(self, name, parent, record, stated=None):
        """The institution, created if new; ``stated`` are the fields the
        source gives it (an employer's note, website and seat), which a
        re-import restores, while what the source leaves empty stays HR's."""
        stated = {field: value for field, value in (stated or {}).items() if value}
        institution = Institution.objects.filter(name=name, parent=parent).first()
        if institution is None:
            institution = Institution(
                name=name,
                parent=parent,
                source_document=record.source.document,
                source_row=record.source.row,
                source_name=source_name(record.source),
                **stated,
            )
            institution.full_clean()
            institution._change_reason = self.reason
            institution.save()
            self.report.count("institution", "created", name)
            return institution
        if institution.source_document == record.source.document:
            stated["source_name"] = source_name(record.source)
        changed = [f for f, v in stated.items() if getattr(institution, f) != v]
        if changed:
            for field in changed:
                setattr(institution, field, stated[field])
            institution.full_clean()
            institution._change_reason = self.reason
            institution.save(update_fields=changed)
            self.report.count("institution", "updated", name)
        return institution

    def department(self, institution, name, record):
        department = Department.objects.filter(
            institution=institution, name=name
        ).first()
        if department is None:
            department = Department.objects.create(
                institution=institution,
                name=name,
                source_document=record.source.document,
                source_row=record.source.row,
                source_name=source_name(record.source),
            )
            self.report.count("department", "created", name)
        elif department.source_document == record.source.document and (
            department.source_name != source_name(record.source)
        ):
            department.source_name = source_name(record.source)
            department._change_reason = self.reason
            department.save(update_fields=["source_name"])
            self.report.count("department", "updated", name)
        return department

    def location(self, name):
        location, created = Location.objects.get_or_create(
            name=name, province=PROVINCE_OF[name]
        )
        if created:
            self.report.count("location", "created", name)
        return location

    def certificate(self, mention):
        certificate, created = Certificate.objects.get_or_create(
            name=mention.name, defaults={"full_name": mention.full_name}
        )
        if created:
            self.report.count("certificate", "created", mention.name)
        return certificate

    def posting(self, record):
        employer = self.institution(
            record.employer,
            None,
            record,
            stated={
                "note": record.employer_note,
                "website": record.employer_website,
                "seat": record.employer_seat and self.location(record.employer_seat),
                "seat_evidence": record.employer_seat_evidence,
            },
        )
        institution = (
            self.institution(record.institution, employer, record)
            if record.institution
            else employer
        )
        department = (
            self.department(institution, record.department, record)
            if record.department
            else None
        )
        facts = extract_facts(record.requirements)
        fields = {
            "title": record.title,
            "institution": institution,
            "department": department,
            "grade": record.grade,
            "category": record.category,
            "headcount": record.headcount,
            "source_lines": record.source.lines,
            "source_name": source_name(record.source),
            "min_education": facts.min_education,
            "min_education_evidence": facts.min_education_evidence,
            "min_years_experience": facts.min_years_experience,
            "min_years_experience_evidence": facts.min_years_experience_evidence,
            "max_age": facts.max_age,
            "max_age_evidence": facts.max_age_evidence,
            "majors": facts.majors,
            "majors_evidence": facts.majors_evidence,
            "requires_shift_work": facts.requires_shift_work,
            "shift_work_evidence": facts.shift_work_evidence,
            "requires_local_residence": facts.requires_local_residence,
            "local_residence_evidence": facts.local_residence_evidence,
        }
        duties = [
            (position, text) for position, text in enumerate(record.duties, start=1)
        ]
        requirements = [
            (position, item.section, item.text, item.is_preferred)
            for position, item in enumerate(record.requirements, start=1)
        ]
        locations = [self.location(name) for name in record.locations]
        certificates = [
            (self.certificate(mention), mention.is_preferred, mention.evidence)
            for mention in facts.certificates
        ]
        label = f"{record.title} ({record.source.document} row {record.source.row})"

        posting = Posting.objects.filter(
            source_document=record.source.document, source_row=record.source.row
        ).first()
        if posting is None:
            posting = Posting(
                source_document=record.source.document,
                source_row=record.source.row,
                status=Posting.Status.PUBLISHED,
                published_on=self.today,
                **fields,
            )
            posting.full_clean()
            posting._change_reason = self.reason
            posting.save()
            outcome = "created"
        else:
            changed = [
                name
                for name, value in fields.items()
                if getattr(posting, name) != value
            ]
            for name in changed:
                setattr(posting, name, fields[name])
            if changed:
                posting.full_clean()
                posting._change_reason = self.reason
                posting.save()
            outcome = "updated" if changed else "unchanged"

        wanted_items = {
            Duty: [
                Duty(posting=posting, position=position, text=text)
                for position, text in duties
            ],
            Requirement: [
                Requirement(
                    posting=posting,
                    position=position,
                    section=section,
                    text=text,
                    is_preferred=preferred,
                )
                for position, section, text, preferred in requirements
            ],
            PostingLocation: [
                PostingLocation(posting=posting, location=location, position=position)
                for position, location in enumerate(locations, start=1)
            ],
            PostingCertificate: [
                PostingCertificate(
                    posting=posting,
                    certificate=certificate,
                    is_preferred=preferred,
                    evidence=evidence,
                )
                for certificate, preferred, evidence in certificates
            ],
        }
        for model, wanted in wanted_items.items():
            if self.replace_items(posting, model, wanted) and outcome == "unchanged":
                outcome = "updated"
        if outcome != "unchanged" or not hasattr(posting, "search"):
            search.index_posting(posting)
        self.report.count("posting", outcome, label)
        return posting

    def role(self, record):
        fields = {
            "title": record.title,
            "organisation": record.organisation,
            "department_name": record.department_name,
            "summary": record.summary,
            "source_lines": record.source.lines,
            "source_name": source_name(record.source),
        }
        items = [
            (RoleDescriptionItem.Kind.DUTY, position, item.text, item.weight)
            for position, item in enumerate(record.duties, start=1)
        ] + [
            (RoleDescriptionItem.Kind.REQUIREMENT, position, text, None)
            for position, text in enumerate(record.requirements, start=1)
        ]
        role, outcome = _upsert(RoleDescription, record, fields)
        stored = [
            (item.kind, item.position, item.text, item.weight)
            for item in role.items.order_by("kind", "position")
        ]
        if sorted(stored) != sorted(items):
            role.items.all().delete()
            RoleDescriptionItem.objects.bulk_create(
                RoleDescriptionItem(
                    role=role, kind=kind, position=position, text=text, weight=weight
                )
                for kind, position, text, weight in items
            )
            outcome = "updated" if outcome == "unchanged" else outcome
        self.report.count("role description", outcome, record.title)

    def department_description(self, record):
        fields = {
            "name": record.name,
            "organisation": record.organisation,
            "office_tier": record.office_tier,
            "summary": record.summary,
            "functions": list(record.functions),
            "source_lines": record.source.lines,
            "source_name": source_name(record.source),
        }
        _, outcome = _upsert(DepartmentDescription, record, fields)
        self.report.count("department description", outcome, record.name)


_ITEM_FIELDS = {
    Duty: ("position", "text"),
    Requirement: ("position", "section", "text", "is_preferred"),
    PostingLocation: ("position", "location_id"),
    PostingCertificate: ("certificate_id", "is_preferred", "evidence"),
}

_MODEL_OF = {
    PostingRecord: Posting,
    RoleRecord: RoleDescription,
    DepartmentRecord: DepartmentDescription,
}


def _upsert(model, record, fields):
    obj = model.objects.filter(
        source_document=record.source.document, source_row=record.source.row
    ).first()
    if obj is None:
        obj = model.objects.create(
            source_document=record.source.document,
            source_row=record.source.row,
            **fields,
        )
        return obj, "created"
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, fields[name])
    if changed:
        obj.save()
    return obj, "updated" if changed else "unchanged"
