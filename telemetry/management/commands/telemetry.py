"""``manage.py telemetry``: the installation-telemetry decision, the report, the worker.

Exit codes (docs/operations.md):

* 0: done; for ``status`` and ``send --dry-run``: telemetry is on;
* 1: failed: the send did not succeed, or the database is unavailable;
* 2: wrong usage (unknown subcommand or option);
* 3: telemetry is off (``status``), so nothing was sent (``send``, ``send --dry-run``).
"""

from __future__ import annotations

import json
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError
from django.utils import timezone

from telemetry import conf, docs, sender, services
from telemetry.consent import Decision, decide
from telemetry.models import Channel, Installation, Outcome, SendRecord, State
from telemetry.payload import report
from telemetry.worker import Worker

OK, FAILED, USAGE, OFF = 0, 1, 2, 3


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class Command(BaseCommand):
    help = "Show, change, preview or send the installation-telemetry report; run its worker."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        status = actions.add_parser("status", help="State, deciding layer, install id, sends.")
        status.add_argument("--json", action="store_true", help="Machine-readable output.")
        actions.add_parser("enable", help="Opt in: store the decision on.")
        actions.add_parser("disable", help="Opt out: store off and replace the install id.")
        actions.add_parser("preview", help="Print the exact next report.")
        send = actions.add_parser("send", help="Send the report now (if telemetry is on).")
        send.add_argument(
            "--dry-run", action="store_true", help="Print the report instead; send nothing."
        )
        worker = actions.add_parser("worker", help="Run the sender until SIGTERM.")
        worker.add_argument("--once", action="store_true", help="One pass, then exit.")
        schema = actions.add_parser("schema", help="Print the report's fields (docs).")
        schema.add_argument("--format", choices=("markdown", "json"), default="markdown")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            code = getattr(self, f"_{action}")(**options)
        except DatabaseError as exc:
            self.stderr.write(f"telemetry: the database is unavailable ({exc})")
            code = FAILED
        if code:
            raise SystemExit(code)

    # --- Subcommands ---------------------------------------------------------------------
    def _status(self, *, json: bool = False, **_: Any) -> int:
        installation = Installation.objects.get_solo()
        decision = decide(installation)
        last = SendRecord.objects.first()
        data = {
            "effective": decision.effective,
            "state": installation.state,
            "layer": decision.layer,
            "reason": decision.reason,
            "install_id": str(installation.install_id),
            "decided_at": _iso(installation.decided_at),
            "decided_via": installation.decided_via or None,
            "schema_version": installation.schema_version,
            "destination": conf.capture_url() if conf.api_key() else None,
            "debug": conf.debug(),
            "next_send_due": _iso(installation.next_send_at) if decision.enabled else None,
            "consecutive_failures": installation.consecutive_failures,
            "last_send": None
            if last is None
            else {
                "at": _iso(last.attempted_at),
                "outcome": last.outcome,
                "http_status": last.http_status,
                "error": last.error or None,
                "sha256": last.payload_sha256,
            },
        }
        if json:
            self.stdout.write(_dumps(data))
        else:
            self._print_status(data)
        return OK if decision.enabled else OFF

    def _print_status(self, data: dict[str, Any]) -> None:
        last = data["last_send"]
        lines = [
            f"Telemetry: {data['effective']} (decided by the {data['layer']} layer: "
            f"{data['reason']})",
            f"Stored decision: {data['state']}",
            f"Install id: {data['install_id']}",
            f"Destination: {data['destination'] or 'none (TELEMETRY_API_KEY is not set)'}",
            "Last send: "
            + (
                "never"
                if last is None
                else f"{last['at']} {last['outcome']}"
                + (f" (HTTP {last['http_status']})" if last["http_status"] else "")
                + (f" ({last['error']})" if last["error"] else "")
            ),
            f"Next send due: {data['next_send_due'] or 'none'}",
            f"Failures in a row: {data['consecutive_failures']}",
        ]
        self.stdout.write("\n".join(lines))

    def _enable(self, **_: Any) -> int:
        return self._decide(State.ON)

    def _disable(self, **_: Any) -> int:
        return self._decide(State.OFF)

    def _decide(self, state: str) -> int:
        change = services.decision_set(state=state, channel=Channel.COMMAND)
        installation = change.installation
        if change.changed:
            self.stdout.write(f"Telemetry is now {state} (was {change.previous}).")
        else:
            self.stdout.write(f"Telemetry was already {state}.")
        if state == State.OFF and change.changed:
            self.stdout.write(f"New install id: {installation.install_id}")
        decision = decide(installation)
        if state == State.ON and not decision.enabled:
            self.stderr.write(f"Nothing will be sent while {decision.reason}.")
        return OK

    def _preview(self, **_: Any) -> int:
        installation = Installation.objects.get_solo()
        self.stdout.write(report(install_id=str(installation.install_id)).text, ending="")
        return OK

    def _send(self, *, dry_run: bool = False, **_: Any) -> int:
        installation = Installation.objects.get_solo()
        decision = decide(installation)
        if dry_run:
            self.stdout.write(report(install_id=str(installation.install_id)).text, ending="")
            return self._explain_off(decision) if not decision.enabled else OK
        if not decision.enabled:
            return self._explain_off(decision)
        record = sender.send(channel="command", out=self.stdout)
        if record is None:  # turned off while we were looking
            return self._explain_off(decide())
        services.reschedule_now_sent(now=timezone.now())
        if record.outcome == Outcome.FAILED:
            self.stderr.write(
                f"Send failed: {record.error or f'HTTP {record.http_status}'}"
                f" (report SHA-256 {record.payload_sha256})"
            )
            return FAILED
        if record.outcome == Outcome.SENT:
            self.stderr.write(
                f"Sent (HTTP {record.http_status}, report SHA-256 {record.payload_sha256})."
            )
        return OK

    def _explain_off(self, decision: Decision) -> int:
        self.stderr.write(
            f"Telemetry is off ({decision.layer}: {decision.reason}); nothing was sent."
        )
        return OFF

    def _worker(self, *, once: bool = False, **_: Any) -> int:
        stop = threading.Event()

        def handle(signum: int, frame: Any) -> None:
            stop.set()

        # Docker stops containers with SIGTERM; Ctrl+C sends SIGINT.
        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)
        Worker(stop=stop, out=self.stdout).run(passes=1 if once else None)
        return OK

    def _schema(self, *, format: str = "markdown", **_: Any) -> int:
        self.stdout.write(docs.as_markdown() if format == "markdown" else docs.as_json(), ending="")
        return OK


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2)
