"""Analytics adapter of the timesheet app: counts only, never names, notes or the feed URL."""

from __future__ import annotations

from typing import Any

import analytics
from analytics import Bool, Int, context
from analytics.catalogue import channel_property
from apps.timesheet import signals

analytics.declare(
    "timesheet.saved",
    "A user saved the week grid with at least one changed cell; the entries it created, "
    "adjusted and deleted also send time_entry.created / updated / deleted.",
    properties={
        "cells": Int("How many cells changed."),
        "created": Int("Entries created for cells that were empty."),
        "updated": Int("Entries whose length changed."),
        "deleted": Int("Entries deleted because their cell was cleared."),
        "channel": channel_property(),
    },
)
analytics.declare(
    "calendar_feed.created",
    "A user made a calendar feed URL (the secret is never sent).",
    properties={"replaced": Bool("An older feed URL of the user stopped working.")},
)
analytics.declare("calendar_feed.revoked", "A user revoked their calendar feed URL.")


@analytics.receiver(signals.timesheet_saved)
def _saved(*, user_id: int, cells: int, created: int, updated: int, deleted: int, **_: Any) -> None:
    analytics.emit(
        "timesheet.saved",
        actor_id=user_id,
        cells=cells,
        created=created,
        updated=updated,
        deleted=deleted,
        channel=context.channel(),
    )


@analytics.receiver(signals.calendar_feed_created)
def _feed_created(*, user_id: int, replaced: bool, **_: Any) -> None:
    analytics.emit("calendar_feed.created", actor_id=user_id, replaced=replaced)


@analytics.receiver(signals.calendar_feed_revoked)
def _feed_revoked(*, user_id: int, **_: Any) -> None:
    analytics.emit("calendar_feed.revoked", actor_id=user_id)
