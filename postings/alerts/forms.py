"""The public alert forms, with the limits against abuse.

Limits (settings ``ALERTS_*``): live subscriptions per address, new
subscriptions per network address a day, and mails a visitor may ask for
(confirmations, management links) per address and per network address a day.
"""

import datetime

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import AlertMail, AlertSubscription
from . import searches

TOO_MANY_FOR_EMAIL = _(
    "这个邮箱已有 %(limit)s 个订阅，达到上限：请先在“管理订阅”中退订不需要的订阅。"
)
TOO_MANY_FROM_IP = _("同一网络地址 24 小时内最多新建 %(limit)s 个订阅，请明天再试。")
TOO_MANY_MAILS_TO_EMAIL = _(
    "这个邮箱 24 小时内已收到 %(limit)s 封订阅邮件：请先查收（包括垃圾邮件箱），"
    "或明天再试。"
)
TOO_MANY_MAILS_FROM_IP = _(
    "同一网络地址 24 小时内最多申请 %(limit)s 封订阅邮件，请明天再试。"
)


def normalise_email(address):
    """Addresses compare case-insensitively here, as every mail provider does."""
    return address.strip().lower()


class EmailField(forms.EmailField):
    default_error_messages = {
        "required": _("请填写邮箱地址。"),
        "invalid": _("请填写有效的邮箱地址，例如 name@example.com。"),
    }

    def __init__(self, **kwargs):
        super().__init__(
            label=_("邮箱"),
            max_length=254,
            error_messages={
                "max_length": _("邮箱地址太长（最多 254 个字符）。"),
            },
            **kwargs,
        )

    def to_python(self, value):
        return normalise_email(super().to_python(value))


class MailLimitsMixin:
    """Refuses a request for a mail beyond the daily limits."""

    def check_mail_limits(self, email):
        since = timezone.now() - datetime.timedelta(days=1)
        requested = AlertMail.objects.requested_since(since)
        limit = settings.ALERTS_MAX_MAILS_PER_EMAIL_PER_DAY
        if requested.filter(recipient=email).count() >= limit:
            raise forms.ValidationError(
                TOO_MANY_MAILS_TO_EMAIL % {"limit": limit}, code="mails_per_email"
            )
        limit = settings.ALERTS_MAX_MAILS_PER_IP_PER_DAY
        if (
            self.client_ip
            and requested.filter(client_ip=self.client_ip).count() >= limit
        ):
            raise forms.ValidationError(
                TOO_MANY_MAILS_FROM_IP % {"limit": limit}, code="mails_per_ip"
            )


class SubscribeForm(MailLimitsMixin, forms.Form):
    """An email address and a frequency for a listing's search.

    The search travels as the listing's query string (``query``) and is
    parsed again here, so a tampered value gets the listing's own messages.
    """

    email = EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    frequency = forms.ChoiceField(
        label=_("发送频率"),
        choices=AlertSubscription.Frequency.choices,
        initial=AlertSubscription.Frequency.DAILY,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择发送频率。"),
            "invalid_choice": _("请选择“每天”或“每周”。"),
        },
    )
    query = forms.CharField(
        required=False, widget=forms.HiddenInput, max_length=4000, strip=False
    )

    def __init__(self, *args, client_ip=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_ip = client_ip
        self.search = None
        self.existing = None

    def clean_query(self):
        self.search = searches.parse(QueryDict(self.cleaned_data["query"]))
        if not self.search.is_valid:
            raise forms.ValidationError(self.search.errors, code="invalid_search")
        return self.search.query

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if not email or self.search is None or not self.search.is_valid:
            return cleaned
        live = AlertSubscription.objects.live().for_email(email)
        self.existing = live.filter(query=self.search.query).first()
        if self.existing is None:
            limit = settings.ALERTS_MAX_SUBSCRIPTIONS_PER_EMAIL
            if live.count() >= limit:
                raise forms.ValidationError(
                    TOO_MANY_FOR_EMAIL % {"limit": limit}, code="per_email"
                )
            limit = settings.ALERTS_MAX_SUBSCRIPTIONS_PER_IP_PER_DAY
            since = timezone.now() - datetime.timedelta(days=1)
            from_ip = AlertSubscription.objects.filter(
                created_ip=self.client_ip, created_at__gte=since
            )
            if self.client_ip and from_ip.count() >= limit:
                raise forms.ValidationError(
                    TOO_MANY_FROM_IP % {"limit": limit}, code="per_ip"
                )
        self.check_mail_limits(email)
        return cleaned


class ManageLinkForm(MailLimitsMixin, forms.Form):
    """Ask for a management link by mail (for someone who lost theirs)."""

    email = EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def __init__(self, *args, client_ip=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_ip = client_ip

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.check_mail_limits(email)
        return email


class ManageForm(forms.Form):
    """One action on the management page, for one of the address's
    subscriptions (or all of them)."""

    ACTIONS = [
        ("frequency", _("更改频率")),
        ("confirm", _("确认订阅")),
        ("unsubscribe", _("退订")),
        ("unsubscribe_all", _("全部退订")),
    ]

    action = forms.ChoiceField(choices=ACTIONS)
    subscription = forms.IntegerField(required=False)
    frequency = forms.ChoiceField(
        choices=AlertSubscription.Frequency.choices, required=False
    )

    def __init__(self, *args, subscriptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.subscriptions = subscriptions

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action in (None, "unsubscribe_all"):
            return cleaned
        pk = cleaned.get("subscription")
        cleaned["target"] = next((s for s in self.subscriptions if s.pk == pk), None)
        if cleaned["target"] is None:
            raise forms.ValidationError(
                _("找不到这个订阅：它可能已被退订。"), code="gone"
            )
        if action == "frequency" and not cleaned.get("frequency"):
            raise forms.ValidationError(_("请选择发送频率。"), code="no_frequency")
        return cleaned
