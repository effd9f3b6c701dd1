"""The reference-content parsers (003, 004) against hand-verified expectations.

Every expected value below was read off the source documents by hand (line
numbers refer to fixtures/sources/), not copied from the parser's output.
"""

import re
from collections import Counter
from pathlib import Path

import pytest

from postings.importers import reference_ebanking, reference_it_roles
from postings.importers.records import DepartmentRecord, RoleRecord, SourceError
from postings.importers.text import chinese_numeral

SOURCES = Path(__file__).resolve().parent.parent / "fixtures" / "sources"
CJK = "\u4e00-\u9fff"
# Punctuation the parsers may normalise (ASCII to full-width, ";" to "。").
PUNCTUATION = set(",;:().，；：（）。")


def read(document):
    return (SOURCES / document).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def it_roles():
    return reference_it_roles.parse(read(reference_it_roles.DOCUMENT))


@pytest.fixture(scope="module")
def ebanking():
    return reference_ebanking.parse(read(reference_ebanking.DOCUMENT))


def name(record):
    return record.title if isinstance(record, RoleRecord) else record.name


def by_span(records, first_line):
    (record,) = [r for r in records if r.source.first_line == first_line]
    return record


def items(record):
    if isinstance(record, RoleRecord):
        return [duty.text for duty in record.duties] + list(record.requirements)
    return list(record.functions)


def all_texts(record):
    texts = [name(record), record.summary, record.organisation, *items(record)]
    if isinstance(record, RoleRecord):
        texts.append(record.department_name)
    return texts


def letters(text):
    return Counter(c for c in text if not c.isspace() and c not in PUNCTUATION)


def cut(document, keep_lines):
    return "\n".join(read(document).splitlines()[:keep_lines])


def altered(document, line, new_text):
    lines = read(document).splitlines()
    lines[line - 1] = new_text
    return "\n".join(lines)


# --- 003: 临汾市分行信息技术科, 科技负责人, 科技员 ------------------------------


def test_it_roles_records_in_order(it_roles):
    assert [
        (r.source.row, r.title, r.source.first_line, r.source.last_line, len(r.duties))
        for r in it_roles
    ] == [
        (1, "信息技术科岗位职责（第一部分）", 11, 21, 6),
        (2, "信息技术科岗位职责（第二部分）", 23, 33, 4),
        (3, "信息技术科岗位职责（第三部分）", 35, 50, 7),
        (4, "科技负责人", 174, 200, 14),
        (5, "科技员", 202, 224, 13),
    ]
    assert {r.source.document for r in it_roles} == {reference_it_roles.DOCUMENT}


def test_linfen_lists_name_the_branch_and_department_but_no_role(it_roles):
    for record in it_roles[:3]:
        assert record.organisation == "临汾市分行"
        assert record.department_name == "信息技术科"
    for record in it_roles[3:]:
        assert (record.organisation, record.department_name) == ("", "")


def test_linfen_weights_move_into_the_weight_field(it_roles):
    weights = [[duty.weight for duty in record.duties] for record in it_roles[:3]]
    assert weights == [
        [10, 15, 10, 20, 15, 10],
        [20, 20, 20, 20],
        # 三 takes the "(15分)" of line 40; 七 the garbled "10分) (" of line 50.
        [15, 15, 15, 15, 15, 15, 10],
    ]
    for record in it_roles:
        for duty in record.duties:
            assert not re.search(r"\d+\s*分\s*[)）]", duty.text), duty.text
    assert all(duty.weight is None for r in it_roles[3:] for duty in r.duties)


def test_linfen_items_survive_the_extraction_damage(it_roles):
    first, second, third = it_roles[:3]
    assert first.duties[0].text == (
        "认真贯彻执行上级行和本行有关信息化建设、规划的方针、政策、方案，并组织实施。"
    )
    # Lines 23-26: wrapped in the middle of 高效, weight on a line of its own.
    assert second.duties[0].text == (
        "认真做好全市系统内计算机网络建设、升级工程的技术服务、网络检测调试和"
        "网络维护工作，确保计算机网络的高效、安全稳定运行，发现故障及时排除，"
        "保证网络畅通。"
    )
    # Line 42 holds items 三 and 四.
    assert third.duties[2].text == "负责本辖区计算机应用软件的运行和维护工作。"
    assert third.duties[3].text == "负责本辖区计算机设备的使用、维护和管理工作。"
    # Line 48: the document's date "2008年12月" is not part of item 七.
    assert third.duties[-1].text == "办理上级行交办的其他事项。"
    assert not any("2008" in text for r in it_roles for text in all_texts(r))


def test_lead_and_clerk_items_split_where_lines_hold_several(it_roles):
    lead, clerk = it_roles[3], it_roles[4]
    assert lead.duties[0].text == (
        "本行办公室下设科技信息中心，办公室全面负责科技信息中心管理工作，"
        "组织本部门人员完成计划工作任务。"
    )
    # Line 190: "…操作技能。 九、负责…"
    assert lead.duties[7].text == (
        "负责制定年度计算机培训计划，合理安排培训计划的实施，提高全辖员工的计算机操作技能。"
    )
    assert lead.duties[8].text == (
        "负责科技队伍的团队建设，加强对科技人员技术水平和工作能力的培养。"
    )
    assert lead.duties[-1].text == "完成单位分配和领导安排的其他工作任务。"
    assert clerk.duties[1].text == (
        "负责ip地址规划、配置，确保ip地址的合理性、有效性和安全性。"
    )
    # Line 210: "…正常运行。五、负责…。六、加强…"
    assert clerk.duties[3].text == (
        "掌握现有网络设备（路由器、交换机等）的安装、管理、维护的技能，"
        "确保网络设备正常运行。"
    )
    assert clerk.duties[4].text == "负责向操作员传授设备的基本性能、使用常识和方法。"
    assert clerk.duties[5].text == (
        "加强计算机设备管理，定期对网点计算机设备运行检查，确保计算机设备安全使用，"
        "减少故障率。"
    )
    assert clerk.duties[-1].text == "完成单位分配和领导安排的其他工作任务。"


def test_it_roles_repeated_at_228_are_imported_once(it_roles):
    titles = [r.title for r in it_roles]
    assert titles.count("科技负责人") == 1
    assert titles.count("科技员") == 1
    assert all(r.source.last_line < 226 for r in it_roles)


def test_it_roles_repeat_that_differs_is_an_error():
    text = altered(
        reference_it_roles.DOCUMENT,
        232,
        "二、办公室拟订本部门年度计划、工作实施方案，提出工作措施，报批后组织实施。",
    )
    with pytest.raises(SourceError) as error:
        reference_it_roles.parse(text)
    assert error.value.line == 228
    assert "174-200" in error.value.message


@pytest.mark.parametrize(
    ("keep_lines", "line", "mentions"),
    [
        (139, 53, "篇四"),  # cut in the middle of the document
        (30, 30, "篇二"),  # cut inside the 临汾 lists
        (214, 214, "篇五"),  # cut inside the first 科技员 list
    ],
)
def test_truncated_it_roles_document_names_the_line(keep_lines, line, mentions):
    text = cut(reference_it_roles.DOCUMENT, keep_lines)
    with pytest.raises(SourceError) as error:
        reference_it_roles.parse(text)
    assert error.value.document == reference_it_roles.DOCUMENT
    assert error.value.line == line
    assert mentions in error.value.message


@pytest.mark.parametrize(
    ("line", "new_text", "error_line", "mentions"),
    [
        (174, "科技主管职责", 174, "科技负责人职责"),
        (9, "临汾市分行信息技术科岗位职责", 1, "临汾市分行信息技术科岗位职责及考评"),
    ],
)
def test_it_roles_with_an_altered_heading_is_an_error(
    line, new_text, error_line, mentions
):
    text = altered(reference_it_roles.DOCUMENT, line, new_text)
    with pytest.raises(SourceError) as error:
        reference_it_roles.parse(text)
    assert error.value.line == error_line
    assert mentions in error.value.message


# --- 004: e-banking departments and roles -----------------------------------

EBANKING_RECORDS = [
    # (kind, name, first line, last line, number of functions or duties)
    ("D", "营业部", 77, 81, 11),
    ("D", "个私业务部", 77, 82, 8),
    ("D", "公司业务部", 77, 83, 7),
    ("D", "电子银行部", 77, 77, 0),
    ("D", "风险管理部", 78, 78, 0),
    ("D", "审计稽核部", 78, 78, 0),
    ("D", "监察保卫部", 78, 78, 0),
    ("D", "综合管理部", 79, 79, 0),
    ("D", "人力资源部", 79, 79, 0),
    ("D", "财务会计部", 79, 79, 0),
    ("R", "银行柜员", 188, 192, 4),
    ("R", "业务助理", 189, 193, 4),
    ("R", "贷款专员", 190, 194, 4),
    ("R", "培训主管", 191, 195, 4),
    ("R", "电子银行专员", 199, 221, 6),
    ("D", "办公室", 233, 233, 1),
    ("D", "管理信息部", 234, 235, 2),
    ("D", "计划财务部", 236, 237, 2),
    ("D", "资金营运部", 238, 239, 2),
    ("D", "个人金融业务部", 240, 240, 1),
    ("D", "公司业务部", 241, 241, 1),
    ("D", "信贷管理部", 242, 242, 1),
    ("D", "住房金融业务部", 243, 243, 1),
    ("D", "资产风险管理部", 244, 245, 2),
    ("D", "办公室", 248, 257, 9),
    ("R", "行政管理岗", 258, 266, 5),
    ("D", "电子银行部", 269, 280, 13),
    ("R", "业务管理岗", 280, 280, 9),
    ("D", "电子银行部", 286, 299, 9),
    ("D", "信息科技部", 300, 308, 6),
    ("D", "会计核算部", 309, 316, 5),
    ("D", "内控风险管理部", 317, 318, 1),
    ("D", "营业网点", 319, 323, 3),
    ("R", "业务管理岗", 327, 331, 7),
    ("R", "风险管理监控岗", 332, 337, 7),
    ("R", "业务测试岗", 338, 341, 3),
    ("R", "业务推广岗", 342, 345, 2),
    ("R", "综合岗", 346, 349, 4),
]


def test_ebanking_records_in_order(ebanking):
    produced = []
    for record in ebanking:
        kind = "R" if isinstance(record, RoleRecord) else "D"
        count = len(record.duties) if kind == "R" else len(record.functions)
        span = record.source
        produced.append((kind, name(record), span.first_line, span.last_line, count))
    assert produced == EBANKING_RECORDS
    assert [r.source.row for r in ebanking] == list(range(1, len(EBANKING_RECORDS) + 1))
    assert {r.source.document for r in ebanking} == {reference_ebanking.DOCUMENT}


def test_parsing_twice_gives_the_same_rows():
    text = read(reference_ebanking.DOCUMENT)
    assert reference_ebanking.parse(text) == reference_ebanking.parse(text)
    text = read(reference_it_roles.DOCUMENT)
    assert reference_it_roles.parse(text) == reference_it_roles.parse(text)


def test_office_tiers_and_front_office_functions(ebanking):
    tiers = {r.name: r.office_tier for r in ebanking[:10]}
    assert tiers == {
        "营业部": "front",
        "个私业务部": "front",
        "公司业务部": "front",
        "电子银行部": "front",
        "风险管理部": "middle",
        "审计稽核部": "middle",
        "监察保卫部": "middle",
        "综合管理部": "back",
        "人力资源部": "back",
        "财务会计部": "back",
    }
    assert all(r.office_tier == "" for r in ebanking[10:] if hasattr(r, "office_tier"))
    branch, personal, company = ebanking[:3]
    assert branch.functions[0] == "负责办理总行对外经营的各项业务。"
    # Item 5 opens line 81, the line after items 1-4.
    assert branch.functions[4] == (
        "拟订资金营运相关制度和操作规程，负责全行资金营运管理，保持适度的备付金比例。"
    )
    assert branch.functions[-1] == (
        "负责开发银行、保险公司、证券公司、基金公司等同业间的资金融通业务。"
    )
    assert personal.functions[3] == "负责个人征信系统的运用和管理。"
    # Line 83 numbers item 3 "3. " where the others have "3、".
    assert (
        company.functions[2] == "负责公司类业务产品的整合和创新，产品品牌的策划和宣传。"
    )
    assert company.functions[-1] == (
        "拟订公司类业务相关制度和操作规程，会同有关部门，"
        "对公司类业务相关制度执行情况进行检查。"
    )


def test_department_pages_repeated_at_108_and_222_are_imported_once(ebanking):
    names = [name(r) for r in ebanking]
    assert names.count("营业部") == 1
    assert names.count("个私业务部") == 1
    for record in ebanking:
        span = range(record.source.first_line, record.source.last_line + 1)
        assert not set(span) & (set(range(108, 117)) | set(range(222, 231)))


def test_department_repeat_that_differs_is_an_error():
    lines = read(reference_ebanking.DOCUMENT).splitlines()
    text = altered(
        reference_ebanking.DOCUMENT, 229, lines[228].replace("个人征信", "企业征信")
    )
    with pytest.raises(SourceError) as error:
        reference_ebanking.parse(text)
    assert error.value.line == 224
    assert "个私业务部" in error.value.message


def test_business_department_roles_have_duties_and_requirements(ebanking):
    teller = by_span(ebanking, 188)
    assert teller.department_name == "银行业务部"
    assert [d.text for d in teller.duties] == [
        "提供日常柜面服务，包括存取款、汇款业务等。",
        "办理各类支付结算业务，确保交易准确无误。",
        "提供基本银行业务咨询和解答客户疑问。",
        "处理客户投诉和异常情况，维护客户关系。",
    ]
    assert teller.requirements[0] == "具备良好的沟通能力和服务意识。"
    trainer = by_span(ebanking, 191)
    assert trainer.requirements == (
        "具备较强的金融知识和理论基础。",
        "具备一定的培训和教育经验。",
        "具备良好的组织和管理能力。",
        "具备创新和研究的意识。",
    )


def test_ebanking_officer(ebanking):
    officer = by_span(ebanking, 199)
    assert (
        officer.summary == "电子银行专员是指负责银行电子化银行产品相关业务的专业人员。"
    )
    # Lines 210-212 wrap twice in the middle of 风险.
    assert officer.duties[3].text == (
        "风险管理：电子银行专员需要负责评估银行电子化业务的风险水平，"
        "制定相应的风险控制措施，建立相关的信息安全体系和风险防范措施。"
    )
    assert officer.requirements == (
        "总体而言，电子银行专员需要对银行的电子化银行业务有深入的了解，"
        "具有较强的信息技术背景和业务分析及团队管理能力。",
        "同时，还需要具备优秀的沟通和人际交往能力，能够快速响应客户的需求，"
        "并针对客户提出的问题给出准确的答复。",
    )


def test_head_office_departments_and_sub_branch_office(ebanking):
    planning = by_span(ebanking, 236)
    assert planning.functions[1] == "考核分行行长和部门目标责任制执行情况。"
    housing = by_span(ebanking, 243)
    assert housing.functions == (
        "负责全行住房金融政策、制度制定以及业务营销、监控和管理；负责住房按揭证券化工作。",
    )
    office = by_span(ebanking, 248)
    assert office.summary.startswith("办公室设10个岗位，分别是行政管理岗、")
    assert office.functions[-1] == "做好行领导交办的其他工作。"
    clerk = by_span(ebanking, 258)
    assert clerk.department_name == "办公室"
    # Lines 260-262: item 三 runs over three lines and ends where (四) begins.
    assert clerk.duties[2].text == (
        "做好行长办公会议、行务会议、职工会议记录和会议纪要的起草工作。摘录拟定大事记。"
        "认真开展调查研究，做好信息和工作动态收集、整理及宣传、报道工作。"
    )
    assert clerk.duties[3].text.startswith("组织开展员工素质提升工作中的学习培训")


def test_ebanking_department_of_the_named_bank(ebanking):
    department = by_span(ebanking, 269)
    assert department.organisation == "某某银行"
    assert department.summary == (
        "电子银行部为某某银行一级部门，负责全行电子银行（含网上银行、手机银行）、"
        "客户服务中心及网站的经营管理。按照银监会“业务管理与营销分离”的原则，"
        "某某银行电子银行部相应地成立业务管理室、产品室、业务运行室和客户服务中心。"
    )
    assert department.functions[0] == (
        "搜集、分析国内外银行电子银行业务的发展动态，组织行内电子银行业务研讨和交流，"
        "研究电子银行发展趋势，制定全行电子银行业务发展规划，并组织实施。"
    )
    # Line 277 holds items 9 and 10.
    assert department.functions[9] == "负责电话营销。"
    assert department.functions[-1] == "完成领导交办的其他工作。"
    role = by_span(ebanking, 280)
    assert (role.organisation, role.department_name) == ("某某银行", "电子银行部")
    assert role.duties[0].text == (
        "负责与银监会、人民银行等监管机构的沟通协调及新产品报批报备工作，"
        "落实各项监管要求。"
    )
    assert role.duties[6].text == (
        "负责与银联、中国金融认证中心（CFCA）等组织的沟通及专业协作，"
        "确定数字证书等各项安全应用策略，并监督落实。"
    )
    assert role.duties[-1].text == "完成领导交办的其他工作。"


def test_manual_departments_read_in_order(ebanking):
    ebank, it, accounting, risk, outlets = (
        by_span(ebanking, line) for line in (286, 300, 309, 317, 319)
    )
    assert ebank.functions[5] == "负责组织电子银行业务需求提出、立项及产品研发。"
    assert ebank.functions[-1] == (
        "负责向监管部门报送电子银行相关业务报表等材料；与农信银沟通协调。"
    )
    assert it.functions[0] == "负责对电子银行业务需求进行论证，并提供科技支撑和服务。"
    assert it.functions[2] == "负责协助金电公司托管中心保障电子银行系统安全稳定运行。"
    assert accounting.functions[1] == (
        "负责电子银行USBKEY、动态口令卡（又称刮刮卡，下同）等重要空白凭证管理、"
        "各支行重空使用监督工作。"
    )
    assert accounting.functions[3] == (
        "负责电子银行内管系统机构管理员维护、角色设定及分配等管理工作。"
    )
    assert risk.functions == ("负责电子银行全面风险管控工作。",)
    assert outlets.functions[1] == (
        "负责受理客户电子银行业务申请，审核相关资料，办理注册、变更、注销等事项，"
        "负责客户资料、认证工具管理。"
    )


def test_manual_roles_read_in_order(ebanking):
    roles = ebanking[-5:]
    assert [r.summary for r in roles] == ["设置专职岗位。"] * 3 + ["", ""]
    assert all(r.department_name == "电子银行部" for r in roles)
    assert [d.text for d in roles[0].duties] == [
        "负责组织制定电子银行业务的各项规章制度。",
        "负责电子银行业务开办机构的资格审查。",
        "负责电子银行内管系统管理录入工作。",
        "负责组织系统内电子银行业务培训。",
        "负责组织电子银行业务需求提出、立项及产品研发。",
        "负责与农信银沟通协调工作。",
        "负责电子银行业务指标制定、落实和考核。",
    ]
    assert roles[1].duties[3].text == (
        "定期组织安全评估，对电子银行业务运营中出现的安全隐患及时提出控制措施。"
    )
    assert roles[3].duties[0].text == (
        "负责制定电子银行发展规划、开展业务分析、统计、组织产品宣传和推广。"
    )
    # Kept in the printed order (see the REPAIRS entry for lines 346-349).
    assert roles[4].duties[2].text == (
        "负责业务指标完成情况监测、负责对电子银行各项故障业务及可疑交易的考核；通报工作。"
    )


@pytest.mark.parametrize(
    "repair", reference_ebanking.REPAIRS, ids=lambda r: f"{r.first_line}-{r.last_line}"
)
def test_repair_holds_exactly_the_characters_of_its_source_lines(repair):
    lines = read(reference_ebanking.DOCUMENT).splitlines()
    source = lines[repair.first_line - 1 : repair.last_line]
    assert list(repair.source) == source
    no_space = Counter(c for c in "".join(source) if not c.isspace())
    assert Counter(c for c in "".join(repair.text) if not c.isspace()) == no_space


def test_repaired_roles_lose_and_invent_nothing(ebanking):
    lines = read(reference_ebanking.DOCUMENT).splitlines()
    for number, role in enumerate(ebanking[-5:], start=1):
        source = "".join(lines[role.source.first_line - 1 : role.source.last_line])
        produced = role.title + role.summary + "".join(d.text for d in role.duties)
        assert letters(produced) + Counter(str(number)) == letters(source), role.title


def test_repaired_department_items_lose_and_invent_nothing(ebanking):
    departments = ebanking[-10:-5]
    lines = read(reference_ebanking.DOCUMENT).splitlines()
    for repair in reference_ebanking.REPAIRS:
        if repair.first_line > 323:
            continue
        (department,) = [
            d
            for d in departments
            if d.source.first_line <= repair.first_line <= d.source.last_line
        ]
        numeral = re.match(r"\((\w)\)", repair.text[0]).group(1)
        function = department.functions[chinese_numeral(numeral) - 1]
        source = "".join(lines[repair.first_line - 1 : repair.last_line])
        assert letters(function) + Counter(numeral) == letters(source)


def test_repair_table_must_match_the_document():
    text = altered(
        reference_ebanking.DOCUMENT,
        329,
        "负责组织系统内电子银行业务培训;内管系统管理录入工作;负责",
    )
    with pytest.raises(SourceError) as error:
        reference_ebanking.parse(text)
    assert error.value.line == 329
    assert "repair table" in error.value.message


def test_doubled_words_are_fixed_where_the_table_says(ebanking):
    for _, wrong, right in reference_ebanking.TYPOS:
        extra = "".join((Counter(wrong) - Counter(right)).elements())
        assert extra and extra + extra in wrong
        assert wrong.replace(extra + extra, extra, 1) == right
    texts = [text for record in ebanking for text in all_texts(record)]
    assert not any("负责负责" in t or "部部" in t or "按按揭" in t for t in texts)
    text = altered(reference_ebanking.DOCUMENT, 309, "会计核算部职责")
    with pytest.raises(SourceError) as error:
        reference_ebanking.parse(text)
    assert error.value.line == 309


@pytest.mark.parametrize(
    ("keep_lines", "line", "mentions"),
    [
        (175, 117, "银行业务部岗位职责"),  # cut in the middle of the document
        (82, 82, "银行各主要部门及部门负责人职能职责"),  # cut inside the tiers page
        (340, 340, "岗位设置"),  # cut inside the scrambled roles
    ],
)
def test_truncated_ebanking_document_names_the_line(keep_lines, line, mentions):
    text = cut(reference_ebanking.DOCUMENT, keep_lines)
    with pytest.raises(SourceError) as error:
        reference_ebanking.parse(text)
    assert error.value.document == reference_ebanking.DOCUMENT
    assert error.value.line == line
    assert mentions in error.value.message


@pytest.mark.parametrize(
    ("line", "new_text", "error_line", "mentions"),
    [
        (246, "银行部门职责", 246, "银行部门和业务岗位职责"),
        # Missed after the heading before it, 会计核算部职责 at line 309.
        (317, "内控部职责", 309, "内控风险管理部职责"),
    ],
)
def test_ebanking_with_an_altered_heading_is_an_error(
    line, new_text, error_line, mentions
):
    text = altered(reference_ebanking.DOCUMENT, line, new_text)
    with pytest.raises(SourceError) as error:
        reference_ebanking.parse(text)
    assert error.value.document == reference_ebanking.DOCUMENT
    assert error.value.line == error_line
    assert mentions in error.value.message


# --- Both documents -----------------------------------------------------------

LEFT_OUT_MARKERS = [
    "整改",  # 003 rectification report
    "自查",  # 003 bank-card self-inspection
    "小编",  # 003 essay collection blurb
    "篇",  # collection part headings
    "下载文档",  # 004 download-site notice
    "公务卡",  # 004 regulation
    "image",  # <image> placeholders
    "data:",
    "本文",  # essays
    "华南银行",  # 004 job ads of non-bank companies
    "请勿",  # 004 blog classification
]


@pytest.mark.parametrize("fixture", ["it_roles", "ebanking"])
def test_left_out_material_appears_in_no_record(request, fixture):
    texts = [t for r in request.getfixturevalue(fixture) for t in all_texts(r)]
    for marker in LEFT_OUT_MARKERS:
        assert not any(marker in text for text in texts), marker


@pytest.mark.parametrize("fixture", ["it_roles", "ebanking"])
def test_no_text_has_a_line_break_a_split_word_or_ascii_punctuation(request, fixture):
    for record in request.getfixturevalue(fixture):
        for text in all_texts(record):
            assert "\n" not in text
            assert not re.search(rf"[{CJK}]\s+[{CJK}]", text), text
            assert not re.search(rf"[{CJK}][,;:()]|[,;:()][{CJK}]", text), text
            assert text == text.strip()
        assert all(items(record)), name(record)


@pytest.mark.parametrize(
    ("module", "fixture"),
    [(reference_it_roles, "it_roles"), (reference_ebanking, "ebanking")],
)
def test_every_line_is_imported_or_listed_as_left_out(request, module, fixture):
    lines = read(module.DOCUMENT).splitlines()
    imported = set()
    for record in request.getfixturevalue(fixture):
        imported |= set(range(record.source.first_line, record.source.last_line + 1))
    left_out = set()
    for (first, last), reason in module.LEFT_OUT:
        assert 1 <= first <= last <= len(lines) and reason
        assert not set(range(first, last + 1)) & imported, (first, last)
        left_out |= set(range(first, last + 1))
    missing = [
        number
        for number, line in enumerate(lines, start=1)
        if line.strip() and number not in imported | left_out
    ]
    assert missing == []


def test_records_are_of_the_expected_kinds(it_roles, ebanking):
    assert all(isinstance(r, RoleRecord) for r in it_roles)
    kinds = {type(r) for r in ebanking}
    assert kinds == {RoleRecord, DepartmentRecord}


def test_records_name_the_article_of_the_collection_they_come_from(it_roles, ebanking):
    articles = Counter(record.source.article for record in it_roles)
    assert articles == {"篇一": 3, "篇四": 2}
    assert by_span(it_roles, 174).source.article == "篇四"  # 科技负责人
    by_article = {}
    for record in ebanking:
        by_article.setdefault(record.source.article, []).append(name(record))
    assert list(by_article) == [
        "《银行各主要部门及部门负责人职能职责》",
        "《银行业务部岗位职责》",
        "《电子银行专员岗位职责》",
        "《银行公司业务部各岗位职责》",
        "《银行部门和业务岗位职责》",
        "《电子银行业务组织构架及岗位职责》",
        "《行电子银行业务XXXXXX》手册",
    ]
    assert by_article["《电子银行业务组织构架及岗位职责》"] == [
        "电子银行部",
        "业务管理岗",
    ]
    assert by_article["《银行部门和业务岗位职责》"] == ["办公室", "行政管理岗"]
    # The same name twice on one page would be a duplicate; across pages it
    # is another organisation's department.
    for names in by_article.values():
        assert len(set(names)) == len(names)
