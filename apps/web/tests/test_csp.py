"""Content-Security-Policy, Permissions-Policy and the cross-origin headers on every page.

Every HTML page, the web UI's, the admin's, the API documentation and the first-run setup,
is fetched with Django's test client (the web UI and the admin also by following their
links), and each must send a policy whose scripts and styles need the request's nonce,
carry that nonce on each of its inline ``<script>`` and ``<style>`` blocks, and hold no
``style="..."`` attribute or ``on...=`` handler, which no nonce can allow. The browser
proves the same in apps/web/tests/test_browser.py (zero violations reported).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from apps.core.headers import csp_report_uri, csp_sources, permissions_policy
from apps.timers.models import TimeEntry
from tests.factories import ClientFactory, TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
FEATURES_OFF = ("camera", "microphone", "geolocation", "payment", "usb")


class _Page(HTMLParser):
    """The inline blocks, attributes and links of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inline_blocks: list[tuple[str, str | None]] = []  # (tag, nonce)
        self.style_attributes: list[str] = []
        self.handlers: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "style" or (tag == "script" and "src" not in values):
            self.inline_blocks.append((tag, values.get("nonce")))
        for name, _ in attrs:
            if name == "style":
                self.style_attributes.append(tag)
            elif name.startswith("on"):
                self.handlers.append(f"<{tag} {name}=...>")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")

    handle_startendtag = handle_starttag


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_protected_page(response: Any, path: str) -> _Page:
    """The page's policy and markup allow no script or style but ours."""
    assert response.status_code == 200, (path, response.status_code)
    assert response["Content-Type"].startswith("text/html"), path
    assert "Content-Security-Policy-Report-Only" not in response, path
    policy = directives(response["Content-Security-Policy"])
    # django-csp writes the nonce into the header only when the page used it.
    nonces = {v for v in policy["script-src"] + policy["style-src"] if v.startswith("'nonce-")}
    assert len(nonces) <= 1, path
    nonce = nonces.pop() if nonces else None
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive], (path, directive)
        assert "'unsafe-eval'" not in policy[directive], (path, directive)
        assert "*" not in policy[directive], (path, directive)
        if nonce:
            assert nonce in policy[directive], (path, directive)
    assert policy["default-src"] == ["'self'"], path
    assert policy["object-src"] == ["'none'"], path
    assert policy["base-uri"] == ["'self'"], path
    assert policy["form-action"] == ["'self'"], path
    assert policy["frame-ancestors"] == ["'none'"], path
    assert "script-src-attr" not in policy, path
    assert "style-src-attr" not in policy, path

    page = _Page()
    page.feed(response.content.decode())
    for tag, block_nonce in page.inline_blocks:
        assert nonce is not None, f"{path}: an inline <{tag}> but no nonce in the policy"
        assert f"'nonce-{block_nonce}'" == nonce, f"{path}: an inline <{tag}> without the nonce"
    assert page.style_attributes == [], f"{path}: style attributes on {page.style_attributes}"
    assert page.handlers == [], f"{path}: inline event handlers {page.handlers}"

    features = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
    for feature in FEATURES_OFF:
        assert features[feature] == "()", (path, feature)
    assert response["Cross-Origin-Resource-Policy"] == "same-origin", path
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", path
    assert response["X-Frame-Options"] == "DENY", path
    return page


@pytest.fixture
def root(db: Any) -> Any:
    """A superuser, who sees every page of the web UI and of the admin."""
    from apps.accounts.models import Role

    return UserFactory(username="root", is_staff=True, is_superuser=True, profile__role=Role.ADMIN)


@pytest.fixture
def root_web(root: Any) -> Client:
    client = Client()
    client.force_login(root)
    return client


@pytest.fixture
def entry(root: Any, project: Any, task: Any) -> TimeEntry:
    project.client = ClientFactory(name="Acme")
    project.save()
    return TimeEntryFactory(user=root, project=project, task=task, notes="Some work")


def pages(entry: TimeEntry) -> list[str]:
    project = entry.project
    return [
        "/",
        "/entries/",
        "/entries/new/",
        f"/entries/{entry.pk}/edit/",
        f"/entries/{entry.pk}/delete/",
        "/projects/",
        "/projects/new/",
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/edit/",
        f"/projects/{project.pk}/tasks/new/",
        f"/tasks/{entry.task_id}/edit/",
        "/clients/",
        "/clients/new/",
        f"/clients/{project.client_id}/edit/",
        "/reports/",
        "/reports/?group_by=project",
        "/accounts/profile/",
        "/accounts/password/",
        "/privacy/events/",
        "/admin/",
        "/admin/projects/project/",
        f"/admin/projects/project/{project.pk}/change/",
        "/admin/projects/project/add/",
        f"/admin/timers/timeentry/{entry.pk}/change/",
        # A model admin without actions writes an inline <style> (templates/admin/).
        "/admin/accounts/profile/",
        "/api/docs/",
    ]


def test_every_page_sends_a_policy_its_markup_keeps(root_web: Client, entry: TimeEntry) -> None:
    for path in pages(entry):
        response = root_web.get(path, follow=True)
        assert_protected_page(response, path)


def test_every_page_reachable_by_links_keeps_the_policy(root_web: Client, entry: TimeEntry) -> None:
    # Follow the links of the web UI and of the admin, one visit per path: a page added
    # later is checked without being listed here.
    seen: set[str] = set()
    queue = ["/", "/admin/"]
    while queue and len(seen) < 200:
        url = queue.pop(0)
        path = urlsplit(url).path
        if path in seen or not path.startswith("/") or path.startswith("/static/"):
            continue
        seen.add(path)
        response = root_web.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue  # redirects, exports, 404s of stale links: not pages of their own
        page = assert_protected_page(response, url)
        for href in page.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if not parts.netloc and "logout" not in parts.path:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert len(seen) > 25, sorted(seen)  # the walk reached the admin and the web UI


def test_the_login_page_and_the_error_pages_keep_the_policy(
    client: Client, member_web: Client
) -> None:
    assert_protected_page(client.get("/accounts/login/"), "/accounts/login/")
    assert_protected_page(client.get("/admin/login/"), "/admin/login/")
    missing = member_web.get("/projects/999999/")
    assert missing.status_code == 404
    assert "'unsafe-inline'" not in missing["Content-Security-Policy"]
    assert missing["Permissions-Policy"]


@pytest.mark.setup_pending
def test_the_setup_page_keeps_the_policy(client: Client) -> None:
    assert_protected_page(client.get("/setup/"), "/setup/")


def test_the_api_docs_allow_data_images_and_nothing_else_extra(root_web: Client) -> None:
    docs = directives(root_web.get("/api/docs/")["Content-Security-Policy"])
    assert docs["img-src"] == ["'self'", "data:"]
    dashboard = directives(root_web.get("/")["Content-Security-Policy"])
    assert dashboard["img-src"] == ["'self'"]
    assert {k: v for k, v in docs.items() if k not in {"img-src", "script-src", "style-src"}} == {
        k: v for k, v in dashboard.items() if k not in {"img-src", "script-src", "style-src"}
    }


def test_api_responses_carry_the_headers_too(member_web: Client) -> None:
    response = member_web.get("/api/v1/projects/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


# --- Settings --------------------------------------------------------------------------------
def _settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import json; from timetracker import settings as s; print(json.dumps("
        "[s.CONTENT_SECURITY_POLICY, s.CONTENT_SECURITY_POLICY_REPORT_ONLY], default=str))"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CSP_")},
        "DJANGO_SETTINGS_MODULE": "timetracker.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_report_only_mode_sends_the_same_policy_without_enforcing_it() -> None:
    enforced = _settings_with()
    assert enforced.returncode == 0, enforced.stderr
    policy, report_only = json.loads(enforced.stdout)
    assert report_only is None
    assert "report-uri" not in policy["DIRECTIVES"]

    reporting = _settings_with(
        CSP_REPORT_ONLY="true", CSP_REPORT_URI="https://reports.example.com/csp"
    )
    assert reporting.returncode == 0, reporting.stderr
    off, report_only = json.loads(reporting.stdout)
    assert off is None
    assert report_only["DIRECTIVES"]["report-uri"] == "https://reports.example.com/csp"
    assert {k: v for k, v in report_only["DIRECTIVES"].items() if k != "report-uri"} == policy[
        "DIRECTIVES"
    ]


def test_an_operator_adds_sources_to_a_directive() -> None:
    result = _settings_with(CSP_EXTRA_IMG_SRC="https://logo.example.com, *.cdn.example.net")
    assert result.returncode == 0, result.stderr
    policy = json.loads(result.stdout)[0]["DIRECTIVES"]
    assert policy["img-src"] == ["'self'", "https://logo.example.com", "*.cdn.example.net"]


@pytest.mark.parametrize(
    "value", ["'unsafe-inline'", "https://a.example.com; script-src *", "'none'", "a b"]
)
def test_a_bad_extra_source_stops_start_up_naming_the_variable(value: str) -> None:
    result = _settings_with(CSP_EXTRA_SCRIPT_SRC=value)
    assert result.returncode != 0
    assert "CSP_EXTRA_SCRIPT_SRC" in result.stderr


def test_report_only_mode_reaches_the_response(client: Client, settings: Any) -> None:
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    response = client.get("/accounts/login/")
    assert "Content-Security-Policy" not in response
    assert "'unsafe-inline'" not in response["Content-Security-Policy-Report-Only"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy-Report-Only"]


# --- The helpers -------------------------------------------------------------------------------
def test_permissions_policy_renders_empty_and_self_allow_lists() -> None:
    value = permissions_policy({"camera": [], "fullscreen": ["self"]})
    assert value == "camera=(), fullscreen=(self)"


@pytest.mark.parametrize(
    "features", [{"camera=*, x": []}, {"camera": "self"}, {"camera": ["self), usb=(*"]}]
)
def test_permissions_policy_refuses_what_would_split_the_header(features: Any) -> None:
    with pytest.raises(ImproperlyConfigured):
        permissions_policy(features)


@pytest.mark.parametrize(
    "value",
    [
        "https:",
        "data:",
        "https://cdn.example.com",
        "https://cdn.example.com:8443/assets/",
        "*.example.com",
        "'sha256-abc+/def='",
    ],
)
def test_csp_sources_accepts_schemes_hosts_and_hashes(value: str) -> None:
    assert csp_sources("X", [value]) == [value]


@pytest.mark.parametrize("value", ["/csp-report/", "https://reports.example.com/r?k=1"])
def test_csp_report_uri_accepts_paths_and_urls(value: str) -> None:
    assert csp_report_uri("X", value) == value


@pytest.mark.parametrize("value", ["javascript:alert(1)//; x", "/r; script-src *", "r"])
def test_csp_report_uri_refuses_anything_else(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="X"):
        csp_report_uri("X", value)
