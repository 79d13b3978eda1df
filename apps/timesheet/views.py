"""The week grid (timesheet): one row per project and task, one column per local day."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from apps.accounts.selectors import user_timezone
from apps.core.types import AuthenticatedHttpRequest
from apps.timesheet.durations import EXAMPLES, format_duration
from apps.timesheet.forms import AddRowForm, posted_rows, read_cells
from apps.timesheet.selectors import MAX_ROWS, Cell, Grid, Row, rows_of_week, timesheet_grid
from apps.timesheet.services import TimesheetInvalid, timesheet_save
from apps.timesheet.weeks import Week, local_today

ACTIONS = ("save", "add-row", "copy-rows")


def week_url(week: Week) -> str:
    return f"{reverse('timesheet:week')}?{urlencode({'week': week.label})}"


def cell_link(row: Row, cell: Cell) -> str:
    """The entry list filtered to one cell's entries (for cells the grid does not rewrite)."""
    params: dict[str, Any] = {
        "start": cell.day.isoformat(),
        "end": cell.day.isoformat(),
        "project": row.project.pk,
    }
    if row.task is not None:
        params["task"] = row.task.pk
    return f"{reverse('web:entry-list')}?{urlencode(params)}"


def _render(
    request: AuthenticatedHttpRequest,
    *,
    week: Week | None,
    grid: Grid | None = None,
    add_form: AddRowForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    tz = user_timezone(request.user)
    context: dict[str, Any] = {
        "week": week,
        "grid": grid,
        "error": error,
        "this_week": Week.of(local_today(tz)),
        "examples": EXAMPLES,
        "max_rows": MAX_ROWS,
        "add_form": add_form or AddRowForm(user=request.user),
        "timezone_name": tz.key,
    }
    if grid is not None:
        context["rows"] = [
            {
                "row": row,
                "cells": [
                    (cell, None if cell.editable else cell_link(row, cell)) for cell in row.cells
                ],
                "total": format_duration(row.seconds),
            }
            for row in grid.rows
        ]
        context["day_totals"] = [format_duration(s) for s in grid.day_totals]
        context["total"] = format_duration(grid.total)
    return render(request, "web/timesheet/week.html", context, status=status)


def _nothing_saved(count: int) -> str:
    return ngettext(
        "Nothing was saved: %(count)s cell needs fixing.",
        "Nothing was saved: %(count)s cells need fixing.",
        count,
    ) % {"count": count}


@require_http_methods(["GET", "POST"])
@login_required
def week_grid(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET shows the week; POST saves it (``action=save``), or re-shows it with a row added
    (``add-row``) or last week's rows copied (``copy-rows``) keeping every typed cell."""
    tz = user_timezone(request.user)
    source = request.POST if request.method == "POST" else request.GET
    raw = str(source.get("week") or "")
    try:
        week = Week.parse(raw) if raw.strip() else Week.of(local_today(tz))
    except ValidationError as exc:
        return _render(request, week=None, error=" ".join(exc.messages), status=400)
    if request.method != "POST":
        return _render(request, week=week, grid=timesheet_grid(user=request.user, week=week, tz=tz))

    action = str(request.POST.get("action") or "save")
    if action not in ACTIONS:
        action = "save"
    extra = posted_rows(request.POST)
    add_form = AddRowForm(request.POST if action == "add-row" else None, user=request.user)
    if action == "add-row" and add_form.is_valid():
        extra.append(add_form.key())
        add_form = AddRowForm(user=request.user)
    if action == "copy-rows":
        previous = week.previous
        copied = rows_of_week(user=request.user, week=previous, tz=tz) if previous else []
        if copied:
            extra.extend(copied)
            text = ngettext(
                "Copied %(count)s row of last week (not its hours).",
                "Copied %(count)s rows of last week (not their hours).",
                len(copied),
            )
            messages.info(request, text % {"count": len(copied)})
        else:
            messages.info(request, gettext("Last week has no rows to copy."))
    grid = timesheet_grid(user=request.user, week=week, tz=tz, extra_rows=extra)
    if grid.dropped_rows:
        text = ngettext(
            "A week holds at most %(limit)d rows; %(count)s was left out.",
            "A week holds at most %(limit)d rows; %(count)s were left out.",
            grid.dropped_rows,
        )
        messages.warning(request, text % {"limit": MAX_ROWS, "count": grid.dropped_rows})
    submission = read_cells(grid, request.POST)
    if action != "save":
        return _render(request, week=week, grid=grid, add_form=add_form)
    if submission.errors:
        return _render(
            request,
            week=week,
            grid=grid,
            error=_nothing_saved(submission.errors),
            status=400,
        )
    try:
        result = timesheet_save(user=request.user, changes=submission.changes)
    except TimesheetInvalid as exc:
        for index, message in exc.cell_errors.items():
            cell = grid.cell(submission.names[index])
            if cell is not None:
                cell.error = message
        return _render(
            request,
            week=week,
            grid=grid,
            error=_nothing_saved(len(exc.cell_errors)),
            status=400,
        )
    if submission.changes:
        counts = {"created": result.created, "updated": result.updated, "deleted": result.deleted}
        messages.success(
            request,
            gettext(
                "Week saved: %(created)d entries created, %(updated)d adjusted, "
                "%(deleted)d deleted."
            )
            % counts,
        )
    else:
        messages.info(request, gettext("Nothing to save: no cell changed."))
    return redirect(week_url(week))
