"""TimeTracker's installation telemetry: opt-in, transparent, and sent by a worker.

Reusable: it imports nothing from the project's apps. Quickstart:

1. ``INSTALLED_APPS += ["telemetry"]`` and add
   ``"telemetry.middleware.SetupRequiredMiddleware"`` to ``MIDDLEWARE``;
2. settings: ``TELEMETRY_API_KEY`` and ``TELEMETRY_HOST`` (where reports go), and the
   hooks ``TELEMETRY_SETUP_NEEDED`` ("is there no administrator yet?") and
   ``TELEMETRY_COUNTS`` (the counts the report buckets); defaults in :mod:`telemetry.conf`;
3. urls: ``path("setup/", include("telemetry.urls"))``; run ``manage.py telemetry worker``.

Nothing is sent until an administrator says yes (setup page, admin page or
``manage.py telemetry enable``), and never while ``DO_NOT_TRACK`` is set.
"""
