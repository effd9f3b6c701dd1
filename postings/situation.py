"""The candidate's situation ("我的情况"): highest education, years of work
experience and age, kept without an account.

It comes from two places:

- the query string, with the listing's own parameter names
  (``?education=本科&experience=3&age=36``), so a link carries it;
- a cookie the candidate sets and clears on the 我的情况 page (a POST with
  CSRF), so it stays with them across the site.

Field by field, the query string wins over the cookie: a link that states an
age shows that age, and the fields it leaves out still come from the cookie.
A bad value in the query string is reported (and that field ignored); a
cookie that does not parse is ignored, as if it were not there.
"""

from dataclasses import dataclass, field, replace
from functools import wraps
from urllib.parse import urlsplit, urlunsplit

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from .caching import cache_public_page
from .filters import RejectsControlCharacters
from .languages import join_list
from .models import Education

COOKIE_NAME = "situation"
COOKIE_MAX_AGE = 180 * 24 * 60 * 60  # half a year; the candidate can clear it
FIELDS = ("education", "experience", "age")
# The same bounds as the listing's candidate filters.
EXPERIENCE_RANGE = (0, 60)
AGE_RANGE = (16, 80)


# The education levels as links and forms carry them ("本科"), the same in
# every interface language; the page shows each one's label.
EDUCATION_NAMES = Education.parameter_names()


def _invalid_education():
    return _("学历须为 %(choices)s 之一。") % {"choices": join_list(Education.labels)}


def _out_of_range(message, bounds):
    return lazy(lambda: _(message) % {"low": bounds[0], "high": bounds[1]}, str)()


@dataclass(frozen=True)
class Situation:
    education: int | None = None  # an Education value
    experience: int | None = None  # whole years
    age: int | None = None
    # What could not be read from the query string, as messages to show.
    errors: tuple = field(default=(), compare=False)
    # Whether a remembered situation (the cookie) is present.
    remembered: bool = field(default=False, compare=False)

    def __bool__(self):
        return any(getattr(self, name) is not None for name in FIELDS)

    def as_query(self):
        """The situation as listing parameters: {"education": "本科", …}."""
        values = {
            "education": (
                Education.parameter_of(self.education) if self.education else None
            ),
            "experience": self.experience,
            "age": self.age,
        }
        return {name: str(value) for name, value in values.items() if value is not None}

    def describe(self):
        """ "本科 · 3 年工作经验 · 36 岁", for a heading or a link."""
        parts = []
        if self.education:
            parts.append(str(Education(self.education).label))
        if self.experience is not None:
            parts.append(
                ngettext(
                    "%(years)s 年工作经验", "%(years)s 年工作经验", self.experience
                )
                % {"years": self.experience}
            )
        if self.age is not None:
            parts.append(_("%(age)s 岁") % {"age": self.age})
        return " · ".join(parts)


class ChoiceField(RejectsControlCharacters, forms.TypedChoiceField):
    pass


class NumberField(RejectsControlCharacters, forms.IntegerField):
    pass


class SituationForm(forms.Form):
    education = ChoiceField(
        label=gettext_lazy("最高学历"),
        choices=[
            ("", gettext_lazy("未填写")),
            *zip(EDUCATION_NAMES, Education.labels, strict=True),
        ],
        coerce=lambda name: EDUCATION_NAMES.index(name) + 1,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": lazy(_invalid_education, str)()},
    )
    experience = NumberField(
        label=gettext_lazy("工作年限（年）"),
        min_value=EXPERIENCE_RANGE[0],
        max_value=EXPERIENCE_RANGE[1],
        required=False,
        error_messages={
            "invalid": gettext_lazy("工作年限须为整数。"),
            "min_value": _out_of_range(
                gettext_noop("工作年限须在 %(low)s 到 %(high)s 之间。"),
                EXPERIENCE_RANGE,
            ),
            "max_value": _out_of_range(
                gettext_noop("工作年限须在 %(low)s 到 %(high)s 之间。"),
                EXPERIENCE_RANGE,
            ),
        },
    )
    age = NumberField(
        label=gettext_lazy("年龄（岁）"),
        min_value=AGE_RANGE[0],
        max_value=AGE_RANGE[1],
        required=False,
        error_messages={
            "invalid": gettext_lazy("年龄须为整数。"),
            "min_value": _out_of_range(
                gettext_noop("年龄须在 %(low)s 到 %(high)s 之间。"), AGE_RANGE
            ),
            "max_value": _out_of_range(
                gettext_noop("年龄须在 %(low)s 到 %(high)s 之间。"), AGE_RANGE
            ),
        },
    )

    def situation(self):
        return Situation(**{name: self.cleaned_data.get(name) for name in FIELDS})


def _single_values(querydict):
    """One value per field. The listing lets a parameter repeat ("any of");
    its filters then take the highest education, the most years and the
    youngest age, and so does this."""
    data = {}
    for name in FIELDS:
        values = [v.strip() for v in querydict.getlist(name) if v.strip()]
        if len(values) > 1:
            try:
                if name == "education":
                    values = [max(values, key=EDUCATION_NAMES.index)]
                elif name == "experience":
                    values = [str(max(int(v) for v in values))]
                else:
                    values = [str(min(int(v) for v in values))]
            except ValueError:
                values = values[-1:]  # the form reports the bad value
        if values:
            data[name] = values[0]
    return data


def from_query(querydict):
    """The situation a query string states, and what was wrong with it."""
    form = SituationForm(_single_values(querydict))
    form.is_valid()
    values = {name: form.cleaned_data.get(name) for name in FIELDS}
    errors = tuple(
        _("%(label)s：%(message)s")
        % {"label": form.fields[name].label, "message": message}
        for name, messages in form.errors.items()
        for message in messages
    )
    return Situation(**values, errors=errors)


# The cookie holds "e2.y3.a36" (education value, years, age; any may be
# missing): plain cookie-safe characters, and nothing a person could misread
# as more than it is.
_COOKIE_KEYS = {"e": "education", "y": "experience", "a": "age"}


def cookie_value(situation):
    keys = {name: key for key, name in _COOKIE_KEYS.items()}
    return ".".join(
        f"{keys[name]}{getattr(situation, name)}"
        for name in FIELDS
        if getattr(situation, name) is not None
    )


def from_cookie(value):
    """The remembered situation, or an empty one when the cookie is absent
    or does not parse (a tampered or outdated cookie is simply ignored)."""
    if not value:
        return Situation()
    data = {}
    for part in value.split("."):
        name = _COOKIE_KEYS.get(part[:1])
        if name is None or not part[1:].isdigit() or name in data:
            return Situation()
        data[name] = int(part[1:])
    if "education" in data:
        if data["education"] not in Education.values:
            return Situation()
        data["education"] = EDUCATION_NAMES[data["education"] - 1]
    form = SituationForm(data)
    if not form.is_valid():
        return Situation()
    return replace(form.situation(), remembered=True)


def current(request):
    """The candidate's situation for this request: the query string's fields
    over the cookie's."""
    remembered = from_cookie(request.COOKIES.get(COOKIE_NAME, ""))
    stated = from_query(request.GET)
    given = _single_values(request.GET)
    values = {
        name: getattr(stated, name)
        if name in given and getattr(stated, name) is not None
        else getattr(remembered, name)
        for name in FIELDS
    }
    return Situation(**values, errors=stated.errors, remembered=remembered.remembered)


def remember(response, situation):
    """Set (or, for an empty situation, clear) the cookie on ``response``."""
    if not situation:
        forget(response)
        return
    response.set_cookie(
        COOKIE_NAME,
        cookie_value(situation),
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def forget(response):
    response.delete_cookie(COOKIE_NAME, samesite="Lax")


def replace_in_url(url, situation):
    """``url`` with the situation parameters it already has set to
    ``situation``'s values (or dropped, where that has none). Parameters it
    does not have are not added: the cookie carries them."""
    parts = urlsplit(url)
    query = QueryDict(parts.query, mutable=True)
    wanted = situation.as_query()
    changed = False
    for name in FIELDS:
        if name not in query:
            continue
        if name in wanted:
            changed |= query.getlist(name) != [wanted[name]]
            query.setlist(name, [wanted[name]])
        else:
            changed = True
            query.pop(name)
    if changed:
        query.pop("page", None)  # a listing's page numbers change with it
    return urlunsplit(parts._replace(query=query.urlencode()))


def cache_unless_remembered(view, depends_on):
    """``view`` served from the public page cache, except for a candidate
    with a remembered situation, whose page is their own. A situation in the
    query string is part of the cached page's URL, so it caches as usual."""
    cached = cache_public_page(view, depends_on)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.COOKIES.get(COOKIE_NAME):
            return view(request, *args, **kwargs)
        return cached(request, *args, **kwargs)

    return wrapper
