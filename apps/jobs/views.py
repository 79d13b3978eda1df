"""Web pages of background jobs: the list, one job with its progress bar, status, download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.accounts.selectors import user_is_admin
from apps.jobs.models import FINISHED
from apps.jobs.selectors import job_file, job_for_owner, job_status, jobs_of

# While a job runs its page reloads itself at this pace when JavaScript is off.
REFRESH_SECONDS = 5


@require_GET
@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(jobs_of(request.user), 50).get_page(request.GET.get("page"))
    context = {"page": page, "is_admin": user_is_admin(request.user)}
    return render(request, "web/jobs/list.html", context)


@require_GET
@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for_owner(request.user, pk)
    context = {
        "job": job,
        "status": job_status(job),
        "report": job.result if isinstance(job.result, dict) else {},
        "refresh_seconds": REFRESH_SECONDS,
        "running": job.state not in FINISHED,
    }
    return render(request, "web/jobs/detail.html", context)


@require_GET
@login_required
def job_status_view(request: HttpRequest, pk: int) -> JsonResponse:
    response = JsonResponse(job_status(job_for_owner(request.user, pk)))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = job_for_owner(request.user, pk)
    path = job_file(job)
    if path is None:
        raise Http404(_("This file is not ready, or it has expired."))
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.result_name)
