"""The calendar (week and month of the user's entries), its move endpoint and the feed."""

from __future__ import annotations

import calendar as pycalendar
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.accounts.selectors import user_timezone
from apps.core.limits import MAX_DATE, MIN_DATE
from apps.core.types import AuthenticatedHttpRequest
from apps.reports.exports import EntryQuery, entries_matching, export_rows
from apps.reports.exports.formats import ics_lines
from apps.timers.models import TimeEntry
from apps.timesheet.durations import format_duration
from apps.timesheet.forms import MoveForm
from apps.timesheet.models import CalendarFeed
from apps.timesheet.selectors import calendar_days
from apps.timesheet.services import (
    calendar_entry_move,
    calendar_feed_create,
    calendar_feed_revoke,
    calendar_feed_touch,
    feed_digest,
)
from apps.timesheet.weeks import Week, local_today
from apps.web.templatetags.tt import month_name_year

VIEWS = ("week", "month")
# The feed covers this many days back from today, and the days ahead (entries that end
# tomorrow, a timer stopped after midnight).
FEED_PAST_DAYS = 90
FEED_FUTURE_DAYS = 7
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}", re.ASCII)


def calendar_url(view: str, day: date) -> str:
    return f"{reverse('timesheet:calendar')}?{urlencode({'view': view, 'date': day.isoformat()})}"


def _parse_day(raw: str) -> date:
    if _DATE.fullmatch(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if MIN_DATE <= day <= MAX_DATE:
                return day
            raise ValidationError(
                gettext("Dates must be between %(first)s and %(last)s."),
                code="out_of_range",
                params={"first": MIN_DATE.isoformat(), "last": MAX_DATE.isoformat()},
            )
    raise ValidationError(gettext("Enter a date such as 2026-12-01."), code="invalid")


def _month_span(day: date) -> tuple[date, date, date | None, date | None]:
    """The Monday before the 1st, the Sunday after the last day, the previous and next 1st."""
    first = day.replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    before = (first - timedelta(days=1)).replace(day=1)
    after = last + timedelta(days=1)
    return (
        start,
        end,
        before if before >= MIN_DATE.replace(day=1) else None,
        after if after <= MAX_DATE else None,
    )


@require_http_methods(["GET", "HEAD"])
@login_required
def calendar_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    tz = user_timezone(request.user)
    today = local_today(tz)
    errors: dict[str, str] = {}
    view = str(request.GET.get("view") or "week")
    if view not in VIEWS:
        errors["view"] = gettext("Choose week or month.")
    raw = str(request.GET.get("date") or "").strip()
    day = today
    if raw:
        try:
            day = _parse_day(raw)
        except ValidationError as exc:
            errors["date"] = " ".join(exc.messages)
    context: dict[str, Any] = {"errors": errors, "today": today, "timezone_name": tz.key}
    if errors:
        context["today_url"] = calendar_url("week", today)
        return render(request, "web/calendar/calendar.html", context, status=400)
    if view == "week":
        week = Week.of(day)
        first, last = week.monday, week.sunday
        prev_day = week.previous.monday if week.previous else None
        next_day = week.next.monday if week.next else None
        title = gettext("Week %(week)s") % {"week": week.label}
    else:
        first, last, prev_day, next_day = _month_span(day)
        title = month_name_year(day)
    days = calendar_days(user=request.user, first=first, last=last, tz=tz)
    for item in days:
        item.in_month = view == "week" or item.day.month == day.month
    context.update(
        {
            "view": view,
            "day": day,
            "title": title,
            "days": days,
            "weeks": [days[n : n + 7] for n in range(0, len(days), 7)],
            "total": format_duration(sum(item.seconds for item in days if item.in_month)),
            "prev_url": calendar_url(view, prev_day) if prev_day else "",
            "next_url": calendar_url(view, next_day) if next_day else "",
            "today_url": calendar_url(view, today),
            "week_url": calendar_url("week", day),
            "month_url": calendar_url("month", day),
            "hours": range(24),
        }
    )
    return render(request, "web/calendar/calendar.html", context)


def _entry_json(entry: TimeEntry, request: AuthenticatedHttpRequest) -> dict[str, Any]:
    tz = user_timezone(request.user)
    start = entry.started_at.astimezone(tz)
    end = (entry.ended_at or timezone.now()).astimezone(tz)
    return {
        "id": entry.pk,
        "started_at": start.strftime("%Y-%m-%dT%H:%M:%S"),
        "ended_at": end.strftime("%Y-%m-%dT%H:%M:%S"),
        "duration": format_duration(entry.duration_seconds),
    }


@require_http_methods(["POST"])
@login_required
def entry_move(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """Move or resize one of the user's own entries; JSON errors per field (400)."""
    entry = TimeEntry.objects.filter(user=request.user, pk=pk).first() if pk < 2**63 else None
    if entry is None:
        return JsonResponse({"errors": {"entry": [gettext("No such entry.")]}}, status=404)
    form = MoveForm(request.POST, tz=user_timezone(request.user))
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        write = calendar_entry_move(
            user=request.user,
            entry=entry,
            started_at=form.cleaned_data["started_at"],
            ended_at=form.cleaned_data["ended_at"],
        )
    except ValidationError as exc:
        errors = (
            {
                name: [str(m) for m in ValidationError(e).messages]
                for name, e in exc.error_dict.items()
            }
            if hasattr(exc, "error_dict")
            else {"__all__": [str(m) for m in exc.messages]}
        )
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse({"entry": _entry_json(write.entry, request), "overlaps": write.overlaps})


# --- Calendar feed --------------------------------------------------------------------------
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def feed_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Make (or remake) and revoke the feed URL; a new URL is shown on this answer only."""
    feed_url = ""
    notice = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            try:
                _feed, key = calendar_feed_create(user=request.user)
            except ValidationError as exc:
                notice = " ".join(exc.messages)
            else:
                feed_url = request.build_absolute_uri(
                    reverse("timesheet:calendar-feed", args=[key])
                )
        elif action == "revoke":
            revoked = calendar_feed_revoke(user=request.user)
            notice = (
                gettext("The feed URL was revoked.")
                if revoked
                else gettext("There was no feed to revoke.")
            )
        else:
            notice = gettext("Choose to make a feed URL or to revoke it.")
    context = {
        "feed": CalendarFeed.objects.filter(user=request.user).first(),
        "feed_url": feed_url,
        "notice": notice,
        "past_days": FEED_PAST_DAYS,
    }
    response = render(request, "web/calendar/feed.html", context)
    # The page may show the secret URL: keep it out of every cache.
    response["Cache-Control"] = "no-store"
    return response


def _quiet(response: HttpResponse) -> HttpResponse:
    """Django logs 4xx answers with the request's path, which here holds the secret:
    mark the answer as logged (the access log names the route, never the path)."""
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@csrf_exempt
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The user's entries of the last FEED_PAST_DAYS days as iCalendar, for a calendar app.

    No session or CSRF token: the secret in the URL is the credential. A wrong or revoked
    one answers a bare 404 that says nothing about why.
    """
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse("Method not allowed.\n", status=405, content_type="text/plain")
        response["Allow"] = "GET, HEAD"
        return _quiet(response)
    feed = None
    if _TOKEN.fullmatch(token):
        feed = CalendarFeed.objects.select_related("user").filter(digest=feed_digest(token)).first()
    if feed is None or not feed.user.is_active:
        return _quiet(HttpResponse("Not found.\n", status=404, content_type="text/plain"))
    user = feed.user
    tz = user_timezone(user)
    today = local_today(tz)
    query = EntryQuery(
        start=max(today - timedelta(days=FEED_PAST_DAYS), MIN_DATE),
        end=min(today + timedelta(days=FEED_FUTURE_DAYS), MAX_DATE),
        # An admin's entries only: entries_matching would otherwise show them everyone's.
        user_id=user.pk,
    )
    qs = entries_matching(user=user, query=query, finished_only=True).filter(user=user)
    uid_domain = request.get_host().rsplit(":", 1)[0] or "timetracker"
    body = "".join(ics_lines(export_rows(qs, tz), uid_domain=uid_domain))
    calendar_feed_touch(feed=feed)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="timetracker.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
