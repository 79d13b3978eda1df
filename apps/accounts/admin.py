"""Users, profiles and API tokens in the Django admin, through ``apps.accounts.services``.

A profile is made with its user (user_create) and deleted with it, so the profile pages
only change the role, time zone, theme and language (profile_update). A password set on the admin's
password page is announced like every other password change (``apps.accounts.events``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.accounts import services
from apps.accounts.models import AccountDefaults, ApiToken, Profile
from apps.core.admin import ServiceAdmin, actor_id

User = get_user_model()


class TimeTrackerUserAdmin(ServiceAdmin, UserAdmin):
    list_filter = (*UserAdmin.list_filter, "profile__role")

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        usable = data.get("set_usable_password", True)
        return services.user_create(
            username=data["username"], password=data["password1"] if usable else None
        )

    def service_update(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        # Groups and permissions are many-to-many: the admin saves them after this.
        editable = {name: value for name, value in data.items() if name in services.USER_EDITABLE}
        return services.user_update(user=obj, data=editable)

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        services.user_delete(user=obj)


admin.site.unregister(User)
admin.site.register(User, TimeTrackerUserAdmin)


def _language_choices() -> list[tuple[str, Any]]:
    # Each language named in itself (settings.LANGUAGES), read when the form is built.
    return [("", _("Browser default")), *settings.LANGUAGES]


class ProfileAdminForm(forms.ModelForm):
    # The model keeps any short text (older rows); the service accepts settings.LANGUAGES.
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices, required=False)

    class Meta:
        model = Profile
        fields = ("role", "timezone", "theme", "language")


@admin.register(Profile)
class ProfileAdmin(ServiceAdmin):
    form = ProfileAdminForm
    list_display = ("user", "role", "timezone", "language")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    fields = ("user", "role", "timezone", "theme", "language")
    readonly_fields = ("user",)
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made with its user

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        # Deleted with its user only (the user's delete page may still cascade to it).
        raise PermissionDenied

    def service_update(self, request: HttpRequest, obj: Profile, data: dict[str, Any]) -> Profile:
        return services.profile_update(user=obj.user, data=data)


@admin.register(AccountDefaults)
class AccountDefaultsAdmin(ServiceAdmin):
    """The one row of what new accounts start with; written by the same service as the
    setup page."""

    list_display = ("__str__", "timezone")
    fields = ("timezone",)
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not AccountDefaults.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> AccountDefaults:
        return services.account_defaults_update(timezone=str(data.get("timezone") or ""))

    def service_update(
        self, request: HttpRequest, obj: AccountDefaults, data: dict[str, Any]
    ) -> AccountDefaults:
        return services.account_defaults_update(
            timezone=str(data.get("timezone", obj.timezone) or "")
        )


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceAdmin):
    """Every user's API tokens: listed and revoked (api_token_revoke), never created or
    edited here. A key is shown once, to the user who makes it on the web page or the API;
    the admin could only show it in a message stored in the session, so it makes none.
    """

    list_display = ("name", "user", "created", "expiry", "last_used_at")
    list_filter = ("created", "last_used_at")
    search_fields = ("name", "user__username")
    list_select_related = ("user",)
    fields = ("name", "user", "token_key", "created", "expiry", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a token has nothing to edit: revoke it and create another

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        services.api_token_revoke(token=obj, actor_id=actor_id(request))
