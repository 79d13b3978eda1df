"""URLs of the web UI (mounted at the site root)."""

from __future__ import annotations

from django.urls import path, re_path

from apps.jobs import views as jobs
from apps.web.views import (
    account,
    clients,
    dashboard,
    entries,
    imports,
    projects,
    reports,
    twofactor,
)

# A namespace, because the API router names its routes "project-list", "client-archive"...
app_name = "web"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("timer/start/", dashboard.timer_start, name="timer-start"),
    path("timer/stop/", dashboard.timer_stop, name="timer-stop"),
    path("timer/resume/<int:pk>/", dashboard.timer_resume, name="timer-resume"),
    path("timer/trim/", dashboard.timer_trim, name="timer-trim"),
    path("entries/", entries.entry_list, name="entry-list"),
    path("entries/new/", entries.entry_create, name="entry-create"),
    path("entries/<int:pk>/edit/", entries.entry_edit, name="entry-edit"),
    path("entries/<int:pk>/delete/", entries.entry_delete, name="entry-delete"),
    path("clients/", clients.client_list, name="client-list"),
    path("clients/new/", clients.client_create, name="client-create"),
    path("clients/<int:pk>/edit/", clients.client_edit, name="client-edit"),
    path("clients/<int:pk>/archive/", clients.client_archive, name="client-archive"),
    path("clients/<int:pk>/delete/", clients.client_delete, name="client-delete"),
    path("projects/", projects.project_list, name="project-list"),
    path("projects/new/", projects.project_create, name="project-create"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project-edit"),
    path("projects/<int:pk>/archive/", projects.project_archive, name="project-archive"),
    path("projects/<int:pk>/delete/", projects.project_delete, name="project-delete"),
    path("projects/<int:pk>/tasks/new/", projects.task_create, name="task-create"),
    path("tasks/<int:pk>/edit/", projects.task_edit, name="task-edit"),
    path("tasks/<int:pk>/delete/", projects.task_delete, name="task-delete"),
    path("reports/", reports.report, name="report"),
    re_path(r"^reports/export\.(?P<fmt>csv|xlsx|json|ics)$", reports.export, name="export"),
    re_path(
        r"^reports/export-job\.(?P<fmt>csv|xlsx|json|ics)$",
        reports.export_background,
        name="export-job",
    ),
    path("import/", imports.import_upload, name="import"),
    path("jobs/", jobs.job_list, name="job-list"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job-detail"),
    path("jobs/<int:pk>/status/", jobs.job_status_view, name="job-status"),
    path("jobs/<int:pk>/download/", jobs.job_download, name="job-download"),
    path("accounts/profile/", account.profile, name="profile"),
    path("accounts/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/2fa/", twofactor.overview, name="twofactor"),
    path("accounts/2fa/setup/", twofactor.setup, name="twofactor-setup"),
    path("accounts/2fa/verify/", twofactor.verify, name="twofactor-verify"),
    path("accounts/2fa/disable/", twofactor.disable, name="twofactor-disable"),
    path("accounts/2fa/recovery-codes/", twofactor.recovery_codes, name="twofactor-codes"),
    path("accounts/tokens/", account.tokens, name="api-tokens"),
    path("accounts/tokens/<int:pk>/revoke/", account.token_revoke, name="api-token-revoke"),
]
