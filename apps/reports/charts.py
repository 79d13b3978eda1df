"""Bar charts as inline SVG, drawn on the server: no JavaScript, no chart library.

Each chart carries a ``<title>`` and ``<desc>`` referenced by ``aria-labelledby`` so screen
readers announce it as one image; the page shows the same numbers in a table next to it.
Every piece of text that comes from users (project names, labels) is escaped here.

The charts are drawn 480 units wide, so that on a phone (about 360 px for the chart) the
text stays readable, with few ticks and axis labels spaced so they never overlap. Colours
come from the page's theme through CSS classes (``gridline``, ``axis``, ``bar-theme``...);
only a project's own colour is written into the markup. Values read ``H:MM``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext

DEFAULT_COLOUR = "#2f5fb3"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Bar:
    label: str  # shown on the axis (short)
    value: float  # hours
    title: str = ""  # tooltip and accessible name of the bar; defaults to the label
    colour: str = DEFAULT_COLOUR


def _num(value: float) -> str:
    """Coordinates with at most one decimal, so the markup stays small and stable."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def hours_text(value: float) -> str:
    """Hours as ``H:MM`` (the one duration format of the pages): ``2.5`` -> ``2:30``."""
    minutes = max(round(value * 60), 0) if math.isfinite(value) else 0
    return f"{minutes // 60}:{minutes % 60:02d}"


def nice_step(maximum: float, *, ticks: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` lines."""
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _bar_attrs(colour: str) -> str:
    """A bar's class and colour: a project's own ``#RRGGBB``, else the theme's (CSS)."""
    if colour != DEFAULT_COLOUR and _COLOUR.match(colour):
        return f'class="bar" fill="{colour}"'
    return 'class="bar bar-theme"'


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open_svg(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    if not _ID.match(chart_id):
        raise ValueError(f"chart_id must be a plain HTML id, got {chart_id!r}")
    return [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def column_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    width: int = 480,
    height: int = 240,
) -> SafeString:
    """Vertical bars (hours per day or month) over a labelled y axis in hours."""
    left, right, top, bottom = 36, 8, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = _open_svg(chart_id, width, height, title, description)
    maximum = max((b.value for b in bars), default=0.0)
    step = nice_step(maximum, ticks=3)
    top_value = max(step * math.ceil(maximum / step), step)

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / top_value

    # The unit beside the axis's 0 ("0 h").
    unit = escape(pgettext("hours, on a chart axis", "h"))
    for index in range(round(top_value / step) + 1):
        tick = index * step
        parts.append(
            f'<line class="gridline" x1="{left}" x2="{width - right}" '
            f'y1="{_num(y(tick))}" y2="{_num(y(tick))}"/>'
            f'<text class="axis" x="{left - 6}" y="{_num(y(tick) + 4)}" '
            f'text-anchor="end">{_num(tick)}{f" {unit}" if index == 0 else ""}</text>'
        )
    if bars:
        slot = plot_w / len(bars)
        bar_w = max(slot * 0.7, 1.0)
        # Keep axis labels from overlapping: about one label ("30 Nov") every 48 units.
        every = max(1, math.ceil(48 / slot))
        for index, bar in enumerate(bars):
            x = left + index * slot + (slot - bar_w) / 2
            bar_top = y(bar.value)
            parts.append(
                f'<rect {_bar_attrs(bar.colour)} x="{_num(x)}" y="{_num(bar_top)}" '
                f'width="{_num(bar_w)}" height="{_num(top + plot_h - bar_top)}">'
                f"<title>{escape(bar.title or bar.label)}: {hours_text(bar.value)}</title></rect>"
            )
            if index % every == 0:
                parts.append(
                    f'<text class="axis" x="{_num(x + bar_w / 2)}" y="{height - bottom + 16}" '
                    f'text-anchor="middle">{escape(bar.label)}</text>'
                )
    parts.append(
        f'<line class="baseline" x1="{left}" x2="{width - right}" '
        f'y1="{top + plot_h}" y2="{top + plot_h}"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every user-supplied text is escaped above)


def row_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    width: int = 480,
    row_height: int = 30,
) -> SafeString:
    """Horizontal bars, one per row (the breakdown by project), labelled with the value."""
    label_w, value_w, top = 150, 56, 6
    height = top * 2 + max(len(bars), 1) * row_height
    plot_w = width - label_w - value_w
    parts = _open_svg(chart_id, width, height, title, description)
    maximum = max((b.value for b in bars), default=0.0) or 1.0
    for index, bar in enumerate(bars):
        y = top + index * row_height
        bar_w = max(plot_w * bar.value / maximum, 1.0 if bar.value > 0 else 0.0)
        middle = y + row_height / 2 + 4
        parts.append(
            f'<text class="label" x="{label_w - 8}" y="{_num(middle)}" '
            f'text-anchor="end">{escape(_shorten(bar.label, 20))}</text>'
            f'<rect {_bar_attrs(bar.colour)} x="{label_w}" y="{y + 5}" width="{_num(bar_w)}" '
            f'height="{row_height - 10}">'
            f"<title>{escape(bar.title or bar.label)}: {hours_text(bar.value)}</title></rect>"
            f'<text class="value" x="{_num(label_w + bar_w + 6)}" y="{_num(middle)}">'
            f"{hours_text(bar.value)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every user-supplied text is escaped above)
