"""The subscribable calendar feed: a secret URL (only its digest stored), the user's own
entries, a bare 404 for a wrong or revoked secret, and the secret never in a log line."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analytics.testutils import capture_log_lines
from apps.timesheet.models import CalendarFeed
from apps.timesheet.services import calendar_feed_create, feed_digest
from tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

FEED = reverse("timesheet:feed")


def _key(response: Any) -> str:
    match = re.search(r"/calendar/feed/([A-Za-z0-9_-]+)\.ics", response.content.decode())
    assert match, "no feed URL on the page"
    return match[1]


def _feed_url(key: str) -> str:
    return reverse("timesheet:calendar-feed", args=[key])


def test_it_makes_a_feed_url_shown_once_and_stores_only_its_digest(
    member: Any, member_web: Client, analytics_events: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = member_web.post(FEED, {"action": "create"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = _key(response)
    feed = CalendarFeed.objects.get(user=member)
    assert feed.digest == feed_digest(key)
    assert key not in feed.digest
    assert analytics_events.properties("calendar_feed.created") == {"replaced": False}
    again = member_web.get(FEED).content.decode()
    assert key not in again
    assert "You have a feed URL" in again


def test_the_feed_holds_the_user_s_own_recent_entries_without_a_session(
    admin: Any, member: Any, project: Any
) -> None:
    now = timezone.now()
    recent = TimeEntryFactory(user=admin, project=project, started_at=now - timedelta(days=3))
    TimeEntryFactory(user=admin, project=project, started_at=now - timedelta(days=200))
    TimeEntryFactory(user=member, project=project, started_at=now - timedelta(days=1))
    _feed, key = calendar_feed_create(user=admin)
    response = Client(enforce_csrf_checks=True).get(_feed_url(key))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR")
    assert re.findall(r"UID:time-entry-(\d+)@", body) == [str(recent.pk)]
    assert CalendarFeed.objects.get(user=admin).last_used_at is not None


def test_a_new_url_revokes_the_old_one_and_revoking_ends_the_feed(
    member: Any, member_web: Client, analytics_events: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old = _key(member_web.post(FEED, {"action": "create"}))
    with django_capture_on_commit_callbacks(execute=True):
        new = _key(member_web.post(FEED, {"action": "create"}))
    assert analytics_events.properties("calendar_feed.created") == {"replaced": True}
    anonymous = Client()
    assert anonymous.get(_feed_url(old)).status_code == 404
    assert anonymous.get(_feed_url(new)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = member_web.post(FEED, {"action": "revoke"})
    assert b"The feed URL was revoked." in response.content
    assert "calendar_feed.revoked" in analytics_events.names
    assert anonymous.get(_feed_url(new)).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_a_wrong_or_revoked_secret_gets_the_same_bare_404(member: Any) -> None:
    _feed, key = calendar_feed_create(user=member)
    client = Client()
    answers = {
        client.get(_feed_url(token)).content
        for token in ("x", key[:-1] + ("A" if key[-1] != "A" else "B"), "a" * 43, "%00")
    }
    assert answers == {b"Not found.\n"}


def test_the_feed_takes_only_get(member: Any) -> None:
    _feed, key = calendar_feed_create(user=member)
    response = Client(enforce_csrf_checks=True).post(_feed_url(key))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_the_secret_never_reaches_a_log_line(member: Any, project: Any) -> None:
    TimeEntryFactory(user=member, project=project)
    _feed, key = calendar_feed_create(user=member)
    wrong = "Z" * 43
    client = Client(raise_request_exception=False)
    with capture_log_lines(logging.DEBUG) as lines:
        for method in ("get", "head", "post", "put", "delete"):
            for token in (key, wrong):
                getattr(client, method)(_feed_url(token))
    assert lines, "the requests were logged (by route)"
    text = repr(lines)
    assert key not in text
    assert wrong not in text
    routes = {line.get("route") for line in lines if line.get("logger") == "analytics.request"}
    assert routes == {"timesheet:calendar-feed"}


def test_the_feed_page_needs_a_login_and_a_known_action(member_web: Client) -> None:
    assert Client().get(FEED).status_code == 302
    response = member_web.post(FEED, {"action": "explode"})
    assert response.status_code == 200
    assert b"Choose to make a feed URL" in response.content
    assert b"There was no feed to revoke." in member_web.post(FEED, {"action": "revoke"}).content


def test_the_feed_covers_the_last_90_days_and_the_next_7(member: Any, project: Any) -> None:
    now = timezone.now()
    inside = TimeEntryFactory(user=member, project=project, started_at=now - timedelta(days=89))
    TimeEntryFactory(user=member, project=project, started_at=now - timedelta(days=92))
    # Stored past every door (a clock set wrong), as far ahead as the feed reaches.
    ahead = TimeEntryFactory(user=member, project=project, started_at=now + timedelta(days=5))
    TimeEntryFactory(user=member, project=project, started_at=now + timedelta(days=9))
    _feed, key = calendar_feed_create(user=member)
    body = Client().get(_feed_url(key)).content.decode()
    assert re.findall(r"UID:time-entry-(\d+)@", body) == [str(inside.pk), str(ahead.pk)]


def test_sentry_gets_the_feed_route_never_its_secret(member: Any) -> None:
    import json

    from timetracker.sentry import allowed

    _feed, key = calendar_feed_create(user=member)
    url = f"http://testserver{_feed_url(key)}?x={key}"
    event = {
        "request": {"url": url, "method": "GET", "query_string": f"x={key}", "headers": {}},
        "transaction": _feed_url(key),
        "message": f"failed for {url}",
        "breadcrumbs": {"values": [{"message": url, "data": {"url": url}}]},
        "exception": {"values": [{"type": "ValueError", "value": url, "stacktrace": {}}]},
    }
    kept = json.dumps(allowed(event))
    assert key not in kept
    assert "timesheet:calendar-feed" in kept


def test_reading_the_feed_records_its_last_use_at_most_hourly(member: Any) -> None:
    feed, key = calendar_feed_create(user=member)
    client = Client()
    client.get(_feed_url(key))
    first = CalendarFeed.objects.get(pk=feed.pk).last_used_at
    assert first is not None
    client.get(_feed_url(key))
    assert CalendarFeed.objects.get(pk=feed.pk).last_used_at == first
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=first - timedelta(hours=2))
    client.get(_feed_url(key))
    assert CalendarFeed.objects.get(pk=feed.pk).last_used_at > first
