"""The outbound ledger in the Django admin: what left this installation, per stream.

Read-only: staff can look, nobody can add, change or delete a row (the ledger prunes
itself, ``ANALYTICS_LEDGER_RETENTION_DAYS``). Above the list, a summary of the last seven
days per stream.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from analytics import conf, ledger
from analytics.models import OutboundRequest

# The admin is loaded when Django starts (admin.autodiscover): the ledger's series exist at 0
# from the first scrape, before anything was sent.
ledger.initialise()


def _staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff)


@admin.register(OutboundRequest)
class OutboundRequestAdmin(admin.ModelAdmin[OutboundRequest]):
    list_display = (
        "at",
        "stream",
        "host",
        "body_bytes",
        "http_status",
        "outcome",
        "events",
        "duration_ms",
    )
    list_filter = ("stream", "outcome")
    date_hierarchy = "at"
    list_per_page = 100
    change_list_template = "admin/analytics/outboundrequest/change_list.html"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _staff(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        ledger.drain()
        context = {
            **(extra_context or {}),
            "ledger_summary": ledger.summary(days=ledger.SUMMARY_DAYS),
            "ledger_days": ledger.SUMMARY_DAYS,
            "ledger_retention_days": conf.ledger_retention_days(),
        }
        return super().changelist_view(request, extra_context=context)
