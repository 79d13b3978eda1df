"""The transparency page: every event, what it carries and where it goes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics import conf, consent, docs
from analytics.catalogue import catalogue

# The consent decision keeps its reason in English, for the log and ``manage.py analytics``;
# the page shows it in the reader's language. A reason missing here is shown as it is.
_REASONS = {
    "DO_NOT_TRACK is set": _("DO_NOT_TRACK is set"),
    "ANALYTICS_ENABLED is false": _("ANALYTICS_ENABLED is false"),
    "POSTHOG_API_KEY is not set": _("POSTHOG_API_KEY is not set"),
}


def _reason(decision: consent.Decision) -> str:
    if decision.layer == "switch":
        return gettext("the waffle switch %(switch)s is missing or inactive") % {
            "switch": conf.posthog_switch()
        }
    return str(_REASONS.get(decision.reason, decision.reason))


@login_required
def catalogue_page(request: HttpRequest) -> HttpResponse:
    """The same catalogue as docs/events.md, plus the live state of PostHog delivery."""
    data = docs.as_data(catalogue)
    decision = consent.posthog()
    return render(
        request,
        "analytics/events.html",
        {
            "base_template": conf.base_template(),
            "events": data["events"],
            "person_properties": data["person_properties"],
            "groups": data["groups"],
            "posthog": decision,
            "posthog_reason": _reason(decision),
            "posthog_host": conf.posthog_host(),
        },
    )
