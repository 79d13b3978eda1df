"""The dashboard: the running timer, starting, stopping and resuming it, today and this week."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.timers import services
from apps.timers.selectors import entry_get_for_user
from apps.web.forms import TimerStartForm, apply_service_errors
from apps.web.selectors import dashboard_for
from apps.web.templatetags.tt import hm

# The start form has its own ids so they cannot clash with other forms on the page.
START_IDS = "start_%s"


def _render(request: HttpRequest, form: TimerStartForm, *, status: int = 200) -> HttpResponse:
    context = {"board": dashboard_for(user=request.user), "start_form": form}
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
