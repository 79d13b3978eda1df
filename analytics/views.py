"""The transparency page: every event, what it carries and where it goes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from analytics import conf, consent, docs
from analytics.catalogue import catalogue


@login_required
def catalogue_page(request: HttpRequest) -> HttpResponse:
    """The same catalogue as docs/events.md, plus the live state of PostHog delivery."""
    data = docs.as_data(catalogue)
    return render(
        request,
        "analytics/events.html",
        {
            "base_template": conf.base_template(),
            "events": data["events"],
            "person_properties": data["person_properties"],
            "groups": data["groups"],
            "posthog": consent.posthog(),
            "posthog_host": conf.posthog_host(),
        },
    )
