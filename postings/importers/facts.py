"""Structured facts read out of requirement sentences, each with its sentence.

Candidates filter by minimum education, years of experience, age limit and
certificates, so those facts are read out of the 任职要求 text. Only what a
sentence states is taken: a fact the text does not state stays unknown
(None), and a preference ("…者优先") never raises a floor, so "大学专科及以上
学历，具有大学本科及以上学历者优先" is 专科.
"""

import re
from dataclasses import dataclass, field

from postings.models import Education

_CLAUSE_SPLIT = re.compile(r"[，；。,;：:]")
_PREFERENCE_END = re.compile(r"(?:优先考虑|优先|者)$")
_TRAILING = "，；。,;：: 　"


def clauses(text):
    """Split a sentence into clauses at commas, semicolons, stops and colons.

    Punctuation inside brackets does not split: "（如主机防护、态势感知等产品）"
    belongs to the clause it explains.
    """
    parts, depth, current = [], 0, []
    for char in text:
        if char in "（(":
            depth += 1
        elif char in "）)":
            depth = max(depth - 1, 0)
        if depth == 0 and _CLAUSE_SPLIT.match(char):
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def is_preference_clause(clause):
    """ "…者优先", "…优先考虑", or "…者" continued by "或…者优先"."""
    return bool(_PREFERENCE_END.search(clause.rstrip(_TRAILING)))


def is_preferred_item(text):
    """True when every clause of the item is a preference.

    An item that mixes a condition with a preference ("大学本科及以上学历，
    …证书者优先") is a requirement; its preference clauses are marked where
    it is shown. An example list after a preference ("…认证者优先，如
    Oracle…等") belongs to that preference.
    """
    seen_preference = False
    for clause in clauses(text):
        if is_preference_clause(clause):
            seen_preference = seen_preference or _ends_with_preference(clause)
        elif not (seen_preference and clause.startswith("如")):
            return False
    return seen_preference


def _ends_with_preference(clause):
    return clause.rstrip(_TRAILING).endswith(("优先", "优先考虑"))


def required_clauses(text):
    """The clauses of an item that state conditions, not preferences."""
    if is_preferred_item(text):
        return []
    return [c for c in clauses(text) if not is_preference_clause(c)]


_EDUCATION_WORDS = [
    ("博士", Education.DOCTORATE),
    ("硕士", Education.MASTER),
    ("研究生", Education.MASTER),
    ("本科", Education.BENKE),
    ("学士", Education.BENKE),
    ("专科", Education.ZHUANKE),
    ("大专", Education.ZHUANKE),
]
_EDUCATION = re.compile("|".join(word for word, _ in _EDUCATION_WORDS))
_CHINESE_NUMBER = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_YEARS = re.compile(r"(\d{1,2}|[一二两三四五六七八九十])\s*年(?:及|或)?以上")
_AGE = re.compile(r"(\d{2})\s*周?岁(?:（含）|\(含\))?(?:及)?以下")
_SHIFT_WORK = re.compile(r"倒班|轮班")
_LOCAL_RESIDENCE = re.compile(r"家庭或生活基础位于|本地户籍|当地户籍")
_MAJORS = re.compile(
    r"(?P<majors>[^，；。：:]+?)(?:等)?(?:理工类|相关)*专业(?=$|[，；。、]|优先|背景|学历|和)"
)


@dataclass(frozen=True)
class CertificateTerm:
    name: str
    full_name: str
    pattern: re.Pattern
    # Names that also mean a skill or a method ("熟悉PMP") count only where
    # the item speaks of a certificate.
    needs_context: bool = False


_CERTIFICATE_CONTEXT = re.compile(r"证书|认证|资格|职称")
CERTIFICATES = [
    CertificateTerm("CFA", "特许金融分析师", re.compile(r"CFA|特许金融分析师")),
    CertificateTerm("CPA", "注册会计师", re.compile(r"CPA|(?<!公认)注册会计师")),
    CertificateTerm("FRM", "金融风险管理师", re.compile(r"FRM|金融风险管理师")),
    CertificateTerm("ACCA", "英国特许公认会计师", re.compile(r"ACCA|特许公认会计师")),
    CertificateTerm(
        "法律职业资格", "国家统一法律职业资格", re.compile(r"法律[职执]业资格")
    ),
    CertificateTerm(
        "英语专业八级", "英语专业八级（TEM-8）", re.compile(r"英语专业八级|TEM-?8")
    ),
    CertificateTerm("CISSP", "注册信息系统安全专家", re.compile(r"CISSP")),
    CertificateTerm("CISA", "国际注册信息系统审计师", re.compile(r"CISA")),
    CertificateTerm("CISP", "注册信息安全专业人员", re.compile(r"CISP(?![A-Za-z])")),
    CertificateTerm("CEH", "道德黑客认证", re.compile(r"CEH")),
    CertificateTerm("OSCP", "渗透测试专家认证", re.compile(r"OSCP")),
    CertificateTerm("HCIA", "华为认证ICT工程师", re.compile(r"HCIA")),
    CertificateTerm("HCIP", "华为认证ICT高级工程师", re.compile(r"HCIP")),
    CertificateTerm(
        "OCP",
        "Oracle Certified Professional",
        re.compile(r"Oracle Certified Professional|(?<![A-Za-z])OCP(?![A-Za-z])"),
    ),
    CertificateTerm("TCCA", "腾讯云TDSQL认证（TCCA）", re.compile(r"TCCA")),
    CertificateTerm("TCCP", "腾讯云TDSQL认证（TCCP）", re.compile(r"TCCP")),
    CertificateTerm(
        "一级注册消防工程师",
        "一级注册消防工程师",
        re.compile(r"一级注册消防工程师|注册一级消防工程师"),
    ),
    CertificateTerm("一级注册建造师", "一级注册建造师", re.compile(r"一级注册建造师")),
    CertificateTerm(
        "高级工程师职称", "工程类高级工程师职称", re.compile(r"高级工程师职称")
    ),
    CertificateTerm("中级会计师", "中级会计师职称", re.compile(r"中级会计师")),
    CertificateTerm(
        "银行间市场交易员资格",
        "银行间市场交易员资格",
        re.compile(r"银行间市场交易员资格"),
    ),
    CertificateTerm("TOGAF", "TOGAF认证", re.compile(r"TOGAF")),
    CertificateTerm(
        "系统分析师",
        "系统分析师（软考）",
        re.compile(r"系统分析师"),
        needs_context=True,
    ),
    CertificateTerm(
        "PMP", "项目管理专业人士认证", re.compile(r"PMP"), needs_context=True
    ),
]


@dataclass(frozen=True)
class CertificateMention:
    name: str
    full_name: str
    is_preferred: bool
    evidence: str


@dataclass
class Facts:
    """What a posting's requirements state, each fact with its sentence."""

    min_education: int | None = None
    min_education_evidence: str = ""
    min_years_experience: int | None = None
    min_years_experience_evidence: str = ""
    max_age: int | None = None
    max_age_evidence: str = ""
    majors: list[str] = field(default_factory=list)
    majors_evidence: str = ""
    requires_shift_work: bool = False
    shift_work_evidence: str = ""
    requires_local_residence: bool = False
    local_residence_evidence: str = ""
    certificates: list[CertificateMention] = field(default_factory=list)


def _number(token):
    return int(token) if token.isdigit() else _CHINESE_NUMBER[token]


def _education_in(clause):
    if "学历" not in clause and "以上" not in clause:
        return None
    match = _EDUCATION.search(clause)
    if not match:
        return None
    return dict(_EDUCATION_WORDS)[match.group(0)]


def _split_majors(listing):
    listing = re.sub(r"^(?:具有|具备|有|学历及专业)", "", listing).rstrip("或及和等")
    names = [name.strip() for name in re.split(r"[、/]|或", listing)]
    return [name for name in names if name and "学历" not in name]


def extract_facts(requirements):
    """Facts stated by a posting's requirement items (RequirementItem or text)."""
    facts = Facts()
    for item in requirements:
        text = getattr(item, "text", item)
        preferred_item = getattr(item, "is_preferred", False) or is_preferred_item(text)
        conditions = [] if preferred_item else required_clauses(text)

        if facts.min_education is None:
            for clause in conditions:
                level = _education_in(clause)
                if level is not None:
                    facts.min_education, facts.min_education_evidence = level, text
                    break

        years = [_number(m.group(1)) for c in conditions for m in _YEARS.finditer(c)]
        if years and max(years) > (facts.min_years_experience or 0):
            facts.min_years_experience, facts.min_years_experience_evidence = (
                max(years),
                text,
            )

        ages = [int(m.group(1)) for c in conditions for m in _AGE.finditer(c)]
        if ages and facts.max_age is None:
            facts.max_age, facts.max_age_evidence = min(ages), text

        if not facts.majors:
            for clause in clauses(text):
                match = _MAJORS.search(clause)
                if match and (majors := _split_majors(match.group("majors"))):
                    facts.majors, facts.majors_evidence = majors, text
                    break

        if (
            not preferred_item
            and _SHIFT_WORK.search(text)
            and not facts.requires_shift_work
        ):
            facts.requires_shift_work, facts.shift_work_evidence = True, text
        if (
            not preferred_item
            and _LOCAL_RESIDENCE.search(text)
            and not facts.requires_local_residence
        ):
            facts.requires_local_residence = True
            facts.local_residence_evidence = text

        known = {c.name for c in facts.certificates}
        found = []
        for term in CERTIFICATES:
            match = term.pattern.search(text)
            if not match or term.name in known:
                continue
            if term.needs_context and not _CERTIFICATE_CONTEXT.search(text):
                continue
            preferred = preferred_item or _in_preference_clause(text, match.start())
            found.append(
                (
                    match.start(),
                    CertificateMention(term.name, term.full_name, preferred, text),
                )
            )
        # In the order the sentence names them.
        facts.certificates.extend(
            mention for _, mention in sorted(found, key=lambda f: f[0])
        )
    return facts


def _in_preference_clause(text, position):
    """Whether the clause holding text[position] is a preference, or an example
    list ("如…等") that follows one."""
    start = 0
    for clause in clauses(text):
        index = text.find(clause, start)
        if index <= position < index + len(clause):
            return is_preference_clause(clause) or clause.startswith("如")
        start = index + len(clause)
    return False
