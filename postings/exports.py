"""Postings as files for recruiters: one column schema, three formats.

The keys in COLUMNS, in this order, are the JSON export's; CSV and Excel use
the Chinese headers mapped one-to-one from them. Rows come from a chunked
iterator and every writer is streaming or constant-memory, so an export of
any size holds one chunk of postings in memory:

- CSV is produced row by row straight into the response (UTF-8 with a
  byte-order mark, which Excel needs to read Chinese text correctly), every
  text cell that a spreadsheet would take for a formula made inert;
- XLSX is written by XlsxWriter in constant-memory mode to a temporary file,
  then streamed;
- JSON is produced object by object.
"""

import csv
import datetime
import json
import re
import tempfile
from urllib.parse import quote

import xlsxwriter
from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from .importers.tables import CSV_FORMULA_TRIGGERS
from .models import (
    Duty,
    Education,
    Posting,
    PostingCertificate,
    PostingLocation,
    Requirement,
    takes_applications,
)

COLUMNS = [
    ("id", gettext_noop("编号")),
    ("url", gettext_noop("链接")),
    ("employer", gettext_noop("用人单位")),
    ("institution", gettext_noop("招聘机构")),
    ("department", gettext_noop("招聘部门")),
    ("title", gettext_noop("岗位名称")),
    ("grade", gettext_noop("岗位职级")),
    ("category", gettext_noop("招聘类别")),
    ("headcount", gettext_noop("招聘人数")),
    ("locations", gettext_noop("工作地点")),
    ("provinces", gettext_noop("省份")),
    ("duties", gettext_noop("岗位职责")),
    ("requirements", gettext_noop("任职要求")),
    ("min_education", gettext_noop("最低学历")),
    ("min_years_experience", gettext_noop("最低工作年限")),
    ("max_age", gettext_noop("年龄上限")),
    ("certificates", gettext_noop("资格证书")),
    ("status", gettext_noop("状态")),
    ("published_on", gettext_noop("发布日期")),
    ("closes_on", gettext_noop("报名截止日期")),
    ("source_document", gettext_noop("来源文件")),
    ("source_position", gettext_noop("来源序号")),
]
# HR and recruiters in the admin also see the workflow state and record dates.
INTERNAL_COLUMNS = [
    ("workflow_status", gettext_noop("流程状态")),
    ("created_at", gettext_noop("创建时间")),
    ("updated_at", gettext_noop("最后修改时间")),
]

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}

CHUNK_SIZE = 2000
LIST_SEPARATOR = "、"

# Column widths in Excel character units; long text wraps inside its cell.
_WIDTHS = {
    "id": 8,
    "url": 36,
    "title": 24,
    "employer": 14,
    "institution": 16,
    "department": 16,
    "grade": 14,
    "category": 14,
    "locations": 30,
    "duties": 60,
    "requirements": 60,
    "certificates": 20,
    "source_document": 26,
    "created_at": 20,
    "updated_at": 20,
}
_WRAPPED = {"locations", "duties", "requirements", "certificates"}
_DATES = {"published_on", "closes_on"}
_DATETIMES = {"created_at", "updated_at"}


PUBLIC_STATUSES = [
    gettext_noop("草稿"),
    gettext_noop("招聘中"),
    gettext_noop("待发布"),
    gettext_noop("已截止"),
]


def public_status(status, published_on, closes_on, today):
    """The status a candidate would read, in Chinese: 招聘中, 已截止, 待发布
    or 草稿 (rows() gives it in the language in use)."""
    if status == Posting.Status.DRAFT:
        return "草稿"
    if takes_applications(status, published_on, closes_on, today):
        return "招聘中"
    if status == Posting.Status.PUBLISHED and published_on and published_on > today:
        return "待发布"
    return "已截止"


def requirement_text(section, text):
    return f"{section}：{text}" if section else text


def columns(internal=False):
    """(key, Chinese header) pairs: the importer reads files by these."""
    return COLUMNS + INTERNAL_COLUMNS if internal else COLUMNS


def headers(internal=False):
    """The column headers in the language in use."""
    return [gettext(header) for _, header in columns(internal)]


_POSTING_FIELDS = (
    "pk",
    "employer__name",
    "institution__name",
    "department__name",
    "title",
    "grade",
    "category",
    "headcount",
    "min_education",
    "min_years_experience",
    "max_age",
    "status",
    "published_on",
    "closes_on",
    "source_document",
    "source_row",
    "created_at",
    "updated_at",
)


def _grouped(queryset, *fields):
    """{posting id: [values…]} for one chunk's items, in their order."""
    grouped = {}
    for posting_id, *values in queryset.values_list("posting_id", *fields):
        grouped.setdefault(posting_id, []).append(
            values[0] if len(values) == 1 else values
        )
    return grouped


def _chunks(queryset):
    """The queryset's rows as tuples, in its order, a chunk at a time."""
    chunk = []
    for values in queryset.values_list(*_POSTING_FIELDS).iterator(
        chunk_size=CHUNK_SIZE
    ):
        chunk.append(values)
        if len(chunk) == CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def rows(queryset, *, base_url=None, today=None, internal=False):
    """One dict per posting, keys in column order; lists stay lists.

    Plain values, not model instances: a posting and its ~15 items cost a few
    tuples, so 100,000 rows take seconds, and memory holds one chunk.

    Its text is in the language in use when it is called: a streamed
    response reads the rows after the view has returned.
    """
    today = today or timezone.localdate()
    words = {
        "education": {value: str(label) for value, label in Education.choices},
        "workflow": {value: str(label) for value, label in Posting.Status.choices},
        "public": {status: gettext(status) for status in PUBLIC_STATUSES},
        "section": gettext("%(section)s：%(text)s"),
    }
    return _rows(queryset, base_url, today, internal, words)


def _rows(queryset, base_url, today, internal, words):
    base_url = (base_url or settings.SITE_URL).rstrip("/")
    url = base_url + reverse("postings:posting_detail", kwargs={"pk": 0}).replace(
        "/0/", "/{}/"
    )
    education = words["education"]
    status_labels = words["workflow"]
    public = words["public"]
    section = words["section"]
    for chunk in _chunks(queryset):
        ids = [values[0] for values in chunk]
        duties = _grouped(
            Duty.objects.filter(posting_id__in=ids).order_by("position"), "text"
        )
        requirements = _grouped(
            Requirement.objects.filter(posting_id__in=ids).order_by("position"),
            "section",
            "text",
        )
        locations = _grouped(
            PostingLocation.objects.filter(posting_id__in=ids).order_by(
                "position", "id"
            ),
            "location__name",
            "location__province",
        )
        certificates = _grouped(
            PostingCertificate.objects.filter(posting_id__in=ids).order_by("id"),
            "certificate__name",
        )
        for (
            pk,
            employer,
            institution,
            department,
            title,
            grade,
            category,
            headcount,
            min_education,
            min_years,
            max_age,
            status,
            published_on,
            closes_on,
            source_document,
            source_row,
            created_at,
            updated_at,
        ) in chunk:
            places = locations.get(pk, [])
            row = {
                "id": pk,
                "url": url.format(pk),
                "employer": employer,
                "institution": institution,
                "department": department,
                "title": title,
                "grade": grade,
                "category": category,
                "headcount": headcount,
                "locations": [name for name, _ in places],
                "provinces": list(dict.fromkeys(province for _, province in places)),
                "duties": duties.get(pk, []),
                "requirements": [
                    section % {"section": r[0], "text": r[1]} if r[0] else r[1]
                    for r in requirements.get(pk, [])
                ],
                "min_education": education.get(min_education),
                "min_years_experience": min_years,
                "max_age": max_age,
                "certificates": certificates.get(pk, []),
                "status": public[public_status(status, published_on, closes_on, today)],
                "published_on": published_on,
                "closes_on": closes_on,
                "source_document": source_document or None,
                "source_position": source_row,
            }
            if internal:
                row["workflow_status"] = status_labels[status]
                row["created_at"] = timezone.localtime(created_at)
                row["updated_at"] = timezone.localtime(updated_at)
            yield row


# --- Cell values ----------------------------------------------------------------


def numbered(items):
    """Duties and requirements keep their numbering inside one cell."""
    return "\n".join(f"{number}. {text}" for number, text in enumerate(items, start=1))


def flat_value(key, value):
    """A row value as spreadsheet text or number (CSV and XLSX share this)."""
    if value is None:
        return ""
    if key in ("duties", "requirements"):
        return numbered(value)
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def json_value(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


# --- Writers -----------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() returns what it was given."""

    def write(self, value):
        return value


def _text_converter(key):
    """flat_value specialised for one column, for the per-row loop."""
    if key in ("duties", "requirements"):
        return numbered
    if key in ("locations", "provinces", "certificates"):
        return LIST_SEPARATOR.join
    return lambda value: "" if value is None else flat_value(key, value)


# A number as spreadsheets read it: "-5" and "-2.5" are numbers, not formulas.
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def inert_csv_cell(value):
    """A CSV cell that no spreadsheet runs as a formula (OWASP's CSV
    injection advice): text that begins with = + - @, a tab or a carriage
    return gets a leading apostrophe, so Excel and LibreOffice show it as
    text. Numbers stay numbers. Text that already begins with apostrophes
    before such a character gets one more, so that reading an export back
    (postings.importers.tables.unescape_csv) gives exactly the stored text.
    """
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        return value
    if value.lstrip("'")[:1] in CSV_FORMULA_TRIGGERS:
        return "'" + value
    return value


def iter_csv(row_iter, *, internal=False):
    """CSV text, one row per chunk, with a BOM so Excel reads it as UTF-8."""
    keys = [key for key, _ in columns(internal)]
    converters = [(key, _text_converter(key)) for key in keys]
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    first = "\ufeff" + writer.writerow(headers(internal))
    return _csv_lines(first, writer, converters, row_iter)


def _csv_lines(first, writer, converters, row_iter):
    yield first
    for row in row_iter:
        yield writer.writerow(
            [inert_csv_cell(convert(row[key])) for key, convert in converters]
        )


def iter_json(row_iter):
    """A JSON array, one object per line, produced piece by piece."""
    yield "["
    for index, row in enumerate(row_iter):
        data = {key: json_value(value) for key, value in row.items()}
        yield ("\n" if index == 0 else ",\n") + json.dumps(data, ensure_ascii=False)
    yield "\n]\n"


# Rows per sheet. Each sheet is one member of the workbook's zip archive,
# and Python's zipfile writes a plain member only up to 2 GB (ZIP64_LIMIT).
# A posting is about 2.4 KB of sheet XML, so one sheet of 900,000 passes it;
# 200,000 rows (about 470 MB) stay well under, so a workbook of a million
# postings is a plain zip that Excel and LibreOffice open. It also stays
# under Excel's 1,048,576 rows per sheet.
SHEET_ROWS = 200_000


def write_xlsx(row_iter, target, *, internal=False):
    """An .xlsx workbook with a bold, frozen, filterable header row on each
    sheet: one sheet, or one per SHEET_ROWS rows ("招聘岗位", "招聘岗位 2", …).

    XlsxWriter's constant-memory mode flushes each row to disk as it is
    written, so memory does not grow with the number of rows.
    """
    cols = columns(internal)
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_urls": False,
            "strings_to_formulas": False,
            # Should one sheet still pass 2 GB (postings of very long
            # text), ZIP64 records hold it; they are written only for a
            # member that needs them, so other workbooks are plain zips.
            "use_zip64": True,
        },
    )
    header = workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1})
    wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})
    top = workbook.add_format({"valign": "top"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss", "valign": "top"})
    titles = headers(internal)
    name = gettext("招聘岗位")

    def new_sheet(number):
        sheet = workbook.add_worksheet(name if number == 1 else f"{name} {number}")
        for index, ((key, _), title) in enumerate(zip(cols, titles, strict=True)):
            sheet.set_column(index, index, _WIDTHS.get(key, 12))
            sheet.write_string(0, index, title, header)
        sheet.freeze_panes(1, 0)
        return sheet

    sheets, sheet, last_row = 1, new_sheet(1), 0
    for row in row_iter:
        if last_row == SHEET_ROWS:
            sheet.autofilter(0, 0, last_row, len(cols) - 1)
            sheets += 1
            sheet, last_row = new_sheet(sheets), 0
        last_row += 1
        for index, (key, _) in enumerate(cols):
            value = row[key]
            if value is None or value == "" or value == []:
                sheet.write_blank(last_row, index, None, top)
            elif key in _DATES:
                sheet.write_datetime(last_row, index, value, date)
            elif key in _DATETIMES:
                sheet.write_datetime(last_row, index, value.replace(tzinfo=None), stamp)
            elif isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(last_row, index, value, top)
            else:
                text = flat_value(key, value)
                sheet.write_string(
                    last_row, index, text, wrapped if key in _WRAPPED else top
                )
    sheet.autofilter(0, 0, last_row, len(cols) - 1)
    workbook.close()


def xlsx_file(row_iter, *, internal=False):
    """The workbook in a temporary file, rewound, for streaming to a client.

    The caller owns the file: FileResponse closes (and so deletes) it once sent.
    """
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    write_xlsx(row_iter, handle, internal=internal)
    handle.seek(0)
    return handle


def response(row_iter, export_format, name, *, internal=False):
    """A download of the rows in one of FORMATS, streamed to the client."""
    if export_format == "csv":
        response = StreamingHttpResponse(iter_csv(row_iter, internal=internal))
    elif export_format == "json":
        response = StreamingHttpResponse(iter_json(row_iter))
    else:
        response = FileResponse(xlsx_file(row_iter, internal=internal))
    response["Content-Type"] = FORMATS[export_format]
    response["Content-Disposition"] = content_disposition(name)
    response["Cache-Control"] = "no-store"
    return response


# --- File names -----------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w.\-]+")


def filename(extension, labels=(), today=None):
    """ "postings-20261123-喀什市-专科.xlsx": what and when, in the name."""
    today = today or timezone.localdate()
    parts = ["postings", today.strftime("%Y%m%d")]
    parts += [_UNSAFE.sub("_", label).strip("_") for label in labels if label]
    name = "-".join(part for part in parts if part)[:120]
    return f"{name}.{extension}"


def content_disposition(name):
    """attachment with an ASCII fallback name and the full UTF-8 name (RFC 6266)."""
    ascii_name = name.encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"-{2,}", "-", ascii_name).replace("-.", ".")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
