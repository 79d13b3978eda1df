"""Every environment variable TimeTracker reads, declared once.

``docs/configuration.md``'s tables and the whole of ``.env.example`` are generated from
this registry by ``python manage.py config docs``; ``tests/test_configuration.py`` fails
when they are out of date, when the code reads a variable missing here (or this lists one
nothing reads), when ``secret`` differs from the read's ``secret=True``, and when a
documented default differs from the code's.

``default`` is the value as text, as ``manage.py config show`` prints it (``""`` is
"empty"). When the default depends on another variable or is computed at start-up,
``default_computed`` is true and ``default`` is the sentence the docs show instead.
``meaning`` is Markdown; ``.env.example`` shows it without the backticks.
"""

from __future__ import annotations

from dataclasses import dataclass

TYPES = frozenset({"bool", "int", "float", "str", "list", "path", "url", "choice", "networks"})


@dataclass(frozen=True)
class Section:
    """A table of ``docs/configuration.md`` and a block of ``.env.example``, in this order."""

    key: str  # the docs markers: <!-- variables:KEY:start --> ... <!-- variables:KEY:end -->
    title: str
    note: str = ""  # comment lines under the block's heading in .env.example


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    default: str
    meaning: str
    section: str
    secret: bool = False  # read with secret=True: masked by `config show`, NAME_FILE allowed
    # The parts that read it: settings, gunicorn, entrypoint, or an app (monitoring, ...).
    used_by: tuple[str, ...] = ("settings",)
    default_computed: bool = False
    default_note: str = ""  # after the default in the docs, e.g. "(10 MiB)"
    example: str = ""  # the value written in .env.example
    example_commented: bool = False  # written as "# NAME=example": setting it changes things


SECTIONS: tuple[Section, ...] = (
    Section("core", "Core"),
    Section("database", "Database"),
    Section("cache", "Cache and feature flags"),
    Section("https", "HTTPS and security", "Used when DEBUG=false."),
    Section("csp", "Content-Security-Policy", "See docs/security.md."),
    Section("login-limits", "Login limits", "See docs/security.md."),
    Section("api-tokens", "API tokens", "See docs/api.md."),
    Section("two-factor", "Two-factor login", "See docs/security.md."),
    Section("logging", "Logging"),
    Section("analytics", "Analytics and logging", "See docs/logging.md and docs/analytics.md."),
    Section("monitoring", "Monitoring", "See docs/monitoring.md."),
    Section("jobs", "Background work", "Imports and large exports. See docs/deployment.md."),
    Section(
        "telemetry",
        "Installation telemetry",
        "Opt-in: nothing is sent until an administrator says yes (setup page, admin, "
        "manage.py telemetry enable). DO_NOT_TRACK=1 above also turns it off. "
        "See docs/telemetry.md.",
    ),
    Section("gunicorn", "gunicorn (the container's server)", "Read by gunicorn.conf.py."),
    Section(
        "container",
        "Container start-up",
        "Read by the image's entrypoint (docker/entrypoint.sh, docker/prepare_db.py).",
    ),
)

_CSP_SOURCES = (
    "A source is a host (`https://cdn.example.com`, `*.example.com`, with an optional port "
    "and path), a scheme (`https:`, `data:`) or a `'sha256-...'` hash; anything else (a "
    "keyword such as `'unsafe-inline'`, a space, a semicolon) stops start-up with an error "
    "naming the variable."
)

VARIABLES: tuple[Variable, ...] = (
    # --- Core
    Variable(
        "DEBUG",
        "bool",
        "true",
        "Development mode. With `false`, `SECRET_KEY` and `ALLOWED_HOSTS` are required and "
        "the HTTPS settings below default to secure values.",
        section="core",
        example="true",
    ),
    Variable(
        "SECRET_KEY",
        "str",
        "generated into `data/secret_key` in development",
        "Django's signing key; at least 50 random characters when `DEBUG=false`.",
        section="core",
        secret=True,
        default_computed=True,
    ),
    Variable(
        "ALLOWED_HOSTS",
        "list",
        "`localhost,127.0.0.1,[::1]` in development, empty otherwise",
        "Comma-separated host names the app answers to.",
        section="core",
        default_computed=True,
    ),
    Variable(
        "CSRF_TRUSTED_ORIGINS",
        "list",
        "",
        "Comma-separated origins (`https://time.example.com`) trusted for form posts behind "
        "a proxy.",
        section="core",
    ),
    Variable(
        "ENVIRONMENT",
        "str",
        "`development`, or `production` when `DEBUG=false`",
        "Name of the deployment, used in logs and Sentry.",
        section="core",
        default_computed=True,
    ),
    Variable(
        "APP_VERSION",
        "str",
        "the package version",
        "Version reported in metrics and Sentry; the image build sets it.",
        section="core",
        default_computed=True,
    ),
    Variable(
        "DATA_DIR",
        "path",
        "data/",
        "Local state: the SQLite database and the development secret.",
        section="core",
        example="data",
    ),
    # --- Database
    Variable(
        "DATABASE_URL",
        "url",
        "`sqlite:///data/db.sqlite3` (in `DATA_DIR`)",
        "`postgres://user:password@host:5432/name` switches to PostgreSQL (psycopg 3).",
        section="database",
        secret=True,
        default_computed=True,
    ),
    Variable(
        "DATABASE_CONN_MAX_AGE",
        "int",
        "60",
        "Seconds a PostgreSQL connection is reused across requests (0 closes after each request).",
        section="database",
        example="60",
    ),
    Variable(
        "DATABASE_CONNECT_TIMEOUT",
        "int",
        "5",
        "PostgreSQL: seconds to wait while connecting (libpq's `connect_timeout`, at least "
        "2). A healthy database on the same network connects in milliseconds; 5 s rides out "
        "a lost packet or two yet fails long before gunicorn's 30 s worker timeout.",
        section="database",
        example="5",
    ),
    Variable(
        "DATABASE_STATEMENT_TIMEOUT",
        "int",
        "25",
        "PostgreSQL: seconds after which the server cancels a statement "
        "(`statement_timeout`); `0` turns it off (for a one-off long command, not for the "
        "web server). Keep it below `GUNICORN_TIMEOUT` (30 s), so a runaway query or a lock "
        "wait ends as a logged error and the worker survives, instead of the worker being "
        "killed with nothing logged. Migrations at container start run without it.",
        section="database",
        example="25",
    ),
    Variable(
        "DATABASE_READINESS_TIMEOUT",
        "float",
        "2",
        "Seconds `/readyz` and the `timetracker_ready` metric wait for the database (0.1 to "
        "30) before answering 503 / 0; keep it below your probe's own timeout. Any engine.",
        section="database",
        example="2",
    ),
    # --- Cache and feature flags
    Variable(
        "REDIS_URL",
        "url",
        "",
        "`redis://[:password@]host:6379/0`: Django's cache lives in Redis, shared by every "
        "gunicorn worker and replica. Feature flags are cached there, so a flag changed in "
        "the admin is seen by every worker on its next request. Without it each process "
        "caches on its own and sees a change within 5 minutes (the cache timeout); fine for "
        "one process, not for several.",
        section="cache",
        secret=True,
        default_note="(a cache per process)",
    ),
    Variable(
        "CACHE_PREFIX",
        "str",
        "timetracker",
        "Prefix of every cache key, so that several apps (or installations) can share one Redis.",
        section="cache",
        example="timetracker",
    ),
    Variable(
        "IDLE_TIMER_HOURS",
        "int",
        "12",
        "A timer running longer than this many hours is flagged on the dashboard as "
        "probably forgotten, with a form to stop it at an earlier time (the `idle-timer` "
        "flag). At least 1.",
        section="cache",
        example="12",
    ),
    Variable(
        "TIMESHEET_DAY_START",
        "str",
        "09:00",
        "The local time of day (`HH:MM`, 24-hour) at which the week grid places the entry "
        "of a cell filled in by hand. On today's cell the entry starts early enough to have "
        "ended by now, if the day allows it. A value that is not a time stops start-up "
        "with an error naming the variable.",
        section="cache",
        example="09:00",
    ),
    Variable(
        "TIMETRACKER_CURRENCY",
        "str",
        "EUR",
        "The installation's currency: that of rates, budgets and billable amounts of "
        "projects whose client sets no currency of its own (each client may name an ISO "
        "4217 code). An ISO 4217 code (`EUR`, placed and written as the reader's language "
        "does: `€15,912.50`, `15.912,50 €`) or a symbol of 1 to 5 characters without spaces "
        "or digits (`$`, written before the amount). Exports keep plain numbers, with the "
        "currency in a column of its own.",
        section="core",
        example="EUR",
    ),
    # --- HTTPS and security
    Variable(
        "SECURE_SSL_REDIRECT",
        "bool",
        "`true` in production, `false` in development",
        "Redirect HTTP to HTTPS (health and metrics endpoints are exempt).",
        section="https",
        default_computed=True,
    ),
    Variable(
        "SECURE_PROXY_SSL_HEADER",
        "bool",
        "false",
        "Trust `X-Forwarded-Proto: https` from your reverse proxy. Only enable behind a "
        "proxy that sets it.",
        section="https",
        example="false",
    ),
    Variable(
        "SECURE_HSTS_SECONDS",
        "int",
        "one year in production, `0` in development",
        "`Strict-Transport-Security` max-age.",
        section="https",
        default_computed=True,
    ),
    Variable(
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "bool",
        "true",
        "Adds `includeSubDomains` to HSTS.",
        section="https",
        example="true",
    ),
    Variable(
        "SECURE_HSTS_PRELOAD",
        "bool",
        "true",
        "Adds `preload` to HSTS.",
        section="https",
        example="true",
    ),
    # --- Content-Security-Policy
    Variable(
        "CSP_REPORT_ONLY",
        "bool",
        "false",
        "`true` sends the same policy as `Content-Security-Policy-Report-Only`: browsers "
        "report what it would block (console, `CSP_REPORT_URI`) and block nothing. For "
        "trying out an extension before enforcing it.",
        section="csp",
        example="false",
    ),
    Variable(
        "CSP_REPORT_URI",
        "str",
        "",
        "Address (`https://host/path` or a path on this site) to which browsers POST a JSON "
        "report of each violation (`report-uri`). Empty: no reports are sent.",
        section="csp",
    ),
    Variable(
        "CSP_EXTRA_IMG_SRC",
        "list",
        "",
        "Comma-separated sources added to `img-src`, for images you add from elsewhere, e.g. "
        f"`https://logo.example.com`. {_CSP_SOURCES}",
        section="csp",
    ),
    Variable(
        "CSP_EXTRA_STYLE_SRC",
        "list",
        "",
        "The same, added to `style-src` (stylesheets).",
        section="csp",
    ),
    Variable(
        "CSP_EXTRA_FONT_SRC",
        "list",
        "",
        "The same, added to `font-src`.",
        section="csp",
    ),
    Variable(
        "CSP_EXTRA_SCRIPT_SRC",
        "list",
        "",
        "The same, added to `script-src` (script files; inline scripts still need the nonce).",
        section="csp",
    ),
    Variable(
        "CSP_EXTRA_CONNECT_SRC",
        "list",
        "",
        "The same, added to `connect-src` (`fetch`, XHR, WebSocket targets of scripts).",
        section="csp",
    ),
    # --- Login limits
    Variable(
        "LOGIN_FAILURE_LIMIT",
        "int",
        "5",
        "Failed logins after which the username, and separately the client address, is "
        "locked: every password is refused, the right one too (form and admin: the page "
        "again with the message, HTTP 429; API: 429 JSON with `code: login_locked`). At "
        "least 1.",
        section="login-limits",
        example="5",
    ),
    Variable(
        "LOGIN_COOLOFF_MINUTES",
        "int",
        "15",
        "How long a lock lasts after the last failed attempt (attempts while locked start it "
        "again). `manage.py axes_reset` (all), `axes_reset_username <name>` or "
        "`axes_reset_ip <address>` unlock at once. At least 1.",
        section="login-limits",
        example="15",
    ),
    Variable(
        "TRUSTED_PROXIES",
        "networks",
        "",
        "Reverse proxies (comma-separated CIDRs, e.g. `172.16.0.0/12` for the compose "
        "network) whose `X-Forwarded-For` is believed. The client is the right-most "
        "forwarded address that is not one of them; from any other address the header is "
        "ignored. One notion of the client address serves login limits, API throttles and "
        "the `/metrics` allow-list. Empty: the connection's own address.",
        section="login-limits",
    ),
    # --- API tokens
    Variable(
        "API_TOKEN_LAST_USED_INTERVAL",
        "int",
        "60",
        "Seconds between two writes of a token's *last used* time: a token that "
        "authenticates many requests is written at most once per interval, not on every "
        "call. `0` writes it on every call.",
        section="api-tokens",
        example="60",
    ),
    # --- Two-factor login
    Variable(
        "TWO_FACTOR_REQUIRED_FOR_ADMINS",
        "bool",
        "false",
        "When `true`, admins (role admin, superusers and staff) must set up and use a TOTP "
        "second factor before any web page or the Django admin opens. Members may always "
        "turn it on from their profile; whoever has it on is asked for a code at every "
        "login. The API authenticates with tokens and is not behind the second factor "
        "(`docs/security.md`).",
        section="two-factor",
        example="false",
    ),
    # --- Logging
    Variable(
        "LOG_LEVEL",
        "choice",
        "info",
        "`debug`, `info`, `warning`, `error` or `critical`.",
        section="logging",
        example="info",
    ),
    # --- Analytics and logging
    Variable(
        "LOG_FORMAT",
        "choice",
        "json",
        "Format of the console output: `json` (one JSON object a line) or `console` "
        "(readable, for development). `logs/app.jsonl` is always JSON. Any other value "
        "stops start-up.",
        section="analytics",
        example="json",
    ),
    Variable(
        "LOG_DIR",
        "path",
        "logs/",
        "Directory of `app.jsonl`. When it cannot be written the app still starts, logs to "
        "stdout only, and `manage.py check` warns (`analytics.W001`).",
        section="analytics",
        example="logs",
    ),
    Variable(
        "LOG_MAX_BYTES",
        "int",
        "10485760",
        "Size at which `app.jsonl` is rotated; `0` never rotates.",
        section="analytics",
        default_note="(10 MiB)",
        example="10485760",
    ),
    Variable(
        "LOG_BACKUP_COUNT",
        "int",
        "5",
        "Rotated files kept (`app.jsonl.1` ... `app.jsonl.5`).",
        section="analytics",
        example="5",
    ),
    Variable(
        "DO_NOT_TRACK",
        "bool",
        "false",
        "`1`/`true` turns product analytics off, whatever else is configured.",
        section="analytics",
        example="0",
    ),
    Variable(
        "ANALYTICS_ENABLED",
        "bool",
        "true",
        "`false` turns product analytics off, whatever else is configured. Local logs and "
        "metrics are unaffected.",
        section="analytics",
        example="true",
    ),
    Variable(
        "POSTHOG_API_KEY",
        "str",
        "",
        "Project API key of your PostHog. Without it nothing is sent. Events also need the "
        "`analytics-posthog` switch to be on (Django admin, Waffle, Switches).",
        section="analytics",
        secret=True,
        default_note="(off)",
    ),
    Variable(
        "POSTHOG_HOST",
        "url",
        "https://eu.i.posthog.com",
        "Your PostHog ingestion host (PostHog EU cloud, US cloud or self-hosted).",
        section="analytics",
        example="https://eu.i.posthog.com",
    ),
    Variable(
        "ANALYTICS_ID_SECRET",
        "str",
        "",
        "Key of the HMAC that turns user ids into PostHog `distinct_id`s. Set it to keep ids "
        "stable across a `SECRET_KEY` rotation.",
        section="analytics",
        secret=True,
        default_note="(derived from `SECRET_KEY`)",
    ),
    Variable(
        "ANALYTICS_STRICT",
        "bool",
        "false",
        "Raise on undeclared events or properties instead of dropping them with a warning "
        "(the test suite turns it on).",
        section="analytics",
        example="false",
    ),
    # --- Monitoring
    Variable(
        "METRICS_ENABLED",
        "bool",
        "true",
        "Serve `/metrics`; `false` answers 404.",
        section="monitoring",
        example="true",
    ),
    Variable(
        "METRICS_TOKEN",
        "str",
        "",
        "When set, `/metrics` requires `Authorization: Bearer <token>` from everyone. Use at "
        "least 32 random characters (`timetracker.W001`).",
        section="monitoring",
        secret=True,
    ),
    Variable(
        "METRICS_ALLOWED_NETWORKS",
        "networks",
        "127.0.0.0/8,::1/128",
        "Without a token, only clients from these networks (comma-separated CIDRs) are "
        "served; others get 403.",
        section="monitoring",
        example="127.0.0.0/8,::1/128",
    ),
    Variable(
        "SENTRY_DSN",
        "url",
        "",
        "Report errors to Sentry (or a compatible server such as GlitchTip). Request bodies, "
        "cookies, query strings, user data and local variables are never sent.",
        section="monitoring",
        secret=True,
        default_note="(off)",
    ),
    Variable(
        "SENTRY_ENVIRONMENT",
        "str",
        "`ENVIRONMENT`",
        "Environment name shown in Sentry.",
        section="monitoring",
        default_computed=True,
    ),
    Variable(
        "SENTRY_TRACES_SAMPLE_RATE",
        "float",
        "0.0",
        "Share of requests traced for performance monitoring (0 to 1).",
        section="monitoring",
        example="0.0",
    ),
    # --- Background work
    Variable(
        "TASKS_BACKEND",
        "choice",
        "database",
        "Where background jobs (imports, large exports) wait for a worker: `database` (the "
        "app's own database; run `python manage.py db_worker`), `rq` (Redis at `REDIS_URL`, "
        "required; run `python manage.py rqworker default`) or `immediate` (each job runs "
        "inside the request that started it: no worker, but a long export holds the request).",
        section="jobs",
        example="database",
    ),
    Variable(
        "JOB_FILE_RETENTION_HOURS",
        "int",
        "24",
        "Hours a finished export stays downloadable (by the person who asked for it only); "
        "then `python manage.py cleanup_jobs`, or the next job started, deletes the file. At "
        "least 1.",
        section="jobs",
        example="24",
    ),
    Variable(
        "EXPORT_BACKGROUND_ROWS",
        "int",
        "20000",
        "A web export of more entries than this is prepared as a background job with a "
        "progress bar instead of being streamed at once. At least 1.",
        section="jobs",
        example="20000",
    ),
    Variable(
        "IMPORT_BACKGROUND_ROWS",
        "int",
        "2000",
        "An uploaded import file of more lines than this runs as a background job; smaller "
        "ones are imported within the upload request. At least 1.",
        section="jobs",
        example="2000",
    ),
    # --- Installation telemetry
    Variable(
        "TELEMETRY_ENABLED",
        "bool",
        "true",
        "`false` turns installation telemetry off, whatever an administrator decided "
        "(unset: the administrator's decision counts).",
        section="telemetry",
        example="false",
        example_commented=True,
    ),
    Variable(
        "TELEMETRY_HOST",
        "url",
        "https://eu.i.posthog.com",
        "Where reports go: a PostHog instance (its capture API `/i/v0/e/`).",
        section="telemetry",
        example="https://eu.i.posthog.com",
    ),
    Variable(
        "TELEMETRY_API_KEY",
        "str",
        "",
        "Key of the project that receives the reports. Without it nothing is sent, even "
        "when telemetry is on.",
        section="telemetry",
        default_note="(off)",
    ),
    Variable(
        "TELEMETRY_DEBUG",
        "bool",
        "false",
        "Print each report (worker and `manage.py telemetry send`) instead of sending it.",
        section="telemetry",
        example="false",
    ),
    Variable(
        "TELEMETRY_DEPLOYMENT",
        "choice",
        "auto",
        "The report's deployment type: `auto` says `docker` when `/.dockerenv` exists, else "
        "`other`; `docker` or `other` say it outright.",
        section="telemetry",
        example="auto",
    ),
    # --- gunicorn
    Variable(
        "GUNICORN_BIND",
        "str",
        "0.0.0.0:8000",
        "Address and port gunicorn listens on inside the container.",
        section="gunicorn",
        used_by=("gunicorn",),
        example="0.0.0.0:8000",
    ),
    Variable(
        "GUNICORN_WORKERS",
        "int",
        "2",
        "Number of worker processes (2 to 4 per core is typical).",
        section="gunicorn",
        used_by=("gunicorn",),
        example="2",
    ),
    Variable(
        "GUNICORN_TIMEOUT",
        "int",
        "30",
        "Seconds before a silent worker is killed and restarted.",
        section="gunicorn",
        used_by=("gunicorn",),
        example="30",
    ),
    Variable(
        "FORWARDED_ALLOW_IPS",
        "str",
        "127.0.0.1",
        "Proxies (comma-separated addresses) whose `X-Forwarded-*` headers gunicorn trusts.",
        section="gunicorn",
        used_by=("gunicorn",),
        example="127.0.0.1",
    ),
    Variable(
        "PROMETHEUS_MULTIPROC_DIR",
        "path",
        "`<temp dir>/timetracker-prometheus` under gunicorn",
        "Where workers write their metric files so `/metrics` adds up all workers; stale "
        "files are removed when gunicorn starts. Use a directory only this server uses.",
        section="gunicorn",
        used_by=("gunicorn", "monitoring", "settings"),
        default_computed=True,
        example="/tmp/timetracker-prometheus",  # noqa: S108 (the container's own /tmp)
    ),
    # --- Container start-up
    Variable(
        "DB_WAIT_TIMEOUT",
        "int",
        "60",
        "Seconds the entrypoint waits for the database to accept connections before it "
        "gives up with exit status 1 (`0` tries once).",
        section="container",
        used_by=("entrypoint",),
        example="60",
    ),
    Variable(
        "RUN_MIGRATIONS",
        "bool",
        "true",
        "Apply migrations at start-up. On PostgreSQL, containers starting together take "
        "turns under a lock; set `false` where migrations run elsewhere (a one-off job, "
        "extra replicas).",
        section="container",
        used_by=("entrypoint",),
        example="true",
    ),
)

BY_NAME: dict[str, Variable] = {v.name: v for v in VARIABLES}
