"""Events owned by the analytics layer itself, declared now and fired by later apps.

``setup.completed`` and ``telemetry.consent_changed`` come from the installation setup
and telemetry app, ``feature_flag.changed`` from every change of a flag row (the admin,
waffle's commands); they call
``analytics.emit`` with these names.
"""

from __future__ import annotations

from analytics.catalogue import Bool, Enum, Identifier, channel_property, declare

TELEMETRY_STATES = ("on", "off", "undecided")

declare(
    "setup.completed",
    "An administrator finished the first-run setup of the installation.",
    properties={
        "telemetry_choice": Enum(
            "The installation-telemetry answer given during setup.",
            choices=TELEMETRY_STATES,
        ),
    },
)
declare(
    "telemetry.consent_changed",
    "The installation-telemetry decision changed.",
    properties={
        "state": Enum("The new decision.", choices=TELEMETRY_STATES),
        "channel": Enum(
            "Where it was changed: the admin page, the setup flow or manage.py telemetry.",
            choices=("admin", "setup", "command"),
        ),
    },
)
declare(
    "feature_flag.changed",
    "An operator turned a feature flag, switch or sample on or off.",
    properties={
        "kind": Enum("What was changed.", choices=("flag", "switch", "sample")),
        "flag_name": Identifier("Name of the flag as declared in the code (not user input)."),
        "state": Bool("Whether it is now active."),
        "channel": channel_property(),
    },
)
