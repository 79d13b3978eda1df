"""Reports (totals, billable amounts, charts) and exports of the filtered entries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrOrPromise

from apps.accounts.models import ReportPreset
from apps.accounts.selectors import profile_get, user_is_admin
from apps.accounts.services import profile_remember_report_preset
from apps.core import flags
from apps.core.types import AuthenticatedHttpRequest
from apps.projects.models import Project
from apps.reports.background import export_job_start
from apps.reports.charts import Bar, column_chart, row_chart
from apps.reports.exports import (
    EntryQuery,
    entries_matching,
    export_response,
    format_enabled,
    formats_enabled,
)
from apps.reports.selectors import report_day_seconds, report_summaries
from apps.reports.signals import report_viewed
from apps.web.forms import GROUP_LABELS, EntryFilterForm, ReportForm
from apps.web.templatetags.tt import day_month, hm, month_name_year, month_year, shortdate

# Longer periods are charted per month: daily bars would be too thin to tell apart or label.
MAX_DAILY_BARS = 62
# The table's heading per grouping: a whole phrase, so each language words it its own way.
GROUP_HEADINGS: dict[str, StrOrPromise] = {
    "project": _("By project"),
    "client": _("By client"),
    "task": _("By task"),
    "user": _("By person"),
    "day": _("By day"),
    "tag": _("By tag"),
}
EXPORT_LABELS: dict[str, StrOrPromise] = {
    "csv": "CSV",
    "xlsx": _("Excel (XLSX)"),
    "json": "JSON",
    "ics": _("Calendar (ICS)"),
}


def export_links(request: HttpRequest, query: EntryQuery) -> list[tuple[StrOrPromise, str]]:
    """(label, URL) of each export format this request may use, keeping the filters."""
    params = urlencode(query.as_query_items())
    return [
        (EXPORT_LABELS[fmt], reverse("web:export", args=[fmt]) + (f"?{params}" if params else ""))
        for fmt in formats_enabled(request)
    ]


def time_bars(start: date, end: date, seconds: dict[str, int]) -> tuple[str, list[Bar]]:
    """Hours per day, or per month for long periods, from the seconds of each day
    (``YYYY-MM-DD``); days without work are kept as 0."""
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    if len(days) <= MAX_DAILY_BARS:
        # Axis labels carry the month ("1 Dec"); the chart skips some when they would crowd.
        return "day", [
            Bar(
                label=day_month(d),
                value=seconds.get(d.isoformat(), 0) / 3600,
                title=shortdate(d),
            )
            for d in days
        ]
    months: dict[date, float] = {}
    for d in days:
        month = d.replace(day=1)
        months[month] = months.get(month, 0.0) + seconds.get(d.isoformat(), 0) / 3600
    return "month", [
        Bar(label=month_year(m), value=value, title=month_name_year(m))
        for m, value in months.items()
    ]


def _charts(
    start: date,
    end: date,
    summaries: dict[str, dict[str, Any]],
    summary: dict[str, Any],
    day_seconds: dict[str, int],
    *,
    draw: bool = True,
) -> dict[str, Any]:
    """Hours per day (or month) and per project; drawn as SVG only when ``draw``."""
    unit, bars = time_bars(start, end, day_seconds)
    project_rows = sorted(summaries["project"]["rows"], key=lambda row: -row["seconds"])
    colours = dict(
        Project.objects.filter(pk__in=[row["key"] for row in project_rows]).values_list(
            "pk", "colour"
        )
    )
    project_bars = [
        Bar(label=row["label"], value=row["seconds"] / 3600, colour=colours.get(row["key"], ""))
        for row in project_rows
    ]
    if not draw:
        # The report-charts flag is off: the same numbers, as tables only.
        return {"time_unit": unit, "time_bars": bars, "project_bars": project_bars}
    period = {"start": shortdate(start), "end": shortdate(end)}
    total = hm(summary["totals"]["seconds"])
    if unit == "day":
        time_title = gettext("Hours per day, %(start)s to %(end)s") % period
        over = ngettext(
            "%(total)s (hours:minutes) over %(count)s day; "
            "the table below the chart lists the same numbers.",
            "%(total)s (hours:minutes) over %(count)s days; "
            "the table below the chart lists the same numbers.",
            len(bars),
        )
    else:
        time_title = gettext("Hours per month, %(start)s to %(end)s") % period
        over = ngettext(
            "%(total)s (hours:minutes) over %(count)s month; "
            "the table below the chart lists the same numbers.",
            "%(total)s (hours:minutes) over %(count)s months; "
            "the table below the chart lists the same numbers.",
            len(bars),
        )
    projects = ngettext(
        "%(count)s project by hours; the table below the chart lists the same numbers.",
        "%(count)s projects by hours; the table below the chart lists the same numbers.",
        len(project_bars),
    )
    return {
        "time_unit": unit,
        "time_bars": bars,
        "time_chart": column_chart(
            bars,
            chart_id="chart-time",
            title=time_title,
            description=over % {"total": total, "count": len(bars)},
        ),
        "project_bars": project_bars,
        "project_chart": row_chart(
            project_bars,
            chart_id="chart-projects",
            title=gettext("Hours per project, %(start)s to %(end)s") % period,
            description=projects % {"count": len(project_bars)},
        ),
    }


@require_GET
@login_required
def report(request: AuthenticatedHttpRequest) -> HttpResponse:
    is_admin = user_is_admin(request.user)
    profile = profile_get(user=request.user)
    form = ReportForm(
        request.GET,
        is_admin=is_admin,
        today=timezone.localdate(timezone=profile.tzinfo),
        remembered=profile.report_preset,
    )
    context: dict[str, Any] = {"form": form, "is_admin": is_admin}
    if not form.is_valid():
        return render(request, "web/reports/report.html", context, status=400)
    if form.preset != ReportPreset.CUSTOM:  # the service writes only a change
        profile_remember_report_preset(user=request.user, preset=form.preset)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    group_by, query = form.cleaned_data["group_by"], form.query()
    base = entries_matching(user=request.user, query=query, finished_only=True)
    # The table's grouping and the chart by project come from one query, the same as the
    # API's for that grouping; the chart of hours per day (or month) from the table's rows
    # when it is by day, else from a sum per day (docs/performance.md, goal 3).
    summaries = report_summaries(
        user=request.user,
        start=start,
        end=end,
        group_bys=(group_by, "project"),
        queryset=base,
    )
    summary = summaries[group_by]
    if group_by == "day":
        day_seconds = {row["key"]: row["seconds"] for row in summary["rows"]}
    else:
        day_seconds = report_day_seconds(user=request.user, start=start, end=end, queryset=base)
    report_viewed.send(
        sender=report,
        user_id=request.user.pk,
        group_by=group_by,
        days=(end - start).days + 1,
        rows=len(summary["rows"]),
        channel="web",
    )
    charts = flags.flag_is_active(request, flags.REPORT_CHARTS)
    context.update(
        summary=summary,
        charts=charts,
        group_label=GROUP_LABELS[group_by],
        group_heading=GROUP_HEADINGS[group_by],
        exports=export_links(request, query),
        entries_url=reverse("web:entry-list") + "?" + urlencode(query.as_query_items()),
        **_charts(start, end, summaries, summary, day_seconds, draw=charts),
    )
    return render(request, "web/reports/report.html", context)


@require_GET
@login_required
def export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    """The finished entries matching the list or report filters, as a download."""
    if not format_enabled(request, fmt):
        raise Http404("This export format is switched off.")
    form = EntryFilterForm(request.GET, is_admin=user_is_admin(request.user))
    if not form.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(cast('list[str]', errs))}" for name, errs in form.errors.items()
        )
        return HttpResponseBadRequest(
            gettext("Invalid filters: %(problems)s") % {"problems": problems},
            content_type="text/plain",
        )
    query = form.query()
    count = entries_matching(user=request.user, query=query, finished_only=True).count()
    if count > settings.EXPORT_BACKGROUND_ROWS:
        # Too large to stream while the person waits: offer a background job instead.
        context = {
            "fmt": fmt,
            "label": EXPORT_LABELS[fmt],
            "count": count,
            "params": query.as_query_items(),
        }
        return render(request, "web/jobs/export_offer.html", context)
    return export_response(
        user=request.user,
        query=query,
        fmt=fmt,
        channel="web",
        uid_domain=request.get_host().rsplit(":", 1)[0] or "timetracker",
        sender=export,
        count=count,
    )


@require_POST
@login_required
def export_background(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    """Start the export as a background job (the form of the large-export page)."""
    if not format_enabled(request, fmt):
        raise Http404("This export format is switched off.")
    form = EntryFilterForm(request.POST, is_admin=user_is_admin(request.user))
    if not form.is_valid():
        return HttpResponseBadRequest(gettext("Invalid filters."), content_type="text/plain")
    job = export_job_start(
        owner=request.user,
        query=form.query(),
        fmt=fmt,
        channel="web",
        uid_domain=request.get_host().rsplit(":", 1)[0] or "timetracker",
    )
    return redirect("web:job-detail", job.pk)
