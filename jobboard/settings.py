"""Settings for the bank recruitment job board.

Everything that differs between a laptop, CI and production comes from the
environment; see the README's "Configuration" section for the full list.
"""

import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production needs a real secret key; "
            "for local development set DJANGO_DEBUG=1 (as `make run` does)."
        )
    # Only reachable with DEBUG on: a throwaway key for local development.
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "simple_history",
    "jobboard.apps.AxesConfig",  # django-axes, named in Chinese
    "csp",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "postings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything that can answer on its own, so every API answer
    # (an error, a redirect) carries the CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Records who made each change (admin, or any request) in the history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out client is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "jobboard.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "jobboard.wsgi.application"

# SQLite is the zero-setup default; DATABASE_URL (postgres://…) switches to
# PostgreSQL through psycopg 3.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web request and an import may write at the same time; wait instead of
    # failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Public pages are cached (postings/caching.py). The per-process memory cache
# is the zero-setup default; several app servers (or gunicorn workers) must
# share one so a change invalidates every copy: DJANGO_CACHE=database (run
# `manage.py createcachetable`) or REDIS_URL=redis://host:6379/0.
_CACHE = os.environ.get(
    "DJANGO_CACHE", "redis" if os.environ.get("REDIS_URL") else "locmem"
)
_CACHE_BACKENDS = {
    "locmem": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    "database": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "jobboard_cache",
        # Django's default of 300 entries is fewer than a board's detail
        # pages: the cache would evict pages as fast as it stores them.
        "OPTIONS": {
            "MAX_ENTRIES": int(os.environ.get("DJANGO_CACHE_MAX_ENTRIES", "50000"))
        },
    },
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    },
    "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
if _CACHE not in _CACHE_BACKENDS:
    raise ImproperlyConfigured(
        f"DJANGO_CACHE must be one of {', '.join(_CACHE_BACKENDS)}"
    )
CACHES = {"default": _CACHE_BACKENDS[_CACHE]}
# Pages each app process also keeps in its own memory, in front of a shared
# cache in another process (the database, Redis), so serving one needs no
# round trip; 0 keeps none. The per-process memory cache needs no copy.
PAGE_MEMO_ENTRIES = int(
    os.environ.get(
        "DJANGO_PAGE_MEMO_ENTRIES", "0" if _CACHE in ("locmem", "dummy") else "500"
    )
)
# Seconds an app process may go without reading the change log
# (postings/changes.py) before a request reads it: the bound on how soon an
# edit shows on every public page in every process. Reading it on every
# request would cost each cached page a round trip to the database.
BOARD_FRESHNESS = float(os.environ.get("DJANGO_BOARD_FRESHNESS", "1"))
# Seconds a cached page an edit changed may still be served as it was, to
# requests that come while another request builds its new version: without
# it, every request for a page each edit changes (a one-character keyword
# matches nearly every posting) waits for that build. An edit therefore
# shows on every page within BOARD_FRESHNESS + PAGE_STALE_FOR seconds. 0:
# requests wait for the build.
PAGE_STALE_FOR = float(os.environ.get("DJANGO_PAGE_STALE_FOR", "2"))

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# Chinese at /, English at /en/ (jobboard/urls.py). Posting content stays as
# the source wrote it, in Chinese, in both.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# The interface in English (locale/en), and Chinese for the third-party
# apps that ship none (django-axes, locale/zh_Hans).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed file names so browsers may cache them for ever.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# --- Security -------------------------------------------------------------------
# Production (DEBUG off) defaults to HTTPS-only: redirect, secure cookies, HSTS.
# Behind a TLS-terminating proxy set DJANGO_SECURE_PROXY_SSL_HEADER=1 so Django
# trusts X-Forwarded-Proto; on plain-HTTP setups (docker-compose on localhost)
# turn the redirect and secure cookies off explicitly.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe the health check over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600))
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=not DEBUG)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The login lockout, the alert, export and API limits read one client address
# (postings.throttling.client_address; the API through DRF's NUM_PROXIES, the
# same rule): the connection's, or behind trusted proxies the one the
# outermost proxy saw. Behind a TLS proxy (DJANGO_SECURE_PROXY_SSL_HEADER) one
# proxy is trusted unless told otherwise.
TRUSTED_PROXY_COUNT = int(
    os.environ.get(
        "DJANGO_TRUSTED_PROXIES",
        "1" if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER") else "0",
    )
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8  # a working day
X_FRAME_OPTIONS = "DENY"

# No inline scripts or styles and nothing from other origins: the site ships
# its own CSS and JavaScript. JSON-LD is a data block, which CSP does not run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- The JSON API (/api/v1/, postings/api/) -------------------------------------
API_RATE = os.environ.get("DJANGO_API_RATE", "120/minute")
if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", API_RATE):
    raise ImproperlyConfigured(
        "DJANGO_API_RATE must read like 120/minute (per second, minute, hour or day)"
    )
# Read-only and anonymous: no authentication, no request bodies, JSON only.
# Each client (network address) may make DJANGO_API_RATE requests; the
# counts live in the default cache, so several app servers share them when
# the cache is shared (see "Several app servers" in the README).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "postings.api.protocol.JSONOnly",
    "DEFAULT_METADATA_CLASS": "postings.api.protocol.ReadOnlyMetadata",
    "DEFAULT_THROTTLE_CLASSES": ["postings.api.protocol.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api": API_RATE,
    },
    # The client is the address the outermost trusted proxy saw, if any.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT or None,
    "EXCEPTION_HANDLER": "postings.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "银行招聘岗位 API",
    "DESCRIPTION": (
        "银行社会招聘岗位的只读 JSON 接口：岗位（与列表页相同的筛选和排序，"
        "游标分页）、单个岗位、招聘机构及其层级、招聘部门、筛选项计数。"
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
    # Parameters in the filters' order, as the listing's form shows them.
    "SORT_OPERATION_PARAMETERS": False,
    "TAGS": [
        {"name": "postings", "description": "岗位"},
        {"name": "facets", "description": "筛选项计数"},
        {"name": "institutions", "description": "招聘机构"},
        {"name": "departments", "description": "招聘部门"},
    ],
    "ENUM_NAME_OVERRIDES": {
        "FacetName": "postings.api.serializers.FACET_CHOICES",
        "PostingStatus": "postings.api.serializers.PUBLIC_STATUSES",
        "Education": "postings.models.Education.labels",
    },
}
# Any site may read the API from its pages; nothing is sent with
# credentials, and only reading methods are allowed.
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "accept-language", "if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After"]
CORS_PREFLIGHT_MAX_AGE = 24 * 3600
# Powerful browser features the site never uses are off for it and for
# anything it could be made to embed (Permissions-Policy, by
# django-permissions-policy, which also rejects misspelt feature names).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Admin login throttling (django-axes): five failures from one address for one
# username lock that pair out for an hour; a success clears the count.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "postings.throttling.client_address"

# Public exports (postings.views.posting_export), so that they never starve
# the pages: a file of at most EXPORT_MAX_ROWS postings, at most
# EXPORT_RATE_LIMIT files a minute per client address, and at most
# EXPORT_CONCURRENCY being written at once per process (the others are asked
# to come back). Staff export any number of rows from the admin.
EXPORT_MAX_ROWS = int(os.environ.get("DJANGO_EXPORT_MAX_ROWS", "5000"))
EXPORT_RATE_LIMIT = int(os.environ.get("DJANGO_EXPORT_RATE_LIMIT", "10"))
EXPORT_CONCURRENCY = int(os.environ.get("DJANGO_EXPORT_CONCURRENCY", "1"))

# The admin's history pages show each version; restoring goes through the
# board's own restore view, which brings duties and requirements back too.
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
}

# Absolute links in exports and feeds made outside a request (the CLI).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Mail -------------------------------------------------------------------------
# Job alerts send mail. With DEBUG on (`make run`) mails are printed on the
# console unless a backend is named; production sends through SMTP.
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND") or (
    "console" if DEBUG else "smtp"
)
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_EMAIL_BACKEND, _EMAIL_BACKEND)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS")  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL")  # implicit TLS, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "Set DJANGO_EMAIL_USE_TLS (STARTTLS) or DJANGO_EMAIL_USE_SSL, not both."
    )
# A hung mail server must not hold a web request or a cron run for ever.
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "20"))
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", BASE_DIR / "sent-mail")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "银行招聘岗位 <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Job alerts (postings.alerts): link lifetimes and limits against abuse.
ALERTS_CONFIRM_MAX_AGE = 7 * 24 * 3600  # a confirmation link works for a week
ALERTS_MANAGE_MAX_AGE = 30 * 24 * 3600  # a management link for a month
ALERTS_MAX_SUBSCRIPTIONS_PER_EMAIL = int(
    os.environ.get("DJANGO_ALERTS_MAX_PER_EMAIL", "10")
)
ALERTS_MAX_SUBSCRIPTIONS_PER_IP_PER_DAY = int(
    os.environ.get("DJANGO_ALERTS_MAX_PER_IP", "20")
)
ALERTS_MAX_MAILS_PER_EMAIL_PER_DAY = 5  # confirmations and management links
ALERTS_MAX_MAILS_PER_IP_PER_DAY = 30
ALERTS_POSTINGS_PER_MAIL = 20  # a digest lists the newest; a link shows the rest
ALERTS_MAX_SEND_ATTEMPTS = 10  # a digest the server keeps refusing is dropped
