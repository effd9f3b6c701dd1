"""Signed links, the alert mails, and the digest run behind ``send_alerts``.

Every mail is recorded as an AlertMail before it goes out. A digest is
recorded together with the postings it announces (AlertDelivery, unique per
subscription and posting) in one transaction, then sent, then marked sent in
a second one; see ``run`` for what that guarantees when a run dies.
"""

import contextlib
import logging
import smtplib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, ngettext

from ..models import AlertDelivery, AlertMail, AlertSubscription, Posting
from .searches import matching_postings

logger = logging.getLogger(__name__)

CONFIRM_SALT = "postings.alerts.confirm"
UNSUBSCRIBE_SALT = "postings.alerts.unsubscribe"
MANAGE_SALT = "postings.alerts.manage"

CONFIRM_SUBJECT = gettext_lazy("【银行招聘岗位】请确认订阅：%(description)s")
MANAGE_SUBJECT = gettext_lazy("【银行招聘岗位】管理你的岗位订阅")

LINK_EXPIRED = gettext_lazy("这个链接已过期。")
LINK_INVALID = gettext_lazy("这个链接无效：可能复制时不完整，请从邮件中重新打开。")
SUBSCRIPTION_GONE = gettext_lazy("这个订阅已不存在。")
SUBSCRIPTION_ENDED = gettext_lazy("该订阅已退订，不再发送邮件。")


def digest_subject(description, count):
    return ngettext(
        "【银行招聘岗位】%(description)s：%(count)s 个新岗位",
        "【银行招聘岗位】%(description)s：%(count)s 个新岗位",
        count,
    ) % {"description": description, "count": count}


class LinkError(Exception):
    """A signed link that cannot be used; the message says why, in the
    language active when it is shown."""


# --- Signed links ---------------------------------------------------------------


def _subscription_token(subscription, salt):
    return signing.dumps({"s": subscription.pk, "e": subscription.email}, salt=salt)


def confirm_token(subscription):
    return _subscription_token(subscription, CONFIRM_SALT)


def unsubscribe_token(subscription):
    return _subscription_token(subscription, UNSUBSCRIBE_SALT)


def manage_token(email):
    return signing.dumps({"e": email}, salt=MANAGE_SALT)


def _load(token, salt, max_age):
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkError(LINK_EXPIRED) from None
    except signing.BadSignature:
        raise LinkError(LINK_INVALID) from None


def _subscription(payload):
    try:
        return AlertSubscription.objects.get(pk=payload["s"], email=payload["e"])
    except (AlertSubscription.DoesNotExist, KeyError, TypeError):
        raise LinkError(SUBSCRIPTION_GONE) from None


def subscription_to_confirm(token):
    """The subscription a confirmation link names; the link expires."""
    payload = _load(token, CONFIRM_SALT, settings.ALERTS_CONFIRM_MAX_AGE)
    return _subscription(payload)


def subscription_to_unsubscribe(token):
    """The subscription an unsubscribe link names. These links never expire:
    an old mail's unsubscribe link must keep working."""
    return _subscription(_load(token, UNSUBSCRIBE_SALT, None))


def email_to_manage(token):
    payload = _load(token, MANAGE_SALT, settings.ALERTS_MANAGE_MAX_AGE)
    if not isinstance(payload, dict) or "e" not in payload:
        raise LinkError(LINK_INVALID)
    return payload["e"]


def absolute(path):
    """A link for a mail: mails go out of requests (and a request's Host
    header is the visitor's to choose), so links use the site's address.
    Paths reversed under a language (see ``in_language``) carry its prefix."""
    return f"{settings.SITE_URL}{path}"


def mail_language(subscription=None):
    """The language of a mail: the subscription's, else the one in use (a
    management link asked for from a page is in that page's language)."""
    if subscription is not None and subscription.language:
        return subscription.language
    return translation.get_language() or settings.LANGUAGE_CODE


def confirm_url(subscription):
    return absolute(
        reverse("postings:alert_confirm", args=[confirm_token(subscription)])
    )


def unsubscribe_url(subscription):
    token = unsubscribe_token(subscription)
    return absolute(reverse("postings:alert_unsubscribe", args=[token]))


def manage_url(email):
    return absolute(reverse("postings:alert_manage", args=[manage_token(email)]))


# --- Mails ----------------------------------------------------------------------


def _message_id(mail):
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    stamp = mail.created_at.strftime("%Y%m%d%H%M%S")
    return f"<alert-{mail.pk}.{stamp}@{domain}>"


def _message(mail, subject, template, context, unsubscribe=None):
    """A plain-text and HTML mail; with ``unsubscribe`` (a URL) it carries the
    one-click List-Unsubscribe headers of RFC 8058."""
    context = {**context, "site_url": settings.SITE_URL}
    text = render_to_string(f"postings/alerts/email/{template}.txt", context)
    html = render_to_string(f"postings/alerts/email/{template}.html", context)
    # The same Message-ID on a resend lets mail systems drop a duplicate.
    headers = {"Message-ID": _message_id(mail), "Auto-Submitted": "auto-generated"}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        " ".join(subject.split()), text, to=[mail.recipient], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message


def confirmation_message(mail, language=None):
    subscription = mail.subscription
    with translation.override(language or mail_language(subscription)):
        return _confirmation_message(mail, subscription)


def _confirmation_message(mail, subscription):
    unsubscribe = unsubscribe_url(subscription)
    context = {
        "subscription": subscription,
        "confirm_url": confirm_url(subscription),
        "unsubscribe_url": unsubscribe,
        "search_url": absolute(subscription.get_search_url()),
        "valid_days": settings.ALERTS_CONFIRM_MAX_AGE // 86400,
    }
    subject = CONFIRM_SUBJECT % {"description": subscription.description}
    return _message(mail, subject, "confirm", context, unsubscribe=unsubscribe)


def manage_link_message(mail, language=None):
    with translation.override(language or mail_language(mail.subscription)):
        return _manage_link_message(mail)


def _manage_link_message(mail):
    context = {
        "subscription": mail.subscription,
        "manage_url": manage_url(mail.recipient),
        "valid_days": settings.ALERTS_MANAGE_MAX_AGE // 86400,
    }
    return _message(mail, str(MANAGE_SUBJECT), "manage_link", context)


def digest_message(mail):
    subscription = mail.subscription
    with translation.override(mail_language(subscription)):
        return _digest_message(mail, subscription)


def _digest_message(mail, subscription):
    postings = (
        Posting.objects.filter(alert_deliveries__mail=mail)
        .for_listing()
        .order_by("-published_on", "-id")[: settings.ALERTS_POSTINGS_PER_MAIL]
    )
    postings = [(posting, absolute(posting.get_absolute_url())) for posting in postings]
    unsubscribe = unsubscribe_url(subscription)
    context = {
        "subscription": subscription,
        "postings": postings,
        "total": mail.posting_count,
        "more": mail.posting_count - len(postings),
        "search_url": absolute(subscription.get_search_url()),
        "manage_url": manage_url(subscription.email),
        "unsubscribe_url": unsubscribe,
    }
    subject = digest_subject(subscription.description, mail.posting_count)
    return _message(mail, subject, "digest", context, unsubscribe=unsubscribe)


def send_requested(
    kind, recipient, *, subscription=None, client_ip=None, language=None
):
    """Send a mail a visitor asked for (a confirmation or a management link)
    now, and record it; on a mail-server error nothing is recorded and the
    error propagates (smtplib.SMTPException or OSError).

    A confirmation is in the subscription's language; a management link in
    ``language``, by default the one in use."""
    build = {
        AlertMail.Kind.CONFIRMATION: confirmation_message,
        AlertMail.Kind.MANAGE_LINK: manage_link_message,
    }[kind]
    with transaction.atomic():
        mail = AlertMail.objects.create(
            kind=kind,
            recipient=recipient,
            subscription=subscription,
            client_ip=client_ip,
        )
        if kind == AlertMail.Kind.MANAGE_LINK:
            language = language or mail_language()
        build(mail, language).send()
        mail.sent_at = timezone.now()
        mail.save(update_fields=["sent_at"])
    return mail


# --- The digest run -------------------------------------------------------------


@dataclass
class RunReport:
    purged: int = 0
    prepared: int = 0
    sent: int = 0
    failed: int = 0
    abandoned: int = 0
    stopped: str = ""
    invalid: list = field(default_factory=list)


def purge_unconfirmed(now=None):
    """Delete pending subscriptions whose confirmation link has expired:
    nobody confirmed them, so the address is not kept."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(seconds=settings.ALERTS_CONFIRM_MAX_AGE)
    expired = AlertSubscription.objects.pending().filter(created_at__lt=cutoff)
    _, deleted = expired.delete()
    return deleted.get(AlertSubscription._meta.label, 0)


def new_postings(subscription):
    """Open postings matching the subscription that it has not been told of,
    published since it was confirmed; newest first. None when the stored
    search no longer validates."""
    matching = matching_postings(subscription)
    if matching is None:
        return None
    announced = AlertDelivery.objects.filter(subscription=subscription)
    return (
        matching.filter(published_on__gte=subscription.first_day)
        .exclude(pk__in=announced.values("posting_id"))
        .order_by("-published_on", "-id")
    )


def prepare_digest(subscription_pk, today):
    """Record the digest of one due subscription (the mail and every posting
    it announces), in one transaction. Returns the mail, or None when there
    is nothing new, it is not due, or a digest of it is still unsent."""
    with transaction.atomic():
        # Claim it: a run working in parallel waits here, then finds it done.
        claimed = (
            AlertSubscription.objects.due_on(today)
            .filter(pk=subscription_pk)
            .update(checked_on=today)
        )
        if not claimed:
            return None
        subscription = AlertSubscription.objects.get(pk=subscription_pk)
        if subscription.mails.filter(kind=AlertMail.Kind.DIGEST).unsent().exists():
            # Its postings wait for that mail to go; the next digest has the rest.
            return None
        postings = new_postings(subscription)
        if postings is None:
            raise InvalidSearch(subscription)
        posting_ids = list(postings.values_list("pk", flat=True))
        if not posting_ids:
            return None
        mail = AlertMail.objects.create(
            kind=AlertMail.Kind.DIGEST,
            recipient=subscription.email,
            subscription=subscription,
            posting_count=len(posting_ids),
        )
        AlertDelivery.objects.bulk_create(
            [
                AlertDelivery(mail=mail, subscription=subscription, posting_id=pk)
                for pk in posting_ids
            ],
            batch_size=1000,
        )
        return mail


class InvalidSearch(Exception):
    def __init__(self, subscription):
        super().__init__(subscription.pk)
        self.subscription = subscription


class SendStopped(Exception):
    """The mail server cannot be reached: stop sending for this run."""


def _is_permanent(error):
    """A 5xx answer for this mail: retrying will not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    return getattr(error, "smtp_code", 0) >= 500


# The server takes no mail from us now (down, refusing the sender, a wrong
# password): no fault of the mail in hand, and no use trying the others.
_SERVER_FAILURES = (
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPSenderRefused,
)


def _is_server_failure(error):
    # smtplib's errors are OSErrors; the others (refused, timed out, TLS) are
    # the network's.
    return isinstance(error, _SERVER_FAILURES) or not isinstance(
        error, smtplib.SMTPException
    )


def send_digest(mail_pk, connection):
    """Send one recorded digest and mark it sent, or record why it failed.
    Returns "sent", "abandoned", "failed" or "" (someone else had sent it)."""
    try:
        with transaction.atomic():
            # Claim it (a row lock on PostgreSQL, the write lock on SQLite),
            # so two runs never send the same mail.
            if (
                not AlertMail.objects.unsent()
                .filter(pk=mail_pk)
                .update(attempts=F("attempts"))
            ):
                return ""
            mail = AlertMail.objects.select_related("subscription").get(pk=mail_pk)
            subscription = mail.subscription
            now = timezone.now()
            if not subscription.is_confirmed:
                mail.abandoned_at = now
                mail.last_error = str(SUBSCRIPTION_ENDED)
                mail.save(update_fields=["abandoned_at", "last_error"])
                return "abandoned"
            connection.send_messages([digest_message(mail)])
            mail.sent_at = now
            mail.save(update_fields=["sent_at"])
            subscription.last_mailed_at = now
            subscription.save(update_fields=["last_mailed_at"])
            return "sent"
    except (smtplib.SMTPException, OSError) as error:
        _close_quietly(connection)
        logger.warning("Alert mail %s failed: %s", mail_pk, error)
        if _is_server_failure(error):
            AlertMail.objects.filter(pk=mail_pk).update(last_error=str(error)[:1000])
            raise SendStopped(str(error)) from error
        # This mail failed (refused, or the connection dropped while it was
        # sent): count it, so a mail that always fails cannot block the rest.
        give_up = _is_permanent(error)
        AlertMail.objects.filter(pk=mail_pk).update(
            attempts=F("attempts") + 1, last_error=str(error)[:1000]
        )
        if not give_up:
            attempts = AlertMail.objects.get(pk=mail_pk).attempts
            give_up = attempts >= settings.ALERTS_MAX_SEND_ATTEMPTS
        if give_up:
            AlertMail.objects.filter(pk=mail_pk).update(abandoned_at=timezone.now())
        return "abandoned" if give_up else "failed"


def _close_quietly(connection):
    with contextlib.suppress(smtplib.SMTPException, OSError):
        connection.close()


def run(frequency=None, today=None):
    """One ``send_alerts`` run: purge expired unconfirmed subscriptions,
    record the due digests, send every unsent one.

    A crash before a digest is recorded loses nothing (its postings are
    still new next run); a crash after it is recorded and before the mail
    server accepts it loses nothing (it stays unsent and the next run sends
    it); a mail that was sent is marked sent and never sent again. The one
    window for a repeat is between the server accepting a mail and the
    database marking it sent, and the repeat carries the same Message-ID.
    """
    today = today or timezone.localdate()
    report = RunReport(purged=purge_unconfirmed())
    due = AlertSubscription.objects.due_on(today)
    if frequency:
        due = due.filter(frequency=frequency)
    for pk in list(due.order_by("pk").values_list("pk", flat=True)):
        try:
            if prepare_digest(pk, today):
                report.prepared += 1
        except InvalidSearch as error:
            report.invalid.append(error.subscription)
    unsent = AlertMail.objects.unsent().filter(kind=AlertMail.Kind.DIGEST)
    connection = get_connection()
    try:
        for pk in list(unsent.order_by("pk").values_list("pk", flat=True)):
            outcome = send_digest(pk, connection)
            if outcome:
                setattr(report, outcome, getattr(report, outcome) + 1)
    except SendStopped as error:
        report.failed += 1
        report.stopped = str(error)
    finally:
        _close_quietly(connection)
    return report
