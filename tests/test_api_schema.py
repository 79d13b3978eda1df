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


def _schema(api: Any) -> dict[str, Any]:
    r = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    return dict(r.json())


def test_every_operation_documents_its_errors_as_json(member_api: Any) -> None:
    schema = _schema(member_api)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            label = f"{method.upper()} {path}"
            if path != "/api/v1/auth/token/":
                assert "401" in responses, label
            if "{id}" in path:
                assert "404" in responses, label
            if "requestBody" in operation or any(
                p["in"] == "query" for p in operation.get("parameters", [])
            ):
                assert "400" in responses, label
            for code, response in responses.items():
                if code >= "400":
                    body = response["content"]["application/json"]["schema"]
                    assert body["$ref"].rsplit("/", 1)[1] in {"Error", "FieldErrors"}, label


def test_conflicts_and_admin_only_actions_are_documented(member_api: Any) -> None:
    paths = _schema(member_api)["paths"]
    assert "409" in paths["/api/v1/projects/{id}/"]["delete"]["responses"]
    assert "409" in paths["/api/v1/timer/stop/"]["post"]["responses"]
    assert "403" in paths["/api/v1/clients/{id}/archive/"]["post"]["responses"]
    assert "requestBody" not in paths["/api/v1/clients/{id}/archive/"]["post"]
    assert "403" not in paths["/api/v1/clients/"]["get"]["responses"]


def test_the_hand_read_filters_are_documented(member_api: Any) -> None:
    paths = _schema(member_api)["paths"]

    def params(path: str) -> dict[str, Any]:
        return {p["name"]: p for p in paths[path]["get"]["parameters"]}

    assert params("/api/v1/clients/")["archived"]["schema"]["type"] == "boolean"
    assert params("/api/v1/projects/")["client"]["schema"]["minimum"] == 1
    assert set(params("/api/v1/tasks/")["status"]["schema"]["enum"]) == {
        "todo",
        "in_progress",
        "done",
    }
    page_size = params("/api/v1/tasks/")["page_size"]
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}
    assert page_size["allowEmptyValue"] is True
    assert set(params("/api/v1/time-entries/export/")["format"]["schema"]["enum"]) == {
        "csv",
        "xlsx",
        "json",
        "ics",
    }


def test_the_running_timer_may_be_null_and_the_request_limits_are_stated(
    member_api: Any,
) -> None:
    schema = _schema(member_api)
    timer = schema["paths"]["/api/v1/timer/"]["get"]["responses"]["200"]
    assert timer["content"]["application/json"]["schema"]["nullable"] is True
    entry = schema["components"]["schemas"]["TimeEntryRequest"]["properties"]
    assert "\\u000b" in entry["notes"]["oneOf"][0]["pattern"]
    assert "2200-01-01" in entry["started_at"]["description"]
    assert entry["project"]["oneOf"][0]["maximum"] == 2**63 - 1


@pytest.mark.parametrize("page_size", ["0", "501", "abc", "1.5"])
def test_a_page_size_outside_1_to_500_answers_400(member_api: Any, page_size: str) -> None:
    r = member_api.get("/api/v1/clients/", {"page_size": page_size})
    assert r.status_code == 400
    assert "page_size" in r.json()


def test_json_values_must_have_the_documented_types(member_api: Any) -> None:
    r = member_api.post("/api/v1/projects/", {"name": 0, "billable": "yes"}, format="json")
    assert r.status_code == 400
    assert set(r.json()) == {"name", "billable"}
    r = member_api.post("/api/v1/projects/", {"name": "Zeta", "client": ""}, format="json")
    assert r.status_code == 400
    assert "client" in r.json()
    # Every field's problem comes back at once, not only the type errors.
    r = member_api.post("/api/v1/time-entries/", {"notes": 5}, format="json")
    assert {"notes", "project", "started_at"} <= set(r.json())


def test_form_posts_keep_their_string_values(member_api: Any) -> None:
    r = member_api.post("/api/v1/clients/", {"name": "Acme"}, format="multipart")
    assert r.status_code == 201


def test_an_id_with_a_dot_gets_the_apis_json_404(member_api: Any) -> None:
    r = member_api.get("/api/v1/clients/0.5/")
    assert r.status_code == 404
    assert r["Content-Type"] == "application/json"
