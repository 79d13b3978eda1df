"""URL map: the web UI, the Django admin, the JSON API and its schema."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from apps.accounts.api import TokenView
from apps.clients.api import ClientViewSet
from apps.projects.api import ProjectViewSet
from apps.reports.api import SummaryView
from apps.tasks.api import TaskViewSet
from apps.timers.api import TimeEntryViewSet, TimerStartView, TimerStopView, TimerView


class ApiDocsView(SpectacularSwaggerView):
    """The Swagger page; it has nothing to say to OPTIONS (whose DRF metadata answer its
    HTML renderer cannot render), so only GET and HEAD are allowed (others: 405)."""

    http_method_names = ["get", "head"]


router = DefaultRouter()
router.register("clients", ClientViewSet, basename="client")
router.register("projects", ProjectViewSet, basename="project")
router.register("tasks", TaskViewSet, basename="task")
router.register("time-entries", TimeEntryViewSet, basename="time-entry")

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("timer/", TimerView.as_view(), name="api-timer"),
    path("timer/start/", TimerStartView.as_view(), name="api-timer-start"),
    path("timer/stop/", TimerStopView.as_view(), name="api-timer-stop"),
    path("reports/summary/", SummaryView.as_view(), name="api-report-summary"),
    *router.urls,
]

urlpatterns = [
    path("", include("apps.monitoring.urls")),
    path("", include("apps.web.urls")),
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
