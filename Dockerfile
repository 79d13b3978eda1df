# syntax=docker/dockerfile:1
# TimeTracker container image. How to run it: docs/deployment.md; how it is built and
# published: docs/ci-cd.md.
#
#   docker build --build-arg APP_VERSION=1.2.3 -t timetracker .
#
# No secret is baked in: SECRET_KEY, DATABASE_URL, METRICS_TOKEN, SENTRY_DSN,
# POSTHOG_API_KEY and the like are runtime configuration (environment or NAME_FILE).

# --- build: a wheel for every pinned production dependency ---------------------------------
FROM python:3.11.17-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /build
COPY requirements/ requirements/
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels -r requirements/prod.txt

# --- runtime: the wheels, the code and the collected static files, run as a non-root user --
FROM python:3.11.17-slim-bookworm AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DEBUG=false \
    DATA_DIR=/app/data \
    LOG_DIR=/app/logs

RUN groupadd --system --gid 10001 timetracker \
    && useradd --system --uid 10001 --gid timetracker --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin timetracker

WORKDIR /app

# Installed from the build stage's wheels only (--no-index): nothing is fetched here.
COPY requirements/ requirements/
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels -r requirements/prod.txt

# The code stays owned by root: the app user can read it, not change it.
COPY . .

# Static files are collected at build time. The settings refuse to start with DEBUG=false
# and no SECRET_KEY, so this one command gets a throwaway key that only lives on this
# line (never in an ENV or a label); state and logs go to /tmp so that nothing lands in
# the volumes below.
RUN DEBUG=false \
    SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789 \
    ALLOWED_HOSTS=build \
    DATA_DIR=/tmp/build-data \
    LOG_DIR=/tmp/build-logs \
    python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-data /tmp/build-logs \
    && mkdir -p /app/data /app/logs \
    && chown timetracker:timetracker /app/data /app/logs

# The version reported by timetracker_build_info and used as Sentry's release. Declared
# late so that a new version does not invalidate the dependency layers above.
ARG APP_VERSION=dev
ENV APP_VERSION=${APP_VERSION}
LABEL org.opencontainers.image.title="TimeTracker" \
      org.opencontainers.image.description="Self-hosted time tracker for small teams" \
      org.opencontainers.image.version="${APP_VERSION}"

# Numeric, so that runtimes can verify it is not root (Kubernetes runAsNonRoot).
USER 10001:10001
VOLUME ["/app/data", "/app/logs"]
EXPOSE 8000

# /healthz touches no database: it says the process serves requests. The image has no
# curl; the Python it ships is enough.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Waits for the database, applies migrations (unless RUN_MIGRATIONS=false), then execs
# the command, so gunicorn runs as PID 1 and receives SIGTERM directly.
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
