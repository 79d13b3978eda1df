from __future__ import annotations

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "apps.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # Each app that runs work in the background registers its job kinds in its own
        # ``background.py`` (as the admin discovers ``admin.py``), so this app depends on none.
        autodiscover_modules("background")
