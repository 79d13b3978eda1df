from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimersConfig(AppConfig):
    name = "apps.timers"
    verbose_name = _("Time entries")
    label = "timers"
