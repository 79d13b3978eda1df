"""Server-side SVG charts: accessible, escaped, and sized from the data."""

from __future__ import annotations

from html.parser import HTMLParser
from itertools import pairwise

import pytest

from apps.reports.charts import Bar, column_chart, nice_step, row_chart


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(svg: str) -> _Tags:
    parser = _Tags()
    parser.feed(svg)
    return parser


BARS = [Bar("Mon 9", 1.5, "Monday 9 March"), Bar("Tue 10", 0.0), Bar("Wed 11", 3.0)]


def test_it_labels_the_chart_for_screen_readers() -> None:
    svg = column_chart(BARS, chart_id="c1", title="Hours per day", description="Three days")
    tags = parse(svg)
    root = dict(tags.tags)["svg"]
    assert root["role"] == "img"
    assert root["aria-labelledby"] == "c1-title c1-desc"
    assert ("title", {"id": "c1-title"}) in tags.tags
    assert ("desc", {"id": "c1-desc"}) in tags.tags
    assert "Monday 9 March: 1:30" in tags.text  # durations read H:MM, as on every page


def test_it_draws_one_bar_per_value_scaled_to_the_largest() -> None:
    tags = parse(column_chart(BARS, chart_id="c", title="t", description="d"))
    rects = [attrs for tag, attrs in tags.tags if tag == "rect"]
    assert len(rects) == 3
    heights = [float(r["height"] or 0) for r in rects]
    assert heights[1] == 0
    assert heights[2] == pytest.approx(heights[0] * 2)


def test_it_escapes_labels_and_titles() -> None:
    evil = '<script>alert("x")</script> & co'
    svg = row_chart(
        [Bar(evil, 2.0, colour="red;fill:url(javascript:1)")],
        chart_id="r",
        title=evil,
        description=evil,
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "javascript" not in svg
    # An invalid colour falls back to the theme's, which the stylesheet gives the class.
    assert "fill=" not in svg
    assert 'class="bar bar-theme"' in svg


def test_it_keeps_valid_project_colours() -> None:
    assert 'fill="#aa0000"' in row_chart(
        [Bar("Apollo", 1.0, colour="#aa0000")], chart_id="r", title="t", description="d"
    )


def test_it_shortens_long_row_labels_but_keeps_the_full_name_in_the_tooltip() -> None:
    name = "A project with a really very long name indeed"
    tags = parse(row_chart([Bar(name, 1.0)], chart_id="r", title="t", description="d"))
    assert "A project with a re…" in tags.text
    assert f"{name}: 1:00" in tags.text


def test_it_draws_empty_charts() -> None:
    svg = column_chart([], chart_id="e", title="Nothing", description="No data")
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert "<rect" not in svg
    assert "<rect" not in row_chart([], chart_id="e2", title="t", description="d")


def test_it_rejects_ids_that_are_not_plain() -> None:
    with pytest.raises(ValueError, match="plain HTML id"):
        column_chart(BARS, chart_id='x" onload="alert(1)', title="t", description="d")


def test_it_thins_out_axis_labels_when_bars_are_narrow() -> None:
    bars = [Bar(str(day), 1.0) for day in range(1, 32)]
    tags = parse(column_chart(bars, chart_id="m", title="t", description="d"))
    labels = [t for t in tags.text if t.isdigit()]
    assert 8 <= len([label for label in labels if int(label) <= 31]) < 31 + 6


@pytest.mark.parametrize(
    ("maximum", "step"),
    [(0, 1.0), (0.3, 0.1), (3.7, 1.0), (7.5, 2.0), (10, 2.5), (38, 10.0), (120, 50.0)],
)
def test_it_picks_round_tick_steps(maximum: float, step: float) -> None:
    assert nice_step(maximum) == pytest.approx(step)


def test_it_takes_bar_text_and_grid_colours_from_the_theme() -> None:
    svg = column_chart(BARS, chart_id="t", title="t", description="d")
    tags = parse(svg)
    rects = [attrs for tag, attrs in tags.tags if tag == "rect"]
    assert rects
    assert all(r["class"] == "bar bar-theme" and "fill" not in r for r in rects)
    # Lines and text carry classes the stylesheet colours per theme, never a colour.
    for tag, attrs in tags.tags:
        if tag in {"line", "text"}:
            assert attrs["class"] in {"gridline", "baseline", "axis", "label", "value"}
            assert "fill" not in attrs
            assert "stroke" not in attrs


def test_it_draws_for_a_phone_sized_box_with_few_ticks() -> None:
    tags = parse(column_chart(BARS, chart_id="p", title="t", description="d"))
    root = dict(tags.tags)["svg"]
    assert root["viewbox"] == "0 0 480 240"
    gridlines = [
        attrs for tag, attrs in tags.tags if tag == "line" and attrs["class"] == "gridline"
    ]
    assert 2 <= len(gridlines) <= 5


def test_it_spaces_axis_labels_so_they_never_overlap() -> None:
    bars = [Bar(f"{day} Dec", 1.0) for day in range(1, 32)]
    tags = parse(column_chart(bars, chart_id="m", title="t", description="d"))
    xs = [
        float(attrs["x"] or 0)
        for tag, attrs in tags.tags
        if tag == "text" and attrs.get("text-anchor") == "middle"
    ]
    assert len(xs) >= 6
    assert min(b - a for a, b in pairwise(xs)) >= 44
