"""Does a candidate qualify for a posting? Each structured requirement the
posting states, checked against the candidate's situation, next to the
sentence it was read from.

Pure: it reads a posting's fields (and its prefetched ``posting_certificates``)
and a ``situation.Situation``, and touches neither the database nor the
request, so a listing can mark every card with it.

Each requirement is

- met ✔ or not met ✘, when the posting states it and the candidate said
  enough to decide (education, years, age);
- 待确认 ?, when it cannot be decided here: the candidate left that field
  empty, or it is something only they can confirm (a required certificate,
  shift work, a home in the area);
- 未注明 ?, when the posting states no such requirement. That is no condition
  at all, as in the listing's filters, where a posting that states no floor
  is open to everyone.

Preferences (…者优先, a preferred certificate) are advantages, never
conditions: they are listed apart and never change the verdict.

The verdict: 不符合 when any requirement is not met, else 待确认 when any is
still to be confirmed, else 符合.
"""

from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from .models import Education


class Status(Enum):
    MET = ("met", "✔", gettext_noop("符合"))
    NOT_MET = ("not_met", "✘", gettext_noop("不符合"))
    TO_CONFIRM = ("to_confirm", "?", gettext_noop("待确认"))
    NOT_STATED = ("not_stated", "?", gettext_noop("未注明"))

    def __init__(self, slug, mark, label):
        self.slug = slug
        self.mark = mark
        self.chinese_label = label

    @property
    def label(self):
        """The status in the language in use."""
        return _(self.chinese_label)


class Verdict(Enum):
    ELIGIBLE = ("eligible", gettext_noop("符合"))
    INELIGIBLE = ("ineligible", gettext_noop("不符合"))
    TO_CONFIRM = ("to_confirm", gettext_noop("待确认"))

    def __init__(self, slug, label):
        self.slug = slug
        self.chinese_label = label

    @property
    def label(self):
        """The verdict in the language in use."""
        return _(self.chinese_label)


@dataclass(frozen=True)
class Check:
    requirement: str  # 学历, 工作年限, 年龄, 资格证书, 倒班, 属地
    status: Status
    statement: str  # "年龄 36 > 35岁以下"
    evidence: str  # the requirement sentence it was read from ("" if none)


@dataclass(frozen=True)
class Eligibility:
    checks: tuple
    advantages: tuple  # preferred certificates, by name
    verdict: Verdict

    @property
    def unmet(self):
        return [c for c in self.checks if c.status is Status.NOT_MET]

    @property
    def to_confirm(self):
        return [c for c in self.checks if c.status is Status.TO_CONFIRM]


# Requirements and statements are built when a posting is checked, in the
# language of the request.


def _education(posting, situation):
    requirement = _("学历")
    if posting.min_education is None:
        return Check(requirement, Status.NOT_STATED, _("学历 未注明要求"), "")
    asked = _("%(level)s及以上") % {"level": Education(posting.min_education).label}
    evidence = posting.min_education_evidence
    if situation.education is None:
        return Check(
            requirement,
            Status.TO_CONFIRM,
            _("学历 未填写，要求%(asked)s") % {"asked": asked},
            evidence,
        )
    statement = {"held": Education(situation.education).label, "asked": asked}
    if situation.education >= posting.min_education:
        return Check(
            requirement,
            Status.MET,
            _("学历 %(held)s ≥ %(asked)s") % statement,
            evidence,
        )
    return Check(
        requirement,
        Status.NOT_MET,
        _("学历 %(held)s < %(asked)s") % statement,
        evidence,
    )


def _experience(posting, situation):
    requirement = _("工作年限")
    floor = posting.min_years_experience
    if floor is None:
        return Check(requirement, Status.NOT_STATED, _("工作年限 未注明要求"), "")
    asked = ngettext("%(count)s年以上", "%(count)s年以上", floor) % {"count": floor}
    evidence = posting.min_years_experience_evidence
    years = situation.experience
    if years is None:
        return Check(
            requirement,
            Status.TO_CONFIRM,
            _("工作年限 未填写，要求%(asked)s") % {"asked": asked},
            evidence,
        )
    statement = {"years": years, "asked": asked}
    if years >= floor:
        return Check(
            requirement,
            Status.MET,
            _("工作年限 %(years)s ≥ %(asked)s") % statement,
            evidence,
        )
    return Check(
        requirement,
        Status.NOT_MET,
        _("工作年限 %(years)s < %(asked)s") % statement,
        evidence,
    )


def _age(posting, situation):
    requirement = _("年龄")
    limit = posting.max_age
    if limit is None:
        return Check(requirement, Status.NOT_STATED, _("年龄 未注明要求"), "")
    asked = _("%(limit)s岁以下") % {"limit": limit}
    evidence = posting.max_age_evidence
    if situation.age is None:
        return Check(
            requirement,
            Status.TO_CONFIRM,
            _("年龄 未填写，要求%(asked)s") % {"asked": asked},
            evidence,
        )
    statement = {"age": situation.age, "asked": asked}
    # "35岁以下" admits a 35-year-old, as the listing's age filter does.
    if situation.age <= limit:
        return Check(
            requirement, Status.MET, _("年龄 %(age)s ≤ %(asked)s") % statement, evidence
        )
    return Check(
        requirement, Status.NOT_MET, _("年龄 %(age)s > %(asked)s") % statement, evidence
    )


def check(posting, situation):
    """The posting's requirements checked against ``situation``."""
    checks = [
        _education(posting, situation),
        _experience(posting, situation),
        _age(posting, situation),
    ]
    advantages = []
    for held in posting.posting_certificates.all():
        name = held.certificate.name
        if held.is_preferred:
            advantages.append(name)
        else:
            checks.append(
                Check(
                    _("资格证书"),
                    Status.TO_CONFIRM,
                    _("须持有 %(certificate)s，请自行确认") % {"certificate": name},
                    held.evidence,
                )
            )
    if posting.requires_shift_work:
        checks.append(
            Check(
                _("倒班"),
                Status.TO_CONFIRM,
                _("须适应倒班或轮班，请自行确认"),
                posting.shift_work_evidence,
            )
        )
    if posting.requires_local_residence:
        checks.append(
            Check(
                _("属地"),
                Status.TO_CONFIRM,
                _("家庭或生活基础须在招聘机构所在地区，请自行确认"),
                posting.local_residence_evidence,
            )
        )
    statuses = {c.status for c in checks}
    if Status.NOT_MET in statuses:
        verdict = Verdict.INELIGIBLE
    elif Status.TO_CONFIRM in statuses:
        verdict = Verdict.TO_CONFIRM
    else:
        verdict = Verdict.ELIGIBLE
    return Eligibility(tuple(checks), tuple(advantages), verdict)
