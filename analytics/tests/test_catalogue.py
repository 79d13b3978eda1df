"""The catalogue: what can be declared, and how emitted values are checked."""

from __future__ import annotations

from typing import Any

import pytest

from analytics.catalogue import (
    Bool,
    Bucketed,
    Catalogue,
    CatalogueError,
    Enum,
    Identifier,
    Int,
    InvalidProperties,
    UnknownEvent,
    catalogue,
)


@pytest.fixture
def fresh() -> Catalogue:
    return Catalogue()


class TestDeclaring:
    @pytest.mark.parametrize(
        "name", ["Timer.started", "timer", "timer.started.now", "timer-started", "timer. x", ""]
    )
    def test_it_refuses_names_that_are_not_lowercase_resource_action(
        self, fresh: Catalogue, name: str
    ) -> None:
        with pytest.raises(CatalogueError, match=r"resource\.action"):
            fresh.declare(name, "When it fires.")

    @pytest.mark.parametrize("description", ["", "   ", "two\nlines", "x" * 201])
    def test_it_wants_a_one_line_description(self, fresh: Catalogue, description: str) -> None:
        with pytest.raises(CatalogueError):
            fresh.declare("timer.started", description)

    @pytest.mark.parametrize("prop", [str, "free text", object()])
    def test_it_has_no_way_to_declare_free_text(self, fresh: Catalogue, prop: Any) -> None:
        with pytest.raises(CatalogueError, match="free-text properties cannot be declared"):
            fresh.declare("note.added", "A note was added.", properties={"text": prop})

    def test_it_refuses_subclasses_that_could_smuggle_free_text(self, fresh: Catalogue) -> None:
        class Text(Identifier):
            pass

        with pytest.raises(CatalogueError, match="free-text"):
            fresh.declare("note.added", "A note.", properties={"text": Text("Anything.")})

    @pytest.mark.parametrize("name", ["user_id", "actor_id", "message", "event", "request_id"])
    def test_it_reserves_raw_user_ids_and_log_fields(self, fresh: Catalogue, name: str) -> None:
        with pytest.raises(CatalogueError, match="reserved"):
            fresh.declare("timer.started", "Started.", properties={name: Int("An id.")})

    @pytest.mark.parametrize("name", ["$ip", "Project", "project id", "x" * 41])
    def test_it_refuses_odd_property_names(self, fresh: Catalogue, name: str) -> None:
        with pytest.raises(CatalogueError, match="property name"):
            fresh.declare("timer.started", "Started.", properties={name: Int("An id.")})

    @pytest.mark.parametrize("choice", ["ada@example.com", "Two Words", "", "x" * 41])
    def test_enum_choices_are_short_code_like_words(self, choice: str) -> None:
        with pytest.raises(CatalogueError, match="short lowercase words"):
            Enum("A choice.", choices=("ok", choice))

    def test_declaring_the_same_event_twice_is_harmless_but_not_a_second_meaning(
        self, fresh: Catalogue
    ) -> None:
        first = fresh.declare("timer.started", "Started.", properties={"n": Int("A count.")})
        assert (
            fresh.declare("timer.started", "Started.", properties={"n": Int("A count.")}) is first
        )
        with pytest.raises(CatalogueError, match="already declared"):
            fresh.declare("timer.started", "Started differently.")

    def test_it_lists_events_by_name(self, fresh: Catalogue) -> None:
        fresh.declare("b.done", "B.")
        fresh.declare("a.done", "A.")
        assert [event.name for event in fresh] == ["a.done", "b.done"]
        assert "a.done" in fresh
        assert len(fresh) == 2


class TestCleaning:
    @pytest.fixture
    def event(self, fresh: Catalogue) -> Any:
        return fresh.declare(
            "timer.stopped",
            "Stopped.",
            properties={
                "project_id": Int("Project."),
                "task_id": Int("Task.", optional=True),
                "billable": Bool("Billable."),
                "source": Enum("Source.", choices=("web", "api")),
                "duration": Bucketed("Length.", bounds=(60, 3600), unit="seconds"),
                "flag_name": Identifier("A flag."),
            },
        )

    def test_it_keeps_declared_values_in_declaration_order(self, event: Any) -> None:
        cleaned = event.clean(
            {
                "flag_name": "new-ui",
                "duration": 61,
                "source": "api",
                "billable": True,
                "task_id": None,
                "project_id": 3,
            }
        )
        assert list(cleaned.items()) == [
            ("project_id", 3),
            ("task_id", None),
            ("billable", True),
            ("source", "api"),
            ("duration", "1m-1h"),
            ("flag_name", "new-ui"),
        ]

    def test_it_names_every_problem_but_never_a_value(self, event: Any) -> None:
        with pytest.raises(InvalidProperties) as caught:
            event.clean(
                {
                    "project_id": "ada@example.com",
                    "billable": "yes",
                    "source": "Ada Lovelace",
                    "duration": 5,
                    "flag_name": "Secret Name",
                    "note": "confidential",
                }
            )
        message = str(caught.value)
        assert "undeclared properties: note" in message
        assert "invalid properties: project_id" in message
        assert "billable" in message
        assert "flag_name" in message
        for value in ("ada@example.com", "Ada Lovelace", "confidential", "Secret Name"):
            assert value not in message
        assert caught.value.reason == "invalid_properties"

    def test_a_missing_required_property_is_an_error(self, event: Any) -> None:
        with pytest.raises(InvalidProperties, match="missing properties: billable"):
            event.clean({"project_id": 1, "source": "web", "duration": 1, "flag_name": "x"})

    def test_an_optional_property_may_be_left_out(self, event: Any) -> None:
        cleaned = event.clean(
            {"project_id": 1, "billable": False, "source": "web", "duration": 0, "flag_name": "x"}
        )
        assert "task_id" not in cleaned

    @pytest.mark.parametrize("value", [True, -1, 1.5, "3", None])
    def test_ints_are_whole_numbers_in_range(self, value: Any) -> None:
        with pytest.raises(ValueError, match="integer"):
            Int("A count.").clean(value)

    def test_ints_can_have_bounds(self) -> None:
        offset = Int("Offset.", minimum=-12, maximum=14)
        assert offset.clean(-12) == -12
        assert not offset.accepts(15)
        assert offset.type_label() == "integer from -12 to 14"

    def test_buckets_hide_the_precise_number(self) -> None:
        duration = Bucketed("Length.", bounds=(60, 300, 3600, 86_400), unit="seconds")
        assert duration.labels == ("<1m", "1m-5m", "5m-1h", "1h-1d", "1d+")
        assert [duration.clean(v) for v in (0, 59.9, 60, 299, 3600, 90_000)] == [
            "<1m",
            "<1m",
            "1m-5m",
            "1m-5m",
            "1h-1d",
            "1d+",
        ]
        assert duration.accepts("1m-5m")
        assert not duration.accepts(61)
        with pytest.raises(ValueError, match="at least 0"):
            duration.clean(-1)

    def test_bucket_bounds_must_increase(self) -> None:
        with pytest.raises(CatalogueError, match="increasing"):
            Bucketed("Length.", bounds=(60, 60))
        with pytest.raises(CatalogueError, match="unit"):
            Bucketed("Length.", bounds=(1,), unit="parsecs")

    def test_identifiers_match_their_anchored_pattern(self) -> None:
        flag = Identifier("A flag.")
        assert flag.clean("new-ui_2") == "new-ui_2"
        for bad in ("New UI", "a" * 51, "ada@example.com", ""):
            assert not flag.accepts(bad)
        with pytest.raises(CatalogueError, match="anchored"):
            Identifier("A flag.", pattern="[a-z]+")

    def test_an_unknown_event_is_reported_without_echoing_odd_input(self) -> None:
        with pytest.raises(UnknownEvent, match=r"event \(invalid\) is not declared"):
            catalogue.get("ada@example.com logged in")
        with pytest.raises(UnknownEvent, match=r"event nothing\.here is not declared"):
            catalogue.get("nothing.here")


class TestPersonProperties:
    def test_only_declared_person_properties_pass(self, fresh: Catalogue) -> None:
        fresh.declare_person_property("role", Enum("Role.", choices=("admin", "member")))
        assert fresh.clean_person_properties({"role": "admin"}) == {"role": "admin"}
        assert fresh.clean_person_properties({}) == {}
        with pytest.raises(InvalidProperties, match="undeclared properties: email"):
            fresh.clean_person_properties({"role": "admin", "email": "ada@example.com"})

    def test_one_provider_per_catalogue(self, fresh: Catalogue) -> None:
        def provider(user_id: int) -> dict[str, object]:
            return {}

        fresh.set_person_provider(provider)
        fresh.set_person_provider(provider)
        with pytest.raises(CatalogueError, match="already registered"):
            fresh.set_person_provider(lambda user_id: {})


def test_the_telemetry_and_flag_events_are_declared_by_the_apps_that_own_them() -> None:
    assert catalogue.get("setup.completed").properties["telemetry_choice"].accepts("undecided")
    consent = catalogue.get("telemetry.consent_changed")
    assert set(consent.properties) == {"state", "channel"}
    flag = catalogue.get("feature_flag.changed")
    assert flag.clean(
        {"kind": "switch", "flag_name": "analytics-posthog", "state": True, "channel": "cli"}
    )
    # The door is required: a change is never recorded without it.
    with pytest.raises(InvalidProperties):
        flag.clean({"kind": "switch", "flag_name": "analytics-posthog", "state": True})
    # Declared by the apps that fire them, not by the reusable analytics app.
    assert not flag.module.startswith("analytics")
    assert consent.module == "telemetry.events"
