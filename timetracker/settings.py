"""TimeTracker settings: one file, driven by environment variables.

Every variable is documented in ``docs/configuration.md`` and ``.env.example``; a test
keeps the three in step. With no environment at all the app runs in development mode on
SQLite under ``data/`` with a secret key generated once and kept there. Production
differs only by environment (``DEBUG=false``, ``SECRET_KEY``, ``ALLOWED_HOSTS``,
``DATABASE_URL``, ...).
"""

from __future__ import annotations

import secrets
from pathlib import Path

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
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Feature flags, maintenance mode, the project's checks, manage.py flags and config.
    "apps.core",
    "apps.accounts",
    "apps.clients",
    "apps.projects",
    "apps.tasks",
    "apps.timers",
    "apps.reports",
    "apps.web",
    "apps.monitoring",
    "django_prometheus",
    "waffle",
    "analytics",
    "telemetry",
]

MIDDLEWARE = [
    # django-prometheus wraps the whole stack: first in, last out. The subclasses keep
    # every label value in a closed set (docs/monitoring.md).
    "apps.monitoring.middleware.PrometheusBeforeMiddleware",
    # Request id, route and actor for every log line written while the request runs.
    "analytics.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Until an administrator exists, pages lead to the first-run setup (docs/telemetry.md).
    "telemetry.middleware.SetupRequiredMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.web.middleware.TimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The maintenance-mode switch: changes answer 503, reads and the admin keep working.
    "apps.core.maintenance.MaintenanceModeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "waffle.middleware.WaffleMiddleware",
    "apps.monitoring.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "timetracker.urls"
WSGI_APPLICATION = "timetracker.wsgi.application"

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
                "apps.core.maintenance.maintenance_mode",
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
# django-prometheus' wrappers of the same backends count queries and errors.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends.", 1
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
# A running timer older than this is flagged on the dashboard (the idle-timer flag).
IDLE_TIMER_HOURS = env_int("IDLE_TIMER_HOURS", 12, minimum=1)

# --- Auth ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation and time ----------------------------------------------------------
LANGUAGE_CODE = "en"
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

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
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
SPECTACULAR_SETTINGS = {
    "TITLE": "TimeTracker API",
    "DESCRIPTION": "Clients, projects, tasks, the running timer, time entries and reports.",
    "VERSION": APP_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
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
    "root": {"handlers": ["stdout", "file"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers would print a second, unstructured copy: use ours.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "posthog": {"level": "WARNING"},
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
# The door of each request, sent as the "channel" of write events; any other path is "web",
# work outside a request (management commands) is "cli".
ANALYTICS_CHANNELS = {"/api/": "api", "/admin/": "admin"}
ANALYTICS_REQUEST_CHANNEL = "web"
ANALYTICS_COMMAND_CHANNEL = "cli"

# --- Monitoring ---------------------------------------------------------------------------
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
METRICS_TOKEN = env_str("METRICS_TOKEN", "", secret=True)
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])
# Set for gunicorn (see gunicorn.conf.py); prometheus_client needs the directory to exist
# before the first metric is created, also in management commands run beside the server.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
# django-prometheus' per-view latency histograms are most of a scrape's size and time
# (docs/performance.md): ten buckets instead of its seventeen, still around the 1 s alert.
PROMETHEUS_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, float("inf"))
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
TELEMETRY_COUNTS = "apps.monitoring.telemetry.installation_counts"
METRICS_COLLECTORS.append("telemetry.metrics.collect")
