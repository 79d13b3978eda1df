"""The telemetry app's analytics events, found by analytics' autodiscovery of events.py.

Fired by the setup flow, the admin page and ``manage.py telemetry`` through
``analytics.emit``; the telemetry app needs the analytics app installed (telemetry.E003).
"""

from __future__ import annotations

from analytics.catalogue import Enum, declare

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
