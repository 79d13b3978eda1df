"""The Django admin is one more door to the services: the same events, the same refusals.

For every model registered in the admin there is a door below (or an exemption that says
why the model has no domain service); a new registration without one fails
``test_every_registered_model_has_a_door``. Each door drives the admin's add, change and
delete forms as a superuser and the same action through the service, and compares the
events (names and properties, ids of the new row and ``channel`` aside); the admin's are
all ``channel=admin``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Model
from django.test import Client as WebClient
from django.utils import timezone
from waffle.models import Flag, Sample, Switch

from analytics.catalogue import catalogue
from analytics.testutils import CapturedEvents, capture_events
from apps.accounts import services as account_services
from apps.accounts.models import ApiToken, Profile
from apps.clients import services as client_services
from apps.clients.models import Client
from apps.core import flags
from apps.core.services import flag_changes_announced_by_caller
from apps.projects import services as project_services
from apps.projects.models import Project
from apps.tags import services as tag_services
from apps.tags.models import Tag
from apps.tasks import services as task_services
from apps.tasks.models import Task
from apps.timers import services as timer_services
from apps.timers.models import Source, TimeEntry
from tests.factories import ClientFactory, ProjectFactory, TagFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

# Registered models without a domain service, and why the admin may write them directly.
EXEMPT: dict[str, str] = {
    "auth.group": "Django's permission groups: admin access only, no product event or rule",
    "waffle.sample": "no sample is declared in apps.core.flags, so none is ever announced",
    "telemetry.installation": "the telemetry admin page writes through telemetry.services",
    # Login-limit records kept by django-axes; an operator deletes them to unlock a login
    # (docs/security.md), which is no product event.
    "axes.accessattempt": "django-axes' failure counts; deleting one unlocks a login",
    "axes.accessfailurelog": "django-axes' failure log, written by axes only",
    "axes.accesslog": "django-axes' access log, off here (AXES_DISABLE_ACCESS_LOG)",
    # Second-factor devices are enrolled on the two-factor pages (apps.accounts.twofactor);
    # deleting a TOTP device in the admin is observed by post_delete, which records
    # auth.two_factor_disabled (apps/accounts/tests/test_twofactor.py).
    "otp_totp.totpdevice": "enrolled on the 2FA page; a delete is auth.two_factor_disabled",
    "otp_static.staticdevice": "recovery codes, issued by apps.accounts.twofactor",
    "analytics.outboundrequest": "the outbound ledger: written by the senders, read-only here",
    # One installation setting, no product event: the admin and the setup page both write
    # it through account_defaults_update (apps/accounts/tests/test_account_defaults.py).
    "accounts.accountdefaults": "the default time zone of new accounts, no product event",
    # The queue of background jobs (django-tasks' database backend); its admin is read-only.
    "django_tasks_database.dbtaskresult": "the job queue: written by the queue, read-only here",
}


@pytest.fixture
def root(db: Any) -> Any:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def web(root: Any) -> WebClient:
    client = WebClient()
    client.force_login(root)
    return client


def _split(name: str, value: datetime) -> dict[str, str]:
    local = timezone.localtime(value)
    return {f"{name}_0": local.strftime("%Y-%m-%d"), f"{name}_1": local.strftime("%H:%M:%S")}


def _url(model: type[Model], action: str, pk: Any = None) -> str:
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    if action == "add":
        return base + "add/"
    return f"{base}{pk}/{action}/"


ID_KEYS = {
    "clients.client": "client_id",
    "projects.project": "project_id",
    "tasks.task": "task_id",
    "timers.timeentry": "entry_id",
    "tags.tag": "tag_id",
}


def shape(events: CapturedEvents, model: type[Model], pk: Any) -> list[tuple[str, dict[str, Any]]]:
    """Names and properties without ``channel``; the id of the row acted on is ``"<row>"``."""
    key = ID_KEYS.get(model._meta.label_lower)
    found = []
    for event in events:
        props = {
            name: "<row>"
            if name == key and value == pk
            else ("<id>" if name.endswith("_id") and value is not None else value)
            for name, value in event.properties.items()
            if name != "channel"
        }
        found.append((event.name, props))
    return found


def _errors(response: Any) -> str:
    """The admin's error lists, for assertion messages."""
    return " | ".join(
        re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    )


def assert_admin_channel(events: CapturedEvents) -> None:
    for event in events:
        if "channel" in catalogue.get(event.name).properties:
            assert event.properties["channel"] == "admin", event


@dataclass
class Door:
    """How to add, change and delete one model, by the admin form and by the service."""

    model: type[Model]
    # () -> (form data, service call creating a twin row); None: the add page is closed
    add: Callable[[], Any] | None
    # () -> (row, form data, service call making the same change, twin row or None)
    change: Callable[[], Any] | None
    # () -> (row, service call deleting a twin row, twin row or None)
    delete: Callable[[], Any] | None
    pk_of: Callable[[Model], Any] = field(default=lambda row: row.pk)
    # An action without a service is either closed in the admin (403) or, for waffle's
    # rows, observed by the model signals and tested in apps/core/tests.
    closed: bool = True


def _client_door() -> Door:
    def add() -> Any:
        return {"name": "Acme"}, lambda root: client_services.client_create(
            name="Acme 2", actor_id=root.pk
        )

    def change() -> Any:
        row, twin = ClientFactory(), ClientFactory()
        return (
            row,
            {"name": "Renamed", "archived": "on"},
            lambda root: (
                client_services.client_update(client=twin, data={"name": "R2"}, actor_id=root.pk),
                client_services.client_archive(client=twin, archived=True, actor_id=root.pk),
            ),
            twin,
        )

    def delete() -> Any:
        row, twin = ClientFactory(), ClientFactory()
        return row, lambda root: client_services.client_delete(client=twin, actor_id=root.pk), twin

    return Door(Client, add, change, delete)


def _project_form(**values: str) -> dict[str, str]:
    data = {
        "name": "Apollo",
        "client": "",
        "colour": "#3366cc",
        "billable": "on",
        "hourly_rate": "",
        "budget_hours": "",
    }
    data.update(values)
    return data


def _project_door() -> Door:
    def add() -> Any:
        return _project_form(hourly_rate="90.00"), lambda root: project_services.project_create(
            name="Gemini", hourly_rate="90.00", actor_id=root.pk
        )

    def change() -> Any:
        row, twin = ProjectFactory(client=None), ProjectFactory(client=None)
        return (
            row,
            _project_form(name="Moved", archived="on"),
            lambda root: (
                project_services.project_update(
                    project=twin, data={"name": "Moved 2"}, actor_id=root.pk
                ),
                project_services.project_archive(project=twin, archived=True, actor_id=root.pk),
            ),
            twin,
        )

    def delete() -> Any:
        row, twin = ProjectFactory(), ProjectFactory()
        TaskFactory(project=row), TaskFactory(project=twin)
        return (
            row,
            lambda root: project_services.project_delete(project=twin, actor_id=root.pk),
            twin,
        )

    return Door(Project, add, change, delete)


def _task_door() -> Door:
    project = {}

    def add() -> Any:
        project["p"] = ProjectFactory()
        data = {"project": str(project["p"].pk), "name": "Design", "status": "todo"}
        data["estimate_hours"] = "3"
        return data, lambda root: task_services.task_create(
            project=project["p"], name="Build", estimate_hours=3, actor_id=root.pk
        )

    def change() -> Any:
        row, twin = TaskFactory(status="todo"), TaskFactory(status="todo")
        data = {"name": row.name, "status": "in_progress", "estimate_hours": ""}
        return (
            row,
            data,
            lambda root: task_services.task_update(
                task=twin, data={"status": "in_progress"}, actor_id=root.pk
            ),
            twin,
        )

    def delete() -> Any:
        row, twin = TaskFactory(), TaskFactory()
        return row, lambda root: task_services.task_delete(task=twin, actor_id=root.pk), twin

    return Door(Task, add, change, delete)


def _entry_form(user: Any, project: Any, start: datetime, end: datetime, **extra: str) -> dict:
    data = {
        "user": str(user.pk),
        "project": str(project.pk),
        "task": "",
        **_split("started_at", start),
        **_split("ended_at", end),
        "notes": "",
        "billable": "on",
    }
    data.update(extra)
    return data


def _entry(user: Any, project: Any, hours: int = 2) -> TimeEntry:
    end = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    return timer_services.entry_create(
        user=user, project=project, started_at=end - timedelta(hours=hours), ended_at=end
    ).entry


def _entry_door() -> Door:
    end = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    start = end - timedelta(hours=3)

    def add() -> Any:
        # The twin belongs to another user, so neither overlaps the other.
        user, other, project = UserFactory(), UserFactory(), ProjectFactory()
        return (
            _entry_form(user, project, start, end),
            lambda root: (
                timer_services.entry_create(
                    user=other, project=project, started_at=start, ended_at=end, billable=True
                ).entry
            ),
        )

    def change() -> Any:
        user, project = UserFactory(), ProjectFactory()
        row, twin = _entry(user, project), _entry(user, project)
        data = _entry_form(user, project, row.started_at, row.ended_at, notes="fixed")
        return (
            row,
            data,
            lambda root: timer_services.entry_update(
                entry=twin, data={"notes": "fixed"}, actor_id=root.pk
            ),
            twin,
        )

    def delete() -> Any:
        user, project = UserFactory(), ProjectFactory()
        row, twin = _entry(user, project), _entry(user, project)
        return row, lambda root: timer_services.entry_delete(entry=twin, actor_id=root.pk), twin

    return Door(TimeEntry, add, change, delete)


def _profile_door() -> Door:
    def change() -> Any:
        row, twin = UserFactory().profile, UserFactory().profile
        return (
            row,
            {"role": "admin", "timezone": "Europe/Berlin", "theme": "auto", "language": ""},
            lambda root: account_services.profile_update(
                user=twin.user, data={"role": "admin", "timezone": "Europe/Berlin"}
            ),
            twin,
        )

    return Door(Profile, None, change, None)


def _user_door() -> Door:
    def add() -> Any:
        data = {
            "username": "newbie",
            "usable_password": "true",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        }
        return data, lambda root: account_services.user_create(
            username="newbie2", password="a long passphrase 42"
        )

    def delete() -> Any:
        row, twin = UserFactory(), UserFactory()
        return row, lambda root: account_services.user_delete(user=twin), twin

    return Door(User, add, None, delete)


def _token_door() -> Door:
    # No add page: a key is shown once, to the user who makes it (web page or API).
    def delete() -> Any:
        row, _ = account_services.api_token_create(user=UserFactory())
        twin, _ = account_services.api_token_create(user=UserFactory())
        return row, lambda root: account_services.api_token_revoke(token=twin), twin

    return Door(ApiToken, None, None, delete)


def _switch_door() -> Door:
    def change() -> Any:
        row = Switch.objects.update_or_create(
            name=flags.MAINTENANCE_MODE, defaults={"active": False}
        )[0]
        data = {"name": row.name, "note": "", **_split("created", row.created)}
        data.update({"active": "on", **_split("modified", row.modified)})

        def service(root: Any) -> None:
            # The service side of a switch is the row itself: waffle_switch saves it.
            Switch.objects.filter(pk=row.pk).update(active=False)
            twin = Switch.objects.get(pk=row.pk)
            twin.active = True
            twin.save()

        return row, data, service, None

    return Door(Switch, None, change, None, closed=False)


def _flag_door() -> Door:
    def delete() -> Any:
        toggle = next(t for t in flags.declared() if t.kind == flags.Kind.FLAG)
        row = Flag.objects.update_or_create(
            name=toggle.name, defaults={"everyone": not toggle.default}
        )[0]

        def service(root: Any) -> None:
            # What waffle_delete does, on the same row made again (unannounced).
            with flag_changes_announced_by_caller():
                Flag.objects.create(name=toggle.name, everyone=not toggle.default)
            call_command("waffle_delete", "--flags", toggle.name, stdout=io.StringIO())

        return row, service, None

    return Door(Flag, None, None, delete, closed=False)


def _tag_door() -> Door:
    def add() -> Any:
        return {"name": "Urgent"}, lambda root: tag_services.tag_create(
            name="Urgent 2", actor_id=root.pk
        )

    def change() -> Any:
        row, twin = TagFactory(), TagFactory()
        return (
            row,
            {"name": "Renamed"},
            lambda root: tag_services.tag_rename(tag=twin, name="Renamed 2", actor_id=root.pk),
            twin,
        )

    def delete() -> Any:
        row, twin = TagFactory(), TagFactory()
        return row, lambda root: tag_services.tag_delete(tag=twin, actor_id=root.pk), twin

    return Door(Tag, add, change, delete)


DOORS: dict[str, Callable[[], Door]] = {
    "clients.client": _client_door,
    "projects.project": _project_door,
    "tasks.task": _task_door,
    "timers.timeentry": _entry_door,
    "tags.tag": _tag_door,
    "accounts.profile": _profile_door,
    "auth.user": _user_door,
    "accounts.apitoken": _token_door,
    "waffle.switch": _switch_door,
    "waffle.flag": _flag_door,
}


def test_every_registered_model_has_a_door() -> None:
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(DOORS) | set(EXEMPT)


def _run(capture: Any, action: Callable[[], Any]) -> tuple[Any, CapturedEvents]:
    with capture_events() as events, capture(execute=True):
        result = action()
    return result, events


@pytest.mark.parametrize("label", sorted(DOORS))
def test_adding_in_the_admin_is_the_service_call(
    label: str, root: Any, web: WebClient, django_capture_on_commit_callbacks: Any
) -> None:
    door = DOORS[label]()
    if door.add is None:
        if not door.closed:
            return
        response = web.get(_url(door.model, "add"))
        assert response.status_code == 403, "no add service: the admin's add page is closed"
        return
    data, service = door.add()
    before = set(door.model._default_manager.values_list("pk", flat=True))
    response, admin_events = _run(
        django_capture_on_commit_callbacks, lambda: web.post(_url(door.model, "add"), data)
    )
    assert response.status_code == 302, _errors(response)
    [new_pk] = set(door.model._default_manager.values_list("pk", flat=True)) - before
    if door.model is TimeEntry:
        assert TimeEntry.objects.get(pk=new_pk).source == Source.MANUAL
    twin, service_events = _run(django_capture_on_commit_callbacks, lambda: service(root))
    assert shape(admin_events, door.model, new_pk) == shape(service_events, door.model, twin.pk)
    assert_admin_channel(admin_events)


@pytest.mark.parametrize("label", sorted(DOORS))
def test_changing_in_the_admin_is_the_service_call(
    label: str, root: Any, web: WebClient, django_capture_on_commit_callbacks: Any
) -> None:
    door = DOORS[label]()
    if door.change is None:
        return  # no change service: the form is read-only or not offered (see the admin)
    row, data, service, twin = door.change()
    response, admin_events = _run(
        django_capture_on_commit_callbacks,
        lambda: web.post(_url(door.model, "change", door.pk_of(row)), data),
    )
    assert response.status_code == 302, _errors(response)
    _, service_events = _run(django_capture_on_commit_callbacks, lambda: service(root))
    assert admin_events.names, "a change in the admin is an event"
    twin_pk = twin.pk if twin is not None else row.pk
    assert shape(admin_events, door.model, row.pk) == shape(service_events, door.model, twin_pk)
    assert_admin_channel(admin_events)


@pytest.mark.parametrize("label", sorted(DOORS))
def test_deleting_in_the_admin_is_the_service_call(
    label: str, root: Any, web: WebClient, django_capture_on_commit_callbacks: Any
) -> None:
    door = DOORS[label]()
    if door.delete is None:
        row = door.model._default_manager.first()
        if row is not None and door.closed:
            response = web.post(_url(door.model, "delete", door.pk_of(row)), {"post": "yes"})
            assert response.status_code == 403, "no delete service: the delete page is closed"
        return
    row, service, twin = door.delete()
    row_pk, twin_pk = row.pk, (twin.pk if twin is not None else row.pk)
    response, admin_events = _run(
        django_capture_on_commit_callbacks,
        lambda: web.post(_url(door.model, "delete", door.pk_of(row)), {"post": "yes"}),
    )
    assert response.status_code == 302, _errors(response)
    assert not door.model._default_manager.filter(pk=row_pk).exists()
    _, service_events = _run(django_capture_on_commit_callbacks, lambda: service(root))
    assert shape(admin_events, door.model, row_pk) == shape(service_events, door.model, twin_pk)
    assert_admin_channel(admin_events)


# --- The same refusals ---------------------------------------------------------------------


def _refused(web: WebClient, url: str, data: dict[str, str], capture: Any) -> str:
    with capture_events() as events, capture(execute=True):
        response = web.post(url, data)
    assert response.status_code == 200, "a refusal is a form error, never a redirect or a 500"
    assert events.names == []
    return response.content.decode()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("over_24_hours", "longer than 24 hours"),
        ("task_of_another_project", "This task belongs to another project."),
        ("end_before_start", "The end must be after the start."),
        ("start_in_the_future", "The start cannot be in the future."),
        ("no_end", "This field is required."),
        ("archived_project", "This project is archived"),
    ],
)
def test_an_entry_the_service_refuses_is_a_form_error_in_the_admin(
    case: str, message: str, web: WebClient, django_capture_on_commit_callbacks: Any
) -> None:
    user, project = UserFactory(), ProjectFactory()
    end = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    start, extra = end - timedelta(hours=2), {}
    if case == "over_24_hours":
        start = end - timedelta(hours=25)
    elif case == "task_of_another_project":
        extra = {"task": str(TaskFactory().pk)}
    elif case == "end_before_start":
        start = end + timedelta(minutes=5)
    elif case == "start_in_the_future":
        start, end = timezone.now() + timedelta(hours=2), timezone.now() + timedelta(hours=3)
    elif case == "archived_project":
        project_services.project_archive(project=project)
    data = _entry_form(user, project, start, end, **extra)
    if case == "no_end":
        data.update({"ended_at_0": "", "ended_at_1": ""})
    page = _refused(web, _url(TimeEntry, "add"), data, django_capture_on_commit_callbacks)
    assert message in page.replace("&#x27;", "'")
    assert not TimeEntry.objects.exists()
    # The service says the same.
    if case != "no_end":
        with pytest.raises(Exception, match=message.split(";")[0][:20]):
            timer_services.entry_create(
                user=user,
                project=project,
                started_at=start,
                ended_at=end,
                task=Task.objects.get(pk=extra["task"]) if extra else None,
            )


def test_an_entry_edit_the_service_refuses_is_a_form_error(
    web: WebClient, django_capture_on_commit_callbacks: Any
) -> None:
    user, project = UserFactory(), ProjectFactory()
    entry = _entry(user, project)
    data = _entry_form(user, project, entry.ended_at - timedelta(hours=30), entry.ended_at)
    page = _refused(
        web, _url(TimeEntry, "change", entry.pk), data, django_capture_on_commit_callbacks
    )
    assert "longer than 24 hours" in page
    assert TimeEntry.objects.get(pk=entry.pk).started_at == entry.started_at


def test_a_timer_entry_keeps_its_source_and_user_in_the_admin(
    web: WebClient, member: Any, project: Any, django_capture_on_commit_callbacks: Any
) -> None:
    entry = timer_services.timer_start(user=member, project=project)
    start = entry.started_at - timedelta(minutes=5)
    data = _entry_form(UserFactory(), project, start, timezone.now(), notes="done")
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(_url(TimeEntry, "change", entry.pk), data)
    assert response.status_code == 302, _errors(response)
    entry.refresh_from_db()
    assert (entry.user, entry.source, entry.notes) == (member, Source.TIMER, "done")


def test_a_task_in_an_archived_project_is_refused_like_the_service(
    web: WebClient, django_capture_on_commit_callbacks: Any
) -> None:
    project = ProjectFactory(archived=True)
    data = {"project": str(project.pk), "name": "Late", "status": "todo", "estimate_hours": ""}
    page = _refused(web, _url(Task, "add"), data, django_capture_on_commit_callbacks)
    assert "This project is archived; restore it first." in page
    assert not Task.objects.exists()


def test_a_project_with_entries_is_not_deleted_in_the_admin(
    web: WebClient, django_capture_on_commit_callbacks: Any
) -> None:
    project = ProjectFactory()
    _entry(UserFactory(), project)
    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        web.post(_url(Project, "delete", project.pk), {"post": "yes"})
        web.post(
            "/admin/projects/project/",
            {"action": "delete_selected", "_selected_action": [project.pk], "post": "yes"},
        )
    assert Project.objects.filter(pk=project.pk).exists()
    assert events.names == []


def test_the_bulk_delete_goes_through_the_service(
    web: WebClient, django_capture_on_commit_callbacks: Any
) -> None:
    clients = [ClientFactory(), ClientFactory()]
    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        response = web.post(
            "/admin/clients/client/",
            {
                "action": "delete_selected",
                "_selected_action": [c.pk for c in clients],
                "post": "yes",
            },
        )
    assert response.status_code == 302
    assert not Client.objects.exists()
    assert events.names == ["client.deleted", "client.deleted"]
    assert_admin_channel(events)


def test_samples_stay_unannounced(db: Any) -> None:
    # The exemption above holds only while no sample is declared.
    assert all(toggle.kind in (flags.Kind.FLAG, flags.Kind.SWITCH) for toggle in flags.declared())
    assert Sample._meta.label_lower in EXEMPT
