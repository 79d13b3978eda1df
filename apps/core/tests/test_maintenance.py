"""Maintenance mode: changes answer 503, reads, the admin and logging in keep working."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient
from waffle.models import Switch
from waffle.testutils import override_switch

from apps.core import flags
from apps.core.maintenance import MESSAGE
from apps.timers.models import TimeEntry
from conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def maintenance() -> Iterator[None]:
    with override_switch(flags.MAINTENANCE_MODE, active=True):
        yield


def test_with_the_switch_off_changes_go_through(member_web: Client, project: Any) -> None:
    response = member_web.post("/timer/start/", {"project": project.pk})
    assert response.status_code == 302
    assert TimeEntry.objects.filter(ended_at__isnull=True).count() == 1


@pytest.mark.usefixtures("maintenance")
class TestSwitchedOn:
    def test_a_web_form_answers_503_with_a_page_that_says_why(
        self, member_web: Client, project: Any
    ) -> None:
        response = member_web.post("/timer/start/", {"project": project.pk})
        assert response.status_code == 503
        assert response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert MESSAGE in html
        assert 'id="maintenance-banner"' in html
        assert not TimeEntry.objects.exists()

    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_every_api_write_answers_503_with_json(
        self, member_api: APIClient, project: Any, method: str
    ) -> None:
        response = getattr(member_api, method)("/api/v1/timer/start/", {"project": project.pk})
        assert response.status_code == 503
        assert response.json() == {"detail": MESSAGE}
        assert not TimeEntry.objects.exists()

    def test_reads_keep_working_and_show_a_banner(
        self, member_web: Client, member_api: APIClient
    ) -> None:
        page = member_web.get("/")
        assert page.status_code == 200
        assert 'id="maintenance-banner"' in page.content.decode()
        assert member_api.get("/api/v1/time-entries/").status_code == 200
        assert member_web.get("/reports/export.csv").status_code == 200

    def test_health_and_metrics_are_unaffected(self, client: Client) -> None:
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200

    def test_logging_in_and_out_keeps_working(self, client: Client) -> None:
        UserFactory(username="lou", password=PASSWORD)
        response = client.post("/accounts/login/", {"username": "lou", "password": PASSWORD})
        assert response.status_code == 302
        assert client.get("/").status_code == 200
        assert client.post("/accounts/logout/").status_code == 302

    def test_the_api_token_exchange_keeps_working(self, anon_api: APIClient) -> None:
        UserFactory(username="lou", password=PASSWORD)
        response = anon_api.post("/api/v1/auth/token/", {"username": "lou", "password": PASSWORD})
        assert response.status_code == 200
        assert response.json()["token"]

    def test_an_operator_can_turn_it_off_in_the_admin_and_changes_work_again(
        self, client: Client, project: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        operator = UserFactory(username="root", is_staff=True, is_superuser=True)
        client.force_login(operator)
        switch = Switch.objects.get(name=flags.MAINTENANCE_MODE)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/admin/waffle/switch/",
                {"action": "disable_switches", "_selected_action": [switch.pk]},
            )
        assert response.status_code == 302
        assert client.post("/timer/start/", {"project": project.pk}).status_code == 302
        assert TimeEntry.objects.count() == 1


def test_pages_show_no_banner_while_the_switch_is_off(member_web: Client) -> None:
    assert 'id="maintenance-banner"' not in member_web.get("/").content.decode()
