"""How the API talks, as REST framework's settings name it: JSON whatever
the client asks for, OPTIONS without internals, and a rate per client.

Kept apart from the views because the settings import these classes while
REST framework itself is being imported.
"""

import logging

from django.urls import reverse
from rest_framework.metadata import BaseMetadata
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class JSONOnly(BaseContentNegotiation):
    """The API speaks JSON whatever the client's Accept header asks for."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ReadOnlyMetadata(BaseMetadata):
    """What OPTIONS answers: the methods, and where the documentation is."""

    def determine_metadata(self, request, view):
        return {
            "methods": ["GET", "HEAD", "OPTIONS"],
            "docs": request.build_absolute_uri(reverse("api:docs")),
        }


class ClientRateThrottle(SimpleRateThrottle):
    """DJANGO_API_RATE requests per client (network address), counted in the
    default cache; a client over it is answered 429 with Retry-After."""

    scope = "api"

    def get_rate(self):
        # Read when used, not when imported, so settings can change it.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            # An unreachable cache must not take the API down with it.
            logger.warning("API rate limit unavailable; allowing", exc_info=True)
            return True

    def rate_text(self):
        per = {1: "每秒", 60: "每分钟", 3600: "每小时", 86400: "每天"}[self.duration]
        return f"{per}最多 {self.num_requests} 次请求"
