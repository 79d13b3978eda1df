from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("Accounts")
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from apps.accounts import twofactor

        # Every session login notes whether a second factor is owed (apps.accounts.middleware).
        user_logged_in.connect(
            twofactor.remember_at_login, dispatch_uid="accounts.twofactor.remember_at_login"
        )
