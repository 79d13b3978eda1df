"""The import page (admins only): upload a CSV export, dry-run it, import it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.core.types import AuthenticatedHttpRequest
from apps.imports.background import import_job_start
from apps.imports.forms import ImportForm
from apps.imports.services import decode
from apps.web.forms import apply_service_errors
from apps.web.views.common import admin_required


@require_http_methods(["GET", "POST"])
@admin_required
def import_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data: bytes = form.cleaned_data["file"]
        try:
            # An unreadable file is refused here, before it is kept anywhere.
            lines = decode(data).count("\n")
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            job = import_job_start(
                owner=request.user,
                fmt=form.cleaned_data["format"],
                data=data,
                options={
                    "dry_run": form.cleaned_data["dry_run"],
                    "create_missing": form.cleaned_data["create_missing"],
                    "timezone": form.cleaned_data["timezone"],
                },
                background=lines > settings.IMPORT_BACKGROUND_ROWS,
            )
            return redirect("web:job-detail", job.pk)
    return render(request, "web/imports/upload.html", {"form": form})
