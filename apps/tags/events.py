"""Analytics adapter of the tags app: declares its events and turns signals into them.

Tag names are free text and are never sent: events carry ids and counts only.
"""

from __future__ import annotations

from typing import Any

import analytics
from analytics import Bool, Int, context
from analytics.catalogue import channel_property
from apps.tags import signals
from apps.tags.models import Tag

TAG_ID = Int("Id of the tag.")

CHANNEL = channel_property()
analytics.declare(
    "tag.created",
    "Someone created a tag, on its own or by using a new name on a time entry.",
    properties={
        "tag_id": TAG_ID,
        "implicit": Bool("Created by using its name on an entry (not on its own)."),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "tag.renamed",
    "An admin renamed a tag.",
    properties={"tag_id": TAG_ID, "channel": CHANNEL},
)
analytics.declare(
    "tag.merged",
    "An admin merged tags into one: their entries now carry the kept tag, the others are deleted.",
    properties={
        "tag_id": Int("Id of the tag that was kept."),
        "merged_count": Int("How many tags were merged into it (and deleted)."),
        "entry_count": Int("How many entries carried one of the merged tags."),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "tag.deleted",
    "An admin deleted a tag.",
    properties={
        "tag_id": TAG_ID,
        "entry_count": Int("How many entries carried it."),
        "channel": CHANNEL,
    },
)


@analytics.receiver(signals.tag_created)
def _created(*, tag: Tag, actor_id: int | None, implicit: bool, **_: Any) -> None:
    analytics.emit(
        "tag.created",
        actor_id=actor_id,
        tag_id=tag.pk,
        implicit=implicit,
        channel=context.channel(),
    )


@analytics.receiver(signals.tag_renamed)
def _renamed(*, tag: Tag, actor_id: int | None, **_: Any) -> None:
    analytics.emit("tag.renamed", actor_id=actor_id, tag_id=tag.pk, channel=context.channel())


@analytics.receiver(signals.tag_merged)
def _merged(
    *, tag: Tag, actor_id: int | None, merged_count: int, entry_count: int, **_: Any
) -> None:
    analytics.emit(
        "tag.merged",
        actor_id=actor_id,
        tag_id=tag.pk,
        merged_count=merged_count,
        entry_count=entry_count,
        channel=context.channel(),
    )


@analytics.receiver(signals.tag_deleted)
def _deleted(*, tag_id: int, actor_id: int | None, entry_count: int, **_: Any) -> None:
    analytics.emit(
        "tag.deleted",
        actor_id=actor_id,
        tag_id=tag_id,
        entry_count=entry_count,
        channel=context.channel(),
    )
