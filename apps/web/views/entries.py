"""Time entries: the filtered list, manual entries, edits and deletion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.selectors import user_is_admin
from apps.core.types import AuthenticatedHttpRequest
from apps.reports.exports import entries_matching
from apps.timers import services
from apps.timers.models import TimeEntry
from apps.timers.selectors import entry_get_for_user
from apps.web.forms import EntryFilterForm, EntryForm, apply_service_errors
from apps.web.views.common import paginate, safe_next
from apps.web.views.reports import export_links


def _warn_overlaps(request: HttpRequest, overlaps: list[int]) -> None:
    """Overlaps are allowed (the API only warns too); link each one so it can be fixed."""
    if not overlaps:
        return
    links = format_html_join(
        ", ",
        '<a href="{}">#{}</a>',
        ((reverse("web:entry-edit", args=[pk]), pk) for pk in overlaps),
    )
    text = ngettext(
        "This entry overlaps %(count)s other entry: %(links)s.",
        "This entry overlaps %(count)s other entries: %(links)s.",
        len(overlaps),
    )
    # The links are built (and escaped) above; the sentence is escaped here.
    message = escape(text) % {"count": len(overlaps), "links": links}
    messages.warning(request, mark_safe(message))  # noqa: S308


@require_GET
@login_required
def entry_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    is_admin = user_is_admin(request.user)
    form = EntryFilterForm(request.GET, is_admin=is_admin)
    form.is_valid()
    query = form.query()
    entries = (
        entries_matching(user=request.user, query=query)
        .order_by("-started_at", "-id")
        .prefetch_related("tags")
    )
    context = {
        "form": form,
        "page": paginate(request, entries),
        "is_admin": is_admin,
        "exports": export_links(request, query),
    }
    return render(request, "web/entries/list.html", context)


def _entry_form(
    request: AuthenticatedHttpRequest,
    *,
    entry: TimeEntry | None,
    save: Callable[[dict[str, Any]], services.EntryWrite],
) -> HttpResponse:
    """The manual-entry form, for a new entry or an existing one; ``save`` is the service."""
    form = EntryForm(request.POST or None, entry=entry, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            write = save(form.service_data())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Entry saved."))
            _warn_overlaps(request, write.overlaps)
            return redirect(safe_next(request, reverse("web:entry-list")))
    return render(request, "web/entries/form.html", {"form": form, "entry": entry})


@require_http_methods(["GET", "POST"])
@login_required
def entry_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _entry_form(
        request, entry=None, save=lambda data: services.entry_create(user=request.user, **data)
    )


@require_http_methods(["GET", "POST"])
@login_required
def entry_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = entry_get_for_user(user=request.user, pk=pk)
    return _entry_form(
        request,
        entry=entry,
        save=lambda data: services.entry_update(entry=entry, data=data, actor_id=request.user.pk),
    )


@require_http_methods(["GET", "POST"])
@login_required
def entry_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = entry_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        shown = request.POST.get("entry")
        if shown is not None and shown != str(entry.pk):
            # The form names the entry it showed; deleting another one is never meant.
            messages.warning(request, _("This page showed another entry; nothing was deleted."))
            return redirect(safe_next(request, reverse("web:entry-list")))
        services.entry_delete(entry=entry, actor_id=request.user.pk)
        messages.success(request, _("Entry deleted."))
        return redirect(safe_next(request, reverse("web:entry-list")))
    return render(request, "web/entries/delete.html", {"entry": entry})
