from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from apps.accounts.models import Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


class TimeTrackerUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_filter = (*UserAdmin.list_filter, "profile__role")


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), TimeTrackerUserAdmin)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "timezone")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
