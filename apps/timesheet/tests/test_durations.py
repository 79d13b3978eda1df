"""The cell duration parser: the accepted forms, clear refusals, and a round trip."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from apps.timesheet.durations import MAX_SECONDS, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1:30", 5400),
        (" 1:30 ", 5400),
        ("0:45", 2700),
        ("1:30:15", 5415),
        ("24:00", 86400),
        ("1.5", 5400),
        ("1,5", 5400),
        (".25", 900),
        ("2", 7200),
        ("90m", 5400),
        ("90 min", 5400),
        ("1h", 3600),
        ("1.5h", 5400),
        ("1h 30m", 5400),
        ("1H30M", 5400),
        ("1h30", 5400),
        ("0", 0),
    ],
)
def test_it_reads_the_forms_people_type(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "   ", None])
def test_it_reads_an_empty_cell_as_no_time(text: str | None) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "invalid"),
        ("1:75", "invalid"),
        ("1:3", "invalid"),
        ("1..5", "invalid"),
        ("h", "invalid"),
        ("m", "invalid"),
        ("5.", "invalid"),
        ("1h 30x", "invalid"),
        ("\u0661:30", "invalid"),  # Arabic-Indic digit: digits are ASCII only
        ("=1+1", "invalid"),
        ("1" * 40, "invalid"),
        ("-1:00", "negative"),
        ("\u22121", "negative"),
        ("24:01", "too_long"),
        ("25", "too_long"),
        ("90", "too_long"),
        ("1500m", "too_long"),
    ],
)
def test_it_refuses_junk_negatives_and_more_than_a_day(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_duration(text)
    assert caught.value.code == code
    assert caught.value.messages[0]


def test_it_says_what_it_would_read() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_duration("soon")
    assert "1:30, 1.5, 90m or 1h 30m" in caught.value.messages[0]


@given(st.integers(min_value=0, max_value=MAX_SECONDS))
def test_it_reads_back_every_duration_it_writes(seconds: int) -> None:
    assert (parse_duration(format_duration(seconds)) or 0) == seconds


@given(st.text(max_size=30))
def test_it_never_fails_other_than_with_a_validation_error(text: str) -> None:
    try:
        seconds = parse_duration(text)
    except ValidationError:
        return
    assert seconds is None or 0 <= seconds <= MAX_SECONDS
