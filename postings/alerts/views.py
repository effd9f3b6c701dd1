"""The alert pages: subscribe to a listing's search, confirm, manage, unsubscribe.

Nothing changes on GET: links in mails open a page with a button, because
mail scanners follow links. The one exception to CSRF protection is the
RFC 8058 one-click unsubscribe, which a mail client POSTs without a token;
there the signed link itself is the credential.
"""

import smtplib

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from ..models import AlertMail, AlertSubscription
from . import mail, searches
from .forms import ManageForm, ManageLinkForm, SubscribeForm

MAIL_UNAVAILABLE = _("邮件暂时无法发送，请稍后再试；你填写的内容已保留。")
SENT = _("邮件已发送到 %(email)s。")
CONFIRMED = _("订阅已确认。")
CONFIRMED_AT_ONCE = _("订阅已确认：有新的“%(description)s”岗位时，我们会发邮件给你。")
FREQUENCY_CHANGED = _("“%(description)s”的发送频率已改为%(frequency)s。")
UNSUBSCRIBED = _("已退订“%(description)s”。")


def _manage_path(email):
    # The link came by mail, so it may open that address's page.
    return reverse("postings:alert_manage", args=[mail.manage_token(email)])


def _subscribe_url(query):
    url = reverse("postings:alert_subscribe")
    return f"{url}?{query}" if query else url


@never_cache
def subscribe(request):
    """The form for subscribing to the search a listing URL's query names."""
    client_ip = get_client_ip_address(request)
    if request.method == "POST":
        form = SubscribeForm(request.POST, client_ip=client_ip)
        search = None
        if form.is_valid():
            try:
                _subscribe(form, client_ip)
            except (smtplib.SMTPException, OSError):
                form.add_error(None, MAIL_UNAVAILABLE)
            else:
                email = form.cleaned_data["email"]
                messages.success(request, SENT % {"email": email})
                return redirect("postings:alert_sent")
        search = form.search
        status = 503 if str(MAIL_UNAVAILABLE) in form.non_field_errors() else 400
        if search is None or not search.is_valid:
            search = searches.parse(QueryDict(request.POST.get("query", "")))
        return render(
            request,
            "postings/alerts/subscribe.html",
            {"form": form, "search": search},
            status=status,
        )

    search = searches.parse(request.GET)
    if not search.is_valid:
        return render(
            request, "postings/alerts/subscribe.html", {"search": search}, status=400
        )
    if request.GET.urlencode() != search.query:
        # One URL per search: page, sort and the order of values do not matter.
        return redirect(_subscribe_url(search.query))
    form = SubscribeForm(initial={"query": search.query}, client_ip=client_ip)
    return render(
        request, "postings/alerts/subscribe.html", {"form": form, "search": search}
    )


def _subscribe(form, client_ip):
    """Create or renew the subscription and mail its confirmation; for a
    search the address already has, mail its management link instead (the
    page answers the same either way, so it tells nobody who subscribed)."""
    email = form.cleaned_data["email"]
    frequency = form.cleaned_data["frequency"]
    search = form.search
    existing = form.existing
    # The subscription's mails and links are in the language it is made in.
    language = translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        if existing is not None and existing.is_confirmed:
            mail.send_requested(
                AlertMail.Kind.MANAGE_LINK,
                email,
                subscription=existing,
                client_ip=client_ip,
            )
            return
        if existing is None:
            try:
                with transaction.atomic():
                    existing = AlertSubscription.objects.create(
                        email=email,
                        query=search.query,
                        description=search.description,
                        frequency=frequency,
                        created_ip=client_ip,
                        language=language,
                    )
            except IntegrityError:
                # The same search submitted twice at once: renew the first.
                existing = AlertSubscription.objects.live().get(
                    email=email, query=search.query
                )
        if existing.frequency != frequency:
            existing.change_frequency(frequency)
        if existing.language != language:
            # Subscribed again from the other language's page: that one now.
            existing.language = language
            existing.save(update_fields=["language"])
        mail.send_requested(
            AlertMail.Kind.CONFIRMATION,
            email,
            subscription=existing,
            client_ip=client_ip,
        )


@never_cache
def sent(request):
    return render(request, "postings/alerts/sent.html")


def _link_error(request, error, **context):
    return render(
        request,
        "postings/alerts/link_error.html",
        {"error": str(error), "manage_link_form": ManageLinkForm(), **context},
        status=400,
    )


@never_cache
def confirm(request, token):
    try:
        subscription = mail.subscription_to_confirm(token)
    except mail.LinkError as error:
        return _link_error(request, error, expired_search=_expired_search(token))
    if subscription.is_unsubscribed:
        return _link_error(
            request,
            mail.SUBSCRIPTION_ENDED,
            expired_search=_subscribe_url(subscription.query),
        )
    if request.method == "POST" and subscription.is_pending:
        subscription.confirm()
        messages.success(
            request, CONFIRMED_AT_ONCE % {"description": subscription.description}
        )
        return redirect(_manage_path(subscription.email))
    return render(
        request,
        "postings/alerts/confirm.html",
        {"subscription": subscription},
    )


def _expired_search(token):
    """For an expired confirmation link: where to subscribe to its search again."""
    try:
        payload = mail.signing.loads(token, salt=mail.CONFIRM_SALT)
    except mail.signing.BadSignature:
        return None
    subscription = AlertSubscription.objects.filter(
        pk=payload.get("s"), email=payload.get("e")
    ).first()
    return _subscribe_url(subscription.query) if subscription else None


@csrf_exempt
@never_cache
def unsubscribe(request, token):
    """GET: a page with a button; POST: unsubscribe. A mail client's RFC 8058
    one-click POST (body ``List-Unsubscribe=One-Click``) needs no CSRF token."""
    if request.method == "POST" and (
        request.POST.get("List-Unsubscribe") == "One-Click"
    ):
        try:
            subscription = mail.subscription_to_unsubscribe(token)
        except mail.LinkError as error:
            return HttpResponse(str(error), status=400, content_type="text/plain")
        subscription.unsubscribe()
        text = UNSUBSCRIBED % {"description": subscription.description}
        return HttpResponse(text, content_type="text/plain; charset=utf-8")
    return _unsubscribe_page(request, token)


@csrf_protect
def _unsubscribe_page(request, token):
    try:
        subscription = mail.subscription_to_unsubscribe(token)
    except mail.LinkError as error:
        return _link_error(request, error)
    if request.method == "POST":
        subscription.unsubscribe()
    return render(
        request,
        "postings/alerts/unsubscribe.html",
        {
            "subscription": subscription,
            "manage_url": _manage_path(subscription.email),
        },
    )


@never_cache
def manage(request, token):
    try:
        email = mail.email_to_manage(token)
    except mail.LinkError as error:
        return _link_error(request, error)
    subscriptions = list(
        AlertSubscription.objects.live().for_email(email).order_by("-created_at")
    )
    if request.method == "POST":
        form = ManageForm(request.POST, subscriptions=subscriptions)
        if form.is_valid():
            messages.success(request, _manage(form))
            return redirect(request.path)
        for error in form.errors.values():
            for message in error:
                messages.error(request, message)
        return redirect(request.path)
    return render(
        request,
        "postings/alerts/manage.html",
        {
            "email": email,
            "subscriptions": subscriptions,
            "frequencies": AlertSubscription.Frequency.choices,
        },
    )


def _manage(form):
    """Carry out a valid ManageForm; returns what to tell the user."""
    action = form.cleaned_data["action"]
    if action == "unsubscribe_all":
        for subscription in form.subscriptions:
            subscription.unsubscribe()
        count = len(form.subscriptions)
        return ngettext(
            "已退订全部 %(count)s 个订阅。", "已退订全部 %(count)s 个订阅。", count
        ) % {"count": count}
    subscription = form.cleaned_data["target"]
    if action == "confirm":
        subscription.confirm()
        return str(CONFIRMED)
    if action == "unsubscribe":
        subscription.unsubscribe()
        return UNSUBSCRIBED % {"description": subscription.description}
    subscription.change_frequency(form.cleaned_data["frequency"])
    return FREQUENCY_CHANGED % {
        "description": subscription.description,
        "frequency": subscription.get_frequency_display(),
    }


@never_cache
def manage_link(request):
    """Ask for a management link: the answer is the same whether or not the
    address has subscriptions."""
    client_ip = get_client_ip_address(request)
    form = ManageLinkForm(request.POST or None, client_ip=client_ip)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            email = form.cleaned_data["email"]
            try:
                if AlertSubscription.objects.live().for_email(email).exists():
                    mail.send_requested(
                        AlertMail.Kind.MANAGE_LINK, email, client_ip=client_ip
                    )
            except (smtplib.SMTPException, OSError):
                form.add_error(None, MAIL_UNAVAILABLE)
                status = 503
            else:
                valid_days = settings.ALERTS_MANAGE_MAX_AGE // 86400
                return render(
                    request,
                    "postings/alerts/manage_link_sent.html",
                    {"email": email, "valid_days": valid_days},
                )
        else:
            status = 400
    return render(
        request, "postings/alerts/manage_link.html", {"form": form}, status=status
    )
