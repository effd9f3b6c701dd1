"""Bank of Chongqing's internet finance department openings (web table).

The document opens with 应聘者基本要求 that apply to every posting, then a
table whose cells each start on a tab-indented line: 序号, 招聘岗位, 岗位职责,
岗位需求. A requirement cell is numbered by topic ("1、学历及专业：…",
"4、年龄：35岁以下"); 专业能力及素质 lists bullet points whose bullet glyph
the extraction turned into a letter "l" (or into leading spaces).

The document names no headcount and no work location, so those stay unknown.
It is the bank's own table ("我行"), and the bank is named for its city: the
employer's seat, 重庆市, is known, and is shown as the bank's seat, never as
the postings' work location.
"""

import re

from .records import PostingRecord, RequirementItem, SourceError, SourceSpan
from .text import item_number, join_wrapped, split_numbered, strip_item_number

DOCUMENT = "001_d8b25c18b293cb0b.txt"
SOURCE_NAME = "重庆银行互联网金融部社会招聘岗位及要求"
EMPLOYER = "重庆银行"
EMPLOYER_SEAT = "重庆市"
EMPLOYER_SEAT_EVIDENCE = (
    "原文标题《重庆银行互联网金融部社会招聘岗位及要求》：招聘机构为重庆银行，"
    "以所在城市重庆市命名。原文未写明岗位的工作地点。"
)
# Not in the document: the bank's own site, where candidates can ask.
EMPLOYER_WEBSITE = "https://www.cqcbank.com/"
DEPARTMENT = "互联网金融部"
GENERAL_SECTION = "应聘者基本要求"
PREFERENCE_SECTION = "优先录用条件"

_TITLE = "重庆银行互联网金融部社会招聘岗位及要求"
_GENERAL_HEADING = "一、应聘者基本要求"
_TABLE_HEADING = "二、各应聘岗位职责及应聘要求"
_TABLE_HEADER = ["序号", "招聘岗位", "岗位职责", "岗位需求"]
_LABELLED = re.compile(r"^(?P<label>[^：:]{2,10})[：:](?P<text>.*)$")
# The bullet glyph came out as a Latin "l" glued to Chinese text.
_BULLET_GLYPH = re.compile(r"^l(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff；。，])l$")


def parse(text, document=DOCUMENT):
    lines = list(enumerate(text.splitlines(), start=1))

    def find(heading):
        for number, line in lines:
            if line.strip() == heading:
                return number
        raise SourceError(document, 1, f"heading {heading!r} not found")

    find(_TITLE)
    general_at = find(_GENERAL_HEADING)
    table_at = find(_TABLE_HEADING)
    general = [
        RequirementItem(text=item_text, section=GENERAL_SECTION)
        for _, item_text, _, _ in split_numbered(
            [(n, line) for n, line in lines if general_at < n < table_at]
        )
    ]
    if not general:
        raise SourceError(document, general_at, f"{GENERAL_SECTION} lists no items")

    cells = _cells([(n, line) for n, line in lines if n > table_at])
    header = [cell_text for _, cell_text, _ in cells[: len(_TABLE_HEADER)]]
    if header != _TABLE_HEADER:
        raise SourceError(
            document, table_at + 1, f"expected table header {_TABLE_HEADER}"
        )

    records = []
    body = cells[len(_TABLE_HEADER) :]
    for start in range(0, len(body), 4):
        row_cells = body[start : start + 4]
        expected = len(records) + 1
        first_line = row_cells[0][0]
        if len(row_cells) < 4:
            raise SourceError(
                document,
                row_cells[-1][2],
                f"row {expected} is incomplete (needs 4 cells)",
            )
        (_, number, _), (_, title, _), duties_cell, requirements_cell = row_cells
        if number != str(expected):
            raise SourceError(
                document,
                first_line,
                f"expected row {expected} (序号), found {number!r}",
            )
        records.append(
            PostingRecord(
                employer=EMPLOYER,
                employer_website=EMPLOYER_WEBSITE,
                employer_seat=EMPLOYER_SEAT,
                employer_seat_evidence=EMPLOYER_SEAT_EVIDENCE,
                department=DEPARTMENT,
                title=title,
                duties=_duties(document, duties_cell),
                requirements=(*_requirements(document, requirements_cell), *general),
                source=SourceSpan(document, expected, first_line, requirements_cell[2]),
            )
        )
    if not records:
        raise SourceError(document, table_at, "the table has no rows")
    return records


def _cells(lines):
    """(first line, text, last line) per table cell; a cell starts at a tab.

    The text keeps its line breaks, as numbered items need them.
    """
    cells = []
    for number, line in lines:
        if line.startswith("\t") and line.strip():
            cells.append([number, [line.strip()], number])
        elif cells and line.strip():
            cells[-1][1].append(line)
            cells[-1][2] = number
    return [(first, "\n".join(parts), last) for first, parts, last in cells]


def _duties(document, cell):
    first_line, text, _ = cell
    items = split_numbered(list(enumerate(text.splitlines(), start=first_line)))
    if not items or items[0][0] != 1:
        raise SourceError(document, first_line, "岗位职责 does not start with item 1")
    return tuple(item_text for _, item_text, _, _ in items)


def _requirements(document, cell):
    """Topic items; the bullets under a topic become items of that section."""
    first_line, text, _ = cell
    items, expected, section = [], 1, ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if item_number(line) == expected:
            expected += 1
            labelled = _LABELLED.match(strip_item_number(line))
            if not labelled:
                raise SourceError(
                    document, first_line, f"requirement {expected - 1} has no topic"
                )
            section = labelled["label"].strip()
            rest = join_wrapped([labelled["text"]])
            if rest:
                items.append(
                    RequirementItem(
                        text=rest,
                        section=section,
                        is_preferred=section == PREFERENCE_SECTION,
                    )
                )
        else:
            bullet = join_wrapped([_BULLET_GLYPH.sub("", line)])
            if bullet:
                items.append(RequirementItem(text=bullet, section=section))
    if expected == 1:
        raise SourceError(document, first_line, "岗位需求 does not start with item 1")
    return items
