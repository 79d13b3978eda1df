"""The dashboard: the running timer, starting, stopping and resuming it, today and this week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core import flags
from apps.core.api import MAX_ID
from apps.core.types import AuthenticatedHttpRequest
from apps.projects.budget import BudgetUse, budget_warning, projects_near_budget
from apps.projects.models import Project
from apps.projects.selectors import project_currency
from apps.tasks.models import Task
from apps.timers import services
from apps.timers.models import TimeEntry
from apps.timers.selectors import entry_get_for_user, running_entry
from apps.web.forms import IdleTrimForm, TimerStartForm, apply_service_errors
from apps.web.selectors import dashboard_for
from apps.web.templatetags.tt import grouped, hm_words, money, shortdate

# The start and trim forms have their own ids so they cannot clash on the page.
START_IDS = "start_%s"
TRIM_IDS = "trim_%s"
# The end first offered for a forgotten timer: a working day after its start.
SUGGESTED_LENGTH = timedelta(hours=8)
# Field of the timer forms naming the running entry the page showed ("" when none ran).
RUNNING_FIELD = "running"


class _Absent:
    """The page did not say (an older page or a hand-made request)."""


ABSENT = _Absent()


def _shown_running(request: HttpRequest) -> int | _Absent | None:
    """The id of the running entry the submitting page showed, ``None`` when it showed
    none, ``ABSENT`` when the form did not say."""
    raw = request.POST.get(RUNNING_FIELD)
    if raw is None:
        return ABSENT
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ID:
        return int(raw)
    if raw == "":
        return None
    raise BadRequest("The running entry is not an id.")


def _what_runs_now(running: TimeEntry | None) -> str:
    if running is None:
        return _("No timer is running now: it was stopped elsewhere.")
    on = running.project.name + (f" · {cast(Task, running.task).name}" if running.task_id else "")
    start = timezone.localtime(running.started_at)
    return _("The timer changed elsewhere: %(work)s is running now, since %(time)s.") % {
        "work": on,
        "time": f"{start:%H:%M}",
    }


def _page_is_stale(request: AuthenticatedHttpRequest) -> bool:
    """True, with a message saying what runs now, when the page showed another timer."""
    shown = _shown_running(request)
    if isinstance(shown, _Absent):
        return False
    running = running_entry(user=request.user)
    if (running.pk if running else None) == shown:
        return False
    messages.warning(request, f"{_what_runs_now(running)} {_('Nothing was changed.')}")
    return True


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


def _is_conflict(exc: ValidationError) -> bool:
    errors = getattr(exc, "error_dict", {}).get("timer", [])
    return any(error.code == "conflict" for error in errors)


def _render(
    request: AuthenticatedHttpRequest,
    form: TimerStartForm,
    *,
    trim_form: IdleTrimForm | None = None,
    status: int = 200,
) -> HttpResponse:
    board = dashboard_for(user=request.user)
    # A dashboard with nothing on it says what to do first (one query, only then).
    empty = board.running is None and not board.today and not board.resume
    context = {
        "board": board,
        "getting_started": {"has_projects": Project.objects.filter(archived=False).exists()}
        if empty
        else None,
        "start_form": form,
        "idle": _idle(request, board.running, trim_form),
        "budgets": budgets_to_show(),
    }
    return render(request, "web/dashboard.html", context, status=status)


# The dashboard lists at most this many projects near or over a budget.
BUDGETS_SHOWN = 5


@dataclass(frozen=True)
class ShownBudget:
    """A budget warning as the page writes it: hours with the language's separators, money
    in the currency of the project's client (or the installation's)."""

    project: Project
    use: BudgetUse

    @property
    def used(self) -> str:
        return self._figure(self.use.used)

    @property
    def budget(self) -> str:
        return self._figure(self.use.budget)

    def _figure(self, value: Decimal) -> str:
        if self.use.kind == "hours":
            return grouped(value)
        return money(value, project_currency(self.project))


def budgets_to_show() -> list[ShownBudget]:
    """Active projects at 80 % or more of a budget (one query, bounded)."""
    shown: list[ShownBudget] = []
    for project in projects_near_budget()[: BUDGETS_SHOWN * 2]:
        warning = budget_warning(project)
        if warning is not None and len(shown) < BUDGETS_SHOWN:
            shown.append(ShownBudget(project, warning))
    return shown


def budget_message(project: Project, use: BudgetUse) -> str:
    if use.kind == "hours":
        text = _(
            "%(project)s has used %(percent)s %% of its budget (%(used)s of %(budget)s hours)."
        )
    else:
        text = _("%(project)s has used %(percent)s %% of its budget (%(used)s of %(budget)s).")
    shown = ShownBudget(project, use)
    message = text % {
        "project": project.name,
        "percent": use.percent,
        "used": shown.used,
        "budget": shown.budget,
    }
    return f"{message} {_('It is over budget.')}" if use.threshold == 100 else message


@require_GET
@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _render(request, TimerStartForm(auto_id=START_IDS, user=request.user))


@require_POST
@login_required
def timer_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TimerStartForm(request.POST, auto_id=START_IDS, user=request.user)
    # "Stop and start" stops the timer the page shows, not one started elsewhere since.
    if _page_is_stale(request):
        return redirect("web:dashboard")
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.timer_start(
                user=request.user,
                project=data["project"],
                task=data["task"],
                notes=data["notes"],
                tags=data["tags"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("Timer started on %(project)s.") % {"project": entry.project.name}
            )
            warning = budget_warning(entry.project)
            if warning is not None:
                messages.warning(request, budget_message(entry.project, warning))
            return redirect("web:dashboard")
    return _render(request, form, status=400)


@require_POST
@login_required
def timer_stop(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Stop the timer the page shows; one started elsewhere meanwhile keeps running."""
    shown = _shown_running(request)
    entry_id = shown if isinstance(shown, int) else None
    try:
        entry = services.timer_stop(user=request.user, entry_id=entry_id)
    except ValidationError as exc:
        if _is_conflict(exc) or entry_id is not None:
            messages.warning(
                request,
                f"{_what_runs_now(running_entry(user=request.user))} {_('Nothing was stopped.')}",
            )
        else:
            messages.info(request, _("No timer is running."))
    else:
        messages.success(
            request,
            _("Timer stopped: %(duration)s on %(project)s.")
            % {"duration": hm_words(entry.duration_seconds), "project": entry.project.name},
        )
    return redirect("web:dashboard")


@require_POST
@login_required
def timer_resume(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Start a new timer with the project, task, notes and billing of a past entry."""
    entry = entry_get_for_user(user=request.user, pk=pk)
    if entry.user_id != request.user.pk:
        # Admins may see others' entries, but resuming one would track someone else's work.
        raise Http404("No such time entry.")
    if _page_is_stale(request):
        return redirect("web:dashboard")
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
        messages.success(
            request, _("Timer started on %(project)s.") % {"project": entry.project.name}
        )
    return redirect("web:dashboard")


@require_POST
@login_required
def timer_trim(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Stop a forgotten timer at the time the user says they stopped working."""
    if not flags.flag_is_active(request, flags.IDLE_TIMER):
        raise Http404("No such page.")
    shown = _shown_running(request)
    entry_id = shown if isinstance(shown, int) else None
    if _page_is_stale(request):
        return redirect("web:dashboard")
    running = running_entry(user=request.user)
    if running is None:
        messages.info(request, _("No timer is running."))
        return redirect("web:dashboard")
    form = IdleTrimForm(request.POST, entry=running, now=timezone.now(), auto_id=TRIM_IDS)
    if form.is_valid():
        try:
            entry = services.timer_trim(
                user=request.user, ended_at=form.cleaned_data["ended_at"], entry_id=entry_id
            )
        except ValidationError as exc:
            if _is_conflict(exc):
                # Another timer started between the check above and the trim.
                now_running = _what_runs_now(running_entry(user=request.user))
                messages.warning(request, f"{now_running} {_('Nothing was stopped.')}")
                return redirect("web:dashboard")
            if "ended_at" not in exc.message_dict:
                # Stopped or no longer idle meanwhile (another tab, the API): say so.
                messages.error(request, " ".join(exc.messages))
                return redirect("web:dashboard")
            apply_service_errors(form, exc)
        else:
            end = timezone.localtime(entry.ended_at)
            messages.success(
                request,
                _("Timer stopped at %(time)s on %(day)s: %(duration)s on %(project)s.")
                % {
                    "time": f"{end:%H:%M}",
                    "day": shortdate(end),
                    "duration": hm_words(entry.duration_seconds),
                    "project": entry.project.name,
                },
            )
            return redirect("web:dashboard")
    return _render(
        request, TimerStartForm(auto_id=START_IDS, user=request.user), trim_form=form, status=400
    )
