from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.signals import setting_changed
from django.utils.translation import gettext_lazy as _


class TelemetryConfig(AppConfig):
    name = "telemetry"
    verbose_name = _("Telemetry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registering the checks is an import side effect.
        from telemetry import checks  # noqa: F401

        setting_changed.connect(_forget_setup_state, dispatch_uid="telemetry:setting_changed")


def _forget_setup_state(*, setting: str, **_: Any) -> None:
    # The "setup is done" memory depends on TELEMETRY_SETUP_NEEDED: ask again.
    if setting.startswith("TELEMETRY_"):
        from telemetry import setup

        setup.forget()
