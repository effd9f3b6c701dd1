"""Role descriptions in 003, a web collection of essays on bank IT careers.

Two passages describe roles: the duty lists of 临汾市分行's 信息技术科 with
their scoring weights (lines 9-50), and the duties of 科技负责人 and 科技员
(lines 174-224, given again at 228-278). The rest (inspection reports, work
summaries, the collection's blurb) is listed in LEFT_OUT.

A record's span covers the lines its title and items were read from; the
临汾 heading only supplies the organisation and department, so it is listed
in LEFT_OUT rather than folded into the first list's span.
"""

import re
from dataclasses import replace

from .records import (
    DepartmentRecord,
    RoleItem,
    RoleRecord,
    SourceError,
    SourceSpan,
    in_article,
)
from .text import chinese_numeral, join_wrapped

DOCUMENT = "003_0d44f748fc6be032.txt"
SOURCE_NAME = "《2023年银行信息科技岗职业发展规划》文章合集"

LEFT_OUT = [
    (
        (1, 7),
        "范文合集的标题与引言（“以下是小编为大家收集的优秀范文”）"
        " — essay-collection blurb",
    ),
    (
        (9, 9),
        "临汾市分行信息技术科标题：只提供机构与部门名称"
        " — heading, names organisation and department",
    ),
    ((52, 96), "篇二：会计检查意见书整改报告 — inspection rectification report"),
    (
        (98, 110),
        "银行卡信息泄露风险专项排查自查报告 — bank-card self-inspection report",
    ),
    ((112, 170), "篇三：科技信息部年度工作总结 — year-end work summary"),
    ((172, 172), "合集分篇标题“篇四” — collection part heading"),
    (
        (226, 278),
        "篇五：重复篇四的科技负责人职责、科技员岗位职责，至科技员第十二条文档结束；"
        "只导入第一次出现 — repeat of lines 174-224, imported once",
    ),
]

_LINFEN = "临汾市分行信息技术科岗位职责及考评"
_LINFEN_END = "银行信息科技岗职业发展规划篇二"
_ROLES_START = "银行信息科技岗职业发展规划篇四"
_ROLES_REPEAT = "银行信息科技岗职业发展规划篇五"
_LEAD = "科技负责人职责"
_CLERK = "科技员岗位职责"
_PART_NUMERALS = "一二三四五六七八九"

_MARKER = re.compile(r"([一二三四五六七八九十]{1,3})、")
_WEIGHT = re.compile(r"[(（]\s*(\d{1,3})\s*分\s*[)）]\s*$")
# Line 50 reads "10分) (": item 七's "(10分)" with its opening parenthesis
# moved behind it by the extraction, so a weight standing on a line of its
# own may carry its parentheses on either side.
_LONE_WEIGHT = re.compile(r"^[(（]?\s*(\d{1,3})\s*分\s*[)）]\s*[(（]?$")
_SIGN_OFF_DATE = re.compile(r"\d{4}年\d{1,2}月$")


def parse(text: str, document: str = DOCUMENT) -> list[RoleRecord | DepartmentRecord]:
    """The 临汾 lists, then 科技负责人 and 科技员; this document has no departments."""
    lines = text.splitlines()
    heading = _find(lines, document, 1, _LINFEN, contains=True)
    linfen_end = _find(lines, document, heading + 1, _LINFEN_END, cut_off=heading)
    # The collection's parts are sources of their own (SourceSpan.article).
    records = in_article(_linfen(lines, document, heading, linfen_end - 1), "篇一")

    part = _find(lines, document, linfen_end + 1, _ROLES_START)
    lead = _expect_next(lines, document, part, _LEAD)
    repeat = _find(lines, document, lead + 1, _ROLES_REPEAT, cut_off=lead)
    clerk = _find(lines, document, lead + 1, _CLERK, before=repeat)
    roles = [
        _role(lines, document, lead, clerk - 1, "科技负责人"),
        _role(lines, document, clerk, repeat - 1, "科技员"),
    ]
    _check_repeat(lines, document, repeat, roles)
    records.extend(in_article(roles, "篇四"))
    return [
        replace(record, source=replace(record.source, row=row))
        for row, record in enumerate(records, start=1)
    ]


def _find(lines, document, start, heading, contains=False, cut_off=None, before=None):
    """Number of the first line from ``start`` on that is (or holds) ``heading``.

    ``cut_off`` names the section that ``heading`` closes: without it the
    section runs to the end of the document, which means it was cut short.
    """
    stop = len(lines) if before is None else before - 1
    for number in range(start, stop + 1):
        line = lines[number - 1].strip()
        if line == heading or (contains and heading in line):
            return number
    if cut_off is not None:
        message = (
            f"the section from line {cut_off} is cut off: "
            f"{heading!r} should follow it, but the document ends"
        )
        raise SourceError(document, len(lines), message)
    if before is not None:
        message = f"heading {heading!r} not found between lines {start} and {stop}"
        raise SourceError(document, start, message)
    raise SourceError(document, start, f"heading {heading!r} not found from here on")


def _expect_next(lines, document, after, heading):
    """The line after ``after`` (skipping blank ones) must be ``heading``."""
    for number in range(after + 1, len(lines) + 1):
        line = lines[number - 1].strip()
        if not line:
            continue
        if line != heading:
            message = f"expected the heading {heading!r}, found {line[:30]!r}"
            raise SourceError(document, number, message)
        return number
    raise SourceError(document, len(lines), f"the document ends before {heading!r}")


def _runs(lines, document, first, last):
    """Split lines ``first``..``last`` into lists numbered 一、二、…

    A marker counts only at the start of a line or after a full stop, and
    only when it carries the next number, so "统一、" inside a sentence stays
    text while "…技能。 九、负责…" splits in two. A line opening with 一、
    starts a new list. Each item is a list of (line number, piece) pairs.
    """
    runs = []
    for number in range(first, last + 1):
        line = lines[number - 1].strip()
        if not line:
            continue
        position = 0
        for match in _MARKER.finditer(line):
            before = line[: match.start()].rstrip()
            if before and before[-1] not in "。；;":
                continue
            value = chinese_numeral(match.group(1))
            if value == 1 and not before:
                runs.append([])
            elif not runs or value != len(runs[-1]) + 1:
                continue
            _continue(runs, document, number, line[position : match.start()])
            runs[-1].append([])
            position = match.end()
        _continue(runs, document, number, line[position:])
    if not runs:
        raise SourceError(document, first, "expected a list numbered 一、二、…")
    return runs


def _continue(runs, document, number, piece):
    if not piece.strip():
        return
    if not runs:
        raise SourceError(document, number, "text before item 一")
    runs[-1][-1].append((number, piece))


def _linfen(lines, document, heading, last):
    """The 临汾 lists; the source does not name the three roles, so neither do we."""
    runs = _runs(lines, document, heading + 1, last)
    if len(runs) > len(_PART_NUMERALS):
        raise SourceError(document, heading, f"{len(runs)} lists; expected at most 9")
    records = []
    for index, run in enumerate(runs):
        duties = _weighted(document, run, is_last_list=index == len(runs) - 1)
        span = SourceSpan(document, None, run[0][0][0], run[-1][-1][0])
        title = f"信息技术科岗位职责（第{_PART_NUMERALS[index]}部分）"
        records.append(
            RoleRecord(
                title=title,
                source=span,
                organisation="临汾市分行",
                department_name="信息技术科",
                duties=duties,
            )
        )
    return records


def _weighted(document, run, is_last_list):
    """Items with their weights taken out of the text into RoleItem.weight.

    The extraction moved weights around: most sit at the end of their item,
    some on a line of their own below it (lines 26, 31, 36). Line 40 is a
    second "(15分)" after item 二, which already has its own, directly above
    line 42 where 三 and 四 were glued onto one line and only 四 kept its
    weight: a weight line that follows an item already weighted belongs to
    the next item, so 三 gets 15 rather than no weight at all.
    """
    items, carried = [], None
    for pieces in run:
        texts, own = [], []
        for number, piece in pieces:
            lone = _LONE_WEIGHT.match(piece.strip())
            inline = _WEIGHT.search(piece)
            if lone:
                own.append((number, int(lone.group(1))))
                continue
            if inline:
                own.append((number, int(inline.group(1))))
                piece = piece[: inline.start()]
            texts.append(piece)
        if carried and own:
            message = "a weight on its own line fits neither the item above nor below"
            raise SourceError(document, carried[0], message)
        if len(own) > 2:
            raise SourceError(document, own[2][0], "an item with three weights")
        weight = carried or (own[0] if own else None)
        carried = own[1] if len(own) == 2 else None
        items.append([join_wrapped(texts), weight[1] if weight else None])
    if carried:
        raise SourceError(document, carried[0], "a weight after the list's last item")
    if is_last_list:
        # The 临汾 document was signed "2008年12月"; the extraction glued the
        # date onto the last item (line 48). It is not part of the duty.
        items[-1][0] = _SIGN_OFF_DATE.sub("", items[-1][0])
    return tuple(RoleItem(text, weight) for text, weight in items)


def _role(lines, document, heading, last, title):
    runs = _runs(lines, document, heading + 1, last)
    if len(runs) != 1:
        start = runs[1][0][0][0]
        raise SourceError(document, start, f"{title}: numbering restarts at 一")
    items = runs[0]
    duties = tuple(RoleItem(join_wrapped(piece for _, piece in item)) for item in items)
    span = SourceSpan(document, None, heading, items[-1][-1][0])
    return RoleRecord(title=title, source=span, duties=duties)


def _check_repeat(lines, document, repeat, roles):
    """The second copy must repeat the first, or importing once would lose text.

    The copy breaks off where the document ends (科技员 item 十二), so a list
    may be shorter than the first copy only when it runs to the end.
    """
    if repeat >= _last_text_line(lines):
        return
    lead = _expect_next(lines, document, repeat, _LEAD)
    clerk = _find_optional(lines, lead + 1, _CLERK)
    copies = [(lead, clerk - 1 if clerk else len(lines))]
    if clerk:
        copies.append((clerk, len(lines)))
    for role, (heading, last) in zip(roles, copies, strict=False):
        copy = _role(lines, document, heading, last, role.title)
        expected = role.duties
        if last == len(lines):
            expected = expected[: len(copy.duties)]
        if copy.duties != expected:
            message = f"this copy differs from lines {role.source.lines}"
            raise SourceError(document, heading, message)


def _find_optional(lines, start, heading):
    for number in range(start, len(lines) + 1):
        if lines[number - 1].strip() == heading:
            return number
    return None


def _last_text_line(lines):
    return max((n for n, line in enumerate(lines, start=1) if line.strip()), default=0)
