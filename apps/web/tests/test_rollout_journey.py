"""A percentage rollout of a declared flag, as PostHog sees it on the bytes it receives.

Two people use the web UI while `report-charts` is rolled out to half of the users. Waffle
decides each person's variant with its cookie; the page they get and the `$feature/<flag>`
property on every one of their events must agree, so PostHog's rollout and experiment
analysis works without PostHog evaluating any flag. Undeclared flags never appear, and
nothing personal leaves with the flag state.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from waffle.models import Flag

from analytics import identity
from analytics.testutils import FakePostHog, flush, posthog_enabled
from apps.core import flags
from telemetry.models import Installation
from tests.factories import ProjectFactory, UserFactory

PASSWORD = "correct horse battery"
FLAG = flags.REPORT_CHARTS


@pytest.fixture
def posthog_server() -> Any:
    with FakePostHog() as server:
        yield server


def session(username: str, *, variant: bool) -> tuple[Any, Client]:
    user = UserFactory(username=username, email=f"{username}@example.org")
    client = Client()
    # Waffle's own cookie for a percentage flag: the variant this browser was dealt.
    client.cookies[f"dwf_{FLAG}"] = "True" if variant else "False"
    return user, client


def use_the_app(client: Client, user: Any, project_id: int) -> str:
    assert (
        client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    today = timezone.localdate()
    start = (today - timedelta(days=7)).isoformat()
    report = client.get("/reports/", {"start": start, "end": today.isoformat()})
    assert report.status_code == 200
    assert client.post("/timer/start/", {"project": project_id}).status_code == 302
    assert client.post("/timer/stop/").status_code == 302
    return report.content.decode()


def test_each_persons_events_carry_the_variant_their_pages_showed(
    transactional_db: Any, posthog_server: FakePostHog
) -> None:
    Flag.objects.update_or_create(name=FLAG, defaults={"percent": 50, "everyone": None})
    Flag.objects.update_or_create(name="undeclared-experiment", defaults={"percent": 50})
    project = ProjectFactory(name="Project Kestrel")
    with_charts, with_charts_client = session("ada-rollout", variant=True)
    without, without_client = session("bob-rollout", variant=False)

    with posthog_enabled(posthog_server):
        shown = use_the_app(with_charts_client, with_charts, project.pk)
        hidden = use_the_app(without_client, without, project.pk)
        flush()

    assert "<svg" in shown
    assert "<svg" not in hidden
    by_person: dict[str, list[dict[str, Any]]] = {}
    for event in posthog_server.events:
        by_person.setdefault(event["distinct_id"], []).append(event)
    for user, variant in ((with_charts, True), (without, False)):
        events = by_person[identity.distinct_id(user.pk)]
        names = {event["event"] for event in events}
        assert {"auth.login", "report.viewed", "timer.started", "timer.stopped"} <= names
        for event in events:
            features = {k: v for k, v in event["properties"].items() if k.startswith("$feature")}
            assert features == {f"$feature/{FLAG}": variant}, event["event"]
    # The real group provider: every event names the installation by a keyed hash of its
    # install id, and the group's facts are set once.
    install_id = str(Installation.objects.get_solo().install_id)
    key = identity.group_key(install_id)
    captured = [e for e in posthog_server.events if e["event"] != "$groupidentify"]
    assert all(e["properties"]["$groups"] == {"installation": key} for e in captured)
    identifies = [e for e in posthog_server.events if e["event"] == "$groupidentify"]
    assert [e["properties"]["$group_key"] for e in identifies] == [key]
    sent = posthog_server.all_bytes.lower()
    assert install_id.encode() not in sent
    for secret in (b"ada-rollout", b"bob-rollout", b"example.org", b"kestrel"):
        assert secret not in sent
    assert b"undeclared-experiment" not in sent


def test_without_a_rollout_no_flag_state_is_sent(
    transactional_db: Any, posthog_server: FakePostHog
) -> None:
    project = ProjectFactory()
    user, client = session("cleo-rollout", variant=True)
    with posthog_enabled(posthog_server):
        use_the_app(client, user, project.pk)
        flush()
    assert posthog_server.events
    assert b"$feature" not in posthog_server.all_bytes
