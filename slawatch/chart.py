"""A bar chart as plain SVG geometry: median first-response time per week against the target.

Pure Python (no Django): the template draws the rectangles and lines this computes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 240
LEFT = 48
BOTTOM = 28
TOP = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_hours: float
    late: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    target_y: float
    target_hours: float
    max_hours: float
    axis_y: float


def bar_chart(points: Sequence[tuple[str, float | None]], target_hours: float) -> Chart:
    """``points``: (week label, median hours or None) in order; the target draws a line."""
    values = [v for _, v in points if v is not None]
    top = max([target_hours, *values]) * 1.15 if (values or target_hours) else 1.0
    top = top or 1.0
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        hours = value or 0.0
        height = plot_h * hours / top
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 1),
                y=round(TOP + plot_h - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label=label,
                value_hours=round(hours, 1),
                late=hours > target_hours,
            )
        )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=tuple(bars),
        target_y=round(TOP + plot_h - plot_h * target_hours / top, 1),
        target_hours=round(target_hours, 1),
        max_hours=round(top, 1),
        axis_y=TOP + plot_h,
    )
