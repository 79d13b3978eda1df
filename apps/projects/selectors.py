"""Reads about projects that more than one door needs."""

from __future__ import annotations

from apps.clients.currency import currency_of
from apps.projects.models import Project


def project_currency(project: Project) -> str:
    """The currency of the project's rate and money budget: its client's, else the
    installation's (``TIMETRACKER_CURRENCY``). No query without a client."""
    client = project.client if project.client_id else None
    return currency_of(client.currency if client is not None else "")
