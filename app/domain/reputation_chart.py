"""A member's reputation over time, as a server-rendered SVG (like the staff trend chart).

One image (role="img") named by its <title> and summarised by its <desc>;
every day with a change is a marker with its own <title>. A step line,
because reputation changes at moments and holds between them. All text
passes through `escape`, so a template may embed the result as markup.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from app.domain.trend_chart import _count_ticks

LINE_COLOUR = "#1d4ed8"
FILL_COLOUR = "#e0e9ff"
TEXT_COLOUR = "#222222"
AXIS_COLOUR = "#595959"
GRID_COLOUR = "#e0e0e0"
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 16, 16, 28


def render_reputation_svg(points: Sequence, labels: Mapping[str, str], width: int = 640, height: int = 200) -> str:
    """`points` are (day, reputation) pairs in day order; `labels` holds translated "title" and "point"."""
    title = escape(labels["title"])
    first, last = points[0], points[-1]
    description = escape(f"{first.day.isoformat()}: {first.reputation} – {last.day.isoformat()}: {last.reputation}")
    ticks = _count_ticks(max(point.reputation for point in points))
    left, right, top, bottom = _LEFT, width - _RIGHT, _TOP, height - _BOTTOM
    span_days = max((last.day - first.day).days, 1)

    def x(day) -> float:
        return left + (day - first.day).days * (right - left) / span_days

    def y(value: int) -> float:
        return bottom - (value - ticks[0]) * (bottom - top) / max(ticks[-1] - ticks[0], 1)

    parts = []
    for tick in ticks:
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{right}" y2="{y(tick):.1f}" '
                     f'stroke="{AXIS_COLOUR if tick == ticks[0] else GRID_COLOUR}"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    for day in (first.day, last.day):
        anchor = "start" if day == first.day else "end"
        parts.append(f'<text x="{x(day):.1f}" y="{bottom + 18}" text-anchor="{anchor}">{day.isoformat()}</text>')
    steps, previous = [], None
    for point in points:
        if previous is not None:
            steps.append(f"{x(point.day):.1f},{y(previous):.1f}")
        steps.append(f"{x(point.day):.1f},{y(point.reputation):.1f}")
        previous = point.reputation
    area = f"{x(first.day):.1f},{bottom} " + " ".join(steps) + f" {x(last.day):.1f},{bottom}"
    parts.append(f'<polygon fill="{FILL_COLOUR}" points="{area}"/>')
    parts.append(f'<polyline fill="none" stroke="{LINE_COLOUR}" stroke-width="2" points="{" ".join(steps)}"/>')
    for point in points[1:-1] if len(points) > 2 else points:
        tooltip = escape(f"{point.day.isoformat()}: {labels['point']} {point.reputation}")
        parts.append(f'<circle cx="{x(point.day):.1f}" cy="{y(point.reputation):.1f}" r="3" fill="{LINE_COLOUR}">'
                     f"<title>{tooltip}</title></circle>")
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{title}" font-family="system-ui, sans-serif" font-size="11" fill="{TEXT_COLOUR}" '
        f'class="reputation-chart">',
        f"<title>{title}</title>", f"<desc>{description}</desc>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        *parts, "</svg>",
    ])
