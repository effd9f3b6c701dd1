"""What an uploaded table changes, and applying it all or nothing.

A table (postings.importers.tables) is planned row by row against what is
stored: every row is *new*, *changed* (with the field-level differences,
items included), *unchanged* or an *error* (with the column and a message
in the request's language). Planning writes nothing. Applying plans the
same file again inside one transaction, with the affected postings locked,
writes the new and changed rows in bulk, and refuses (rolling everything
back) when a row has an error or when the plan differs from the one
previewed: the preview's digest covers every row's outcome and differences
(as values, so the language of the pages does not matter), so a posting
edited by someone else since the preview makes the confirmation fail rather
than overwrite their edit.

Rows are matched to postings by 编号 (id). A row without 编号 is a new
posting, keyed by (file name, row number) like the seed documents' rows, so
uploading the same file again changes nothing. Rows are read, planned and
written a chunk at a time, so memory does not grow with the file.

Columns are declared once, in COLUMNS; a plain posting field is one
declaration (key as in postings.exports, a parser, the model field).
Bulk writes skip model signals, so the history records, the search data and
the page-cache invalidation are written explicitly here (see _Writer).
"""

import datetime
import difflib
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl.utils.datetime import from_excel

from postings import access, changes, exports, search
from postings.models import (
    Certificate,
    Department,
    Duty,
    Education,
    Institution,
    Location,
    Posting,
    PostingCertificate,
    PostingLocation,
    PostingSearch,
    Requirement,
    source_text,
)

from .facts import CERTIFICATES, extract_facts, is_preferred_item
from .gazetteer import PROVINCE_OF
from .records import PostingRecord, RequirementItem
from .tables import SheetRow

CHUNK = 1000
HEADERS = dict(exports.columns(internal=True))


def empty():
    """How an empty value is shown in the preview."""
    return _("（空）")


def listing(names):
    """Quoted names joined as the language joins a list: “a”、“b” or “a”, “b”."""
    return pgettext("list separator", "、").join(f"“{name}”" for name in names)


class CellError(Exception):
    """A cell's value cannot be used; the message says why."""


class ImportRefused(Exception):
    """Applying stopped and nothing was written; the message says why."""


# --- Cell parsers: a cell's value (text, number, date or None) to a value --------


def text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()[:10]
    return str(value).replace("\r\n", "\n").strip()


def _integer(value, what):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("“%(value)s”不是%(what)s。") % {"value": value, "what": what})
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    cleaned = text(value)
    if re.fullmatch(r"\d+", cleaned):
        return int(cleaned)
    raise CellError(
        _("“%(value)s”不是%(what)s，请填写整数。")
        % {"value": cleaned[:30], "what": what}
    )


def posting_id(value):
    return _integer(value, _("岗位编号"))


# What a table writes for a headcount that is not fixed (the file's word).
UNSTATED = "若干"


def headcount(value):
    cleaned = text(value)
    if cleaned in ("", UNSTATED):
        return None
    number = _integer(re.sub(r"\s*[人名]$", "", cleaned), _("人数"))
    if number < 1:
        raise CellError(
            _("招聘人数至少为 1 人；人数不定请留空或写“%(unstated)s”。")
            % {"unstated": UNSTATED}
        )
    return number


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
# Excel's day numbers for 2000-01-01 … 2099-12-31: a date cell kept as a number.
_SERIAL_RANGE = range(36526, 73051)


def date(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and int(value) in _SERIAL_RANGE:
        return from_excel(int(value)).date()
    cleaned = text(value)
    match = _DATE_TEXT.match(cleaned.split(" ")[0])
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise CellError(
        _("“%(value)s”不是日期，请写作 2026-01-31。") % {"value": cleaned[:30]}
    )


_STATUS_NAMES = {source_text(label): value for value, label in Posting.Status.choices}


def workflow(value):
    cleaned = text(value)
    if not cleaned:
        return None
    names = _STATUS_NAMES
    status = names.get(cleaned)
    if status is None:
        raise CellError(
            _("“%(value)s”不是流程状态，请填写%(names)s之一。")
            % {
                "value": cleaned[:20],
                "names": pgettext("list separator", "、").join(names),
            }
        )
    return status


def names(value):
    """A list cell (工作地点, 资格证书): names joined by 、 as the export writes."""
    parts = re.split(r"[、，,；;\n]", text(value))
    return tuple(part.strip() for part in parts if part.strip())


_NUMBERED = re.compile(r"^(\d{1,3})\s*[.．、]\s*")


def items(value):
    """Numbered items in one cell ("1. …" per line), as the export writes them.

    A line carrying the next number starts an item and any other line
    continues the one before, so an item that holds a line break comes back
    whole. A cell without numbering has one item per line.
    """
    lines = [line for line in text(value).split("\n")]
    if not any(line.strip() for line in lines):
        return ()
    first = _NUMBERED.match(lines[0].strip())
    if not first or first.group(1) != "1":
        return tuple(line.strip() for line in lines if line.strip())
    found, expected = [], 1
    for line in lines:
        match = _NUMBERED.match(line.strip())
        if match and int(match.group(1)) == expected:
            found.append([line.strip()[match.end() :]])
            expected += 1
        else:
            found[-1].append(line)
    return tuple("\n".join(parts).strip() for parts in found)


# --- The columns an upload may have ----------------------------------------------


@dataclass(frozen=True)
class Column:
    """One importable column: its export key, how a cell is read and, for a
    plain posting field, which field it sets."""

    key: str
    parse: object
    field: str | None = None
    required: bool = False

    @property
    def header(self):
        return HEADERS[self.key]


COLUMNS = [
    Column("id", posting_id, required=True),
    Column("employer", text),
    Column("institution", text, required=True),
    Column("department", text),
    Column("title", text, field="title", required=True),
    Column("grade", text, field="grade"),
    Column("category", text, field="category"),
    Column("headcount", headcount, field="headcount"),
    Column("locations", names),
    Column("duties", items),
    Column("requirements", items),
    Column("published_on", date, field="published_on"),
    Column("closes_on", date, field="closes_on"),
    Column("workflow_status", workflow),
]
# Export columns that are worked out from the others: read, never written.
READ_ONLY = {
    "url",
    # Facts of the requirements: read out of 任职要求 whenever it changes.
    "min_education",
    "min_years_experience",
    "max_age",
    "certificates",
    "provinces",
    "status",
    "source_document",
    "source_position",
    "created_at",
    "updated_at",
}
FIELD_COLUMNS = [column for column in COLUMNS if column.field]
_BY_KEY = {column.key: column for column in COLUMNS}
_ITEM_KEYS = ("locations", "duties", "requirements", "certificates")
# Facts read out of the requirements along with the derived columns.
_FACTS = ("min_education", "min_years_experience", "max_age")
_FACT_FIELDS = (
    *_FACTS,
    "min_education_evidence",
    "min_years_experience_evidence",
    "max_age_evidence",
    "majors",
    "majors_evidence",
    "requires_shift_work",
    "shift_work_evidence",
    "requires_local_residence",
    "local_residence_evidence",
)
_KNOWN_CERTIFICATES = {term.name: term.full_name for term in CERTIFICATES}

UPLOAD_HEADERS = {HEADERS[key] for key in (*_BY_KEY, *READ_ONLY)}


def template_columns():
    """The headers of an empty upload template, in export order."""
    return [
        header
        for key, header in exports.columns(internal=True)
        if key in _BY_KEY or key in READ_ONLY
    ]


# --- What a plan holds --------------------------------------------------------------


@dataclass
class RowPlan:
    number: int
    outcome: str  # "new", "changed", "unchanged" or "error"
    posting_id: int | None
    title: str
    changes: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    wanted: dict | None = None
    current: dict | None = None
    # The differences as values, not as shown: the digest is the same
    # whichever language the preview and the confirmation were made in.
    basis: list = field(default_factory=list)

    def fingerprint(self):
        return json.dumps(
            [self.number, self.outcome, self.posting_id, self.basis, self.errors],
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    created: dict = field(default_factory=dict)  # row number -> new posting id


# --- Reference data: institutions, departments, locations, certificates -----------


class _References:
    """The small tables rows refer to by name, loaded once per import."""

    def __init__(self, user):
        self.scope = access.institution_ids(user) if user is not None else None
        self.institutions = {}
        children = {}
        for pk, name, parent_id in Institution.objects.values_list(
            "pk", "name", "parent_id"
        ):
            self.institutions[pk] = (name, parent_id)
            children.setdefault(parent_id, []).append(pk)
        self.employers = {}
        for pk in children.get(None, []):
            self.employers.setdefault(self.institutions[pk][0], []).append(pk)
        # employer id -> {name: [institution ids below it]}
        self.below = {}
        for employers in self.employers.values():
            for employer in employers:
                names, frontier = {}, list(children.get(employer, []))
                while frontier:
                    pk = frontier.pop()
                    names.setdefault(self.institutions[pk][0], []).append(pk)
                    frontier.extend(children.get(pk, []))
                self.below[employer] = names
        self.departments = {
            (institution, name): pk
            for pk, institution, name in Department.objects.values_list(
                "pk", "institution_id", "name"
            )
        }
        self.locations = {}
        for pk, name, province in Location.objects.values_list(
            "pk", "name", "province"
        ):
            self.locations.setdefault(name, []).append((pk, province))
        self.certificates = dict(Certificate.objects.values_list("name", "pk"))

    def in_scope(self, institution_id):
        return self.scope is None or institution_id in self.scope

    def lineage(self, pk):
        chain = []
        while pk is not None:
            name, parent = self.institutions[pk]
            chain.append((pk, name))
            pk = parent
        return list(reversed(chain))

    def employer_of(self, pk):
        return self.lineage(pk)[0][0]

    def path(self, pk):
        return " · ".join(name for _, name in self.lineage(pk))

    def institution(self, employer_name, name):
        """The institution id the names mean; raise CellError."""
        if employer_name:
            employers = self.employers.get(employer_name, [])
            if not employers:
                raise CellError(
                    _("没有名为“%(employer)s”的用人单位。")
                    % {"employer": employer_name},
                    "employer",
                )
            if name == employer_name:
                return employers[0]
            found = [pk for e in employers for pk in self.below[e].get(name, [])]
            if not found:
                raise CellError(
                    _(
                        "用人单位“%(employer)s”下没有招聘机构“%(institution)s”"
                        "（新机构请先由管理员在“招聘机构”中添加）。"
                    )
                    % {"employer": employer_name, "institution": name}
                )
        else:
            found = [
                pk for pk, (other, _) in self.institutions.items() if other == name
            ]
            if not found:
                raise CellError(
                    _(
                        "没有名为“%(institution)s”的招聘机构"
                        "（新机构请先由管理员在“招聘机构”中添加）。"
                    )
                    % {"institution": name}
                )
        if len(found) > 1:
            raise CellError(
                _(
                    "有多个名为“%(institution)s”的招聘机构，"
                    "请在“%(column)s”列写明所属单位。"
                )
                % {"institution": name, "column": HEADERS["employer"]}
            )
        return found[0]

    def location(self, name):
        """(id or None, province) of a work location name; raise CellError."""
        stored = self.locations.get(name, [])
        if len(stored) == 1:
            return stored[0]
        if len(stored) > 1:
            raise CellError(
                _("有多个名为“%(location)s”的工作地点，无法确定是哪一个。")
                % {"location": name}
            )
        if name in PROVINCE_OF:
            return None, PROVINCE_OF[name]
        raise CellError(
            _(
                "工作地点“%(location)s”不在地名表中。请检查是否有错字；"
                "确需新增的地点请联系管理员。"
            )
            % {"location": name}
        )


# --- Current state of stored postings ----------------------------------------------


def _current_state(ids, lock=False):
    """{id: state} of the postings, in the planner's terms."""
    if not ids:
        return {}
    postings = Posting.objects.filter(pk__in=ids)
    if lock:
        # Hold the rows until the import commits: no edit slips in between.
        list(postings.select_for_update().values_list("pk", flat=True))
    state = {}
    fields = [column.field for column in FIELD_COLUMNS] + list(_FACTS)
    for pk, institution, department, status, *values in postings.values_list(
        "pk", "institution_id", "department__name", "status", *fields
    ):
        state[pk] = {
            "id": pk,
            "institution": institution,
            "department": department or None,
            "status": status,
            **dict(zip(fields, values, strict=True)),
            "duties": [],
            "requirements": [],
            "requirement_items": [],
            "locations": [],
            "certificates": [],
            "certificate_items": {},
        }
    for posting, text_ in (
        Duty.objects.filter(posting_id__in=ids)
        .order_by("position", "id")
        .values_list("posting_id", "text")
    ):
        state[posting]["duties"].append(text_)
    for posting, section, text_, preferred in (
        Requirement.objects.filter(posting_id__in=ids)
        .order_by("position", "id")
        .values_list("posting_id", "section", "text", "is_preferred")
    ):
        state[posting]["requirements"].append(exports.requirement_text(section, text_))
        state[posting]["requirement_items"].append((section, text_, preferred))
    for posting, name in (
        PostingLocation.objects.filter(posting_id__in=ids)
        .order_by("position", "id")
        .values_list("posting_id", "location__name")
    ):
        state[posting]["locations"].append(name)
    for posting, name, preferred, evidence in (
        PostingCertificate.objects.filter(posting_id__in=ids)
        .order_by("id")
        .values_list("posting_id", "certificate__name", "is_preferred", "evidence")
    ):
        state[posting]["certificates"].append(name)
        state[posting]["certificate_items"][name] = (preferred, evidence)
    for posting in state.values():
        for key in _ITEM_KEYS:
            posting[key] = tuple(posting[key])
    return state


# --- Planning -------------------------------------------------------------------------


class Importer:
    """Plan (and apply) one table for one user.

    ``user`` is whoever imports (their institutions bound what rows may
    touch); None is the system, for the command line without --as.
    """

    def __init__(self, table, *, user=None, today=None):
        self.table = table
        self.user = user
        self.file_name = table.file_name[:100]
        self.reason = _("导入 %(file)s") % {"file": self.file_name}
        self.today = today or timezone.localdate()
        self.refs = _References(user)
        self.present = [c for c in COLUMNS if c.header in table.headers]
        self.ignored = [
            h for h in table.headers if h not in UPLOAD_HEADERS and h is not None
        ]
        self.missing = [
            c.header
            for c in COLUMNS
            if table.kind != "boc" and c.required and c.header not in table.headers
        ]
        self.seen_ids = {}
        self.counts = Counter()
        self._digest = hashlib.sha256()

    @property
    def digest(self):
        return self._digest.hexdigest()

    # The whole file, a chunk at a time.

    def plan(self, lock=False):
        """Every row's RowPlan, in file order."""
        for chunk in self.chunks(lock=lock):
            yield from chunk

    def chunks(self, lock=False):
        if self.missing:
            # Not a single row can be matched or created without these.
            return
        batch = []
        for row in self.table.rows:
            batch.append(row)
            if len(batch) == CHUNK:
                yield self._plan_chunk(batch, lock)
                batch = []
        if batch:
            yield self._plan_chunk(batch, lock)

    def _plan_chunk(self, batch, lock):
        rows = [self._values(row) for row in batch]
        ids = [values.get("id") for _, values, _ in rows if values.get("id")]
        if self.refs.scope is not None:
            scoped = access.scoped(Posting.objects.all(), self.user, "institution")
            ids = list(scoped.filter(pk__in=ids).values_list("pk", flat=True))
        numbers = [number for number, values, _ in rows if not values.get("id")]
        by_source = dict(
            Posting.objects.filter(
                source_document=self.file_name, source_row__in=numbers
            ).values_list("source_row", "pk")
        )
        state = _current_state(ids + list(by_source.values()), lock=lock)
        plans = []
        for number, values, errors in rows:
            plan = self._plan_row(number, values, errors, state, by_source)
            self.counts[plan.outcome] += 1
            self._digest.update(plan.fingerprint().encode())
            plans.append(plan)
        return plans

    def _values(self, row):
        """(number, {key: value}, errors) of one row, cells parsed."""
        if isinstance(row, PostingRecord):
            values = {
                "employer": row.employer,
                "institution": row.institution or row.employer,
                "department": row.department or "",
                "title": row.title,
                "grade": row.grade,
                "category": row.category,
                "headcount": row.headcount,
                "locations": row.locations,
                "duties": row.duties,
                "requirements": tuple(
                    exports.requirement_text(item.section, item.text)
                    for item in row.requirements
                ),
                "requirement_items": row.requirements,
                "source_lines": row.source.lines,
            }
            return row.source.row, values, []
        assert isinstance(row, SheetRow)
        values, errors = {}, []
        for column in self.present:
            if column.header in row.uncalculated:
                errors.append(
                    _error(
                        column.key,
                        _(
                            "这是一个公式，但文件里没有保存它的计算结果（导入不计算公式）。"
                            "请在 Excel 中打开并保存一次，或改为填写数值。"
                        ),
                    )
                )
                continue
            try:
                values[column.key] = column.parse(row.cells.get(column.header))
            except CellError as error:
                errors.append(_error(column.key, error.args[0]))
        return row.number, values, errors

    def _plan_row(self, number, values, errors, state, by_source):
        refs = self.refs
        pk = values.get("id")
        current = None
        if pk is not None:
            first = self.seen_ids.setdefault(pk, number)
            if first != number:
                errors.append(
                    _error(
                        "id",
                        _("编号 %(id)s 与第 %(row)s 行重复。")
                        % {"id": pk, "row": first},
                    )
                )
            current = state.get(pk)
            if current is None:
                errors.append(
                    _error(
                        "id",
                        _(
                            "编号 %(id)s 的岗位不存在，或不在您管理的机构范围内。"
                            "新岗位请把编号留空。"
                        )
                        % {"id": pk},
                    )
                )
        elif number in by_source:
            current = state.get(by_source[number])
            if current is None:
                errors.append(
                    _error(
                        "id",
                        _(
                            "此行对应的岗位（此前由同名文件导入）"
                            "不在您管理的机构范围内。"
                        ),
                    )
                )
        if current is not None and not refs.in_scope(current["institution"]):
            errors.append(
                _error(
                    "id", _("编号 %(id)s 的岗位不在您管理的机构范围内。") % {"id": pk}
                )
            )
            current = None

        title = values.get("title") or (current or {}).get("title") or ""
        wanted = self._wanted(values, current, errors)
        if (
            wanted is not None
            and current is not None
            and pk is None
            and self.table.kind != "boc"
            and _differences(wanted, current, refs)
        ):
            errors.append(
                _error(
                    "id",
                    _(
                        "此行没有编号，但同名文件此前已在第 %(row)s 行导入过岗位"
                        "（编号 %(id)s），内容不同。要修改该岗位请填写编号 "
                        "%(id)s；若是新岗位，请给文件换个名字再上传。"
                    )
                    % {"row": number, "id": current["id"]},
                )
            )
        if errors:
            return RowPlan(number, "error", pk, title, errors=errors)
        basis = []
        if current is None:
            changes = _differences(wanted, None, refs, basis)
            return RowPlan(
                number, "new", None, title, changes, wanted=wanted, basis=basis
            )
        changes = _differences(wanted, current, refs, basis)
        outcome = "changed" if changes else "unchanged"
        return RowPlan(
            number,
            outcome,
            current["id"],
            title,
            changes,
            wanted=wanted,
            current=current,
            basis=basis,
        )

    def _wanted(self, values, current, errors):
        """The posting as the row wants it; errors are added to ``errors``."""
        refs = self.refs
        base = dict(current) if current else _blank()
        wanted = {k: v for k, v in base.items() if k != "certificate_items"}
        given = set(values)
        for column in FIELD_COLUMNS:
            if column.key in given:
                wanted[column.field] = values[column.key]
        if "title" in given and not values["title"]:
            errors.append(_error("title", _("岗位名称不能为空。")))

        # Where: employer and institution names to an institution in scope.
        if "institution" in given:
            name = values["institution"]
            if not name:
                errors.append(_error("institution", _("招聘机构不能为空。")))
            else:
                try:
                    wanted["institution"] = refs.institution(
                        values.get("employer", ""), name
                    )
                except CellError as error:
                    column = error.args[1] if len(error.args) > 1 else "institution"
                    errors.append(_error(column, error.args[0]))
                else:
                    if not refs.in_scope(wanted["institution"]):
                        errors.append(
                            _error(
                                "institution",
                                _(
                                    "“%(institution)s”不在您管理的"
                                    "机构范围内，不能导入它的岗位。"
                                )
                                % {"institution": refs.path(wanted["institution"])},
                            )
                        )
        if "department" in given:
            wanted["department"] = values["department"] or None

        for key in ("locations", "duties", "requirements", "certificates"):
            if key in given:
                wanted[key] = tuple(values[key])
        for name in wanted["locations"] if "locations" in given else ():
            try:
                refs.location(name)
            except CellError as error:
                errors.append(_error("locations", error.args[0]))
        if len(set(wanted["locations"])) != len(wanted["locations"]):
            errors.append(_error("locations", _("同一工作地点写了两次。")))

        # Facts of the requirements: for a new posting or new requirements.
        requirements_changed = current is None or (
            wanted["requirements"] != current["requirements"]
        )
        wanted["requirement_items"] = _requirement_items(
            values.get("requirement_items"), wanted["requirements"], current
        )
        # The facts candidates filter by are read out of the requirements,
        # each with its sentence, as for the seed documents.
        facts = None
        if requirements_changed:
            facts = extract_facts(wanted["requirement_items"])
            for name in _FACT_FIELDS:
                wanted[name] = getattr(facts, name)
            wanted["certificates"] = tuple(m.name for m in facts.certificates)
        mentions = {m.name: m for m in facts.certificates} if facts else {}
        wanted["certificate_items"] = {
            name: (
                (mentions[name].is_preferred, mentions[name].evidence)
                if name in mentions
                else (current or {}).get("certificate_items", {}).get(name, (True, ""))
            )
            for name in wanted["certificates"]
        }

        # The publishing workflow: the model's verbs decide at apply time.
        status = values.get("workflow_status")
        if current is None:
            wanted["status"] = status or (
                Posting.Status.PUBLISHED
                if wanted["published_on"]
                else Posting.Status.DRAFT
            )
        elif status:
            wanted["status"] = status
            move = _verb(current["status"], status)
            if isinstance(move, str) and move.startswith("!"):
                errors.append(_error("workflow_status", move[1:]))
        if wanted["status"] == Posting.Status.PUBLISHED and not wanted["published_on"]:
            wanted["published_on"] = self.today
        if "source_lines" in values:
            wanted["source_lines"] = values["source_lines"]

        if not errors:
            self._validate(wanted, errors)
        return None if errors else wanted

    def _validate(self, wanted, errors):
        """The model's own checks, on the posting the row describes."""
        posting = Posting(
            institution_id=wanted["institution"],
            status=wanted["status"],
            **{c.field: wanted[c.field] for c in FIELD_COLUMNS},
        )
        posting.department_id = None  # a department is found under its institution
        try:
            posting.clean_fields(
                exclude=[
                    f.name
                    for f in Posting._meta.fields
                    if f.name not in {c.field for c in FIELD_COLUMNS}
                ]
            )
            posting.clean()
        except ValidationError as error:
            by_field = {c.field: c.key for c in FIELD_COLUMNS}
            for name, messages in error.message_dict.items():
                for message in messages:
                    errors.append(_error(by_field.get(name, "title"), message))

    # --- Applying

    def apply(self, *, expected_digest=None, progress=None):
        """Plan and write the whole table in one transaction; a Summary.

        Raises ImportRefused, with nothing written, when a row has an error
        or the plan is not the one previewed (``expected_digest``).
        """
        summary = Summary()
        if self.missing:
            raise ImportRefused(missing_message(self.missing))
        with transaction.atomic():
            writer = _Writer(self)
            done = 0
            for chunk in self.chunks(lock=True):
                failed = [plan for plan in chunk if plan.outcome == "error"]
                if failed:
                    first = failed[0]
                    raise ImportRefused(
                        _(
                            "第 %(row)s 行有错误（%(column)s：%(message)s），"
                            "未导入任何内容。"
                        )
                        % {
                            "row": first.number,
                            "column": first.errors[0]["column"],
                            "message": first.errors[0]["message"],
                        }
                    )
                summary.created.update(writer.write(chunk))
                done += len(chunk)
                if progress:
                    progress(done)
            if expected_digest is not None and self.digest != expected_digest:
                raise ImportRefused(
                    _(
                        "预览之后，数据已有变化（可能有人同时修改了这些岗位），"
                        "未导入任何内容。请重新预览后再确认。"
                    )
                )
            summary.counts.update(self.counts)
        return summary


def missing_message(missing):
    return _("缺少必需的列：%(columns)s（列名须与导出文件相同）。") % {
        "columns": listing(missing)
    }


def _error(key, message):
    return {"column": str(HEADERS.get(key, key)), "message": str(message)}


def _blank():
    return {
        "id": None,
        "institution": None,
        "department": None,
        "status": Posting.Status.DRAFT,
        **{c.field: None if c.field in _NULLABLE else "" for c in FIELD_COLUMNS},
        **dict.fromkeys(_FACTS),
        "duties": (),
        "requirements": (),
        "locations": (),
        "certificates": (),
        "certificate_items": {},
    }


_NULLABLE = {f.name for f in Posting._meta.fields if f.null and not f.is_relation} | {
    "min_education"
}


def _verb(current, wanted):
    """The workflow verb that moves a posting from one status to another,
    None for no move, or "!message" for a move the workflow refuses."""
    Status = Posting.Status
    if current == wanted:
        return None
    if wanted == Status.PUBLISHED:
        return "publish" if current == Status.DRAFT else "reopen"
    if wanted == Status.CLOSED:
        if current == Status.DRAFT:
            return "!" + _("只有已发布的岗位可以关闭；草稿请先发布，或直接删除。")
        return "close"
    return "!" + _("已发布或已关闭的岗位不能改回草稿。")


def _requirement_items(given, rendered, current):
    """(section, text, is_preferred) per requirement: an unchanged item keeps
    its stored section and flag; "分组：…" with a known group is split."""
    if given is not None:
        return tuple(
            RequirementItem(text=i.text, is_preferred=i.is_preferred, section=i.section)
            for i in given
        )
    stored = {}
    sections = set()
    for section, text_, preferred in (current or {}).get("requirement_items", ()):
        stored.setdefault(
            exports.requirement_text(section, text_), (section, text_, preferred)
        )
        if section:
            sections.add(section)
    result = []
    for item in rendered:
        if item in stored:
            section, text_, preferred = stored[item]
        else:
            section, text_ = "", item
            head, colon, rest = item.partition("：")
            if colon and head in sections and rest:
                section, text_ = head, rest
            preferred = is_preferred_item(text_)
        result.append(
            RequirementItem(text=text_, is_preferred=preferred, section=section)
        )
    return tuple(result)


# --- Differences, as the preview shows them ---------------------------------------


def _show(key, value, refs):
    if value in (None, "", ()):
        return empty()
    if key == "institution":
        return refs.path(value)
    if key == "min_education":
        return str(Education(value).label)
    if key == "status":
        return str(Posting.Status(value).label)
    if key in ("locations", "certificates"):
        return exports.LIST_SEPARATOR.join(value)
    if key in ("duties", "requirements"):
        return exports.numbered(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


_DIFF_KEYS = [
    "title",
    "institution",
    "department",
    *[c.field for c in FIELD_COLUMNS if c.field != "title"],
    *_FACTS,
    "locations",
    "duties",
    "requirements",
    "certificates",
    "status",
]
_LABELS = {
    **{c.field: c.header for c in FIELD_COLUMNS},
    **{name: HEADERS[name] for name in _FACTS},
    "institution": HEADERS["institution"],
    "department": HEADERS["department"],
    "locations": HEADERS["locations"],
    "duties": HEADERS["duties"],
    "requirements": HEADERS["requirements"],
    "certificates": HEADERS["certificates"],
    "status": HEADERS["workflow_status"],
}


def _differences(wanted, current, refs, basis=None):
    """[{"field", "old", "new", "item_changes"?}] for every value that differs.

    ``basis``, a list, gets [key, old, new] of each difference as values.
    """
    changes = []
    for key in _DIFF_KEYS:
        new = wanted[key]
        old = current[key] if current else None
        if current is None and new in (None, "", ()):
            continue
        if current is not None and new == old:
            continue
        change = {
            "field": str(_LABELS[key]),
            "old": _show(key, old, refs) if current else "",
            "new": _show(key, new, refs),
        }
        entry = [key, old, new]
        if key == "institution":
            entry += [refs.path(pk) for pk in (old, new) if pk is not None]
        if (
            key == "department"
            and new
            and (wanted["institution"], new) not in (refs.departments)
        ):
            change["new"] += _("（新建部门）")
            entry.append("new")
        if key in _ITEM_KEYS:
            change["item_changes"] = _item_changes(old or (), new)
        changes.append(change)
        if basis is not None:
            basis.append(entry)
    return changes


def _item_changes(old, new):
    """[op, text] per item: "=" kept, "-" removed, "+" added."""
    out = []
    matcher = difflib.SequenceMatcher(a=list(old), b=list(new), autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out += [["=", item] for item in old[a1:a2]]
        else:
            out += [["-", item] for item in old[a1:a2]]
            out += [["+", item] for item in new[b1:b2]]
    return out


# --- Writing ------------------------------------------------------------------------


class _Writer:
    """Bulk writes for one chunk of planned rows.

    Bulk operations send no model signals, so this writes what the signals
    would: a history record per posting and item (with the import's user
    and reason), the postings' search data, and an entry per posting in the
    change log that keeps every process's board and page cache current.
    """

    def __init__(self, importer):
        self.importer = importer
        self.refs = importer.refs
        self.user = importer.user
        self.reason = importer.reason
        self.now = timezone.now()

    def history(self, model, objects, history_type):
        historical = model.history.model
        rows = [
            historical(
                history_date=self.now,
                history_user=self.user,
                history_change_reason=self.reason,
                history_type=history_type,
                **{
                    f.attname: getattr(obj, f.attname)
                    for f in historical.tracked_fields
                },
            )
            for obj in objects
        ]
        historical.objects.bulk_create(rows, batch_size=2000)

    def write(self, plans):
        plans = [p for p in plans if p.outcome in ("new", "changed")]
        if not plans:
            return {}
        self._references(plans)
        created = self._create([p for p in plans if p.outcome == "new"])
        changed = self._update([p for p in plans if p.outcome == "changed"])
        postings = {**created, **changed}
        self._items(plans, postings)
        self._index(plans, postings)
        changes.record_postings([posting.pk for posting in postings.values()])
        return {number: posting.pk for number, posting in created.items()}

    def _references(self, plans):
        """Departments, locations and certificates the rows name but that do
        not exist yet."""
        refs = self.refs
        for plan in plans:
            wanted = plan.wanted
            key = (wanted["institution"], wanted["department"])
            if wanted["department"] and key not in refs.departments:
                department = Department(institution_id=key[0], name=key[1])
                department._change_reason = self.reason
                department._history_user = self.user
                department.save()
                refs.departments[key] = department.pk
            for name in wanted["locations"]:
                pk, province = refs.location(name)
                if pk is None:
                    location, _created = Location.objects.get_or_create(
                        name=name, province=province
                    )
                    refs.locations[name] = [(location.pk, province)]
            for name in wanted["certificates"]:
                if name not in refs.certificates:
                    certificate, _created = Certificate.objects.get_or_create(
                        name=name, defaults={"full_name": _KNOWN_CERTIFICATES[name]}
                    )
                    refs.certificates[name] = certificate.pk

    def _fields(self, posting, wanted):
        posting.institution_id = wanted["institution"]
        posting.employer_id = self.refs.employer_of(wanted["institution"])
        posting.department_id = self.refs.departments.get(
            (wanted["institution"], wanted["department"])
        )
        for column in FIELD_COLUMNS:
            setattr(posting, column.field, wanted[column.field])
        for name in _FACT_FIELDS:
            if name in wanted:
                setattr(posting, name, wanted[name])
        if "source_lines" in wanted:
            posting.source_lines = wanted["source_lines"]

    def _create(self, plans):
        postings = {}
        for plan in plans:
            posting = Posting(
                status=plan.wanted["status"],
                source_document=self.importer.file_name,
                source_row=plan.number,
            )
            self._fields(posting, plan.wanted)
            postings[plan.number] = posting
        Posting.objects.bulk_create(postings.values(), batch_size=1000)
        self.history(Posting, postings.values(), "+")
        return postings

    def _update(self, plans):
        if not plans:
            return {}
        stored = Posting.objects.in_bulk([p.posting_id for p in plans])
        groups, postings = {}, {}
        for plan in plans:
            posting = stored[plan.posting_id]
            before = [getattr(posting, name) for name in _UPDATED_FIELDS]
            self._fields(posting, plan.wanted)
            verb = _verb(plan.current["status"], plan.wanted["status"])
            postings[plan.number] = posting
            if verb is None:
                # Postings that changed the same fields are updated together,
                # each statement setting only those fields.
                changed = tuple(
                    name
                    for name, old in zip(_UPDATED_FIELDS, before, strict=True)
                    if getattr(posting, name) != old
                )
                groups.setdefault(changed, []).append(posting)
                continue
            # A change of workflow goes through the model's verb, which
            # checks the move and saves (with its own history record).
            posting._change_reason = self.reason
            posting._history_user = self.user
            if verb == "publish":
                posting.publish(on=posting.published_on, closes_on=posting.closes_on)
            elif verb == "reopen":
                posting.reopen(closes_on=posting.closes_on)
            else:
                posting.close()
        for changed, group in groups.items():
            for posting in group:
                posting.updated_at = self.now
            Posting.objects.bulk_update(group, [*changed, "updated_at"], batch_size=500)
        self.history(Posting, [p for group in groups.values() for p in group], "~")
        return postings

    def _items(self, plans, postings):
        """Replace the items of every kind that changed; new postings get all."""
        removed, added = {}, {}
        for plan in plans:
            posting = postings[plan.number]
            wanted, current = plan.wanted, plan.current
            for model, key, build in _ITEM_BUILDERS:
                if current is not None and _same_items(key, wanted, current):
                    continue
                if current is not None:
                    removed.setdefault(model, []).append(posting.pk)
                added.setdefault(model, []).extend(build(self, posting, wanted))
        for model, ids in removed.items():
            doomed = list(model.objects.filter(posting_id__in=ids))
            self.history(model, doomed, "-")
            _delete(model, [item.pk for item in doomed])
        for model, objects in added.items():
            model.objects.bulk_create(objects, batch_size=2000)
            self.history(model, objects, "+")

    def _index(self, plans, postings):
        """The postings' search data, as search.index_posting
        builds it (tests hold the two to the same document)."""
        refs = self.refs
        location_names = {}
        for name, found in refs.locations.items():
            for _pk, province in found:
                location_names[name] = province
        documents = []
        for plan in plans:
            wanted = plan.wanted
            posting = postings[plan.number]
            places = sorted(
                (location_names[name], name) for name in wanted["locations"]
            )
            parts = [
                wanted["title"],
                *(name for _, name in refs.lineage(wanted["institution"])),
                wanted["department"] or "",
                wanted["grade"],
                wanted["category"],
            ]
            for province, name in places:
                parts += [name, province]
            parts += sorted(wanted["certificates"])
            parts += list(wanted["duties"])
            parts += [item.text for item in wanted["requirement_items"]]
            documents.append((posting.pk, search.document_from(parts)))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO postings_postingsearch (posting_id, document, grams) "
                    "VALUES (%s, %s, %s::tsvector) ON CONFLICT (posting_id) DO UPDATE "
                    "SET document = EXCLUDED.document, grams = EXCLUDED.grams",
                    [
                        (pk, document, search.tsvector_literal(search.grams(document)))
                        for pk, document in documents
                    ],
                )
        else:
            PostingSearch.objects.filter(
                posting_id__in=[pk for pk, _ in documents]
            ).delete()
            PostingSearch.objects.bulk_create(
                PostingSearch(posting_id=pk, document=document)
                for pk, document in documents
            )


_UPDATED_FIELDS = [
    "institution_id",
    "employer_id",
    "department_id",
    *[c.field for c in FIELD_COLUMNS],
    *_FACT_FIELDS,
    "source_lines",
]


def _delete(model, ids):
    """Delete rows without the per-row signals a queryset delete would send
    (their history is recorded in bulk by the caller)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({marks})", batch)


def _same_items(key, wanted, current):
    if wanted[key] != current[key]:
        return False
    if key != "requirements":
        return True
    # Same text, but a group or preference flag may differ (a text table's).
    return [
        (item.section, item.text, item.is_preferred)
        for item in wanted["requirement_items"]
    ] == list(current["requirement_items"])


def _build_duties(writer, posting, wanted):
    return [
        Duty(posting_id=posting.pk, position=n, text=t)
        for n, t in enumerate(wanted["duties"], start=1)
    ]


def _build_requirements(writer, posting, wanted):
    return [
        Requirement(
            posting_id=posting.pk,
            position=n,
            section=item.section,
            text=item.text,
            is_preferred=item.is_preferred,
        )
        for n, item in enumerate(wanted["requirement_items"], start=1)
    ]


def _build_locations(writer, posting, wanted):
    return [
        PostingLocation(
            posting_id=posting.pk,
            location_id=writer.refs.location(name)[0],
            position=n,
        )
        for n, name in enumerate(wanted["locations"], start=1)
    ]


def _build_certificates(writer, posting, wanted):
    return [
        PostingCertificate(
            posting_id=posting.pk,
            certificate_id=writer.refs.certificates[name],
            is_preferred=wanted["certificate_items"][name][0],
            evidence=wanted["certificate_items"][name][1],
        )
        for name in wanted["certificates"]
    ]


_ITEM_BUILDERS = [
    (Duty, "duties", _build_duties),
    (Requirement, "requirements", _build_requirements),
    (PostingLocation, "locations", _build_locations),
    (PostingCertificate, "certificates", _build_certificates),
]
