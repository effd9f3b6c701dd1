"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

Tests point Django's SMTP backend at it and read the messages back as the
recipient's mail program would. It can also misbehave on purpose: refuse
messages from the n-th on, answer a permanent error, or drop the connection
in the middle of a message.
"""

import contextlib
import email
import re
import socket
from email import policy
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller


class Inbox:
    """The server's handler: every accepted message, parsed."""

    def __init__(self):
        self.messages = []
        self.refuse_from = None  # refuse the n-th message on (1-based)
        self.refusal = "451 4.3.0 Mail server busy, try again later"
        self.drop_from = None  # drop the connection at the n-th message
        self.refuse_sender = False  # refuse every sender (MAIL FROM)

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.refuse_sender:
            return "553 5.7.1 Sender address not allowed"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        number = len(self.messages) + 1
        if self.drop_from is not None and number >= self.drop_from:
            # Gone mid-transaction: the client never hears whether it went.
            server.transport.close()
            return "421 4.3.2 Closing connection"
        if self.refuse_from is not None and number >= self.refuse_from:
            return self.refusal
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 2.0.0 OK"

    def recover(self):
        self.refuse_from = self.drop_from = None
        self.refuse_sender = False

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server():
    """Yield (inbox, port) of a running server; stop it afterwards."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def use_smtp(settings, port, site_url="http://testserver"):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "银行招聘岗位 <alerts@jobs.example>"
    settings.SITE_URL = site_url


def text_part(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message):
    return message.get_body(preferencelist=("html",)).get_content()


def links(text):
    return re.findall(r"https?://[^\s<>\"]+", text)


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link_to(message, fragment):
    """The one link in the plain-text part whose path contains ``fragment``."""
    found = {u for u in links(text_part(message)) if fragment in u}
    assert len(found) == 1, (fragment, found)
    return found.pop()
