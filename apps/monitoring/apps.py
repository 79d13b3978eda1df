from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Health endpoints, the protected /metrics endpoint and TimeTracker's own metrics."""

    name = "apps.monitoring"
    verbose_name = _("Monitoring")
    label = "monitoring"

    def ready(self) -> None:
        from apps.monitoring import metrics, receivers

        receivers.connect()
        metrics.register_scrape_collector()
        metrics.mark_worker_started(only_single_process=True)
