"""Server-rendered SVG charts: no script, no library, no asset from elsewhere. Each returns safe
markup; every label is escaped, every bar or point may link to the cases behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None  # None: no data (a gap in the line, no bar)
    shown: str = ""  # the value as written under the chart ("75 %", "3")
    href: str = ""


def _link(href: str, inner: str) -> str:
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


def line_chart(points: Sequence[Point], *, title: str, maximum: float | None = None, width: int = 640) -> SafeString:
    """A line over the points (left to right), with a dot per value; gaps where there is no data."""
    height, left, right, top, bottom = 200, 36, 8, 12, 40
    values = [p.value for p in points if p.value is not None]
    top_value = maximum if maximum is not None else max(values, default=0) or 1
    step = (width - left - right) / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - value / top_value)

    parts = [
        f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" class="axis"/>',
        f'<line x1="{left}" y1="{y(top_value):.1f}" x2="{width - right}" y2="{y(top_value):.1f}" class="grid"/>',
    ]
    segment: list[str] = []
    for i, point in enumerate(points):
        if point.value is None:
            if len(segment) > 1:
                parts.append(f'<polyline points="{" ".join(segment)}" class="line"/>')
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(point.value):.1f}")
    if len(segment) > 1:
        parts.append(f'<polyline points="{" ".join(segment)}" class="line"/>')
    for i, point in enumerate(points):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 16}" class="tick" text-anchor="middle">{escape(point.label)}</text>'
        )
        if point.value is not None:
            dot = (
                f'<circle cx="{x(i):.1f}" cy="{y(point.value):.1f}" r="4" class="dot">'
                f"<title>{escape(point.label)}: {escape(point.shown)}</title></circle>"
            )
            parts.append(_link(point.href, dot))
    return _svg(title, width, height, parts)


def bar_chart(points: Sequence[Point], *, title: str, width: int = 360) -> SafeString:
    """Horizontal bars, one per point, largest first as given; the value written at the bar's end."""
    row, label_width = 26, 110
    height = max(row * len(points), row) + 4
    top_value = max((p.value or 0 for p in points), default=0) or 1
    parts = []
    for i, point in enumerate(points):
        length = (width - label_width - 48) * (point.value or 0) / top_value
        y = 2 + i * row
        bar = (
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 10}" class="bar">'
            f"<title>{escape(point.label)}: {escape(point.shown)}</title></rect>"
            f'<text x="{label_width + length + 4:.1f}" y="{y + row - 9}" class="value">{escape(point.shown)}</text>'
        )
        parts.append(
            f'<text x="{label_width - 6}" y="{y + row - 9}" class="tick" text-anchor="end">{escape(point.label[:14])}</text>'
        )
        parts.append(_link(point.href, bar))
    return _svg(title, width, height, parts)


def _svg(title: str, width: int, height: int, parts: list[str]) -> SafeString:
    body = mark_safe("".join(parts))
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">'
        "<title>{}</title>{}</svg>",
        width,
        height,
        title,
        title,
        body,
    )
