"""The dashboard: the running timer, starting, stopping and resuming it, today and this week."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.core import flags
from apps.timers import services
from apps.timers.models import TimeEntry
from apps.timers.selectors import entry_get_for_user, running_entry
from apps.web.forms import IdleTrimForm, TimerStartForm, apply_service_errors
from apps.web.selectors import dashboard_for
from apps.web.templatetags.tt import hm

# The start and trim forms have their own ids so they cannot clash on the page.
START_IDS = "start_%s"
TRIM_IDS = "trim_%s"
# The end first offered for a forgotten timer: a working day after its start.
SUGGESTED_LENGTH = timedelta(hours=8)


def _idle(
    request: HttpRequest, running: TimeEntry | None, form: IdleTrimForm | None = None
) -> dict[str, Any] | None:
    """The notice about a forgotten timer, when the idle-timer flag is on for this user."""
    if running is None or not services.timer_is_idle(running):
        return None
    if not flags.flag_is_active(request, flags.IDLE_TIMER):
        return None
    now = timezone.now()
    if form is None:
        suggested = min(running.started_at + SUGGESTED_LENGTH, now)
        form = IdleTrimForm(
            entry=running, now=now, auto_id=TRIM_IDS, initial={"ended_at": suggested}
        )
    return {"form": form, "limit_hours": settings.IDLE_TIMER_HOURS}


def _render(
    request: HttpRequest,
    form: TimerStartForm,
    *,
    trim_form: IdleTrimForm | None = None,
    status: int = 200,
) -> HttpResponse:
    board = dashboard_for(user=request.user)
    context = {
        "board": board,
        "start_form": form,
        "idle": _idle(request, board.running, trim_form),
    }
    return render(request, "web/dashboard.html", context, status=status)


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return _render(request, TimerStartForm(auto_id=START_IDS))


@require_POST
@login_required
def timer_start(request: HttpRequest) -> HttpResponse:
    form = TimerStartForm(request.POST, auto_id=START_IDS)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.timer_start(
                user=request.user, project=data["project"], task=data["task"], notes=data["notes"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Timer started on {entry.project.name}.")
            return redirect("web:dashboard")
    return _render(request, form, status=400)


@require_POST
@login_required
def timer_stop(request: HttpRequest) -> HttpResponse:
    try:
        entry = services.timer_stop(user=request.user)
    except ValidationError:
        messages.info(request, "No timer is running.")
    else:
        messages.success(
            request, f"Timer stopped: {hm(entry.duration_seconds)} on {entry.project.name}."
        )
    return redirect("web:dashboard")


@require_POST
@login_required
def timer_resume(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a new timer with the project, task, notes and billing of a past entry."""
    entry = entry_get_for_user(user=request.user, pk=pk)
    if entry.user_id != request.user.pk:
        # Admins may see others' entries, but resuming one would track someone else's work.
        raise Http404("No such time entry.")
    try:
        services.timer_start(
            user=request.user,
            project=entry.project,
            task=entry.task,
            notes=entry.notes,
            billable=entry.billable,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Timer started on {entry.project.name}.")
    return redirect("web:dashboard")


@require_POST
@login_required
def timer_trim(request: HttpRequest) -> HttpResponse:
    """Stop a forgotten timer at the time the user says they stopped working."""
    if not flags.flag_is_active(request, flags.IDLE_TIMER):
        raise Http404("No such page.")
    running = running_entry(user=request.user)
    if running is None:
        messages.info(request, "No timer is running.")
        return redirect("web:dashboard")
    form = IdleTrimForm(request.POST, entry=running, now=timezone.now(), auto_id=TRIM_IDS)
    if form.is_valid():
        try:
            entry = services.timer_trim(user=request.user, ended_at=form.cleaned_data["ended_at"])
        except ValidationError as exc:
            if "ended_at" not in exc.message_dict:
                # Stopped or no longer idle meanwhile (another tab, the API): say so.
                messages.error(request, " ".join(exc.messages))
                return redirect("web:dashboard")
            apply_service_errors(form, exc)
        else:
            end = timezone.localtime(entry.ended_at)
            messages.success(
                request,
                f"Timer stopped at {end:%H:%M} on {end:%a %d %b}: "
                f"{hm(entry.duration_seconds)} on {entry.project.name}.",
            )
            return redirect("web:dashboard")
    return _render(request, TimerStartForm(auto_id=START_IDS), trim_form=form, status=400)
