"""The first-run setup page: only while no administrator exists, 404 afterwards."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import authenticate, login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from telemetry import conf, presentation, setup
from telemetry.forms import SetupForm
from telemetry.models import Installation

logger = logging.getLogger("telemetry")


@never_cache
@csrf_protect
@sensitive_post_parameters("token", "password1", "password2")
def setup_page(request: HttpRequest) -> HttpResponse:
    if not setup.needed_now():
        raise Http404("setup is done")
    installation = Installation.objects.get_solo()
    form = SetupForm(request.POST or None, installation=installation)
    if request.method == "POST":
        if form.is_valid():
            return _complete(request, form)
        if "token" in form.errors:
            # Never the token itself: only that someone tried.
            logger.warning("setup: a wrong setup token was submitted")
    context: dict[str, Any] = {
        "base_template": conf.base_template(),
        "form": form,
        "token_pending": bool(installation.setup_token_hash),
        **presentation.transparency(installation=installation),
    }
    # A refused post: 400, the form again with each field's message (nothing is lost).
    status = 400 if request.method == "POST" else 200
    return render(request, "telemetry/setup.html", context, status=status)


def _complete(request: HttpRequest, form: SetupForm) -> HttpResponse:
    data = form.cleaned_data
    try:
        setup.complete(
            token=data["token"],
            username=data["username"],
            email=data.get("email") or "",
            password=data["password1"],
            choice=data["telemetry"],
            time_zone=data.get("timezone") or "",
            default_time_zone=data.get("default_timezone") or "",
        )
    except setup.SetupError as exc:
        # Someone else finished first, or the token changed since the form was checked.
        logger.warning("setup: not completed (%s)", exc)
        raise Http404("setup is done") from exc
    user = authenticate(request, username=data["username"], password=data["password1"])
    if user is not None:
        login(request, user)
    return HttpResponseRedirect(conf.setup_done_url())
