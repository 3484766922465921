"""Horizontal bar charts drawn as inline SVG on the server: no JavaScript, a table beside each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LABEL_WIDTH = 170
PLOT_WIDTH = 360
BAR_HEIGHT = 14
GAP = 10
COLOURS = ("#1f5fa8", "#b3261e", "#2e7d32", "#8a5a00", "#5e35b1")


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    colour: str
    value: int | float
    series: str
    text_x: int
    text_y: int


@dataclass(frozen=True)
class Group:
    label: str
    y: int
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    groups: list[Group]
    legend: list[tuple[str, str]]
    empty: bool


def bars(rows: Sequence[tuple[str, Sequence[int | float]]], series: Sequence[str]) -> Chart:
    """Grouped bars: one group per row, one bar per series, scaled to the largest value."""
    peak = max((float(v) for _label, values in rows for v in values), default=0.0)
    group_height = len(series) * BAR_HEIGHT + GAP
    groups = []
    for index, (label, values) in enumerate(rows):
        top = index * group_height + GAP
        group_bars = []
        for position, value in enumerate(values):
            width = round(PLOT_WIDTH * float(value) / peak) if peak else 0
            y = top + position * BAR_HEIGHT
            group_bars.append(
                Bar(
                    x=LABEL_WIDTH,
                    y=y,
                    width=width,
                    height=BAR_HEIGHT - 2,
                    colour=COLOURS[position % len(COLOURS)],
                    value=value,
                    series=series[position],
                    text_x=LABEL_WIDTH + width + 4,
                    text_y=y + BAR_HEIGHT - 3,
                )
            )
        groups.append(Group(label=label, y=top + (len(series) * BAR_HEIGHT) // 2 + 4, bars=group_bars))
    return Chart(
        width=LABEL_WIDTH + PLOT_WIDTH + 50,
        height=max(len(rows), 1) * group_height + GAP,
        groups=groups,
        legend=[(name, COLOURS[i % len(COLOURS)]) for i, name in enumerate(series)],
        empty=peak == 0,
    )
