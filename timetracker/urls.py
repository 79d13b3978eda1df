"""URL map: the web UI, the Django admin, the JSON API and its schema."""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from apps.accounts.api import TokenView
from apps.clients.api import ClientViewSet
from apps.imports.api import ImportView
from apps.jobs.api import JobDownloadView, JobView
from apps.projects.api import ProjectViewSet
from apps.reports.api import SummaryView, TimeEntryExportView
from apps.tags.api import TagViewSet
from apps.tasks.api import TaskViewSet
from apps.timers.api import TimeEntryViewSet, TimerStartView, TimerStopView, TimerView
from apps.timesheet.api import TimesheetView


@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class ApiDocsView(SpectacularSwaggerView):
    """The Swagger page; it has nothing to say to OPTIONS (whose DRF metadata answer its
    HTML renderer cannot render), so only GET and HEAD are allowed (others: 405).

    Under the site's Content-Security-Policy: our copy of drf-spectacular's template puts
    the request's nonce on its one inline script and its inline style in a static file;
    the only addition to the policy, for this page alone, is ``img-src data:`` for the
    icons Swagger UI's stylesheet embeds as data: URLs. The page keeps the site's
    ``Cross-Origin-Opener-Policy: same-origin``: drf-spectacular relaxes it for OAuth2
    pop-ups, and this API has no OAuth2.
    """

    http_method_names = ["get", "head"]
    template_name = "api/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        response.headers.pop("Cross-Origin-Opener-Policy", None)
        return response


router = DefaultRouter()
router.register("clients", ClientViewSet, basename="client")
router.register("projects", ProjectViewSet, basename="project")
router.register("tasks", TaskViewSet, basename="task")
router.register("time-entries", TimeEntryViewSet, basename="time-entry")
router.register("tags", TagViewSet, basename="tag")

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("timer/", TimerView.as_view(), name="api-timer"),
    path("timer/start/", TimerStartView.as_view(), name="api-timer-start"),
    path("timer/stop/", TimerStopView.as_view(), name="api-timer-stop"),
    path("reports/summary/", SummaryView.as_view(), name="api-report-summary"),
    path("timesheet/", TimesheetView.as_view(), name="api-timesheet"),
    # Before the router: its time-entry detail route would take "export" for an id.
    path("time-entries/export/", TimeEntryExportView.as_view(), name="time-entry-export"),
    path("imports/", ImportView.as_view(), name="api-import"),
    path("jobs/<int:pk>/", JobView.as_view(), name="api-job"),
    path("jobs/<int:pk>/download/", JobDownloadView.as_view(), name="api-job-download"),
    *router.urls,
]

urlpatterns = [
    path("", include("apps.monitoring.urls")),
    path("", include("apps.web.urls")),
    path("", include("apps.timesheet.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("privacy/", include("analytics.urls")),
    path("setup/", include("telemetry.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

# A database outage answers 503 with Retry-After, not 500 (timetracker/errors.py).
handler500 = "timetracker.errors.server_error"
# Paths under /api/ that match no route answer the API's JSON 404, not the HTML page.
handler404 = "timetracker.errors.page_not_found"
