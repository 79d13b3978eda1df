"""Every page: who may see it, who gets a 404, and that its HTML is well formed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.web.tests.conftest import World
from apps.web.tests.html_check import assert_valid_page

pytestmark = pytest.mark.django_db


def everyone_pages(w: World) -> list[str]:
    return [
        "/",
        "/entries/",
        "/entries/new/",
        f"/entries/{w.mine.pk}/edit/",
        f"/entries/{w.mine.pk}/delete/",
        "/clients/",
        "/clients/?archived=1",
        "/clients/new/",
        f"/clients/{w.acme.pk}/edit/",
        "/projects/",
        "/projects/?archived=1",
        f"/projects/?client={w.acme.pk}",
        "/projects/new/",
        f"/projects/{w.apollo.pk}/",
        f"/projects/{w.apollo.pk}/edit/",
        f"/projects/{w.apollo.pk}/tasks/new/",
        f"/tasks/{w.design.pk}/edit/",
        "/reports/",
        "/reports/?start=2024-01-01&end=2028-12-31&group_by=day",  # five years, by day
        "/accounts/profile/",
        "/accounts/password/",
    ]


def admin_only_pages(w: World) -> list[str]:
    return [
        f"/clients/{w.acme.pk}/delete/",
        f"/projects/{w.gemini.pk}/delete/",
        f"/tasks/{w.design.pk}/delete/",
    ]


def test_it_shows_every_page_to_a_member_as_well_formed_html(
    member_web: Client, world: World
) -> None:
    for url in everyone_pages(world):
        response = member_web.get(url)
        assert response.status_code == 200, url
        assert_valid_page(response.content.decode())


def test_it_shows_every_page_and_the_admin_pages_to_an_admin(
    admin_web: Client, world: World
) -> None:
    for url in [*everyone_pages(world), *admin_only_pages(world)]:
        response = admin_web.get(url)
        assert response.status_code == 200, url
        assert_valid_page(response.content.decode())


def test_it_answers_404_to_a_member_on_admin_pages_and_actions(
    member_web: Client, world: World
) -> None:
    for url in admin_only_pages(world):
        assert member_web.get(url).status_code == 404, url
    for url in [
        f"/clients/{world.acme.pk}/archive/",
        f"/projects/{world.apollo.pk}/archive/",
        f"/clients/{world.acme.pk}/delete/",
        f"/projects/{world.gemini.pk}/delete/",
        f"/tasks/{world.design.pk}/delete/",
    ]:
        assert member_web.post(url).status_code == 404, url
    world.acme.refresh_from_db()
    assert not world.acme.archived


def test_it_answers_404_for_someone_elses_entry(member_web: Client, world: World) -> None:
    for url in [f"/entries/{world.theirs.pk}/edit/", f"/entries/{world.theirs.pk}/delete/"]:
        assert member_web.get(url).status_code == 404
        assert member_web.post(url).status_code == 404
    assert member_web.post(f"/timer/resume/{world.theirs.pk}/").status_code == 404
    world.theirs.refresh_from_db()


def test_it_lets_an_admin_open_anyones_entry_but_not_resume_it(
    admin_web: Client, world: World
) -> None:
    assert admin_web.get(f"/entries/{world.theirs.pk}/edit/").status_code == 200
    assert admin_web.post(f"/timer/resume/{world.theirs.pk}/").status_code == 404


def test_it_renders_the_404_page_as_well_formed_html(member_web: Client, world: World) -> None:
    response = member_web.get("/projects/999999/")
    assert response.status_code == 404
    assert_valid_page(response.content.decode())


def test_it_hides_admin_buttons_from_members(member_web: Client, world: World) -> None:
    project_page = member_web.get(f"/projects/{world.apollo.pk}/").content.decode()
    clients_page = member_web.get("/clients/").content.decode()
    assert "Archive project" not in project_page
    assert f"/projects/{world.apollo.pk}/delete/" not in project_page
    assert f"/tasks/{world.design.pk}/delete/" not in project_page
    assert "/archive/" not in clients_page


def test_it_shows_admin_buttons_to_admins(admin_web: Client, world: World) -> None:
    project_page = admin_web.get(f"/projects/{world.apollo.pk}/").content.decode()
    assert "Archive project" in project_page
    assert f"/tasks/{world.design.pk}/delete/" in project_page


@pytest.mark.parametrize(
    "url", ["/", "/entries/", "/projects/", "/clients/", "/reports/", "/accounts/profile/"]
)
def test_it_sends_anonymous_visitors_to_the_login_page(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_it_serves_a_well_formed_login_page(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert_valid_page(response.content.decode())


def test_it_logs_in_and_out_through_the_styled_pages(member: Any) -> None:
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    response = browser.post(
        "/accounts/login/",
        {"username": "mel", "password": "correct horse battery", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert browser.get("/").status_code == 200
    token = browser.cookies["csrftoken"].value
    assert browser.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert browser.get("/").status_code == 302


def test_it_rejects_form_posts_without_a_csrf_token(member: Any, world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    for url, data in [
        ("/timer/start/", {"project": world.apollo.pk}),
        ("/timer/stop/", {}),
        ("/entries/new/", {}),
        (f"/entries/{world.mine.pk}/delete/", {}),
        ("/clients/new/", {"name": "Initech"}),
        ("/projects/new/", {"name": "Mercury"}),
        ("/accounts/profile/", {"timezone": "UTC"}),
    ]:
        assert browser.post(url, data).status_code == 403, url
    world.mine.refresh_from_db()  # still there


def test_it_puts_a_csrf_token_in_every_post_form(admin_web: Client, world: World) -> None:
    for url in everyone_pages(world):
        html = admin_web.get(url).content.decode()
        assert html.count('method="post"') == html.count('name="csrfmiddlewaretoken"'), url


def test_it_rejects_wrong_methods(member_web: Client, world: World) -> None:
    assert member_web.get("/timer/start/").status_code == 405
    assert member_web.get("/timer/stop/").status_code == 405
    assert member_web.post("/entries/").status_code == 405
    assert member_web.post("/reports/").status_code == 405
