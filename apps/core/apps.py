from __future__ import annotations

import logging

from django.apps import AppConfig, apps
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("timetracker")


class CoreConfig(AppConfig):
    """Feature flags, maintenance mode, the project's system checks, `flags` and `config`."""

    name = "apps.core"
    verbose_name = _("Core")
    label = "core"

    def ready(self) -> None:
        # Registering the project's system checks is an import side effect.
        from timetracker import checks

        # The data migration creates the flags of a fresh installation; this creates the
        # ones declared since, on every later `migrate` (and after a test flushes tables).
        post_migrate.connect(
            _sync_flags, sender=apps.get_app_config("waffle"), dispatch_uid="core.sync_flags"
        )
        # A broken setting that start-up tolerates (Sentry stays off) is said at once too.
        for problem in checks.startup_problems():
            logger.error("%s", problem)


def _sync_flags(*, using: str = "default", **_: object) -> None:
    from waffle import get_waffle_flag_model, get_waffle_switch_model

    from apps.core import flags

    flag_model, switch_model = get_waffle_flag_model(), get_waffle_switch_model()
    tables = connections[using].introspection.table_names()
    if {flag_model._meta.db_table, switch_model._meta.db_table} <= set(tables):
        # Absent after `migrate waffle zero`: nothing to fill then.
        flags.sync(flag_model=flag_model, switch_model=switch_model, using=using)
