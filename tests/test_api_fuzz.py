"""schemathesis against the served OpenAPI document: the API does what the document says.

Every operation of ``/api/schema/`` is called in-process (the WSGI application, no
server) as an admin and as a member, with every check schemathesis has: no 5xx, only
documented status codes and content types, responses that match their schemas, invalid
requests refused and valid ones accepted, 401 without credentials, 405 with ``Allow``
for methods the document does not list. The examples (explicit, coverage and fuzzing
phases) are bounded so the suite stays fast, and derived from the test under ``CI=true``
so CI is reproducible. ``make test-api`` runs this module alone; ``SCHEMATHESIS_MAX_EXAMPLES``
raises the budget for a longer hunt.

The coverage phase (some 2,100 cases, more than half of this module's CPU) is shared
between the personas outside CI: each case goes to the admin or to the member by a hash
of its request, so a local run still sends every coverage case once. Under ``CI=true``
(or ``SCHEMATHESIS_ALL_PERSONAS=1``) both personas send every case.

Each call runs in a savepoint that is rolled back: nothing one example creates is seen by
the next, and the data set every call meets is the one the ``world`` fixture builds.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.core import NOT_SET
from schemathesis.generation.meta import TestPhase

from apps.accounts.models import Role
from conftest import PASSWORD
from tests.factories import (
    ClientFactory,
    ProjectFactory,
    TaskFactory,
    TimeEntryFactory,
    UserFactory,
)
from timetracker.wsgi import application

CI = os.environ.get("CI", "").lower() == "true"
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
PERSONAS = ["admin", "member"]
# Outside CI each coverage case is sent by one persona (see the module docstring).
EVERY_CASE_FOR_EVERY_PERSONA = CI or os.environ.get("SCHEMATHESIS_ALL_PERSONAS") == "1"

# A schema-valid request these operations may still refuse with 400, for a rule no JSON
# Schema can state: a name already taken (case-insensitively), an entry's end before its
# start or over 24 hours, a start in the future, a task of another project, an archived
# project, a filter's end before its start, a report over five years, wrong credentials,
# a week outside 1970 to 2199 or a timesheet cell on a day not begun.
SEMANTIC_400 = ["2xx", "400", "401", "403", "404", "409", "429"]
SEMANTIC_RULES = [
    {
        "include-path-regex": r"^/api/v1/(clients|projects|tasks)/",
        "include-method-regex": "^(POST|PUT|PATCH)$",
    },
    {"include-path-regex": r"^/api/v1/time-entries/"},
    {"include-path": "/api/v1/timer/start/"},
    {"include-path": "/api/v1/reports/summary/"},
    {"include-path": "/api/v1/timesheet/"},
    {"include-path": "/api/v1/auth/token/"},
]

CONFIG = {
    "checks": {"enabled": True},
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": CI},
    "operations": [
        {**rule, "checks": {"positive_data_acceptance": {"expected-statuses": SEMANTIC_400}}}
        for rule in SEMANTIC_RULES
    ],
}


def _token(username: str) -> str:
    """An API token, asked for as a client does (whatever the token model is)."""
    response = Client().post(
        "/api/v1/auth/token/",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


@pytest.fixture
def world(db: Any) -> dict[str, str]:
    """An admin and a member with API tokens, and a little of everything to find."""
    UserFactory(username="ada", profile__role=Role.ADMIN)
    member = UserFactory(username="mel")
    client = ClientFactory(name="Acme")
    project = ProjectFactory(name="Apollo", client=client, hourly_rate="100.00")
    ProjectFactory(name="Gemini", client=None, archived=True)
    task = TaskFactory(project=project, name="Design")
    TimeEntryFactory(user=member, project=project, task=task, notes="review\tnotes")
    return {"admin": _token("ada"), "member": _token("mel")}


@pytest.fixture
def tokens(world: dict[str, str]) -> Iterator[dict[str, str]]:
    """The personas' tokens, with the test's transaction kept open across requests.

    Django's WSGI handler closes the database connection at the start and end of each
    request (``close_old_connections``), which would end the test's transaction; Django's
    own test client disconnects it the same way, but only while its own request runs (so
    this comes after ``world``, which asks for the tokens with it).
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # Thousands of requests: their access and 4xx log lines cost more than the calls.
    # Errors (a 500's traceback) are still logged.
    logging.disable(logging.WARNING)
    try:
        yield world
    finally:
        logging.disable(logging.NOTSET)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# Loaded once, at collection: the document the server serves (no database needed).
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", application, config=schemathesis.Config.from_dict(CONFIG)
)


def _persona_of(case: Any) -> str:
    """The persona that sends this coverage case locally: a hash of the request's parts.

    The same request gets the same persona in every process, so the two personas' tests
    (which may run on different xdist workers) split the cases between them.
    """
    request = (
        case.method,
        case.path,
        sorted(case.path_parameters.items()),
        sorted((str(k), repr(v)) for k, v in case.query.items()),
        sorted((str(k), repr(v)) for k, v in (case.headers or {}).items()),
        # Not the no-body marker's repr: it holds the object's address, which differs by process.
        "" if case.body is NOT_SET else repr(case.body),
        case.media_type,
    )
    digest = hashlib.sha256(repr(request).encode("utf-8", "backslashreplace")).digest()
    return PERSONAS[digest[0] % len(PERSONAS)]


def _sent_by(case: Any, persona: str) -> bool:
    if EVERY_CASE_FOR_EVERY_PERSONA or case.meta is None:
        return True
    if case.meta.phase.name != TestPhase.COVERAGE:
        return True  # the examples and the fuzzing: every persona
    return _persona_of(case) == persona


@pytest.mark.parametrize("persona", PERSONAS)
@schema.parametrize()
@settings(
    deadline=None,
    derandomize=CI,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_does_what_its_openapi_document_says(
    case: Any, persona: str, tokens: dict[str, str]
) -> None:
    if not _sent_by(case, persona):
        return  # this coverage case is the other persona's in a local run
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Token {tokens[persona]}"})
        transaction.set_rollback(True)
