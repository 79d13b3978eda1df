"""Analytics adapter of the imports app: one event per import, counts and enums only.

Never a file name, a column, a person's e-mail or a client, project or task name.
"""

from __future__ import annotations

from typing import Any

import analytics
from analytics import Bool, Enum, Int
from apps.imports import signals
from apps.imports.formats import FORMATS

analytics.declare(
    "import.finished",
    "An admin imported (or tried, or dry-ran) a CSV export of another time tracker.",
    properties={
        "format": Enum("The tool the file came from.", choices=tuple(FORMATS)),
        "dry_run": Bool("Only a check: nothing was kept."),
        "outcome": Enum(
            "imported; dry_run; refused (rows it could not import, so nothing was); invalid "
            "(a file it could not read).",
            choices=("imported", "dry_run", "refused", "invalid"),
        ),
        "rows": Int("Rows in the file."),
        "created": Int("Entries created (or, on a dry run or a refusal, that would be)."),
        "duplicates": Int("Rows skipped because the same entry is already stored."),
        "problems": Int("Rows that could not be imported."),
        "clients": Int("Clients created for the import (or to create)."),
        "projects": Int("Projects created for the import (or to create)."),
        "tasks": Int("Tasks created for the import (or to create)."),
        "tags": Int("Tags created for the import (or to create)."),
    },
)


@analytics.receiver(signals.import_finished)
def _import_finished(*, actor_id: int | None, **props: Any) -> None:
    keys = (
        "format",
        "dry_run",
        "outcome",
        "rows",
        "created",
        "duplicates",
        "problems",
        "clients",
        "projects",
        "tasks",
        "tags",
    )
    analytics.emit("import.finished", actor_id=actor_id, **{key: props[key] for key in keys})
