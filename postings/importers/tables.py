"""Reading an uploaded recruitment table: what file it is, and its rows.

Three kinds of file are accepted:

- an Excel workbook (.xlsx) or a CSV file in the export's columns
  (postings.exports): a header row, then one posting per row;
- a text table in the Bank of China format of the seeds (boc_table), parsed
  by the seed parser, so a second table of that kind needs no new code.

A file is recognised by its content, not its name. Everything that can go
wrong with a file as a whole (not a spreadsheet, encrypted, corrupt, a zip
bomb, empty, an unknown encoding, over the limits) is a TableError with a
message for HR in the request's language; problems with a single cell are the planner's
(postings.importers.plans), which reports them per row and column.

Workbooks are read part by part with expat, streamed a row at a time, after
the zip's directory has been checked: an archive whose members would inflate
far beyond the upload's size is refused before any member is inflated, and
XML with a DTD or entity declarations (billion laughs and the like) is
refused as defusedxml would. openpyxl, the usual reader, builds an object
per cell and is several times slower on a 10,000-row table. Formulas are
never evaluated: a formula cell counts as the value Excel or LibreOffice
stored with it, and one without a stored value is an error.
"""

import codecs
import csv
import datetime
import io
import re
import xml.parsers.expat
import zipfile
from dataclasses import dataclass, field

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import boc_table
from .records import SourceError

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
# A real workbook inflates to a few times its size (text compresses about
# 5-10×); a zip bomb to thousands of times. Generous limits for the former.
MAX_INFLATED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024  # members smaller than this may compress any amount

# OWASP's CSV-injection defence, as the CSV export applies it: a cell that
# begins with one of these gets a leading apostrophe. Reading undoes it.
CSV_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

CORRUPT = gettext_lazy(
    "Excel 文件已损坏，无法读取。请在 Excel 中重新打开并另存为 .xlsx 后再上传。"
)
FORBIDDEN_XML = gettext_lazy(
    "Excel 文件中含有不允许的 XML 实体声明，已拒绝。"
    "请在 Excel 中重新打开并另存为 .xlsx 后再上传。"
)


# The file's own words (its format, not the interface): the headers every
# upload must have, as an export writes them, and the text table's header.
REQUIRED_HEADERS = {"id": "编号", "institution": "招聘机构", "title": "岗位名称"}
BOC_HEADER = "序号 招聘机构"


def required_headers():
    """The required headers, quoted, as a sentence lists them."""
    return _("“%(id)s”“%(institution)s”“%(title)s”") % REQUIRED_HEADERS


def _limits_text():
    return _("文件不超过 %(megabytes)s MB，不超过 %(rows)s 行岗位") % {
        "megabytes": MAX_BYTES // (1024 * 1024),
        "rows": f"{MAX_ROWS:,}",
    }


# In the language of the page that shows it.
LIMITS_TEXT = lazy(_limits_text, str)()


class TableError(Exception):
    """The file cannot be read at all; the message tells HR what to do."""

    def __init__(self, message):
        # Lazy messages are put in words now, in the request's language.
        self.message = str(message)
        super().__init__(self.message)


@dataclass
class SheetRow:
    """One data row of a spreadsheet: its row number as Excel shows it, and
    its cells by header. Formula cells without a stored value are listed."""

    number: int
    cells: dict
    uncalculated: list = field(default_factory=list)


@dataclass
class Table:
    """A readable file: its kind, its headers, and an iterator over its rows
    (SheetRow for spreadsheets, PostingRecord for the text table)."""

    kind: str  # "xlsx", "csv" or "boc"
    file_name: str
    headers: list
    rows: object
    notes: list = field(default_factory=list)

    @property
    def label(self):
        return {
            "xlsx": _("Excel 工作簿"),
            "csv": _("CSV 文件"),
            "boc": _("中国银行招聘表（文本）"),
        }[self.kind]


def read(file_name, data, *, header_names):
    """The Table in ``data``; raise TableError when it cannot be read.

    ``header_names`` are the column headers an upload may have: a row that
    holds some of them is the header row.
    """
    if not data:
        raise TableError(_("文件是空的（0 字节），请重新选择要导入的文件。"))
    if len(data) > MAX_BYTES:
        raise TableError(
            _(
                "文件有 %(size)s MB，超过了 %(megabytes)s MB 的上限。"
                "请把表格拆成几个文件分别导入。"
            )
            % {
                "size": f"{len(data) / 1024 / 1024:.1f}",
                "megabytes": MAX_BYTES // (1024 * 1024),
            }
        )
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(file_name, data, header_names)
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise TableError(
                _(
                    "这个 Excel 文件设置了打开密码，无法读取。请在 Excel 中"
                    "“文件 → 信息 → 保护工作簿 → 用密码进行加密”里清除密码后另存，"
                    "再上传。"
                )
            )
        raise TableError(
            _(
                "这是旧版 Excel 97–2003 文件（.xls），不支持。请在 Excel 中"
                "“另存为 → Excel 工作簿（.xlsx）”后再上传。"
            )
        )
    if data.startswith(b"%PDF"):
        raise TableError(
            _(
                "PDF 文件不能直接导入。请把表格另存为 Excel（.xlsx）或 CSV，"
                "或使用从 PDF 提取的中国银行招聘表文本。"
            )
        )
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and _is_binary(data):
        raise TableError(
            _(
                "无法识别这个文件：它不是 Excel 工作簿（.xlsx）、CSV 文件，"
                "也不是中国银行格式的招聘表文本。"
            )
        )
    text, encoding_note = _decode(data)
    notes = [encoding_note] if encoding_note else []
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise TableError(_("文件里没有任何内容，请检查是否选错了文件。"))
    delimiter = _delimiter(first)
    if delimiter and _header_matches(
        next(csv.reader([first], delimiter=delimiter)), header_names
    ):
        return _read_csv(file_name, text, delimiter, header_names, notes)
    if _looks_like_boc(lines):
        return _read_boc(file_name, text, notes)
    message = _(
        "找不到表头。第一行应是列名，至少包括%(headers)s（与导出的文件相同）；"
        "若是中国银行格式的招聘表文本，应有“%(boc_header)s”表头。"
    ) % {"headers": required_headers(), "boc_header": BOC_HEADER}
    if notes:
        message += _(" 文件不是 UTF-8 编码，如为其他编码请另存为 UTF-8。")
    raise TableError(message)


# --- Text: encodings, CSV and the text table -------------------------------------


def _decode(data):
    """Text and a note on the encoding when it is not UTF-8.

    Excel saves "CSV UTF-8" with a byte-order mark, "Unicode text" as UTF-16
    and plain "CSV" on Chinese Windows as GBK (read as GB18030, its superset).
    """
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8"), ""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16"), _(
            "文件是 UTF-16 编码（Excel“Unicode 文本”），已按此读取。"
        )
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), _(
            "文件是 GBK 编码（中文 Windows 的 CSV），已按 GBK 读取。"
        )
    except UnicodeDecodeError:
        raise TableError(
            _(
                "无法识别文件的文字编码（不是 UTF-8，也不是 GBK）。请在 Excel 中"
                "“另存为 → CSV UTF-8（逗号分隔）”后再上传。"
            )
        ) from None


def _strict(data, encoding):
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise TableError(
            _(
                "文件标明是 %(encoding)s 编码，但其中有无法解码的字节，"
                "可能已损坏。请重新导出或另存后再上传。"
            )
            % {"encoding": encoding.upper()}
        ) from None


def _is_binary(data):
    return b"\x00" in data[:4096]


def _delimiter(line):
    counts = {d: line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def _header_matches(cells, header_names):
    return len({_clean_header(c) for c in cells} & set(header_names)) >= 2


def _clean_header(value):
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


def unescape_csv(value):
    """Undo the export's formula-injection escaping of one CSV cell
    (postings.exports.inert_csv_cell): one apostrophe comes off a cell whose
    apostrophes lead to = + - @, a tab or a carriage return."""
    if value.startswith("'") and value.lstrip("'")[:1] in CSV_FORMULA_TRIGGERS:
        return value[1:]
    return value


def _read_csv(file_name, text, delimiter, header_names, notes):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as error:
        raise TableError(
            _("CSV 文件格式有误（%(error)s），请重新导出或另存后再上传。")
            % {"error": error}
        ) from None
    headers, start = _find_header(records, header_names)

    def rows():
        for offset, values in enumerate(records[start + 1 :], start=start + 2):
            cells = {
                header: unescape_csv(value.strip())
                for header, value in zip(headers, values, strict=False)
                if header
            }
            if any(cells.values()):
                yield SheetRow(offset, cells)

    table = Table("csv", file_name, [h for h in headers if h], rows(), notes)
    _check_row_count(sum(1 for values in records[start + 1 :] if any(values)))
    return table


def _find_header(records, header_names):
    for index, values in enumerate(records):
        if any(str(v).strip() for v in values if v is not None):
            if not _header_matches(values, header_names):
                raise TableError(
                    _(
                        "第一行不是表头。第一行应是列名，至少包括%(headers)s"
                        "（与导出的文件相同）。"
                    )
                    % {"headers": required_headers()}
                )
            return [_clean_header(v) for v in values], index
    raise TableError(_("表格里没有任何内容，请检查是否选错了文件或工作表。"))


def _check_row_count(count):
    if count > MAX_ROWS:
        raise TableError(
            _(
                "表格有 %(count)s 行岗位，超过了每次 %(rows)s 行的上限。"
                "请拆成几个文件分别导入。"
            )
            % {"count": f"{count:,}", "rows": f"{MAX_ROWS:,}"}
        )
    if count == 0:
        raise TableError(_("表格只有表头，没有岗位行。"))


def _looks_like_boc(lines):
    head = {line.strip() for line in lines[:40]}
    return BOC_HEADER in head or (
        "社会招聘岗位职责及任职要求" in head and any("招聘岗位" in h for h in head)
    )


def _read_boc(file_name, text, notes):
    try:
        records = boc_table.parse(text, document=file_name)
    except SourceError as error:
        raise TableError(
            _(
                "第 %(line)s 行不符合中国银行招聘表的格式，未导入任何内容。"
                "（解析器的说明：%(explanation)s）"
            )
            % {"line": error.line, "explanation": error.message}
        ) from error
    _check_row_count(len(records))
    return Table("boc", file_name, [], iter(records), notes)


# --- Excel workbooks ----------------------------------------------------------------


def _read_xlsx(file_name, data, header_names):
    archive = _open_zip(data)
    book = _Workbook(archive)
    name, rows, values = _header_sheet(book, header_names)
    headers = [_clean_header(v) for v in values]
    notes = []
    if len(book.sheets) > 1:
        notes.append(
            _("工作簿有 %(sheets)s 个工作表，只读取“%(sheet)s”。")
            % {"sheets": len(book.sheets), "sheet": name}
        )
    return Table(
        "xlsx",
        file_name,
        [h for h in headers if h],
        _sheet_rows(rows, headers, notes),
        notes,
    )


def _header_sheet(book, header_names):
    """The first sheet whose first row is a header row: its name, its row
    iterator (past the header) and the header's values."""
    for name, member in book.sheets:
        rows = book.rows(member)
        header = next(rows, None)
        if header is not None and _header_matches(header[1], header_names):
            return name, rows, header[1]
    raise TableError(
        _(
            "找不到表头：工作表的第一行应是列名，至少包括%(headers)s"
            "（与导出的文件相同）。"
        )
        % {"headers": required_headers()}
    )


def _sheet_rows(rows, headers, notes):
    """SheetRows of the data rows, streamed; the row limit is checked as
    they are read."""
    count = 0
    formulas = noted_formulas = False
    for number, values, formula_columns in rows:
        cells, uncalculated = {}, []
        for index, header in enumerate(headers):
            if not header:
                continue
            value = values[index] if index < len(values) else None
            if index in formula_columns:
                formulas = True
                if value is None:
                    uncalculated.append(header)
            if isinstance(value, str):
                value = value.strip().replace("\r\n", "\n")
            cells[header] = value
        if any(v not in (None, "") for v in cells.values()) or uncalculated:
            count += 1
            if count > MAX_ROWS:
                _check_row_count(count)
            if formulas and not noted_formulas:
                noted_formulas = True
                notes.append(
                    _("表格中有公式：按 Excel 保存的计算结果读取，不会重新计算公式。")
                )
            yield SheetRow(number, cells, uncalculated)
    if count == 0:
        _check_row_count(0)


class _Forbidden(Exception):
    pass


def _expat(handlers):
    """An expat parser that refuses DTDs and entity declarations (the XML
    attacks defusedxml guards against) and calls ``handlers``."""
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_text = True

    def forbid(*args):
        raise _Forbidden

    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.UnparsedEntityDeclHandler = forbid
    parser.ExternalEntityRefHandler = forbid
    for name, handler in handlers.items():
        setattr(parser, name, handler)
    return parser


def _local(name):
    return name.rsplit(":", 1)[-1]


class _Workbook:
    """Streaming reads of an .xlsx package's parts with expat.

    A workbook's parts are XML; a sheet is read start to end, a row at a
    time, holding only the shared strings (Excel's table of repeated text)
    and one row in memory. Formula cells give the result Excel stored with
    them, and the columns that held a formula are reported.
    """

    MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def __init__(self, archive):
        self.archive = archive
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise TableError(
                _(
                    "这个压缩文件不是 Excel 工作簿（缺少 xl/workbook.xml）。"
                    "请上传 Excel 保存的 .xlsx 文件。"
                )
            )
        targets = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for element in self._elements("xl/_rels/workbook.xml.rels", "Relationship"):
                target = element.get("Target", "")
                target = (
                    target.lstrip("/") if target.startswith("/") else "xl/" + target
                )
                targets[element.get("Id")] = target
        self.sheets = []
        self.date1904 = False
        for tag, element in self._elements("xl/workbook.xml", "sheet", "workbookPr"):
            if tag == "workbookPr":
                self.date1904 = element.get("date1904") in ("1", "true")
                continue
            rid = next((v for k, v in element.items() if _local(k) == "id"), None)
            member = targets.get(rid)
            if member in names:
                self.sheets.append((element.get("name", ""), member))
        self.strings = self._shared_strings() if "xl/sharedStrings.xml" in names else []
        self.date_styles = self._date_styles() if "xl/styles.xml" in names else set()

    def _feed(self, member, parser):
        try:
            with self.archive.open(member) as stream:
                while chunk := stream.read(1 << 16):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _Forbidden:
            raise TableError(FORBIDDEN_XML) from None
        except (xml.parsers.expat.ExpatError, zipfile.BadZipFile, OSError, EOFError):
            raise TableError(CORRUPT) from None

    def _elements(self, member, *wanted):
        """(tag, attributes) of the wanted elements of a small part."""
        found = []

        def start(name, attributes):
            tag = _local(name)
            if tag in wanted:
                found.append((tag, attributes) if len(wanted) > 1 else attributes)

        self._feed(member, _expat({"StartElementHandler": start}))
        return found

    def _shared_strings(self):
        strings, parts, state = [], [], {"in_text": False, "phonetic": 0}

        def start(name, attributes):
            tag = _local(name)
            if tag == "si":
                parts.clear()
            elif tag == "rPh":
                state["phonetic"] += 1  # pronunciation guides are not the text
            elif tag == "t" and not state["phonetic"]:
                state["in_text"] = True

        def end(name):
            tag = _local(name)
            if tag == "si":
                strings.append("".join(parts))
            elif tag == "rPh":
                state["phonetic"] -= 1
            elif tag == "t":
                state["in_text"] = False

        def characters(data):
            if state["in_text"]:
                parts.append(data)

        self._feed(
            "xl/sharedStrings.xml",
            _expat(
                {
                    "StartElementHandler": start,
                    "EndElementHandler": end,
                    "CharacterDataHandler": characters,
                }
            ),
        )
        return strings

    def _date_styles(self):
        """Indexes of cell styles whose number format shows a date."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        custom, styles, state = {}, [], {"in_xfs": False}

        def start(name, attributes):
            tag = _local(name)
            if tag == "numFmt":
                custom[int(attributes.get("numFmtId", -1))] = attributes.get(
                    "formatCode", ""
                )
            elif tag == "cellXfs":
                state["in_xfs"] = True
            elif tag == "xf" and state["in_xfs"]:
                styles.append(int(attributes.get("numFmtId", 0)))

        def end(name):
            if _local(name) == "cellXfs":
                state["in_xfs"] = False

        self._feed(
            "xl/styles.xml",
            _expat({"StartElementHandler": start, "EndElementHandler": end}),
        )
        return {
            index
            for index, format_id in enumerate(styles)
            if is_date_format(
                custom.get(format_id) or BUILTIN_FORMATS.get(format_id, "")
            )
        }

    def rows(self, member):
        """(row number, values, formula column indexes) per non-empty row."""
        pending = []
        row = {"number": 0, "values": {}, "formulas": set()}
        cell = {}
        text = []

        def start(name, attributes):
            tag = _local(name)
            if tag == "c":
                cell.clear()
                cell.update(attributes)
                cell["_column"] = _column_index(attributes.get("r"), row)
                text.clear()
            elif tag in ("v", "t"):
                text.clear()
                cell["_reading"] = tag
            elif tag == "f":
                row["formulas"].add(cell.get("_column"))
            elif tag == "row":
                row["number"] = int(attributes.get("r") or row["number"] + 1)
                row["values"], row["formulas"] = {}, set()
                row["last"] = -1

        def end(name):
            tag = _local(name)
            if tag in ("v", "t") and cell.get("_reading"):
                cell.setdefault("_text", []).append("".join(text))
                cell["_reading"] = None
            elif tag == "c":
                value = self._value(cell)
                if value is not None:
                    row["values"][cell["_column"]] = value
            elif tag == "row":
                values = row["values"]
                if values or row["formulas"]:
                    width = max([*values, *row["formulas"]]) + 1
                    pending.append(
                        (
                            row["number"],
                            [values.get(i) for i in range(width)],
                            set(row["formulas"]),
                        )
                    )

        def characters(data):
            if cell.get("_reading"):
                text.append(data)

        parser = _expat(
            {
                "StartElementHandler": start,
                "EndElementHandler": end,
                "CharacterDataHandler": characters,
            }
        )
        try:
            with self.archive.open(member) as stream:
                while chunk := stream.read(1 << 16):
                    parser.Parse(chunk, False)
                    yield from pending
                    pending.clear()
                parser.Parse(b"", True)
                yield from pending
        except _Forbidden:
            raise TableError(FORBIDDEN_XML) from None
        except (xml.parsers.expat.ExpatError, zipfile.BadZipFile, OSError, EOFError):
            raise TableError(CORRUPT) from None

    def _value(self, cell):
        kind = cell.get("t", "n")
        parts = cell.get("_text")
        if not parts:
            return None
        raw = parts[0] if kind != "inlineStr" else "".join(parts)
        if raw == "" and kind != "inlineStr":
            return None
        if kind == "s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError):
                raise TableError(CORRUPT) from None
        if kind in ("inlineStr", "str", "e"):
            return raw
        if kind == "b":
            return raw == "1"
        try:
            number = float(raw)
        except ValueError:
            return raw
        if int(cell.get("s") or 0) in self.date_styles:
            return _excel_datetime(number, self.date1904)
        return int(number) if number.is_integer() else number


def _column_index(reference, row):
    """0-based column of a cell reference ("C12" -> 2), or the next one."""
    if reference:
        index = 0
        for char in reference:
            if char.isalpha():
                index = index * 26 + ord(char.upper()) - 64
            else:
                break
        row["last"] = index - 1
    else:
        row["last"] = row.get("last", -1) + 1
    return row["last"]


def _excel_datetime(number, date1904):
    epoch = (
        datetime.datetime(1904, 1, 1) if date1904 else datetime.datetime(1899, 12, 30)
    )
    try:
        return epoch + datetime.timedelta(days=number)
    except OverflowError:
        return number


def _open_zip(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise TableError(
            _(
                "Excel 文件已损坏（压缩结构不完整），无法打开。"
                "请在 Excel 中重新打开并另存为 .xlsx 后再上传。"
            )
        ) from error
    inflated = sum(member.file_size for member in members)
    bomb = inflated > MAX_INFLATED_BYTES or any(
        member.file_size > RATIO_FLOOR
        and member.file_size > MAX_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if bomb:
        raise TableError(
            _(
                "文件解压后将有 %(megabytes)s MB，远超正常表格，"
                "疑似“压缩炸弹”，已拒绝（未解压）。请上传 Excel 正常保存的表格。"
            )
            % {"megabytes": f"{inflated / 1024 / 1024:,.0f}"}
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise TableError(
            _("这个压缩文件设置了密码，无法读取。请去掉密码后另存再上传。")
        )
    return archive
