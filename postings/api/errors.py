"""The API's errors as JSON, in the pages' words.

Every error answer has the same shape, ``{"status", "title", "errors"}``:
``errors`` lists what was wrong, for bad filter values the very lines the
listing's 400 page shows ("年龄：年龄须为整数，收到“abc”。").
"""

import math

from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

# The pages' own words (templates/404.html and templates/400.html).
NOT_FOUND = "您要找的页面不存在或已被移除。"
BAD_REQUEST = "无法处理这个请求。"

TITLES = {
    400: "请求有误",
    404: "页面不存在",
    405: "不支持的请求方法",
    429: "请求过于频繁",
}


class BadQuery(exceptions.APIException):
    """Query parameters the pages would answer with their 400 page."""

    status_code = 400

    def __init__(self, messages):
        self.messages = list(messages)
        super().__init__(detail="\n".join(self.messages))


class TooManyRequests(exceptions.APIException):
    """A client over its rate, told how long to wait and what the rate is."""

    status_code = 429

    def __init__(self, wait, rate_text):
        self.wait = _seconds(wait)
        super().__init__(
            detail=f"请求过于频繁：每个客户端{rate_text}，请 {self.wait} 秒后再试。"
        )


def _seconds(wait):
    """Retry-After's whole seconds, never 0 (that would say "now")."""
    return max(1, math.ceil(wait or 1))


def error_body(status, messages):
    return {
        "status": status,
        "title": TITLES.get(status, TITLES[400]),
        "errors": list(messages),
    }


def exception_handler(exc, context):
    """DRF's exception handler: JSON errors for what the API raises; anything
    else is a bug, left to Django's 500 handling."""
    headers = {}
    if isinstance(exc, Http404 | exceptions.NotFound):
        status, messages = 404, [NOT_FOUND]
    elif isinstance(exc, BadQuery):
        status, messages = 400, exc.messages
    elif isinstance(exc, exceptions.MethodNotAllowed):
        method = context["request"].method
        status = 405
        messages = [f"不支持 {method} 请求：本接口只读，只接受 GET、HEAD 和 OPTIONS。"]
    elif isinstance(exc, TooManyRequests):
        status, messages = 429, [str(exc.detail)]
        headers["Retry-After"] = str(exc.wait)
    elif isinstance(exc, exceptions.Throttled):
        wait = _seconds(exc.wait)
        status, messages = 429, [f"请求过于频繁，请 {wait} 秒后再试。"]
        headers["Retry-After"] = str(wait)
    elif isinstance(exc, exceptions.APIException):
        status, messages = exc.status_code, [BAD_REQUEST]
    else:
        return None
    return Response(error_body(status, messages), status=status, headers=headers)
