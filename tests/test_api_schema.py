from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_is_served_and_lists_the_main_paths(member_api: Any) -> None:
    r = member_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/clients/",
        "/api/v1/projects/",
        "/api/v1/tasks/",
        "/api/v1/time-entries/",
        "/api/v1/timer/",
        "/api/v1/timer/start/",
        "/api/v1/timer/stop/",
        "/api/v1/reports/summary/",
    ]:
        assert path in paths


def test_the_schema_generates_without_warnings(tmp_path: Any) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert (tmp_path / "s.yml").read_text().startswith("openapi: 3")


def test_the_browsable_docs_page_works_offline(client: Any) -> None:
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()
