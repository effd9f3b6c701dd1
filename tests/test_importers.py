"""The posting importers against hand-verified expectations from the sources.

Every expected value below was read off the source document by hand (line
numbers refer to fixtures/sources/), not copied from the parser's output.
"""

import re
from pathlib import Path

import pytest

from postings.importers import boc_table, consumer_finance, cqbank_internet_finance
from postings.importers.facts import extract_facts, is_preferred_item
from postings.importers.records import SourceError
from postings.models import Education

SOURCES = Path(__file__).resolve().parent.parent / "fixtures" / "sources"
CJK = "\u4e00-\u9fff"


def read(document):
    return (SOURCES / document).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def boc():
    return {r.source.row: r for r in boc_table.parse(read(boc_table.DOCUMENT))}


@pytest.fixture(scope="module")
def cqbank():
    document = cqbank_internet_finance.DOCUMENT
    return {r.source.row: r for r in cqbank_internet_finance.parse(read(document))}


@pytest.fixture(scope="module")
def consumer():
    return {
        r.source.row: r for r in consumer_finance.parse(read(consumer_finance.DOCUMENT))
    }


def all_items(records):
    for record in records.values():
        yield from record.duties
        yield from (item.text for item in record.requirements)


# --- Bank of China table (000) ------------------------------------------------

BOC_ROWS = {
    # row: (institution, department, title, grade, headcount, locations)
    1: ("总行部门", "董事会办公室", "信息披露岗", "高级经理/经理", 1, ("北京市",)),
    2: ("总行部门", "董事会办公室", "投资者关系岗", "高级经理/经理", 1, ("北京市",)),
    3: ("总行部门", "股权投资与综合经营管理部", "行业研究岗", "高级经理/经理", 1, ("北京市",)),
    6: ("总行部门", "金融机构部", "非银机构营销岗", "高级经理/经理", 1, ("北京市",)),
    7: ("总行部门", "资产托管部", "产品经理岗", "高级经理/经理", 1, ("北京市",)),
    12: ("总行部门", "安全保卫部", "消防管理岗", "高级经理/经理", 1, ("北京市",)),
    13: (
        "信息科技运营中心",
        None,
        "高级工程师/工程师（网络安全运营）",
        "高级经理/经理",
        4,
        ("北京市", "上海市"),
    ),
    14: (
        "信息科技运营中心",
        None,
        "高级工程师/工程师（基础环境）",
        "高级经理/经理",
        4,
        ("北京市", "上海市", "合肥市", "呼和浩特市"),
    ),
    15: ("软件中心", None, "软件工程师（分布式方向）", "高级经理/经理", 24, ("北京市", "武汉市", "成都市")),
    16: ("软件中心", None, "数据库工程师（分布式数据库方向）", "高级经理/经理", 2, ("北京市", "武汉市")),
    18: ("软件中心", None, "大模型算法工程师", "高级经理/经理", 1, ("北京市",)),
    22: ("软件中心", None, "系统工程师（网络方向）", "经理", 2, ("武汉市", "成都市")),
    23: ("软件中心", None, "数据库工程师", "经理", 8, ("武汉市", "成都市")),
    25: ("软件中心", None, "测试工程师（性能测试方向）", "经理", 1, ("武汉市",)),
    30: ("软件中心", None, "软件工程师（信息安全方向）", "经理", 1, ("成都市",)),
    31: ("远程银行中心", "客户运营服务部", "手机银行运营经理", "经理", 7, ("北京市", "合肥市")),
    32: ("远程银行中心", "创新与智能服务部", "数据分析经理", "经理", 5, ("北京市",)),
    33: ("远程银行中心", "内控合规与质量管理部", "风险管理与内控合规经理", "经理", 3, ("广州市",)),
    34: ("远程银行中心", "内控合规与质量管理部", "业务管理经理", "经理", 5, ("广州市",)),
    35: (
        "远程银行中心",
        "信用卡综合服务部、综合客户服务部",
        "英文及小语种客户服务代表",
        "助理",
        20,
        ("西安市", "广州市"),
    ),
    36: (
        "河北雄安分行",
        "金融科技项目基建办公室",
        "工程建设高级项目经理/项目经理",
        "高级经理/经理",
        1,
        ("雄安新区",),
    ),
    37: (
        "黑龙江省分行",
        "营业网点",
        "综合服务经理",
        "助理经理",
        21,
        ("桦南县", "方正县", "杜尔伯特县", "泰来县", "庆安县", "望奎县", "通河县"),
    ),
    39: ("甘肃省分行", "营业网点", "客户经理（公司/个人）", "经理/助理经理", 4, ("静宁县", "环县")),
    40: ("青海省分行", "营业网点", "客户经理（公司/个人）", "经理/助理经理", 6, ("同仁市", "玉树市")),
    41: ("广西区分行", "安全保卫部", "安保经理（消防）", "经理", 1, ("南宁市",)),
    43: (
        "新疆区分行",
        "营业网点",
        "综合服务经理",
        "助理经理",
        35,
        (
            "喀什市", "疏勒县", "巴楚县", "图木舒克市", "草湖镇", "拜城县", "和田市",
            "阿图什市", "若羌县", "轮台县", "和静县", "铁门关市", "霍城县", "霍尔果斯市",
            "胡杨河市", "玛纳斯县", "准东经济技术开发区", "克拉玛依市", "巴里坤县",
            "吐鲁番市", "阿勒泰市", "北屯市",
        ),
    ),
    44: (
        "新疆区分行",
        "营业网点",
        "客户经理（公司/个人）",
        "经理",
        15,
        (
            "喀什市", "图木舒克市", "和田市", "阿图什市", "霍城县", "胡杨河市",
            "准东经济技术开发区", "克拉玛依市", "巴里坤县", "吐鲁番市", "阿勒泰市",
        ),
    ),
}  # fmt: skip


def test_boc_table_has_every_numbered_row_once(boc):
    assert sorted(boc) == list(range(1, 45))
    assert {r.employer for r in boc.values()} == {"中国银行"}


@pytest.mark.parametrize("row", sorted(BOC_ROWS))
def test_boc_row_matches_the_source(boc, row):
    record = boc[row]
    institution, department, title, grade, headcount, locations = BOC_ROWS[row]
    assert record.institution == institution
    assert record.department == department
    assert record.title == title
    assert record.grade == grade
    assert record.headcount == headcount
    assert record.locations == locations


def test_boc_duties_and_requirements_keep_order_and_wording(boc):
    first = boc[1]
    assert len(first.duties) == 6
    assert (
        first.duties[0]
        == "负责根据上市地证券监管规则起草和修订我行信息披露管理制度（中英文）；"
    )
    assert first.duties[3] == (
        "负责根据上市地证券监管要求协调相关部门起草临时公告（中英文），履行公司治理程序，"
        "并组织对外披露；"
    )
    assert first.duties[-1] == "完成交办的其他工作。"
    assert [item.text for item in first.requirements] == [
        "大学本科及以上学历，会计、金融、经济、法律、英语、管理等相关专业，具有特许金融分析师"
        "（CFA）、注册会计师（CPA）、英语专业八级、法律执业资格等专业资格证书者优先；",
        "一般应具有3年及以上工作经验，具有金融机构或大型企业董事会办公室、财务会计、办公管理等"
        "领域工作经验者优先；",
        "具有较强沟通协调能力和项目管理能力，具备优秀的中英文表达能力和文字能力，能熟练运用英文"
        "进行专业沟通。",
    ]


def test_boc_unnumbered_lead_sentence_stays_the_first_duty(boc):
    # Row 3 (lines 97-108) introduces its numbered duties with "…主要包括：".
    duties = boc[3].duties
    assert duties[0] == (
        "开展综合化行业板块（投行、保险、资管、投资、租赁等）研究工作并提出集团相关行业业务"
        "发展策略，主要包括："
    )
    assert duties[1].startswith("负责跟踪行业相关宏观环境")
    assert len(duties) == 6
    assert (
        boc[3].requirements[0].text.startswith("大学本科及以上学历，金融、经济、法律")
    )


def test_boc_paragraph_duty_and_duty_on_the_grade_line(boc):
    # Row 35 has one duty paragraph over three lines; row 43 prints its duty
    # on the same line as the grade (line 1586).
    assert boc[35].duties == (
        "使用英语、其他小语种为线上客户提供服务及相关业务咨询，按照规范作业流程，以客户满意为"
        "目标，从专业角度为客户提供精准服务，服务内容包括但不限于咨询、查询、产品介绍、业务办理"
        "及其他个性化服务，使用专业沟通技巧主动洞察客户诉求，快速识别并解决客户问题。",
    )
    assert boc[43].duties == (
        "从事柜面业务处理、厅堂服务、识别推介营销、智能柜台业务等综合服务工作。",
    )
    assert boc[44].duties == ("从事对公或者个人客户营销与维护工作。",)


def test_boc_item_numbering_quirks(boc):
    # Line 255 "1大学本科…" lacks its dot; line 284 "3..具备…" has two.
    assert (
        boc[7].requirements[0].text
        == "大学本科及以上学历，金融、经济、会计等相关专业；"
    )
    assert boc[8].requirements[2].text.startswith("具备优秀的中英文表达能力")


def test_boc_rows_spanning_a_page_break(boc):
    # Row 18 starts after a page break (line 655) and repeats its institution;
    # row 6 ends just before the repeated column headers (line 217).
    assert boc[18].requirements[-1].text == "具备银行业大模型项目实施经验者优先。"
    assert boc[6].requirements[-1].text == (
        "英语优秀，具备良好的营销拓展能力、业务分析能力、沟通协调能力和风险管理能力。"
    )
    assert boc[7].source.first_line == 230


def test_boc_last_row_is_complete(boc):
    last = boc[44]
    assert [item.text for item in last.requirements] == [
        "大学本科及以上学历；",
        "一般应具有3年及以上金融同业工作经历；",
        "擅长产品营销和客户关系管理，熟悉金融产品，有较强的市场调研和分析判断能力；",
        "具有较好的客户服务意识、沟通表达能力和学习能力；",
        "家庭或生活基础位于相应机构所在地区。",
    ]
    assert last.source.lines == "1612-1635"


def test_latin_words_keep_their_spaces(boc):
    assert "熟悉Spring Boot，Spring Cloud等主流开发框架" in boc[15].requirements[1].text
    assert (
        "如Oracle Certified Professional、MySQL DBA、TDSQL TCCA/TCCP、Gauss HCIA/HCIP等。"
        in (boc[16].requirements[7].text)
    )
    assert "熟练掌握Python编程语言" in boc[24].requirements[7].text
    assert "负责全球证券公司/投资银行" in boc[6].duties[0]


def test_boc_preferred_items(boc):
    assert [item.is_preferred for item in boc[20].requirements] == [
        False, False, False, True, True,
    ]  # fmt: skip
    assert [item.is_preferred for item in boc[1].requirements] == [False, False, False]
    assert boc[16].requirements[7].is_preferred  # "…认证者优先，如…等。"


# --- Bank of Chongqing (001) --------------------------------------------------


def test_cqbank_has_ten_postings_of_its_internet_finance_department(cqbank):
    assert sorted(cqbank) == list(range(1, 11))
    assert {(r.employer, r.institution, r.department) for r in cqbank.values()} == {
        ("重庆银行", None, "互联网金融部")
    }
    assert [cqbank[row].title for row in (1, 5, 10)] == [
        "互联网金融产品经理岗",
        "运营及客户发展经理岗",
        "商务拓展岗",
    ]
    # The document states neither headcount nor location.
    assert all(r.headcount is None and r.locations == () for r in cqbank.values())


def test_cqbank_general_requirements_apply_to_every_posting(cqbank):
    for record in cqbank.values():
        general = [i.text for i in record.requirements if i.section == "应聘者基本要求"]
        assert general == [
            "具备开阔的视野，对“互联网+”的趋势有准确的把握。",
            "具备互联网开放、创新、分享的思维，对互联网金融拥有浓厚的兴趣和饱满的热情。",
            "具备创新实践精神、较强的执行力和优秀的团队合作精神。",
            "具备良好的自我驱动力、学习能力、抗压能力。",
            "符合我行近亲属回避制度的规定。",
        ]


def test_cqbank_topics_and_bullets(cqbank):
    first = cqbank[1]
    assert first.duties[0] == (
        "关注互联网金融市场的发展趋势，分析客户和同类产品的特征，探索商业模式、推广模式；"
    )
    assert first.duties[-1] == "承办部门交办的其他工作。"
    sections = [(item.section, item.text) for item in first.requirements[:9]]
    assert sections[0] == (
        "学历及专业",
        "全日制本科以上学历，经济金融、管理、计算机类等专业",
    )
    assert sections[1] == (
        "专业能力及素质",
        "了解互联网金融的发展动态，熟悉互联网金融产品的商业模式和相关业务流程，对互联网金融"
        "市场有敏锐的洞察力、业务分析能力和创新能力；",
    )
    assert [s for s, _ in sections[1:6]] == ["专业能力及素质"] * 5
    assert sections[7] == ("年龄", "35岁以下；")
    preference = first.requirements[8]
    assert preference.section == "优先录用条件" and preference.is_preferred
    # A bullet written with leading spaces (line 79) and a trailing glyph (line 93).
    assert cqbank[4].requirements[5].text == "具备较强的逻辑思维及业务分析能力；"
    assert cqbank[5].requirements[3].text.endswith("外部资源整合能力；")


# --- Consumer finance company (002) ---------------------------------------------


def test_consumer_finance_postings_by_category(consumer):
    assert len(consumer) == 23
    assert {r.employer for r in consumer.values()} == {"某消费金融公司"}
    assert "未写明用人单位名称" in consumer[1].employer_note
    by_category = {}
    for row in sorted(consumer):
        by_category.setdefault(consumer[row].category, []).append(consumer[row].title)
    assert by_category == {
        "网络金融业务类": ["线上产品研发岗", "线上渠道拓展岗"],
        "市场营销类": ["线下产品研发岗", "市场营销策划岗", "事业部负责人"],
        "风险管理类": [
            "授信管理岗", "信贷审查岗", "风险管理岗", "信贷系统管理岗", "催收处置岗", "法律事务岗",
        ],
        "信息科技类": [
            "应用架构师", "DBA数据库工程师", "项目管理及研发岗", "信息安全管理岗", "运行管理岗",
        ],
        "财务会计类": ["清算管理岗", "运营管理岗", "财务管理岗", "资金管理岗"],
        "综合管理类": ["人力资源岗", "行政后勤岗", "综合文秘岗"],
    }  # fmt: skip


def test_consumer_finance_items_and_artifacts(consumer):
    first = consumer[1]
    # Line 15 begins with a Word bookmark marker; line 16 lacks its dot.
    assert (
        first.requirements[0].text
        == "三年以上金融行业或者互联网产品设计、策划工作经验；"
    )
    assert first.requirements[1].text.startswith("对互联网金融行业有较深理解")
    assert first.requirements[4].is_preferred
    assert consumer[23].requirements[-1].text == (
        "中文、新闻、法律专业和有金融行业从业经历和文字工作经验者优先。"
    )
    assert (
        consumer[7].requirements[1].text
        == "具有个贷或信用卡审批经验，能够接受轮班工作制度。"
    )


# --- Clean text everywhere -----------------------------------------------------


@pytest.mark.parametrize("fixture", ["boc", "cqbank", "consumer"])
def test_no_item_has_a_line_break_or_a_split_word(request, fixture):
    records = request.getfixturevalue(fixture)
    for text in all_items(records):
        assert "\n" not in text and "\t" not in text
        assert not re.search(rf"[{CJK}，。；：、（）]\s+[{CJK}，。；：、（）]", text), (
            text
        )
        assert text == text.strip()
        assert not text.startswith(("l", "[bookmark")), text


# --- Structured facts ------------------------------------------------------------


def test_facts_from_a_mixed_requirement(boc):
    facts = extract_facts(boc[1].requirements)
    assert facts.min_education == Education.BENKE
    assert facts.min_years_experience == 3
    assert facts.min_years_experience_evidence.startswith("一般应具有3年及以上工作经验")
    assert facts.max_age is None
    assert [(c.name, c.is_preferred) for c in facts.certificates] == [
        ("CFA", True),
        ("CPA", True),
        ("英语专业八级", True),
        ("法律职业资格", True),
    ]
    assert facts.majors == ["会计", "金融", "经济", "法律", "英语", "管理"]


def test_a_preference_never_raises_the_education_floor(boc):
    # Line 1433: "大学专科及以上学历，具有大学本科及以上学历者优先；"
    facts = extract_facts(boc[39].requirements)
    assert facts.min_education == Education.ZHUANKE
    assert (
        facts.min_education_evidence
        == "大学专科及以上学历，具有大学本科及以上学历者优先；"
    )
    assert facts.min_years_experience == 2


def test_years_take_the_largest_stated_floor(boc):
    assert extract_facts(boc[36].requirements).min_years_experience == 5
    assert extract_facts(boc[38].requirements).min_years_experience == 3


def test_shift_work_and_local_residence(boc, consumer):
    assert extract_facts(boc[13].requirements).requires_shift_work
    assert extract_facts(boc[35].requirements).requires_shift_work
    assert extract_facts(consumer[7].requirements).requires_shift_work  # 轮班
    assert not extract_facts(boc[15].requirements).requires_shift_work
    local = extract_facts(boc[43].requirements)
    assert local.requires_local_residence
    assert local.local_residence_evidence == "家庭或生活基础位于相应机构所在地区。"


def test_security_certificates_are_preferences(boc):
    names = [
        (c.name, c.is_preferred)
        for c in extract_facts(boc[13].requirements).certificates
    ]
    assert names == [
        ("CISSP", True), ("CEH", True), ("OSCP", True), ("CISA", True), ("CISP", True),
    ]  # fmt: skip


def test_age_and_years_from_cqbank(cqbank):
    facts = extract_facts(cqbank[3].requirements)
    assert (facts.min_education, facts.min_years_experience, facts.max_age) == (
        Education.BENKE,
        1,
        30,
    )
    assert facts.max_age_evidence == "30岁以下；"


def test_unknown_stays_unknown(consumer):
    # 信贷审查岗 states neither education nor years; 人力资源岗 names majors but no level.
    facts = extract_facts(consumer[7].requirements)
    assert (facts.min_education, facts.min_years_experience, facts.max_age) == (
        None,
        None,
        None,
    )
    hr = extract_facts(consumer[21].requirements)
    assert hr.min_education is None
    assert hr.min_years_experience == 5  # 五年以上
    assert hr.majors == ["人力资源", "工商管理"]


def test_chinese_numerals_in_years(consumer):
    assert extract_facts(consumer[1].requirements).min_years_experience == 3  # 三年以上
    security = extract_facts(consumer[15].requirements)
    assert (security.min_education, security.min_years_experience) == (
        Education.BENKE,
        3,
    )


@pytest.mark.parametrize(
    ("text", "preferred"),
    [
        ("取得国家法律职业资格证书者优先；", True),
        ("大学本科及以上学历，消防工程等相关专业优先；", False),
        ("有信用风险建模经验者，或有海量数据挖掘项目经验者优先；", True),
        ("能够适应倒班工作要求。", False),
        ("具有TDSQL开发经验，有GaussDB数据库开发经验者优先；", False),
    ],
)
def test_preferred_item_classification(text, preferred):
    assert is_preferred_item(text) is preferred


# --- Malformed documents ---------------------------------------------------------


def test_truncated_boc_table_names_the_file_and_line():
    text = read(boc_table.DOCUMENT)
    cut = text[
        : text.index("木舒克市")
    ]  # ends inside row 43's location list: "…巴楚县、图"
    with pytest.raises(SourceError) as excinfo:
        boc_table.parse(cut)
    error = excinfo.value
    assert error.document == boc_table.DOCUMENT
    assert error.line == 1598  # "喀什市、疏勒县、巴楚县、图"
    assert "'图'" in str(error)


def test_boc_row_cut_before_its_headcount_is_an_error():
    lines = read(boc_table.DOCUMENT).splitlines()
    cut = "\n".join(lines[:1625])  # row 44 stops inside its requirements
    with pytest.raises(SourceError) as excinfo:
        boc_table.parse(cut)
    assert "row 44 has no 招聘人数" in str(excinfo.value)


def test_boc_missing_row_number_is_an_error():
    text = read(boc_table.DOCUMENT).replace(
        "\n12 安全保卫部 消防管理岗\n", "\n安全保卫部 消防管理岗\n"
    )
    with pytest.raises(SourceError) as excinfo:
        boc_table.parse(text)
    assert "is a 序号 missing?" in str(excinfo.value)
    assert excinfo.value.line == 363


def test_cqbank_without_its_table_heading_is_an_error():
    text = read(cqbank_internet_finance.DOCUMENT).replace(
        "二、各应聘岗位职责及应聘要求", ""
    )
    with pytest.raises(SourceError, match="二、各应聘岗位职责及应聘要求"):
        cqbank_internet_finance.parse(text)


def test_consumer_finance_row_cut_short_is_an_error():
    text = read(consumer_finance.DOCUMENT)
    cut = text[: text.index("\t1.三年以上综合文秘相关工作经验")]
    with pytest.raises(SourceError) as excinfo:
        consumer_finance.parse(cut)
    assert excinfo.value.document == consumer_finance.DOCUMENT
    assert "row 23" in str(excinfo.value)
