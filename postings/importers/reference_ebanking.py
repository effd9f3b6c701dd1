"""Department and role descriptions in 004, a web collection on e-banking.

The document strings together pages from a document-sharing site. What it
states about real bank departments and roles is imported:

- the front/middle/back-office tiers and the functions of 营业部, 个私业务部
  and 公司业务部 (lines 77-83; pages at 108 and 222 repeat it word for word).
  Every department the tiers name becomes a record with its tier, also the
  seven whose functions the page does not give;
- the roles of a 银行业务部 with duties and requirements (188-195) and the
  电子银行专员 (199-221);
- a bank's head-office departments, misfiled under "银行公司业务部各岗位职责"
  (233-245), and a sub-branch's 办公室 with its 行政管理岗 (248-266);
- 某某银行's 电子银行部 and its 业务管理岗 (269-280);
- an e-banking manual's department duties and roles (286-349), PDF text
  whose columns the extraction scrambled, put back in order by REPAIRS.

Essays ("本文将介绍…"), a 公务卡 regulation, job ads of non-bank companies
and the site's notices are left out; LEFT_OUT lists every line range not
imported, with the reason.

Text is kept as the source words it, with two consistent normalisations:
ASCII , ; : ( ) touching a Chinese character become full-width (and "."
after a Chinese character becomes "。"), and the ";" or "," that chained an
item to the next becomes "。" once the item stands on its own. TYPOS undoes
three doubled words. A record's span covers the lines its name and items
were read from; headings that only name a department are in LEFT_OUT.
"""

import re
from dataclasses import dataclass, replace

from .records import (
    DepartmentRecord,
    RoleItem,
    RoleRecord,
    SourceError,
    SourceSpan,
    in_article,
)
from .text import chinese_numeral, is_wide, join_wrapped, split_numbered, tidy

DOCUMENT = "004_59c47d2529051d11.txt"
SOURCE_NAME = "电子银行部门与岗位职责网页合集"

LEFT_OUT = [
    (
        (1, 58),
        "三篇“电子银行部岗位职责”介绍文章（本文将介绍…/本文旨在…/本篇文章将…）"
        " — introductory essays, no bank's own description",
    ),
    (
        (59, 74),
        "电子银行业务部门泛泛概述（产品经理、运营经理等） — generic overview essay",
    ),
    ((75, 76), "页面标题与<image>占位 — page title and image placeholder"),
    ((84, 107), "“电子银行部岗位职责”介绍文章（本文将分别…） — introductory essay"),
    (
        (108, 116),
        "重复第77-83行（页面标题“中国银行各部门职能”） — repeat, imported once",
    ),
    (
        (117, 126),
        "XX银行公务卡业务管理办法：一种卡产品的管理规定，不是部门或岗位说明，"
        "且在第六条处中断 — a card-product regulation, cut off mid-article",
    ),
    ((127, 135), "2023年银行业务的岗位职责(通用15篇)：非银行公司的招聘启事 — job ads"),
    ((136, 151), "“电子银行部岗位职责”介绍文章（本文将从几个方面探讨…） — essay"),
    (
        (152, 173),
        "银行部门划分概述：博客的部门分类（“请勿深究”“请勿转载”），"
        "在信贷管理部处中断 — a blogger's classification, cut off",
    ),
    ((174, 183), "银行工作部门及岗位职责：原则性短文 — essay on principles"),
    (
        (184, 187),
        "页面标题、<image>占位与岗位概述（本文将介绍…）"
        " — page title, image, essay lead",
    ),
    ((196, 196), "结语（以上是银行业务部岗位的职责和要求…） — closing sentence"),
    ((197, 198), "页面标题与<image>占位 — page title and image placeholder"),
    (
        (222, 230),
        "重复第77-83行（页面标题“银行各个部门的职责”） — repeat, imported once",
    ),
    ((231, 232), "页面标题（与内容不符）与<image>占位 — mislabelled page title, image"),
    ((246, 247), "页面标题与<image>占位 — page title and image placeholder"),
    ((267, 268), "页面标题与<image>占位 — page title and image placeholder"),
    ((281, 283), "文档下载网站的说明（下载文档前请自行甄别…） — download-site notices"),
    ((284, 285), "手册标题“行电子银行业务XXXXXX/部门职责” — manual headings"),
    (
        (324, 326),
        "手册标题“行电子银行业务XXXXXX/岗位设置/电子银行部岗位设置”（只提供部门名称）"
        " — manual headings, name the department only",
    ),
    (
        (350, 351),
        "信息科技部岗位设置：只有第一个岗位（业务开发岗）的半句残文，文档在此结束"
        " — heading and a cut-off fragment; the document ends",
    ),
]


@dataclass(frozen=True)
class Repair:
    """A passage of column-scrambled PDF text put back in reading order.

    ``source`` is the passage exactly as the document has it. ``text`` holds
    the same characters, punctuation included, in the order they are read,
    cut into the pieces the parser takes as they are: one item in the
    department lists; for a role its "N.名称:", an optional "设置专职岗位,"
    and one piece per duty.
    """

    first_line: int
    last_line: int
    source: tuple[str, ...]
    text: tuple[str, ...]


# The manual at lines 284-349 was a table whose cells wrap at about 30
# characters; the extraction emitted each wrapped line's fragments out of
# order (often reversed: "…的各设置专职岗位,业务管理岗:1." is
# "1.业务管理岗:设置专职岗位,负责…的各"). Each entry reads the fragments
# back in the one order that joins the words broken at line ends ("负责组"
# + "织…", "统" + "计") and keeps each sentence whole.
REPAIRS = (
    Repair(
        294,
        295,
        ("责组织电子银行业务需求提出、立项及产品研发。", "(六)负"),
        ("(六)负责组织电子银行业务需求提出、立项及产品研发。",),
    ),
    Repair(
        301,
        302,
        ("并提供科技支撑和服负责对电子银行业务需求进行论证,(一)", "务。"),
        ("(一)负责对电子银行业务需求进行论证,并提供科技支撑和服务。",),
    ),
    Repair(
        304,
        305,
        ("负责协助金电公司托管中心保障电子银行系统安全稳定运(三)", "行。"),
        ("(三)负责协助金电公司托管中心保障电子银行系统安全稳定运行。",),
    ),
    Repair(
        311,
        312,
        (
            "、动态口令卡(又称刮刮卡,下同)USBKEY(二)负责电子银行",
            "等重要空白凭证管理、各支行重空使用监督工作。",
        ),
        (
            "(二)负责电子银行USBKEY、动态口令卡(又称刮刮卡,下同)"
            "等重要空白凭证管理、各支行重空使用监督工作。",
        ),
    ),
    Repair(
        314,
        315,
        ("角色设定及分配负责电子银行内管系统机构管理员维护、(四)", "等管理工作。"),
        ("(四)负责电子银行内管系统机构管理员维护、角色设定及分配等管理工作。",),
    ),
    Repair(
        327,
        331,
        (
            "负责组织制定电子银行业务的各设置专职岗位,业务管理岗:1.",
            "负责电子银行负责电子银行业务开办机构的资格审查;项规章制度;",
            "负责组织系统内电子银行业务培训;内管系统管理录入工作;负责组",
            "负责与农信银沟通协调立项及产品研发;织电子银行业务需求提出、",
            "工作;负责电子银行业务指标制定、落实和考核。",
        ),
        (
            "1.业务管理岗:",
            "设置专职岗位,",
            "负责组织制定电子银行业务的各项规章制度;",
            "负责电子银行业务开办机构的资格审查;",
            "负责电子银行内管系统管理录入工作;",
            "负责组织系统内电子银行业务培训;",
            "负责组织电子银行业务需求提出、立项及产品研发;",
            "负责与农信银沟通协调工作;",
            "负责电子银行业务指标制定、落实和考核。",
        ),
    ),
    Repair(
        332,
        337,
        (
            "负责电子银行业务风险管控设置专职岗位,风险管理监控岗:2.",
            "工作;负责监督检查电子银行的运行和安全情况;负责对可疑交易、",
            "对电子银行业务运营中出现的定期组织安全评估,虚假交易的监控;",
            "安全隐患及时提出控制措施;负责电子银行内管系统管理授权工作;",
            "负责组织系统内电子银行业务培训;负责参与电子银行业务需求提",
            "出、立项及产品研发。",
        ),
        (
            "2.风险管理监控岗:",
            "设置专职岗位,",
            "负责电子银行业务风险管控工作;",
            "负责监督检查电子银行的运行和安全情况;",
            "负责对可疑交易、虚假交易的监控;",
            "定期组织安全评估,对电子银行业务运营中出现的安全隐患及时提出控制措施;",
            "负责电子银行内管系统管理授权工作;",
            "负责组织系统内电子银行业务培训;",
            "负责参与电子银行业务需求提出、立项及产品研发。",
        ),
    ),
    Repair(
        338,
        341,
        (
            "业务测试岗:设置专职岗位,负责电子银行日常业务及系统3.",
            "立项及产品研负责参与电子银行业务需求提出、升级改造测试工作;",
            "发;负责拟定业务测试计划,按业务需求内容进行业务测试、联调测",
            "试。",
        ),
        (
            "3.业务测试岗:",
            "设置专职岗位,",
            "负责电子银行日常业务及系统升级改造测试工作;",
            "负责参与电子银行业务需求提出、立项及产品研发;",
            "负责拟定业务测试计划,按业务需求内容进行业务测试、联调测试。",
        ),
    ),
    Repair(
        342,
        345,
        (
            "负责制定电子银行发展规划、开展业务分析、统业务推广岗:4.",
            "计、组织产品宣传和推广。",
            "负责督导全省电子银行业务宣传、营销、",
            "新业务推广等工作。",
        ),
        (
            "4.业务推广岗:",
            "负责制定电子银行发展规划、开展业务分析、统计、组织产品宣传和推广。",
            "负责督导全省电子银行业务宣传、营销、新业务推广等工作。",
        ),
    ),
    # "负责业务指" must end line 347 and "标完成情况监测、" open line 348; at
    # about 30 characters a line, the 考核 clause shares line 348 with it and
    # "通报工作;" opens line 349. So the printed order is "…监测、负责对…的
    # 考核;通报工作;", odd as it reads: it is kept, as one duty, rather than
    # guessed apart into "监测、通报工作" and a separate 考核 duty.
    Repair(
        346,
        349,
        (
            "负责电子银行业务数据的收集、统计、汇总、分析工:综合岗5.",
            "负责业务指负责向监管部门报送电子银行相关业务报表等材料;作;",
            "负责对电子银行各项故障业务及可疑交易的考核;标完成情况监测、",
            "通报工作;负责电子银行综合管理工作。",
        ),
        (
            "5.综合岗:",
            "负责电子银行业务数据的收集、统计、汇总、分析工作;",
            "负责向监管部门报送电子银行相关业务报表等材料;",
            "负责业务指标完成情况监测、负责对电子银行各项故障业务及可疑交易的考核;通报工作;",
            "负责电子银行综合管理工作。",
        ),
    ),
)

# Slips of the writer's keyboard, not of the extraction: a doubled word.
TYPOS = (
    (243, "住房按按揭", "住房按揭"),
    (298, "负责负责", "负责"),
    (309, "会计核算部部职责", "会计核算部职责"),
)

_TIERS = (
    ("一", "前台市场营销部门", "front"),
    ("二", "中台风险控制部门", "middle"),
    ("三", "后台综合管理部门", "back"),
)
_PAREN_MARKER = re.compile(r"\(([一二三四五六七八九十]{1,3})\)")
_ARABIC_MARKER = re.compile(r"(\d{1,2})\s*[、.．]")
_ITEM_END = ";；。."
# The placeholders read "<…image>data:image/…</…image>"; the tag's prefix
# varies with the tool that extracted the pages.
_IMAGE = re.compile(r"^<[\w:]*image>")
_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）"}


def parse(text: str, document: str = DOCUMENT) -> list[RoleRecord | DepartmentRecord]:
    lines = _fix_typos(text.splitlines(), document)
    records = []

    # Each page of the collection is a source of its own, named by its title
    # (SourceSpan.article): same-named departments on two pages are two
    # organisations' departments, and the public pages say which is which.
    title = "银行各主要部门及部门负责人职能职责"
    first, last = _page(lines, document, title, 1)
    tiers = _tiers(lines, document, first, last)
    records.extend(in_article(tiers, f"《{title}》"))
    first, last = _page(lines, document, "中国银行各部门职能", last + 1)
    _check_repeat(document, tiers, _tiers(lines, document, first, last), first)

    title = "银行业务部岗位职责"
    first, last = _page(lines, document, title, last + 1)
    records.extend(
        in_article(_business_roles(lines, document, first, last), f"《{title}》")
    )
    title = "电子银行专员岗位职责"
    first, last = _page(lines, document, title, last + 1)
    records.extend(
        in_article([_ebanking_officer(lines, document, first, last)], f"《{title}》")
    )

    first, last = _page(lines, document, "银行各个部门的职责", last + 1)
    _check_repeat(document, tiers, _tiers(lines, document, first, last), first)

    title = "银行公司业务部各岗位职责"
    first, last = _page(lines, document, title, last + 1)
    records.extend(
        in_article(_head_office(lines, document, first, last), f"《{title}》")
    )
    title = "银行部门和业务岗位职责"
    first, last = _page(lines, document, title, last + 1)
    records.extend(in_article(_office(lines, document, first, last), f"《{title}》"))
    title = "电子银行业务组织构架及岗位职责"
    first, last = _page(lines, document, title, last + 1, end="- 1、下载文档前")
    records.extend(
        in_article(_ebanking_department(lines, document, first, last), f"《{title}》")
    )

    departments = _manual_part(lines, document, last + 1, "部门职责", "行电子银行业务")
    roles = _manual_part(
        lines, document, departments[1] + 1, "岗位设置", "信息科技部岗位设置"
    )
    for repair in REPAIRS:
        if not any(a <= repair.first_line <= b for a, b in (departments, roles)):
            message = "the repair table has a passage here that the parser never reads"
            raise SourceError(document, repair.first_line, message)
    manual = "《行电子银行业务XXXXXX》手册"
    records.extend(
        in_article(_manual_departments(lines, document, *departments), manual)
    )
    records.extend(in_article(_manual_roles(lines, document, *roles), manual))

    return [
        replace(record, source=replace(record.source, row=row))
        for row, record in enumerate(records, start=1)
    ]


# --- Finding the parts ------------------------------------------------------


def _fix_typos(lines, document):
    lines = list(lines)
    for number, wrong, right in TYPOS:
        if number > len(lines):
            continue  # a cut-off document: the part that ends early says so
        if wrong not in lines[number - 1]:
            raise SourceError(document, number, f"expected {wrong!r} on this line")
        lines[number - 1] = lines[number - 1].replace(wrong, right, 1)
    return lines


def _page(lines, document, title, start, end=None):
    """First and last content line of the site page titled ``title``.

    A page is its title, an "<image>" line, then its text up to the next
    page's title (or, for the last page, the line starting with ``end``).
    """
    heading = _find(lines, document, title, start)
    if heading == len(lines) or not _IMAGE.match(lines[heading]):
        raise SourceError(
            document, heading + 1, f"expected the <image> line of {title!r}"
        )
    for number in range(heading + 3, len(lines) + 1):
        line = lines[number - 1]
        if end is not None and line.startswith(end):
            return heading + 2, number - 1
        if end is None and number < len(lines) and _IMAGE.match(lines[number]):
            return heading + 2, number - 1
    message = f"the page {title!r} (line {heading}) is cut off: the document ends"
    raise SourceError(document, len(lines), message)


def _manual_part(lines, document, start, heading, next_heading):
    """Lines of one part of the manual ("行电子银行业务XXXXXX" + ``heading``)."""
    title = _find(lines, document, "行电子银行业务XXXXXX", start)
    if title >= len(lines) or lines[title].strip() != heading:
        raise SourceError(document, title + 1, f"expected the heading {heading!r}")
    for number in range(title + 2, len(lines) + 1):
        if lines[number - 1].startswith(next_heading):
            return title + 2, number - 1
    message = f"the part {heading!r} (line {title + 1}) is cut off: the document ends"
    raise SourceError(document, len(lines), message)


def _find(lines, document, title, start):
    for number in range(start, len(lines) + 1):
        if lines[number - 1].strip() == title:
            return number
    raise SourceError(document, start, f"heading {title!r} not found from here on")


def _strip_prefix(lines, document, number, prefix):
    line = lines[number - 1].strip()
    if not line.startswith(prefix):
        raise SourceError(
            document, number, f"expected the line to start with {prefix!r}"
        )
    return line[len(prefix) :]


def _check_repeat(document, original, repeat, first):
    """A page repeating another must say the same, or importing once loses text."""

    def content(record):
        return record.name, record.office_tier, record.functions

    for kept, again in zip(original, repeat, strict=False):
        if content(kept) != content(again):
            message = f"{again.name} differs from lines {kept.source.lines}"
            raise SourceError(document, again.source.first_line, message)
    if len(original) != len(repeat):
        message = (
            f"lists {len(repeat)} departments where the first copy has {len(original)}"
        )
        raise SourceError(document, first, message)


# --- The parts --------------------------------------------------------------


def _tiers(lines, document, first, last):
    """Departments by office tier, with the functions of those the page lists."""
    records = []
    for offset, (numeral, tier_name, tier) in enumerate(_TIERS):
        number = first + offset
        line = lines[number - 1].strip()
        if offset == 0:
            line = _strip_prefix(lines, document, number, "一、职能部门设置")
        prefix = f"({numeral}){tier_name}:"
        if not (line.startswith(prefix) and line.endswith("。")):
            raise SourceError(document, number, f"expected {prefix!r}")
        for name in line[len(prefix) : -1].split("、"):
            span = SourceSpan(document, None, number, number)
            records.append(DepartmentRecord(name=name, source=span, office_tier=tier))

    by_name = {record.name: index for index, record in enumerate(records)}
    number = first + len(_TIERS)
    text = _strip_prefix(lines, document, number, "二、部门主要职责")
    blocks = _blocks(
        document, [(number, number, text), *_lines(lines, number + 1, last)]
    )
    for name, segments in blocks:
        if name not in by_name:
            message = f"{name} has functions but no office tier"
            raise SourceError(document, segments[0][0], message)
        items = _numbered(document, segments, _ARABIC_MARKER)
        index = by_name[name]
        record = records[index]
        span = replace(record.source, last_line=segments[-1][1])
        functions = tuple(_item(text) for text, _, _ in items)
        records[index] = replace(record, source=span, functions=functions)
    return records


def _blocks(document, segments):
    """Split "(一)营业部1、…(二)个私业务部1、…" into (name, segments) blocks."""
    blocks = []
    for first, last, text in segments:
        match = re.match(r"\(([一二三四五六七八九十]{1,3})\)([^\d(]+?)(?=\d)", text)
        if match and chinese_numeral(match.group(1)) == len(blocks) + 1:
            blocks.append((match.group(2), [(first, last, text[match.end() :])]))
        elif blocks:
            blocks[-1][1].append((first, last, text))
        else:
            raise SourceError(
                document, first, "expected a department such as (一)营业部"
            )
    return blocks


def _business_roles(lines, document, first, last):
    """Roles of a 银行业务部: duties under "2. 岗位职责", requirements under "3."."""
    duty_lines = _role_lines(lines, document, first, last, "2", "2. 岗位职责")
    requirement_start = duty_lines[-1][0] + 1
    requirement_lines = _role_lines(
        lines, document, requirement_start, last, "3", "3. 岗位要求"
    )
    duty_names = [name for _, name, _ in duty_lines]
    if [name for _, name, _ in requirement_lines] != duty_names:
        message = f"岗位要求 should list the roles of 岗位职责: {duty_names}"
        raise SourceError(document, requirement_start, message)
    records = []
    for (duty_line, name, duties), (requirement_line, _, requirements) in zip(
        duty_lines, requirement_lines, strict=True
    ):
        records.append(
            RoleRecord(
                title=name,
                source=SourceSpan(document, None, duty_line, requirement_line),
                department_name="银行业务部",
                duties=tuple(RoleItem(text) for text in duties),
                requirements=requirements,
            )
        )
    return records


def _role_lines(lines, document, first, last, section, heading):
    """Lines like "2.1 银行柜员- 提供…;- 办理…" as (line, name, bullets)."""
    pattern = re.compile(rf"^{section}\.(\d) (\S+?)- (.+)$")
    start = next(
        (n for n in range(first, last + 1) if lines[n - 1].startswith(heading)), None
    )
    if start is None:
        raise SourceError(document, first, f"expected a line starting with {heading!r}")
    found = []
    for number in range(start, last + 1):
        line = lines[number - 1].strip()
        if number == start:
            line = line[len(heading) :]
        match = pattern.match(line)
        if not match or int(match.group(1)) != len(found) + 1:
            break
        bullets = re.split(r"(?<=[;；])\s*-\s*", match.group(3))
        found.append((number, match.group(2), tuple(_item(b) for b in bullets)))
    if not found:
        raise SourceError(document, start, f"expected {section}.1 after {heading!r}")
    return found


def _ebanking_officer(lines, document, first, last):
    title = "电子银行专员岗位职责"
    if lines[first - 1].strip() != title:
        raise SourceError(document, first, f"expected the heading {title!r}")
    intro_tail = ",其主要职责包括以下几个方面:"
    intro = lines[first].strip()
    if not intro.endswith(intro_tail):
        raise SourceError(
            document, first + 1, f"expected the line to end {intro_tail!r}"
        )
    closing = next(
        (n for n in range(first + 2, last + 1) if lines[n - 1].startswith("总体而言")),
        None,
    )
    if closing is None:
        raise SourceError(document, last, "expected the closing paragraph 总体而言…")
    items = split_numbered(_numbered_lines(lines, first + 2, closing - 1))
    if [number for number, *_ in items] != list(range(1, len(items) + 1)):
        raise SourceError(document, first + 2, "duties should be numbered 1、2、…")
    # The closing paragraph states what the role needs (knowledge, background,
    # skills); its two sentences are kept whole as the requirements.
    closing_text = join_wrapped(
        line for _, line in _numbered_lines(lines, closing, last)
    )
    requirements = tuple(_item(s) for s in re.findall(r"[^。]+。?", closing_text))
    return RoleRecord(
        title=title.removesuffix("岗位职责"),
        source=SourceSpan(document, None, first, last),
        # The intro's tail only announces the list below; the definition
        # before it is the summary.
        summary=_item(intro.removesuffix(intro_tail)) + "。",
        duties=tuple(RoleItem(_item(text)) for _, text, _, _ in items),
        requirements=requirements,
    )


def _head_office(lines, document, first, last):
    """Numbered paragraphs ("1 办公室:…"); an unnumbered line adds a function."""
    records = []
    for number in range(first, last + 1):
        line = lines[number - 1].strip()
        match = re.match(r"^(\d{1,2}) ?([^:：\s]+?) ?[:：] ?(.+)$", line)
        if match and int(match.group(1)) == len(records) + 1:
            span = SourceSpan(document, None, number, number)
            functions = (_item(match.group(3)),)
            records.append(DepartmentRecord(match.group(2), span, functions=functions))
        elif records and line:
            record = records[-1]
            records[-1] = replace(
                record,
                source=replace(record.source, last_line=number),
                functions=(*record.functions, _item(line)),
            )
        elif line:
            raise SourceError(
                document, number, "expected a department such as 1 办公室:"
            )
    return records


def _office(lines, document, first, last):
    """A sub-branch's 办公室 and its roles, items numbered (一)(二)…"""
    text = _strip_prefix(lines, document, first, "部门和业务岗位职责")
    segments = [(first, first, text), *_lines(lines, first + 1, last)]
    heads = []
    for index, (number, _, line) in enumerate(segments):
        department = re.match(r"^(\S+?)部门职责(?=\(一\))", line)
        role = re.match(r"^(\S+?岗)位职责(?=\(一\))", line)
        if department or role:
            heads.append((index, number, bool(department), (department or role)))
    if not heads or not heads[0][2]:
        raise SourceError(
            document, first, "expected a heading such as 办公室部门职责(一)"
        )
    records = []
    department = None
    for position, (index, number, is_department, match) in enumerate(heads):
        end = heads[position + 1][0] if position + 1 < len(heads) else len(segments)
        block = [(number, number, segments[index][2][match.end() :])]
        block += segments[index + 1 : end]
        items = _numbered(document, block, _PAREN_MARKER)
        texts = [_item(text) for text, _, _ in items]
        span = SourceSpan(document, None, number, items[-1][2])
        if is_department:
            department = match.group(1)
            summary = ""
            # The last item, "(十)岗位设置办公室设10个岗位,分别是…", lists
            # the department's posts rather than a function.
            if texts[-1].startswith("岗位设置"):
                summary = texts.pop().removeprefix("岗位设置")
            records.append(
                DepartmentRecord(
                    department, span, summary=summary, functions=tuple(texts)
                )
            )
        else:
            records.append(
                RoleRecord(
                    title=match.group(1),
                    source=span,
                    department_name=department,
                    duties=tuple(RoleItem(text) for text in texts),
                )
            )
    return records


def _ebanking_department(lines, document, first, last):
    """某某银行's 电子银行部: what it is, 13 duties, then its 业务管理岗."""
    lead = "具体职责如下:"
    start = next(
        (n for n in range(first, last + 1) if lines[n - 1].startswith(lead)), None
    )
    if start is None:
        raise SourceError(document, first, f"expected a line starting with {lead!r}")
    summary = _item(join_wrapped(lines[first - 1 : start - 1]))
    match = re.match(r"^(\S+?部)为(\S+?银行)一级部门", summary)
    if not match:
        raise SourceError(document, first, "expected “…部为…银行一级部门”")
    name, organisation = match.groups()

    segments = [(start, start, lines[start - 1].strip()[len(lead) :])]
    segments += _lines(lines, start + 1, last)
    role_at = None
    for index, (number, _, text) in enumerate(segments):
        role = re.search(r"\(一\)([^\d(]+?岗)(?=1、)", text)
        if role:
            role_at = index, number, role
            break
    if role_at is None:
        raise SourceError(document, last, "expected the role list (一)…岗1、…")
    index, number, role = role_at
    text = segments[index][2]
    duty_segments = [*segments[:index], (number, number, text[: role.start()])]
    role_segments = [(number, number, text[role.end() :]), *segments[index + 1 :]]

    functions = _numbered(document, duty_segments, _ARABIC_MARKER)
    duties = _numbered(document, role_segments, _ARABIC_MARKER)
    return [
        DepartmentRecord(
            name=name,
            source=SourceSpan(document, None, first, functions[-1][2]),
            organisation=organisation,
            summary=summary,
            functions=tuple(_item(text) for text, _, _ in functions),
        ),
        RoleRecord(
            title=role.group(1),
            source=SourceSpan(document, None, number, duties[-1][2]),
            organisation=organisation,
            department_name=name,
            duties=tuple(RoleItem(_item(text)) for text, _, _ in duties),
        ),
    ]


_MANUAL_DEPARTMENTS = (
    "电子银行部",
    "信息科技部",
    "会计核算部",
    "内控风险管理部",
    "营业网点",
)


def _manual_departments(lines, document, first, last):
    """The manual's 部门职责: each department's share of e-banking work."""
    segments = [
        (start, end, "".join(pieces))
        for start, end, pieces in _repaired(lines, document, first, last)
    ]
    blocks = []
    for segment in segments:
        expected = len(blocks)
        if (
            expected < len(_MANUAL_DEPARTMENTS)
            and segment[2] == f"{_MANUAL_DEPARTMENTS[expected]}职责"
        ):
            blocks.append((segment, []))
        elif blocks:
            blocks[-1][1].append(segment)
        else:
            raise SourceError(document, segment[0], "expected 电子银行部职责")
    if len(blocks) < len(_MANUAL_DEPARTMENTS):
        missing = _MANUAL_DEPARTMENTS[len(blocks)]
        after = blocks[-1][0][0] if blocks else first
        message = f"heading {missing}职责 not found after line {after}"
        raise SourceError(document, after, message)
    records = []
    for (heading_line, _, heading), block in blocks:
        if not block:
            raise SourceError(document, heading_line, f"{heading} lists no duties")
        if _PAREN_MARKER.match(block[0][2]):
            items = _numbered(document, block, _PAREN_MARKER)
            functions = tuple(_item(text) for text, _, _ in items)
        else:
            # 内控风险管理部 has a single, unnumbered duty.
            functions = (_item(join_wrapped(text for _, _, text in block)),)
        records.append(
            DepartmentRecord(
                name=heading.removesuffix("职责"),
                source=SourceSpan(document, None, heading_line, block[-1][1]),
                functions=functions,
            )
        )
    return records


def _manual_roles(lines, document, first, last):
    """The manual's 电子银行部岗位设置; every role passage comes from REPAIRS."""
    if lines[first - 1].strip() != "电子银行部岗位设置":
        raise SourceError(document, first, "expected the heading 电子银行部岗位设置")
    records = []
    for number, last_line, pieces in _repaired(lines, document, first + 1, last):
        match = re.match(r"^(\d)\.([^:]+?岗):$", pieces[0])
        if not match or int(match.group(1)) != len(records) + 1:
            message = (
                f"expected role {len(records) + 1} such as '1.业务管理岗:'; "
                "a passage the repair table does not cover?"
            )
            raise SourceError(document, number, message)
        duties = list(pieces[1:])
        summary = _item(duties.pop(0)) if duties[:1] == ["设置专职岗位,"] else ""
        records.append(
            RoleRecord(
                title=match.group(2),
                source=SourceSpan(document, None, number, last_line),
                department_name="电子银行部",
                summary=summary,
                duties=tuple(RoleItem(_item(duty)) for duty in duties),
            )
        )
    return records


# --- Items and text ---------------------------------------------------------


def _lines(lines, first, last):
    """Non-blank lines first..last as (first line, last line, text) segments."""
    return [
        (number, number, lines[number - 1].strip())
        for number in range(first, last + 1)
        if lines[number - 1].strip()
    ]


def _numbered_lines(lines, first, last):
    return [(n, lines[n - 1]) for n in range(first, last + 1)]


def _repaired(lines, document, first, last):
    """(first, last, pieces) for lines first..last, REPAIRS passages in order.

    A repair is used only if its lines are still exactly what the table
    expects; anything else means the document changed under the table.
    """
    repairs = {repair.first_line: repair for repair in REPAIRS}
    segments = []
    number = first
    while number <= last:
        repair = repairs.get(number)
        if repair is None:
            if lines[number - 1].strip():
                segments.append((number, number, (lines[number - 1].strip(),)))
            number += 1
            continue
        for offset, expected in enumerate(repair.source):
            at = repair.first_line + offset
            if at > last:
                message = (
                    f"the passage at lines {repair.first_line}-{repair.last_line} "
                    "is cut off"
                )
                raise SourceError(document, last, message)
            if lines[at - 1] != expected:
                message = f"the repair table expects this line to read {expected!r}"
                raise SourceError(document, at, message)
        segments.append((repair.first_line, repair.last_line, repair.text))
        number = repair.last_line + 1
    return segments


def _numbered(document, segments, marker):
    """Split segments at item markers (1、 / 2. / (三)) that come in sequence.

    A marker counts at the start of a segment or right after the end of the
    previous item (; 。 .), and only with the next number, so "10个岗位" or a
    year inside a sentence stays text. Returns (text, first line, last line).
    """
    items = []
    for first, last, text in segments:
        position = 0
        for match in marker.finditer(text):
            before = text[: match.start()].rstrip()
            if before and before[-1] not in _ITEM_END:
                continue
            value = match.group(1)
            value = int(value) if value.isdigit() else chinese_numeral(value)
            if value != len(items) + 1:
                continue
            _extend(document, items, first, last, text[position : match.start()])
            items.append([[], first, last])
            position = match.end()
        _extend(document, items, first, last, text[position:])
    if not items:
        raise SourceError(document, segments[0][0], "expected a numbered list")
    return [(join_wrapped(pieces), first, last) for pieces, first, last in items]


def _extend(document, items, first, last, piece):
    if not piece.strip():
        return
    if not items:
        raise SourceError(document, first, "text before the first numbered item")
    items[-1][0].append(piece)
    items[-1][2] = last


def _item(text):
    """One item as it stands alone: tidy, full-width, ending in 。

    The "；" or "，" that chained the item to the next one becomes "。".
    """
    text = _full_width(text)
    if text.endswith(("；", "，")):
        text = text[:-1] + "。"
    return text


def _full_width(text):
    text = tidy(text)
    chars = []
    for index, char in enumerate(text):
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        touches_chinese = is_wide(before) or is_wide(after)
        if char in _FULL_WIDTH and touches_chinese:
            char = _FULL_WIDTH[char]
        elif char == "." and is_wide(before) and (after == " " or is_wide(after)):
            char = "。"
        chars.append(char)
    # A converted bracket may now stand next to a space ("（ CFCA"); tidy
    # drops it as it drops any space next to Chinese text.
    return tidy("".join(chars))
