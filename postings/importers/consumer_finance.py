"""A consumer-finance company's openings, grouped by 招聘类别 (Word table).

Each table cell starts on a tab-indented line: 招聘类别 (printed once per
group, e.g. "网络金融\\n业务类"), 招聘岗位, 岗位职责, 任职要求. Empty cells
are bare tabs. The document never names the company, so the employer is
named for what the document shows, and the name says it is not the real one.
"""

import re

from .facts import is_preferred_item
from .records import PostingRecord, RequirementItem, SourceError, SourceSpan
from .text import join_wrapped, split_numbered

DOCUMENT = "002_7125a8409aacafa0.txt"
SOURCE_NAME = "消费金融业务人员招聘岗位及任职条件"
# Unnamed, so neither its site nor its seat is known.
EMPLOYER = "某消费金融公司"
EMPLOYER_NOTE = (
    "原文（《消费金融业务人员招聘岗位及任职条件》）未写明用人单位名称，"
    "“某消费金融公司”是本站所加的称呼。"
)

_TITLE = "消费金融业务人员招聘岗位及任职条件"
_TABLE_HEADER = ["招聘类别", "招聘岗位", "岗位职责", "任职要求"]
# Word's bookmark markers leak into the text as "[bookmark: _GoBack]".
_WORD_ARTIFACT = re.compile(r"\[bookmark: [^\]]*\]")


def parse(text, document=DOCUMENT):
    lines = list(enumerate(_WORD_ARTIFACT.sub("", text).splitlines(), start=1))
    if not any(line.strip() == _TITLE for _, line in lines):
        raise SourceError(document, 1, f"title {_TITLE!r} not found")
    cells = _cells(lines)
    if [cell_text for _, cell_text, _ in cells[:4]] != _TABLE_HEADER:
        first = cells[0][0] if cells else 1
        raise SourceError(document, first, f"expected table header {_TABLE_HEADER}")

    records, category, index = [], None, 4
    while index < len(cells):
        first_line, cell_text, _ = cells[index]
        flat = join_wrapped(cell_text.splitlines())
        if flat.endswith("类") and not _starts_numbered(cell_text):
            category = flat
            index += 1
            continue
        row = len(records) + 1
        if category is None:
            raise SourceError(
                document, first_line, "a posting appears before any 招聘类别"
            )
        if index + 2 >= len(cells):
            raise SourceError(
                document, cells[-1][2], f"row {row} ({flat}) is incomplete"
            )
        duties_cell, requirements_cell = cells[index + 1], cells[index + 2]
        for name, cell in (("岗位职责", duties_cell), ("任职要求", requirements_cell)):
            if not _starts_numbered(cell[1]):
                raise SourceError(
                    document, cell[0], f"row {row}: {name} does not start with item 1"
                )
        records.append(
            PostingRecord(
                employer=EMPLOYER,
                employer_note=EMPLOYER_NOTE,
                category=category,
                title=flat,
                duties=tuple(t for _, t, _, _ in _items(duties_cell)),
                requirements=tuple(
                    RequirementItem(text=t, is_preferred=is_preferred_item(t))
                    for _, t, _, _ in _items(requirements_cell)
                ),
                source=SourceSpan(document, row, first_line, requirements_cell[2]),
            )
        )
        index += 3
    if not records:
        raise SourceError(document, cells[3][0], "the table has no rows")
    return records


def _cells(lines):
    cells = []
    for number, line in lines:
        if line.startswith("\t"):
            if line.strip():
                cells.append([number, [line.strip()], number])
            else:
                cells.append(None)  # an empty cell ends the previous one
        elif line.strip() and cells and cells[-1] is not None:
            cells[-1][1].append(line)
            cells[-1][2] = number
    return [
        (first, "\n".join(parts), last) for first, parts, last in filter(None, cells)
    ]


def _starts_numbered(cell_text):
    return cell_text.lstrip().startswith("1")


def _items(cell):
    first_line, text, _ = cell
    return split_numbered(list(enumerate(text.splitlines(), start=first_line)))
