"""Analytics adapter of the clients app: declares its events and turns signals into them."""

from __future__ import annotations

from typing import Any

import analytics
from analytics import Bool, Int, context
from analytics.catalogue import channel_property
from apps.clients import signals
from apps.clients.models import Client

CLIENT_ID = Int("Id of the client.")

CHANNEL = channel_property()
analytics.declare(
    "client.created",
    "Someone created a client.",
    properties={"client_id": CLIENT_ID, "channel": CHANNEL},
)
analytics.declare(
    "client.updated",
    "Someone changed a client's details.",
    properties={
        "client_id": CLIENT_ID,
        "fields_changed": Int("How many fields changed."),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "client.archived",
    "An admin archived a client, or restored it (archived is false).",
    properties={
        "client_id": CLIENT_ID,
        "archived": Bool("True when archived, false when restored."),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "client.deleted",
    "An admin deleted a client.",
    properties={
        "client_id": CLIENT_ID,
        "project_count": Int("Projects that were detached from the client."),
        "channel": CHANNEL,
    },
)


@analytics.receiver(signals.client_created)
def _created(*, client: Client, actor_id: int | None, **_: Any) -> None:
    analytics.emit(
        "client.created", actor_id=actor_id, client_id=client.pk, channel=context.channel()
    )


@analytics.receiver(signals.client_updated)
def _updated(*, client: Client, actor_id: int | None, changed: list[str], **_: Any) -> None:
    analytics.emit(
        "client.updated",
        actor_id=actor_id,
        client_id=client.pk,
        fields_changed=len(changed),
        channel=context.channel(),
    )


@analytics.receiver(signals.client_archived)
def _archived(*, client: Client, actor_id: int | None, archived: bool, **_: Any) -> None:
    analytics.emit(
        "client.archived",
        actor_id=actor_id,
        client_id=client.pk,
        archived=archived,
        channel=context.channel(),
    )


@analytics.receiver(signals.client_deleted)
def _deleted(*, client_id: int, actor_id: int | None, project_count: int, **_: Any) -> None:
    analytics.emit(
        "client.deleted",
        actor_id=actor_id,
        client_id=client_id,
        project_count=project_count,
        channel=context.channel(),
    )
