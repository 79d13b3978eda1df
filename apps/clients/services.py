"""Writes for clients. Only admins archive or delete (checked by the callers' permissions)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.clients import signals
from apps.clients.currency import normalise_currency
from apps.clients.models import Client
from apps.core.services import apply_changes, save_changes, send_on_commit

EDITABLE = ("name", "currency")


@transaction.atomic
def client_create(*, name: str, currency: str = "", actor_id: int | None = None) -> Client:
    """A new client; ``currency`` blank (the installation's) or an ISO 4217 code, any case."""
    client = Client(name=name.strip(), currency=normalise_currency(currency))
    client.full_clean()
    client.save()
    send_on_commit(signals.client_created, Client, client=client, actor_id=actor_id)
    return client


@transaction.atomic
def client_update(*, client: Client, data: dict[str, Any], actor_id: int | None = None) -> Client:
    if "currency" in data:
        data = {**data, "currency": normalise_currency(data["currency"])}
    changed = apply_changes(client, data, allowed=EDITABLE)
    if changed:
        save_changes(client, changed)
        send_on_commit(
            signals.client_updated, Client, client=client, actor_id=actor_id, changed=changed
        )
    return client


@transaction.atomic
def client_archive(*, client: Client, archived: bool = True, actor_id: int | None = None) -> Client:
    if client.archived != archived:
        client.archived = archived
        client.save(update_fields=["archived", "updated_at"])
        send_on_commit(
            signals.client_archived, Client, client=client, actor_id=actor_id, archived=archived
        )
    return client


@transaction.atomic
def client_delete(*, client: Client, actor_id: int | None = None) -> None:
    client_id = client.pk
    project_count = client.projects.count()
    client.delete()
    send_on_commit(
        signals.client_deleted,
        Client,
        client_id=client_id,
        actor_id=actor_id,
        project_count=project_count,
    )
