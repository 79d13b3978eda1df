"""Analytics events of the clients app, fired by its services."""

from __future__ import annotations

from typing import Any

from analytics.testutils import CapturedEvents
from apps.clients import services
from tests.factories import ProjectFactory


def test_the_lifecycle_of_a_client(
    admin: Any, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    # One commit per call, as in separate requests.
    def committed(call: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return call(actor_id=admin.pk, **kwargs)

    client = committed(services.client_create, name="Acme")
    committed(services.client_update, client=client, data={"name": "Acme Ltd"})
    committed(services.client_update, client=client, data={"name": "Acme Ltd"})
    committed(services.client_archive, client=client)
    committed(services.client_archive, client=client, archived=False)
    ProjectFactory(client=client)
    client_id = client.pk
    committed(services.client_delete, client=client)
    assert [(e.name, dict(e.properties)) for e in analytics_events] == [
        ("client.created", {"client_id": client_id, "channel": "cli"}),
        ("client.updated", {"client_id": client_id, "fields_changed": 1, "channel": "cli"}),
        ("client.archived", {"client_id": client_id, "archived": True, "channel": "cli"}),
        ("client.archived", {"client_id": client_id, "archived": False, "channel": "cli"}),
        ("client.deleted", {"client_id": client_id, "project_count": 1, "channel": "cli"}),
    ]
    assert {event.actor_id for event in analytics_events} == {admin.pk}
