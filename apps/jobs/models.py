"""A piece of background work a user asked for (an import, a large export) and its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class JobKind(models.TextChoices):
    IMPORT = "import", pgettext_lazy("job kind", "Import")
    EXPORT = "export", pgettext_lazy("job kind", "Export")


class JobState(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", pgettext_lazy("job state", "Running")
    DONE = "done", pgettext_lazy("job state", "Done")
    FAILED = "failed", pgettext_lazy("job state", "Failed")
    EXPIRED = "expired", _("Done (file deleted)")


FINISHED = (JobState.DONE, JobState.FAILED, JobState.EXPIRED)


class Job(models.Model):
    """Progress and result of one background task; only its owner sees it.

    ``params`` holds what the handler needs to run (ids, formats, filters; never file
    contents), ``result`` its report (counts, problems by line). A file the job produced
    lies at ``result_path`` (relative to ``JOB_FILES_DIR``) until ``expires_at``.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name=_("owner"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=JobKind.choices)
    state = models.CharField(
        _("state"), max_length=8, choices=JobState.choices, default=JobState.QUEUED
    )
    # What the page shows next to the bar: "Checking rows", "Writing entries"...
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in total"), null=True, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    result_path = models.CharField(_("file path"), max_length=255, blank=True)
    result_name = models.CharField(_("file name"), max_length=255, blank=True)
    task_id = models.CharField(_("queue task id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "created_at"], name="job_owner_created"),
            models.Index(fields=["expires_at"], name="job_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} of user {self.owner_id}"

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return 100 if self.state == JobState.DONE else None
        return min(100, self.rows_done * 100 // self.rows_total)
