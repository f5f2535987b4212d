"""The daily trend chart on the staff dashboard, as a server-rendered SVG.

Rendered on the server so the dashboard needs no JavaScript or CDN and reads
the same in every browser and to a screen reader: the chart is one image
(role="img") named by its <title> and summarised by its <desc>, and every
marker carries its own <title> with the day's figure. The series differ in
line pattern and marker shape as well as colour, and every colour has at
least 4.5:1 contrast on white. All text passes through `escape`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from app.domain.support_metrics import DailyPoint

REQUIRED_LABELS = ("title", "asked", "resolved", "escalated", "no_data")

# (field of DailyPoint, stroke colour, dash pattern, marker shape)
SERIES = (
    ("asked", "#1f4e9c", "", "circle"),
    ("resolved", "#1b6e35", "6 3", "square"),
    ("escalated", "#b3261e", "2 3", "diamond"),
)
TEXT_COLOUR = "#222222"
AXIS_COLOUR = "#595959"
GRID_COLOUR = "#e0e0e0"

_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 36, 34, 28
_MAX_DATE_LABELS = 6


def render_trend_svg(
    points: Sequence[DailyPoint], labels: Mapping[str, str], width: int = 640, height: int = 220
) -> str:
    """An SVG line chart of asked / resolved / escalated per day.

    `labels` holds the already translated texts for REQUIRED_LABELS. The result
    escapes everything it was given, so a template may embed it as markup.
    """
    missing = [key for key in REQUIRED_LABELS if key not in labels]
    if missing:
        raise ValueError(f"trend chart labels missing: {', '.join(missing)}")
    if points:
        plot = _Plot(width, height, peak=max(getattr(p, name) for p in points for name, *_ in SERIES))
        totals = ". ".join(f"{labels[name]}: {sum(getattr(p, name) for p in points)}" for name, *_ in SERIES)
        description = f"{points[0].day.isoformat()} – {points[-1].day.isoformat()}. {totals}."
        body = [*plot.grid(), *plot.date_axis(points), *_legend(labels), *_series(plot, points, labels)]
    else:
        description = labels["no_data"]
        body = [_no_data(width, height, labels["no_data"])]
    title = escape(labels["title"])
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{title}" '
            f'font-family="system-ui, sans-serif" font-size="11" fill="{TEXT_COLOUR}">',
            f"<title>{title}</title>",
            f"<desc>{escape(description)}</desc>",
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
            *body,
            "</svg>",
        ]
    )


class _Plot:
    """Maps day indexes and counts to coordinates inside the margins."""

    def __init__(self, width: int, height: int, peak: int) -> None:
        self.left, self.right = _LEFT, width - _RIGHT
        self.top, self.bottom = _TOP, height - _BOTTOM
        self.ticks = _count_ticks(peak)

    def x(self, index: int, count: int) -> float:
        if count == 1:
            return (self.left + self.right) / 2
        return self.left + index * (self.right - self.left) / (count - 1)

    def y(self, value: int) -> float:
        return self.bottom - value * (self.bottom - self.top) / self.ticks[-1]

    def grid(self) -> list[str]:
        lines = []
        for tick in self.ticks:
            y = self.y(tick)
            colour = AXIS_COLOUR if tick == 0 else GRID_COLOUR
            lines.append(f'<line x1="{self.left}" y1="{y:.1f}" x2="{self.right}" y2="{y:.1f}" stroke="{colour}"/>')
            lines.append(f'<text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
        return lines

    def date_axis(self, points: Sequence[DailyPoint]) -> list[str]:
        stride = math.ceil(len(points) / _MAX_DATE_LABELS)
        y = self.bottom + 16
        return [
            f'<text x="{self.x(i, len(points)):.1f}" y="{y}" text-anchor="middle">{p.day.isoformat()}</text>'
            for i, p in enumerate(points)
            if i % stride == 0
        ]


def _count_ticks(peak: int) -> list[int]:
    """Round whole-number ticks from 0 to at least `peak`, about four steps."""
    raw_step = max(peak, 1) / 4
    magnitude = 10 ** max(0, math.floor(math.log10(raw_step)))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    top = math.ceil(max(peak, 1) / step) * step
    return list(range(0, top + 1, step))


def _legend(labels: Mapping[str, str]) -> list[str]:
    """One swatch per series along the top; widths are estimated from the label length."""
    parts, x = [], _LEFT
    for name, colour, dash, shape in SERIES:
        parts.append(
            f'<line x1="{x}" y1="14" x2="{x + 20}" y2="14" stroke="{colour}" stroke-width="2" '
            f'stroke-dasharray="{dash or "none"}"/>'
        )
        parts.append(_marker(shape, x + 10, 14, colour))
        parts.append(f'<text x="{x + 26}" y="18">{escape(labels[name])}</text>')
        x += 40 + 7 * len(labels[name])
    return parts


def _series(plot: _Plot, points: Sequence[DailyPoint], labels: Mapping[str, str]) -> list[str]:
    parts = []
    for name, colour, dash, shape in SERIES:
        coordinates = [(plot.x(i, len(points)), plot.y(getattr(p, name))) for i, p in enumerate(points)]
        parts.append(f'<g class="series series-{name}">')
        parts.append(
            '<polyline fill="none" stroke-width="2" stroke="{}" stroke-dasharray="{}" points="{}"/>'.format(
                colour, dash or "none", " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
            )
        )
        for point, (x, y) in zip(points, coordinates):
            tooltip = escape(f"{point.day.isoformat()}: {labels[name]} {getattr(point, name)}")
            parts.append(_marker(shape, x, y, colour, tooltip))
        parts.append("</g>")
    return parts


def _marker(shape: str, x: float, y: float, colour: str, tooltip: str = "") -> str:
    outlines = {
        "circle": f"M{x - 3.5:.1f},{y:.1f} a3.5,3.5 0 1,0 7,0 a3.5,3.5 0 1,0 -7,0 Z",
        "square": f"M{x - 3:.1f},{y - 3:.1f} h6 v6 h-6 Z",
        "diamond": f"M{x:.1f},{y - 4:.1f} l4,4 l-4,4 l-4,-4 Z",
    }
    title = f"<title>{tooltip}</title>" if tooltip else ""
    return f'<path class="marker" d="{outlines[shape]}" fill="{colour}">{title}</path>'


def _no_data(width: int, height: int, message: str) -> str:
    return (
        f'<text x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle" font-size="13">'
        f"{escape(message)}</text>"
    )
