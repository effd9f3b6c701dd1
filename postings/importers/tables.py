"""Reading an uploaded recruitment table: what file it is, and its rows.

Three kinds of file are accepted:

- an Excel workbook (.xlsx) or a CSV file in the export's columns
  (postings.exports): a header row, then one posting per row;
- a text table in the Bank of China format of the seeds (boc_table), parsed
  by the seed parser, so a second table of that kind needs no new code.

A file is recognised by its content, not its name. Everything that can go
wrong with a file as a whole (not a spreadsheet, encrypted, corrupt, a zip
bomb, empty, an unknown encoding, over the limits) is a TableError with a
Chinese message for HR; problems with a single cell are the planner's
(postings.importers.changes), which reports them per row and column.

Workbooks are read with openpyxl in read-only mode (streamed, and through
defusedxml, which refuses XML entity attacks) after the zip's directory has
been checked: an archive whose members would inflate far beyond the
upload's size is refused before any member is inflated. Formulas are never
evaluated: a formula cell counts as the value Excel or LibreOffice stored
with it, and one without a stored value is an error.
"""

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

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

CORRUPT = "Excel 文件已损坏，无法读取。请在 Excel 中重新打开并另存为 .xlsx 后再上传。"
LIMITS_TEXT = f"文件不超过 {MAX_BYTES // (1024 * 1024)} MB，不超过 {MAX_ROWS:,} 行岗位"


class TableError(Exception):
    """The file cannot be read at all; the message tells HR what to do."""

    def __init__(self, message):
        self.message = message
        super().__init__(message)


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
            "xlsx": "Excel 工作簿",
            "csv": "CSV 文件",
            "boc": "中国银行招聘表（文本）",
        }[self.kind]


def read(file_name, data, *, header_names):
    """The Table in ``data``; raise TableError when it cannot be read.

    ``header_names`` are the column headers an upload may have: a row that
    holds some of them is the header row.
    """
    if not data:
        raise TableError("文件是空的（0 字节），请重新选择要导入的文件。")
    if len(data) > MAX_BYTES:
        raise TableError(
            f"文件有 {len(data) / 1024 / 1024:.1f} MB，超过了 "
            f"{MAX_BYTES // (1024 * 1024)} MB 的上限。请把表格拆成几个文件分别导入。"
        )
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(file_name, data, header_names)
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise TableError(
                "这个 Excel 文件设置了打开密码，无法读取。请在 Excel 中"
                "“文件 → 信息 → 保护工作簿 → 用密码进行加密”里清除密码后另存，再上传。"
            )
        raise TableError(
            "这是旧版 Excel 97–2003 文件（.xls），不支持。请在 Excel 中"
            "“另存为 → Excel 工作簿（.xlsx）”后再上传。"
        )
    if data.startswith(b"%PDF"):
        raise TableError(
            "PDF 文件不能直接导入。请把表格另存为 Excel（.xlsx）或 CSV，"
            "或使用从 PDF 提取的中国银行招聘表文本。"
        )
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and _is_binary(data):
        raise TableError(
            "无法识别这个文件：它不是 Excel 工作簿（.xlsx）、CSV 文件，"
            "也不是中国银行格式的招聘表文本。"
        )
    text, encoding_note = _decode(data)
    notes = [encoding_note] if encoding_note else []
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise TableError("文件里没有任何内容，请检查是否选错了文件。")
    delimiter = _delimiter(first)
    if delimiter and _header_matches(
        next(csv.reader([first], delimiter=delimiter)), header_names
    ):
        return _read_csv(file_name, text, delimiter, header_names, notes)
    if _looks_like_boc(lines):
        return _read_boc(file_name, text, notes)
    raise TableError(
        "找不到表头。第一行应是列名，至少包括“编号”“招聘机构”“岗位名称”"
        "（与导出的文件相同）；若是中国银行格式的招聘表文本，应有“序号 招聘机构”表头。"
        + (" 文件不是 UTF-8 编码，如为其他编码请另存为 UTF-8。" if notes else "")
    )


# --- Text: encodings, CSV and the text table -------------------------------------


def _decode(data):
    """Text and a note on the encoding when it is not UTF-8.

    Excel saves "CSV UTF-8" with a byte-order mark, "Unicode text" as UTF-16
    and plain "CSV" on Chinese Windows as GBK (read as GB18030, its superset).
    """
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8"), ""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(
            data, "utf-16"
        ), "文件是 UTF-16 编码（Excel“Unicode 文本”），已按此读取。"
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(
            "gb18030"
        ), "文件是 GBK 编码（中文 Windows 的 CSV），已按 GBK 读取。"
    except UnicodeDecodeError:
        raise TableError(
            "无法识别文件的文字编码（不是 UTF-8，也不是 GBK）。请在 Excel 中"
            "“另存为 → CSV UTF-8（逗号分隔）”后再上传。"
        ) from None


def _strict(data, encoding):
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise TableError(
            f"文件标明是 {encoding.upper()} 编码，但其中有无法解码的字节，"
            "可能已损坏。请重新导出或另存后再上传。"
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
    """Undo the export's formula-injection escaping of one CSV cell."""
    if len(value) >= 2 and value[0] == "'" and value[1] in CSV_FORMULA_TRIGGERS:
        return value[1:]
    return value


def _read_csv(file_name, text, delimiter, header_names, notes):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as error:
        raise TableError(
            f"CSV 文件格式有误（{error}），请重新导出或另存后再上传。"
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
                    "第一行不是表头。第一行应是列名，至少包括“编号”“招聘机构”"
                    "“岗位名称”（与导出的文件相同）。"
                )
            return [_clean_header(v) for v in values], index
    raise TableError("表格里没有任何内容，请检查是否选错了文件或工作表。")


def _check_row_count(count):
    if count > MAX_ROWS:
        raise TableError(
            f"表格有 {count:,} 行岗位，超过了每次 {MAX_ROWS:,} 行的上限。"
            "请拆成几个文件分别导入。"
        )
    if count == 0:
        raise TableError("表格只有表头，没有岗位行。")


def _looks_like_boc(lines):
    head = {line.strip() for line in lines[:40]}
    return "序号 招聘机构" in head or (
        "社会招聘岗位职责及任职要求" in head and any("招聘岗位" in h for h in head)
    )


def _read_boc(file_name, text, notes):
    try:
        records = boc_table.parse(text, document=file_name)
    except SourceError as error:
        raise TableError(
            f"第 {error.line} 行不符合中国银行招聘表的格式，未导入任何内容。"
            f"（解析器的说明：{error.message}）"
        ) from error
    _check_row_count(len(records))
    return Table("boc", file_name, [], iter(records), notes)


# --- Excel workbooks ----------------------------------------------------------------


def _read_xlsx(file_name, data, header_names):
    archive = _open_zip(data)
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        raise TableError(
            "这个压缩文件不是 Excel 工作簿（缺少 xl/workbook.xml）。"
            "请上传 Excel 保存的 .xlsx 文件。"
        )
    has_formulas = any(
        _contains(archive, name, (b"<f>", b"<f ", b"<x:f>", b"<x:f "))
        for name in names
        if name.startswith("xl/worksheets/") and name.endswith(".xml")
    )
    import openpyxl

    def load(data_only):
        try:
            return openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=data_only
            )
        except Exception as error:  # openpyxl raises many kinds for bad files
            raise TableError(CORRUPT) from error

    workbook = load(data_only=False)
    sheet, header_row = _header_sheet(workbook, header_names)
    headers = [_clean_header(v) for v in header_row[1]]
    if sheet.max_row and sheet.max_row - header_row[0] > MAX_ROWS * 2:
        # The sheet's own dimension says so: refuse before reading it.
        _check_row_count(sheet.max_row - header_row[0])
    notes = []
    if len(workbook.sheetnames) > 1:
        notes.append(
            f"工作簿有 {len(workbook.sheetnames)} 个工作表，只读取“{sheet.title}”。"
        )
    cached = None
    if has_formulas:
        cached = load(data_only=True)[sheet.title]
        notes.append("表格中有公式：按 Excel 保存的计算结果读取，不会重新计算公式。")
    rows = _xlsx_rows(sheet, cached, headers, header_row[0])
    return Table("xlsx", file_name, [h for h in headers if h], rows, notes)


def _open_zip(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise TableError(
            "Excel 文件已损坏（压缩结构不完整），无法打开。"
            "请在 Excel 中重新打开并另存为 .xlsx 后再上传。"
        ) from error
    inflated = sum(member.file_size for member in members)
    bomb = inflated > MAX_INFLATED_BYTES or any(
        member.file_size > RATIO_FLOOR
        and member.file_size > MAX_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if bomb:
        raise TableError(
            f"文件解压后将有 {inflated / 1024 / 1024:,.0f} MB，远超正常表格，"
            "疑似“压缩炸弹”，已拒绝（未解压）。请上传 Excel 正常保存的表格。"
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise TableError("这个压缩文件设置了密码，无法读取。请去掉密码后另存再上传。")
    return archive


def _contains(archive, name, needles):
    """Whether a member's bytes contain any needle, read in chunks."""
    tail = b""
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(1 << 20):
                window = tail + chunk
                if any(needle in window for needle in needles):
                    return True
                tail = window[-8:]
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise TableError(CORRUPT) from error
    return False


def _header_sheet(workbook, header_names):
    """The first sheet whose first non-empty row is a header row."""
    for sheet in workbook.worksheets:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
                if any(v is not None and str(v).strip() for v in values):
                    if _header_matches(values, header_names):
                        return sheet, (number, values)
                    break
        except Exception as error:
            raise TableError(CORRUPT) from error
    raise TableError(
        "找不到表头：工作表的第一行应是列名，至少包括“编号”“招聘机构”“岗位名称”"
        "（与导出的文件相同）。"
    )


def _xlsx_rows(sheet, cached, headers, header_number):
    """The data rows, streamed; the row limit is checked as they are read."""
    start = header_number + 1
    count = 0
    try:
        rows = sheet.iter_rows(min_row=start)
        cached_rows = cached.iter_rows(min_row=start) if cached is not None else None
        for number, cells in enumerate(rows, start=start):
            stored = next(cached_rows) if cached_rows is not None else None
            values, uncalculated = {}, []
            for index, cell in enumerate(cells):
                if index >= len(headers) or not headers[index]:
                    continue
                value = cell.value
                if getattr(cell, "data_type", None) == "f":
                    value = stored[index].value if stored is not None else None
                    if value is None:
                        uncalculated.append(headers[index])
                if isinstance(value, str):
                    value = value.strip().replace("\r\n", "\n")
                values[headers[index]] = value
            if any(v not in (None, "") for v in values.values()) or uncalculated:
                count += 1
                if count > MAX_ROWS:
                    _check_row_count(count)
                yield SheetRow(number, values, uncalculated)
        if count == 0:
            _check_row_count(0)
    except TableError:
        raise
    except Exception as error:
        raise TableError(CORRUPT) from error
