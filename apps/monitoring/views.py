"""/healthz, /readyz and /metrics: cheap, unauthenticated or token-protected, never cached."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import CONTENT_TYPE_LATEST

from apps.core.net import client_address
from apps.monitoring.health import database_ready
from apps.monitoring.metrics import exposition


# Probes change nothing, so any method gets the same answer (no CSRF 403 for a POST).
@csrf_exempt
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving. Touches no database."""
    return JsonResponse({"status": "ok"})


@csrf_exempt
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: database reachable and migrations applied; 503 otherwise."""
    ok, reason = database_ready()
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "reason": reason}, status=200 if ok else 503
    )


def _allowed(request: HttpRequest) -> bool:
    token: str = settings.METRICS_TOKEN
    if token:
        header = request.headers.get("Authorization", "")
        scheme, _, presented = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode(), token.encode()
        )
    try:
        address = ipaddress.ip_address(client_address(request) or "")
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition, for a bearer token or the allowed networks only."""
    if not settings.METRICS_ENABLED:
        raise Http404
    if not _allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
