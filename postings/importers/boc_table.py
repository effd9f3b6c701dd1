"""Bank of China's social-recruitment table (PDF text extraction).

Columns: 序号, 招聘机构, 招聘部门/分支机构, 招聘岗位, 岗位职级, 岗位职责, 任职要求,
招聘人数, 工作地点. The extraction turned every cell into one or more lines,
in column order, so a row reads:

    <序号> [招聘机构] [招聘部门] <招聘岗位…> <岗位职级>
    <岗位职责: numbered items, or one paragraph>
    <任职要求: numbered items, numbering restarts at 1>
    <招聘人数> <工作地点、…, wrapped anywhere, even inside a name>

Merged cells are printed once, so a row's institution and department carry
over to the following rows until a new one appears; a new institution
starts without a department unless one is printed. Column headers repeat at
page breaks and are dropped. Anything that does not fit this shape stops the
import with the file and line, rather than guessing.
"""

import re

from .facts import is_preferred_item
from .gazetteer import PROVINCE_OF
from .records import PostingRecord, RequirementItem, SourceError, SourceSpan
from .text import item_number, join_wrapped, split_numbered

DOCUMENT = "000_6f3e1b58b6c4ffdc.txt"
SOURCE_NAME = "中国银行社会招聘岗位表"
EMPLOYER = "中国银行"
# Not in the table, which says nothing of how to apply: the bank's own site,
# where candidates can ask. Every row states its work locations, so no seat.
EMPLOYER_WEBSITE = "https://www.boc.cn/"

_HEADER_LINES = frozenset(
    {
        "社会招聘岗位职责及任职要求",
        "序号 招聘机构",
        "招聘部门/",
        "分支机构",
        "招聘岗位 岗位职级 岗位职责 任职要求",
        "招聘",
        "人数",
        "工作",
        "地点",
    }
)
_GRADE = r"高级经理|助理经理|经理|助理"
_GRADE_ONLY = re.compile(rf"^(?P<grade>{_GRADE})$")
_GRADE_FIRST = re.compile(rf"^(?P<grade>{_GRADE})\s+(?P<after>\S.*)$")
_GRADE_AFTER_TITLE = re.compile(
    rf"^(?P<before>.*?\S)\s+(?P<grade>{_GRADE})(?:\s+(?P<after>\S.*))?$"
)
_GRADE_CONTINUED = re.compile(rf"^/(?:{_GRADE})$")
# "12", "12 安全保卫部 消防管理岗", "4 北京市、上海市", "21": a row number or a
# headcount. Item numbers never match: they are followed by "." or text.
_NUMBER_LINE = re.compile(r"^(?P<number>\d{1,3})(?:\s+(?P<rest>\S.*))?$")
_LOCATION_LINE = re.compile(r"^[\u4e00-\u9fff、]+$")
_INSTITUTION = re.compile(r"^(总行部门|[\u4e00-\u9fff]{2,10}?(?:分行|中心))")
_DEPARTMENT = re.compile(
    r"^([^、]+?(?:部|办公室|网点)(?:、[^、]+?(?:部|办公室|网点))*)"
)


def parse(text, document=DOCUMENT):
    lines = [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and line.strip() not in _HEADER_LINES
    ]
    parser = _Parser(document, lines)
    return parser.rows()


class _Parser:
    def __init__(self, document, lines):
        self.document = document
        self.lines = lines
        self.index = 0
        self.institution = None
        self.department = None

    def error(self, line_number, message):
        return SourceError(self.document, line_number, message)

    def peek(self):
        return self.lines[self.index] if self.index < len(self.lines) else (None, None)

    def last_line_number(self):
        return self.lines[-1][0] if self.lines else 1

    def rows(self):
        records = []
        while self.index < len(self.lines):
            records.append(self.row(expected=len(records) + 1))
        if not records:
            raise self.error(1, "no table rows (序号 1, 2, …) found")
        return records

    def row(self, expected):
        first_line, line = self.peek()
        match = _NUMBER_LINE.match(line)
        if not match or int(match["number"]) != expected:
            raise self.error(
                first_line, f"expected row {expected} (序号) here, found {line[:30]!r}"
            )
        self.index += 1

        header, grade, duty_lines = self.header_and_grade(
            expected, first_line, match["rest"]
        )
        title = self.take_institution_and_department(header, first_line)
        if not title:
            raise self.error(first_line, f"row {expected} has no 招聘岗位")

        duty_lines.extend(
            self.duty_lines(expected, first_line, started=bool(duty_lines))
        )
        requirement_lines = self.requirement_lines(expected)
        headcount, locations, last_line = self.headcount_and_locations(expected)

        duties = tuple(text for _, text, _, _ in split_numbered(duty_lines))
        requirements = tuple(
            RequirementItem(text=text, is_preferred=is_preferred_item(text))
            for _, text, _, _ in split_numbered(requirement_lines)
        )
        return PostingRecord(
            employer=EMPLOYER,
            employer_website=EMPLOYER_WEBSITE,
            institution=self.institution,
            department=self.department,
            title=title,
            grade=grade,
            headcount=headcount,
            locations=locations,
            duties=duties,
            requirements=requirements,
            source=SourceSpan(self.document, expected, first_line, last_line),
        )

    def header_and_grade(self, row, first_line, rest):
        """Collect the 机构/部门/岗位 fragments up to and including the 职级 cell."""
        pieces, duty_lines = [], []
        pending = [(first_line, rest)] if rest else []
        while True:
            if pending:
                line_number, text = pending.pop()
            else:
                line_number, text = self.peek()
                if text is None or _NUMBER_LINE.match(text):
                    raise self.error(
                        line_number or self.last_line_number(),
                        f"row {row} has no 岗位职级",
                    )
                self.index += 1
            split = _split_grade(text)
            if split is None:
                pieces.append(text)
                continue
            before, grade, after = split
            if before:
                pieces.append(before)
            _, next_text = self.peek()
            if next_text is not None and _GRADE_CONTINUED.match(next_text):
                grade += next_text
                self.index += 1
            if after:
                duty_lines.append((line_number, after))
            return join_wrapped(pieces), grade, duty_lines

    def take_institution_and_department(self, header, line_number):
        """Take the institution and department off the front of the header
        text and return what is left: the position's title."""
        institution = _INSTITUTION.match(header)
        if institution:
            self.institution = institution.group(1)
            self.department = None
            header = header[institution.end() :]
        elif self.institution is None:
            raise self.error(line_number, "the first row names no 招聘机构")
        department = _DEPARTMENT.match(header)
        if department:
            self.department = department.group(1)
            header = header[department.end() :]
        return header

    def duty_lines(self, row, first_line, started):
        """岗位职责 lines, up to where the numbering restarts for 任职要求."""
        lines = []
        numbered = False
        while True:
            line_number, text = self.peek()
            if text is None or _NUMBER_LINE.match(text):
                raise self.error(
                    line_number or self.last_line_number(), f"row {row} has no 任职要求"
                )
            if item_number(text) == 1 and (started or lines):
                previous = lines[-1][1] if lines else ""
                # "…主要包括：" introduces the numbered duties; any other
                # restart of the numbering begins the requirements.
                if numbered or not previous.rstrip().endswith(("：", ":")):
                    return lines
            if item_number(text) == 1:
                numbered = True
            lines.append((line_number, text))
            self.index += 1

    def requirement_lines(self, row):
        lines = []
        while True:
            line_number, text = self.peek()
            if text is None:
                raise self.error(
                    self.last_line_number(), f"row {row} has no 招聘人数 or 工作地点"
                )
            if _NUMBER_LINE.match(text):
                return lines
            lines.append((line_number, text))
            self.index += 1

    def headcount_and_locations(self, row):
        line_number, text = self.peek()
        match = _NUMBER_LINE.match(text)
        headcount = int(match["number"])
        if headcount < 1:
            raise self.error(line_number, f"row {row} has a headcount of {headcount}")
        self.index += 1
        pieces = [(line_number, match["rest"])] if match["rest"] else []
        while True:
            next_number, next_text = self.peek()
            if next_text is None or _NUMBER_LINE.match(next_text):
                break
            if not _LOCATION_LINE.match(next_text):
                raise self.error(
                    next_number,
                    f"row {row}: expected more 工作地点 or the next row's 序号, "
                    f"found {next_text[:30]!r} (is a 序号 missing?)",
                )
            pieces.append((next_number, next_text))
            self.index += 1
        if not pieces:
            raise self.error(line_number, f"row {row} has no 工作地点")
        joined = re.sub(r"\s+", "", "".join(text for _, text in pieces))
        locations = tuple(name for name in joined.split("、") if name)
        for name in locations:
            if name not in PROVINCE_OF:
                first, last = pieces[0][0], pieces[-1][0]
                raise self.error(
                    first,
                    f"row {row}: unknown work location {name!r} (lines {first}-{last});"
                    " add it to postings/importers/gazetteer.py if it is a real place",
                )
        return headcount, locations, pieces[-1][0]


def _split_grade(text):
    """(before, grade, after) when the line holds the 职级 cell, else None."""
    for pattern in (_GRADE_ONLY, _GRADE_FIRST, _GRADE_AFTER_TITLE):
        match = pattern.match(text)
        if match:
            groups = match.groupdict()
            return (
                groups.get("before") or "",
                groups["grade"],
                groups.get("after") or "",
            )
    return None
