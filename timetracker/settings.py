"""TimeTracker settings: one file, driven by environment variables.

Every variable is documented in ``docs/configuration.md`` and ``.env.example``; a test
keeps the three in step. With no environment at all the app runs in development mode on
SQLite under ``data/`` with a secret key generated once and kept there. Production
differs only by environment (``DEBUG=false``, ``SECRET_KEY``, ``ALLOWED_HOSTS``,
``DATABASE_URL``, ...).
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from timetracker import __version__
from timetracker.env import (
    env_bool,
    env_choice,
    env_db,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_path,
    env_str,
    load_dotenv,
)

# Generic classes such as ModelAdmin[Project] at runtime, as the type stubs spell them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", True)
APP_VERSION = env_str("APP_VERSION", __version__)
ENVIRONMENT = env_str("ENVIRONMENT", "development" if DEBUG else "production")
DATA_DIR = env_path("DATA_DIR", BASE_DIR / "data")

# --- Secret key ---------------------------------------------------------------------------
INSECURE_KEY_PREFIXES = ("django-insecure", "change-me", "changeme", "secret")


def _development_secret(data_dir: Path) -> str:
    """A secret generated once for this checkout and kept in ``data/`` (never committed)."""
    path = data_dir / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


SECRET_KEY = env_str("SECRET_KEY", "", secret=True)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY: required when DEBUG=false (generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)"
        )
    SECRET_KEY = _development_secret(DATA_DIR)
elif not DEBUG and (
    len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.lower().startswith(INSECURE_KEY_PREFIXES)
):
    raise ImproperlyConfigured(
        "SECRET_KEY: looks like a placeholder; use at least 50 random characters"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS: required when DEBUG=false (comma-separated host names)"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Applications -------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    # API tokens: hashed, named, revocable (apps.accounts.ApiToken, "API tokens" below).
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Login limits: failed logins counted in the database ("Login limits" below).
    "axes",
    # Two-factor login: TOTP devices and one-time recovery codes (apps.accounts.twofactor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Content-Security-Policy (the section of that name below); its checks catch bad config.
    "csp",
    # Feature flags, maintenance mode, the project's checks, manage.py flags and config.
    "apps.core",
    "apps.accounts",
    "apps.clients",
    "apps.projects",
    "apps.tasks",
    "apps.timers",
    "apps.tags",
    "apps.reports",
    "apps.jobs",
    "apps.imports",
    "apps.web",
    "apps.monitoring",
    # The week grid, the calendar and the calendar feed (docs/user-guide.md).
    "apps.timesheet",
    "django_prometheus",
    "waffle",
    "analytics",
    "telemetry",
    # Background work: Django's tasks framework (backport) and its database queue
    # ("Background work" below).
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # Request metrics: first in, last out, so the latency is the whole request and every
    # answer (a 429 from axes, a 503 from maintenance mode) is counted; every label value
    # comes from a closed set (docs/monitoring.md).
    "apps.monitoring.middleware.RequestMetricsMiddleware",
    # Request id, route and actor for every log line written while the request runs.
    "analytics.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy and Cross-Origin-Resource-Policy, static files included.
    "apps.core.headers.BrowserPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that may render a page (setup redirect, maintenance page), so that
    # request.csp_nonce exists whenever a template asks for it.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from Accept-Language (then the profile's choice, in TimezoneMiddleware).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Until an administrator exists, pages lead to the first-run setup (docs/telemetry.md).
    "telemetry.middleware.SetupRequiredMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); then the second-factor gate for the web UI and the admin.
    "django_otp.middleware.OTPMiddleware",
    "apps.accounts.middleware.TwoFactorMiddleware",
    "apps.web.middleware.TimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The maintenance-mode switch: changes answer 503, reads and the admin keep working.
    "apps.core.maintenance.MaintenanceModeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "waffle.middleware.WaffleMiddleware",
    # Last, as axes requires: turns a locked login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "timetracker.urls"
WSGI_APPLICATION = "timetracker.wsgi.application"

# Form widgets render through TEMPLATES, so templates/django/forms/ can override Django's
# own (a select that writes its options out instead of two includes per option).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.maintenance.maintenance_mode",
                "apps.web.context_processors.interface",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {"default": env_db("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE transactions and WAL keep concurrent writers from failing with "locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that accepts connections but never answers must not hold a worker until
    # gunicorn kills it (GUNICORN_TIMEOUT, 30 s): connecting gives up after a few seconds,
    # and the server cancels a statement before the worker timeout, so the request ends
    # with a logged error and the worker lives on. A value in the URL's query wins.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=2))
    _statement_ms = env_int("DATABASE_STATEMENT_TIMEOUT", 25, minimum=0) * 1000
    _options["options"] = " ".join(
        filter(None, [_options.get("options", ""), f"-c statement_timeout={_statement_ms}"])
    )
# How long /readyz and the timetracker_ready metric wait for the database (any engine).
DATABASE_READINESS_TIMEOUT = env_float("DATABASE_READINESS_TIMEOUT", 2.0, minimum=0.1, maximum=30.0)
# The same backends, counting and timing queries into django-prometheus' SQL families at
# less cost per query than its own wrappers (apps/monitoring/db).
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "apps.monitoring.db.backends.", 1
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and feature flags (docs/configuration.md) ---------------------------------------
# django-waffle keeps flag and switch rows in the default cache: one key per row,
# "<CACHE_PREFIX>:1:<WAFFLE_CACHE_PREFIX><waffle version><md5 of 'switch:<name>'>", and the
# lists "<CACHE_PREFIX>:1:flags:all" and "...:switches:all" (waffle does not prefix those;
# apps.core.flags reads the lists). Saving a flag in the admin deletes its keys. With
# REDIS_URL the cache is shared, so every worker sees the change on its next read; without
# it each process has its own cache and sees the change within CACHES TIMEOUT seconds.
REDIS_URL = env_str("REDIS_URL", "", secret=True)
CACHE_PREFIX = env_str("CACHE_PREFIX", "timetracker")
CACHES = {
    "default": {
        "BACKEND": "timetracker.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_PREFIX,
        "TIMEOUT": 300,
        # A stalled Redis must fail a request quickly rather than hold a worker.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "KEY_PREFIX": CACHE_PREFIX,
        "TIMEOUT": 300,
    }
}
WAFFLE_CACHE_PREFIX = "waffle:"
# A flag or switch name missing from apps.core.flags raises instead of reading as off.
FLAGS_STRICT = DEBUG
# The week grid places the entry of a new cell at this local time of its day (HH:MM).
TIMESHEET_DAY_START = env_str("TIMESHEET_DAY_START", "09:00")
# A running timer older than this is flagged on the dashboard (the idle-timer flag).
IDLE_TIMER_HOURS = env_int("IDLE_TIMER_HOURS", 12, minimum=1)
# The currency of billable amounts on pages: an ISO code (placed as each language does) or
# a symbol shown before the amount (apps/web/templatetags/tt.py).
TIMETRACKER_CURRENCY = env_str("TIMETRACKER_CURRENCY", "EUR").strip()
if not re.fullmatch(r"[^\s\d<>&\"']{1,5}", TIMETRACKER_CURRENCY):
    raise ImproperlyConfigured(
        f"TIMETRACKER_CURRENCY: 1 to 5 characters without spaces or digits, "
        f"such as EUR or $, got {TIMETRACKER_CURRENCY!r}"
    )

# --- Background work (docs/deployment.md) --------------------------------------------------
# Imports and large exports run as tasks of Django's tasks framework (the django-tasks
# backport). "database" keeps the queue in the app's own database: SQLite and `make run`
# need nothing more, and `manage.py db_worker` runs the queued jobs. "rq" queues in Redis
# (REDIS_URL) for `manage.py rqworker`; "immediate" runs each job inside the request.
TASKS_BACKEND = env_choice("TASKS_BACKEND", "database", ("database", "rq", "immediate"))
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL (the queue lives in Redis).")
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
# Files a job produced (exports, import reports) and uploads waiting for a worker; shared by
# the app and the worker containers.
JOB_FILES_DIR = DATA_DIR / "jobs"
# A finished job's file may be downloaded for this long, then the cleanup deletes it.
JOB_FILE_RETENTION_HOURS = env_int("JOB_FILE_RETENTION_HOURS", 24, minimum=1)
# Web exports of more entries than this are prepared in the background (with progress).
EXPORT_BACKGROUND_ROWS = env_int("EXPORT_BACKGROUND_ROWS", 20000, minimum=1)
# Import files with more rows than this are queued; smaller ones run in the request.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 2000, minimum=1)

# --- Auth ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login limits first: while a username or address is locked, no password is checked.
AUTHENTICATION_BACKENDS = [
    "apps.accounts.login_limits.LoginLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- Two-factor login (docs/security.md) ---------------------------------------------------
# TOTP with django-otp, optional for everyone; required of admins (role admin, superusers
# and staff) when this is true. A user with a confirmed device is always asked for a code.
TWO_FACTOR_REQUIRED_FOR_ADMINS = env_bool("TWO_FACTOR_REQUIRED_FOR_ADMINS", False)
# Path prefixes a signed-in user who still owes the second factor may reach (static files
# always): the pages that take it, logging out, probes, metrics and the first-run setup.
# The API (/api/) authenticates with tokens and is not behind the second factor; a session
# that owes it is treated there as anonymous (apps.accounts.middleware).
TWO_FACTOR_EXEMPT_PATHS = (
    "/accounts/2fa/setup/",
    "/accounts/2fa/verify/",
    "/accounts/login/",
    "/accounts/logout/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/setup/",
)
OTP_TOTP_ISSUER = "TimeTracker"
# The admin's device pages show neither TOTP keys nor recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Login limits (docs/security.md) -------------------------------------------------------
# The client's address (apps.core.net.client_address) serves login limits, API throttles
# and the /metrics allow-list. X-Forwarded-For is read only from these proxies (CIDRs).
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", [])
# django-axes, database handler: counts shared by every worker and replica. A username or
# an address with this many failures within the cool-off is locked (the right password
# fails too) until the cool-off has passed since its last failure, or `manage.py axes_reset`.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "apps.core.net.client_address"
AXES_LOCKOUT_CALLABLE = "apps.accounts.login_limits.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# A success does not wipe the counts: it would also wipe the address's failures against
# other usernames. Successful logins are not recorded (no table of addresses and agents).
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True

# --- Internationalisation and time ----------------------------------------------------------
# English, German, French and Dutch (docs/user-guide.md, "Languages"). A signed-in user's
# profile choice wins; otherwise the browser's Accept-Language; otherwise English. The
# project's catalogue is locale/, the reusable apps carry their own (analytics/locale,
# telemetry/locale); `make messages` extracts and compiles them.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (production) ----------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes and scrapers talk plain HTTP inside the container network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Content-Security-Policy and other browser policies (docs/security.md) ---------------
# No inline script or style without the request's nonce (templates write
# nonce="{{ request.csp_nonce }}"), no style="..." attributes, no onclick="..." handlers:
# everything else comes from our own origin. CSP_EXTRA_* add sources for an operator's own
# additions (a logo host, a font service); CSP_REPORT_ONLY=true sends the same policy as
# Content-Security-Policy-Report-Only, which browsers report on but do not enforce.
# (Python names here avoid CSP_* on purpose: django-csp's check csp.E001 reads any
# CSP_REPORT_ONLY or CSP_*_SRC setting as the configuration of django-csp < 4.)
from csp.constants import NONCE, NONE, SELF  # noqa: E402

from apps.core.headers import csp_report_uri, csp_sources  # noqa: E402

_csp_directives: dict[str, object] = {
    "default-src": [SELF],
    "script-src": [
        SELF,
        NONCE,
        *csp_sources("CSP_EXTRA_SCRIPT_SRC", env_list("CSP_EXTRA_SCRIPT_SRC", [])),
    ],
    "style-src": [
        SELF,
        NONCE,
        *csp_sources("CSP_EXTRA_STYLE_SRC", env_list("CSP_EXTRA_STYLE_SRC", [])),
    ],
    "img-src": [SELF, *csp_sources("CSP_EXTRA_IMG_SRC", env_list("CSP_EXTRA_IMG_SRC", []))],
    "font-src": [SELF, *csp_sources("CSP_EXTRA_FONT_SRC", env_list("CSP_EXTRA_FONT_SRC", []))],
    "connect-src": [
        SELF,
        *csp_sources("CSP_EXTRA_CONNECT_SRC", env_list("CSP_EXTRA_CONNECT_SRC", [])),
    ],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
_csp_report_uri = env_str("CSP_REPORT_URI", "")
if _csp_report_uri:
    _csp_directives["report-uri"] = csp_report_uri("CSP_REPORT_URI", _csp_report_uri)
_csp_policy = {"DIRECTIVES": _csp_directives}
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY: dict[str, dict[str, object]] | None = _csp_policy
else:
    CONTENT_SECURITY_POLICY = _csp_policy
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None
# Features no page of TimeTracker uses, off for the pages and anything they could embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
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
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies nested deeper than 32 levels or larger than DATA_UPLOAD_MAX_MEMORY_SIZE
    # (Django's 2.5 MB) answer 400 (docs/api.md).
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.drf.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.drf.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The admin-role check of the API's permissions (apps.core.api.IsAdminRole), by dotted path
# so that apps.core imports no domain app.
ADMIN_ROLE_CHECK = "apps.accounts.selectors.user_is_admin"

# --- API tokens ---------------------------------------------------------------------------
# django-rest-knox with our token model (a name, last use): the database keeps only a
# SHA-512 digest of each key and its first characters for the lookup; every request reads
# the row, so a revoked token is refused at once by every worker (docs/security.md).
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 (a model name, not a secret)
# knox's own migrations create its default token table even though accounts.ApiToken
# replaces it; an unused table referencing auth_user would only be in the way (PostgreSQL
# cannot empty auth_user while it exists), so knox's migrations are not run.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": None,  # no expiry unless the user picks one when creating the token
    "AUTH_HEADER_PREFIX": "Token",  # the header scripts already send
    "TOKEN_PREFIX": "tt_",  # recognisable by secret scanners
}
# A token's "last used" is written at most once per this many seconds, not on every call.
API_TOKEN_LAST_USED_INTERVAL = env_int("API_TOKEN_LAST_USED_INTERVAL", 60, minimum=0)

SPECTACULAR_SETTINGS = {
    "TITLE": "TimeTracker API",
    "DESCRIPTION": "Clients, projects, tasks, the running timer, time entries and reports.",
    "VERSION": APP_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents its errors and the API's limits (apps/core/schema.py).
    "DEFAULT_GENERATOR_CLASS": "apps.core.schema.SchemaGenerator",
    # The API's contract is JSON; form posts (the browsable API) still work, undocumented.
    "PARSER_WHITELIST": ["apps.core.parsers.BoundedJSONParser"],
    # Served from our own static files: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging: JSON lines to logs/app.jsonl and stdout (docs/logging.md) -------------------
LOG_LEVEL = env_choice(
    "LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical")
).upper()
LOG_FORMAT = env_choice("LOG_FORMAT", "json", ("json", "console"))
LOG_DIR = env_path("LOG_DIR", BASE_DIR / "logs")
LOG_MAX_BYTES = env_int("LOG_MAX_BYTES", 10 * 1024 * 1024, minimum=0)
LOG_BACKUP_COUNT = env_int("LOG_BACKUP_COUNT", 5, minimum=0)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "analytics.logs.JsonFormatter", "env": ENVIRONMENT},
        "console": {"()": "analytics.logs.ConsoleFormatter", "env": ENVIRONMENT},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        },
        # The file is always JSON; an unwritable LOG_DIR leaves stdout only (analytics.W001).
        "file": {
            "()": "analytics.logs.file_handler",
            "filename": str(LOG_DIR / "app.jsonl"),
            "max_bytes": LOG_MAX_BYTES,
            "backup_count": LOG_BACKUP_COUNT,
            "formatter": "json",
        },
    },
    "filters": {"redact_request_line": {"()": "timetracker.logfilters.RedactRequestLine"}},
    "root": {"handlers": ["stdout", "file"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers would print a second, unstructured copy: use ours.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # runserver's access log: no query strings, no calendar-feed secrets.
        "django.server": {
            "handlers": [],
            "level": LOG_LEVEL,
            "propagate": True,
            "filters": ["redact_request_line"],
        },
        "posthog": {"level": "WARNING"},
        # django-axes: failures and lockouts (username and address masked), not each login.
        "axes": {"level": "WARNING"},
    },
}

# --- Analytics (docs/analytics.md) ----------------------------------------------------------
# Consent, in layers; the first that says "off" wins.
ANALYTICS_DO_NOT_TRACK = env_bool("DO_NOT_TRACK", False)
ANALYTICS_ENABLED = env_bool("ANALYTICS_ENABLED", True)
ANALYTICS_POSTHOG_API_KEY = env_str("POSTHOG_API_KEY", "", secret=True)
ANALYTICS_POSTHOG_HOST = env_str("POSTHOG_HOST", "https://eu.i.posthog.com")
# The runtime kill switch is the waffle switch "analytics-posthog" (off until created).
ANALYTICS_ID_SECRET = env_str("ANALYTICS_ID_SECRET", "", secret=True)
ANALYTICS_STRICT = env_bool("ANALYTICS_STRICT", False)
ANALYTICS_SINKS = ["jsonlog", "metrics", "posthog"]
# The reusable apps' metric names start with this (timetracker_events_total, ...).
ANALYTICS_METRIC_PREFIX = "timetracker"
# The door of each request, sent as the "channel" of write events; any other path is "web",
# work outside a request (management commands) is "cli".
ANALYTICS_CHANNELS = {"/api/": "api", "/admin/": "admin"}
ANALYTICS_REQUEST_CHANNEL = "web"
ANALYTICS_COMMAND_CHANNEL = "cli"
# Every PostHog event carries the "installation" group (the random install id) with the
# telemetry report's facts; events of a user carry $feature/<flag> for declared rollout and
# experiment flags as that user saw them (docs/analytics.md, "Groups" and "Experiments").
ANALYTICS_GROUP_PROVIDER = "telemetry.groups.installation_group"
ANALYTICS_FEATURE_PROVIDER = "apps.core.flags.analytics_features"

# --- Monitoring ---------------------------------------------------------------------------
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
METRICS_TOKEN = env_str("METRICS_TOKEN", "", secret=True)
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])
# Set for gunicorn (see gunicorn.conf.py); prometheus_client needs the directory to exist
# before the first metric is created, also in management commands run beside the server.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
# Buckets of the request latency histogram (apps.monitoring.middleware) and of
# django-prometheus' query duration: eight instead of its seventeen, around the 1 s alert
# (every bucket is a sample per view in every scrape: docs/performance.md, section 3).
PROMETHEUS_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, float("inf"))
# Extra scrape-time collectors (dotted paths to callables yielding metric families).
METRICS_COLLECTORS: list[str] = []

SENTRY_DSN = env_str("SENTRY_DSN", "", secret=True)
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", ENVIRONMENT)
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0)
if SENTRY_DSN:
    from timetracker.sentry import dsn_problem, init_sentry

    # A DSN that does not parse would stop start-up inside the SDK: run without Sentry and
    # let `manage.py check` (timetracker.E002) and the start-up log say why.
    if dsn_problem(SENTRY_DSN) is None:
        init_sentry(
            dsn=SENTRY_DSN,
            environment=SENTRY_ENVIRONMENT,
            release=APP_VERSION,
            traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        )

# --- Installation telemetry and first-run setup (docs/telemetry.md) -------------------------
# Opt-in only: nothing is sent until an administrator says yes. DO_NOT_TRACK (read above)
# and TELEMETRY_ENABLED=false win over that decision.
TELEMETRY_DO_NOT_TRACK = ANALYTICS_DO_NOT_TRACK
TELEMETRY_ENABLED = env_bool("TELEMETRY_ENABLED", True)
TELEMETRY_HOST = env_str("TELEMETRY_HOST", "https://eu.i.posthog.com")
TELEMETRY_API_KEY = env_str("TELEMETRY_API_KEY", "")
TELEMETRY_DEBUG = env_bool("TELEMETRY_DEBUG", False)
TELEMETRY_DEPLOYMENT = env_choice("TELEMETRY_DEPLOYMENT", "auto", ("auto", "docker", "other"))
# The project's answers to "is there no admin yet?" and "how big is this installation?".
TELEMETRY_SETUP_NEEDED = "apps.accounts.selectors.setup_needed"
# The first admin gets the time zone the setup page asked for.
TELEMETRY_CREATE_ADMIN = "apps.accounts.services.setup_admin_create"
TELEMETRY_PRODUCT_NAME = "TimeTracker"
TELEMETRY_VERSION = APP_VERSION
TELEMETRY_METRIC_PREFIX = "timetracker"
# Probes, scrapes and the API keep answering while the first-run setup is pending.
TELEMETRY_SETUP_EXEMPT_PATHS = ("/healthz", "/readyz", "/metrics", "/api/")
# The first admin is offered two-factor login right after setup (with a "skip" link).
TELEMETRY_SETUP_DONE_URL = "/accounts/2fa/setup/?next=/"
TELEMETRY_COUNTS = "apps.monitoring.telemetry.installation_counts"
METRICS_COLLECTORS.append("telemetry.metrics.collect")
