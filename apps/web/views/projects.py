"""Projects and their tasks: list, a page with budget and recent entries, create, edit;
archive, restore and delete for admins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.selectors import user_is_admin
from apps.clients.models import Client
from apps.core.types import AuthenticatedHttpRequest
from apps.projects import services
from apps.projects.models import Project
from apps.tasks import services as task_services
from apps.tasks.models import Task
from apps.web.forms import ProjectForm, TaskForm, apply_service_errors, changes
from apps.web.selectors import projects_with_hours, recent_project_entries, tasks_with_hours
from apps.web.views.common import admin_required, paginate


@require_GET
@login_required
def project_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    archived = request.GET.get("archived") == "1"
    client = None
    # isdigit() alone lets "²" through to int(); a bad or huge id simply finds no client.
    if (raw := request.GET.get("client", "")).isascii() and raw.isdigit():
        client = get_object_or_404(Client, pk=int(raw))
    projects = projects_with_hours(archived=archived, client_id=client.pk if client else None)
    context = {
        "page": paginate(request, projects),
        "archived": archived,
        "client": client,
        "is_admin": user_is_admin(request.user),
    }
    return render(request, "web/projects/list.html", context)


@require_GET
@login_required
def project_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(projects_with_hours(archived=None), pk=pk)
    context = {
        "project": project,
        "tasks": list(tasks_with_hours(project=project)),
        "entries": recent_project_entries(user=request.user, project=project),
        "is_admin": user_is_admin(request.user),
        "spent_hours": (project.seconds or 0) / 3600,  # type: ignore[attr-defined]  # annotated
    }
    return render(request, "web/projects/detail.html", context)


def _save_project(request: HttpRequest, project: Project | None) -> HttpResponse:
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        try:
            if project is None:
                project = services.project_create(actor_id=request.user.pk, **form.cleaned_data)
            else:
                services.project_update(
                    project=project,
                    data=changes(form, ProjectForm.FIELDS),
                    actor_id=request.user.pk,
                )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Project %(name)s saved.") % {"name": project.name})
            return redirect("web:project-detail", pk=project.pk)
    # A refused form is a 400, with the user's input and the field errors on the page.
    status = 400 if request.method == "POST" else 200
    return render(
        request, "web/projects/form.html", {"form": form, "project": project}, status=status
    )


@require_http_methods(["GET", "POST"])
@login_required
def project_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _save_project(request, None)


@require_http_methods(["GET", "POST"])
@login_required
def project_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _save_project(request, get_object_or_404(Project, pk=pk))


@require_POST
@admin_required
def project_archive(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    archived = request.POST.get("archived") != "0"
    services.project_archive(project=project, archived=archived, actor_id=request.user.pk)
    text = _("Project %(name)s archived.") if archived else _("Project %(name)s restored.")
    messages.success(request, text % {"name": project.name})
    return redirect("web:project-detail", pk=project.pk)


@require_http_methods(["GET", "POST"])
@admin_required
def project_delete(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    if request.method == "POST":
        try:
            services.project_delete(project=project, actor_id=request.user.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("web:project-detail", pk=project.pk)
        messages.success(request, _("Project %(name)s deleted.") % {"name": project.name})
        return redirect("web:project-list")
    context = {"project": project, "entry_count": project.time_entries.count()}
    return render(request, "web/projects/delete.html", context)


# --- Tasks ----------------------------------------------------------------------------------
def _save_task(request: HttpRequest, project: Project, task: Task | None) -> HttpResponse:
    form = TaskForm(request.POST or None, instance=task)
    if request.method == "POST" and form.is_valid():
        try:
            if task is None:
                task = task_services.task_create(
                    project=project, actor_id=request.user.pk, **form.cleaned_data
                )
            else:
                task_services.task_update(
                    task=task, data=changes(form, TaskForm.FIELDS), actor_id=request.user.pk
                )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Task %(name)s saved.") % {"name": task.name})
            return redirect("web:project-detail", pk=project.pk)
    context = {"form": form, "project": project, "task": task}
    status = 400 if request.method == "POST" else 200
    return render(request, "web/tasks/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def task_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _save_task(request, get_object_or_404(Project, pk=pk), None)


@require_http_methods(["GET", "POST"])
@login_required
def task_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("project"), pk=pk)
    return _save_task(request, task.project, task)


@require_http_methods(["GET", "POST"])
@admin_required
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("project"), pk=pk)
    if request.method == "POST":
        task_services.task_delete(task=task, actor_id=request.user.pk)
        messages.success(request, _("Task %(name)s deleted.") % {"name": task.name})
        return redirect("web:project-detail", pk=task.project_id)
    return render(request, "web/tasks/delete.html", {"task": task})
