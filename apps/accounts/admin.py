"""Users, profiles and API tokens in the Django admin, through ``apps.accounts.services``.

A profile is made with its user (user_create) and deleted with it, so the profile pages
only change the role and time zone (profile_update). A password set on the admin's
password page is announced like every other password change (``apps.accounts.events``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from apps.accounts import services
from apps.accounts.models import Profile
from apps.core.admin import ServiceAdmin

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


@admin.register(Profile)
class ProfileAdmin(ServiceAdmin):
    list_display = ("user", "role", "timezone")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    fields = ("user", "role", "timezone")
    readonly_fields = ("user",)
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made with its user

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        # Deleted with its user only (the user's delete page may still cascade to it).
        raise PermissionDenied

    def service_update(self, request: HttpRequest, obj: Profile, data: dict[str, Any]) -> Profile:
        return services.profile_update(user=obj.user, data=data)


class ApiTokenAdmin(ServiceAdmin, TokenAdmin):
    """DRF's token pages, with api_token_create and api_token_revoke behind them."""

    actions = None  # DRF's token list maps rows to user ids; no bulk actions.

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a token has nothing to edit: revoke it and create another

    def _fresh(self, pk: Any) -> Any:
        return self.model._default_manager.get(user_id=pk)  # TokenProxy.pk is the user id

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return services.api_token_create(user=data["user"])

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        services.api_token_revoke(user=obj.user)


if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
admin.site.register(TokenProxy, ApiTokenAdmin)
