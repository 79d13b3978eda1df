"""The telemetry page of the Django admin: state, install id, the next report, history.

One ModelAdmin for the singleton; its "change list" is the page itself. Staff can see it;
turning telemetry on or off (after a confirmation) needs the change permission, which
superusers have.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import conf as analytics_conf
from analytics import consent as analytics_consent
from telemetry import conf, presentation, services
from telemetry.models import Channel, ConsentChange, Installation, SendRecord, State
from telemetry.payload import SCHEMA_VERSION


def _staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff)


@admin.register(Installation)
class TelemetryAdmin(admin.ModelAdmin[Installation]):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _staff(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _staff(request) and request.user.has_perm("telemetry.change_installation")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("decide/<str:state>/", view(self.decide_view), name=f"{prefix}_decide"),
            path("", view(self.changelist_view), name=f"{prefix}_changelist"),
        ]

    def _url(self, name: str, **kwargs: Any) -> str:
        return reverse(f"admin:telemetry_installation_{name}", kwargs=kwargs or None)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        installation = Installation.objects.get_solo()
        context = {
            **self.admin_site.each_context(request),
            **presentation.transparency(installation=installation),
            "opts": self.opts,
            "title": _("Installation telemetry"),
            "installation": installation,
            "stored_state": presentation.state_label(installation.state),
            "can_change": self.has_change_permission(request),
            "history": [
                (record, presentation.sender_label(record.channel))
                for record in SendRecord.objects.all()[: conf.history_size()]
            ],
            "changes": [
                (
                    change,
                    presentation.state_label(change.previous),
                    presentation.state_label(change.state),
                )
                for change in ConsentChange.objects.select_related("changed_by")[:20]
            ],
            # On again also when the report changed since it was agreed to.
            "offer_on": installation.state != State.ON
            or installation.schema_version != SCHEMA_VERSION,
            "offer_off": installation.state != State.OFF,
            "turn_on_url": self._url("decide", state=State.ON),
            "turn_off_url": self._url("decide", state=State.OFF),
            "analytics": _analytics_state(),
        }
        return TemplateResponse(request, "admin/telemetry/installation/page.html", context)

    def decide_view(self, request: HttpRequest, state: str) -> HttpResponse:
        if state not in (State.ON, State.OFF):
            raise Http404
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            change = services.decision_set(state=state, channel=Channel.ADMIN, user=request.user)
            # One whole sentence per state: "on" and "off" are not words to glue in.
            if change.changed and state == State.ON:
                messages.success(request, _("Installation telemetry is now on."))
            elif change.changed:
                messages.success(request, _("Installation telemetry is now off."))
            elif state == State.ON:
                messages.info(request, _("Installation telemetry was already on."))
            else:
                messages.info(request, _("Installation telemetry was already off."))
            return HttpResponseRedirect(self._url("changelist"))
        installation = Installation.objects.get_solo()
        context = {
            **self.admin_site.each_context(request),
            **presentation.transparency(installation=installation),
            "opts": self.opts,
            "title": _("Turn installation telemetry on?")
            if state == State.ON
            else _("Turn installation telemetry off?"),
            "state": state,
            "installation": installation,
            "cancel_url": self._url("changelist"),
        }
        return TemplateResponse(request, "admin/telemetry/installation/confirm.html", context)


# The analytics decision keeps its reason in English (logs, ``manage.py analytics``); this
# page shows it in the reader's language. A reason missing here is shown as it is.
_ANALYTICS_REASONS = {
    "DO_NOT_TRACK is set": gettext_lazy("DO_NOT_TRACK is set"),
    "ANALYTICS_ENABLED is false": gettext_lazy("ANALYTICS_ENABLED is false"),
    "POSTHOG_API_KEY is not set": gettext_lazy("POSTHOG_API_KEY is not set"),
}


def _analytics_reason(decision: analytics_consent.Decision) -> str:
    if decision.layer == "switch":
        return _("the waffle switch %(switch)s is missing or inactive") % {
            "switch": analytics_conf.posthog_switch()
        }
    return str(_ANALYTICS_REASONS.get(decision.reason, decision.reason))


def _analytics_state() -> dict[str, Any]:
    """Product analytics is a separate stream; the page shows it for the whole picture."""
    decision = analytics_consent.posthog()
    try:
        catalogue_url = reverse("analytics:events")
    except NoReverseMatch:
        catalogue_url = ""
    return {
        "allowed": decision.allowed,
        "layer": decision.layer,
        "layer_shown": presentation.layer_label(decision.layer),
        "reason": _analytics_reason(decision),
        "host": analytics_conf.posthog_host(),
        "catalogue_url": catalogue_url,
    }
