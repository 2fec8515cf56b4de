"""The geometry of a server-drawn bar chart (the console's daily volume and fees).

Pure: amounts stay exact Decimals until the very end, where each is scaled to an
SVG coordinate (a Decimal rounded to 0.1 unit, written as text). The template draws
the returned shapes as inline SVG with presentation attributes and CSS classes only,
so the chart needs no script and passes the strict CSP (no style attributes).

A chart has one or more series drawn as grouped bars per day, a y axis with "nice"
ticks (1, 2 or 5 times a power of ten), date labels every few days, a legend, and a
title and description for screen readers. Values are never negative here (payments,
refunds and fees are each drawn as their own non-negative series).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

WIDTH = 640
HEIGHT = 260
LEFT = 64  # room for the y axis labels
RIGHT = 12
TOP = 34  # room for the legend
BOTTOM = 30  # room for the date labels
TICKS = 4  # at least this many steps up the y axis
LABELLED_BARS = 8  # value labels above bars only when a series has at most this many
_PLACE = Decimal("0.1")
_CENT = Decimal("0.01")


def _coordinate(value: Decimal) -> str:
    """An SVG coordinate: the exact value rounded to 0.1 at the very end."""
    text = str(value.quantize(_PLACE, rounding=ROUND_HALF_UP))
    return text[:-2] if text.endswith(".0") else text


def money_text(value: Decimal) -> str:
    """AED 1,234.50"""
    return f"AED {value.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"


def compact(value: Decimal) -> str:
    """A short axis or bar label: 0.25, 42.50, 318, 1.5k, 12k, 2.5M (the exact amount is
    in the bar's title and the page's table)."""
    for limit, suffix in ((Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if value >= limit:
            scaled = (value / limit).quantize(_PLACE, rounding=ROUND_HALF_UP).normalize()
            return f"{scaled:f}{suffix}"
    if value >= 100 or value == value.to_integral_value():
        return f"{value.to_integral_value(rounding=ROUND_HALF_UP):f}"
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):f}"


def nice_step(top: Decimal, steps: int = TICKS) -> Decimal:
    """The smallest 1, 2 or 5 times a power of ten with `steps` of it reaching `top`."""
    if top <= 0:
        return Decimal(1)
    raw = top / steps
    power = Decimal(1).scaleb(raw.adjusted())
    for factor in (1, 2, 5, 10):
        step = power * factor
        if step * steps >= top:
            return step
    return power * 10  # not reached: 10 * power always covers raw


@dataclass(frozen=True, slots=True)
class Series:
    """One kind of bar: its legend name, CSS class, and one value per day (>= 0)."""

    name: str
    css: str
    values: tuple[Decimal, ...]


@dataclass(frozen=True, slots=True)
class Bar:
    x: str
    y: str
    width: str
    height: str
    css: str
    title: str  # the tooltip and the screen-reader text: day, series, exact amount
    label: str | None  # the value drawn above the bar, when there is room
    label_x: str
    label_y: str


@dataclass(frozen=True, slots=True)
class Tick:
    y: str
    label: str


@dataclass(frozen=True, slots=True)
class DayLabel:
    x: str
    text: str


@dataclass(frozen=True, slots=True)
class LegendItem:
    x: str
    text_x: str
    css: str
    name: str


@dataclass(frozen=True, slots=True)
class BarChart:
    """Everything the template draws, as SVG attribute text."""

    width: int
    height: int
    left: int
    right: int  # the plot's right edge
    top: int
    bottom: int  # the plot's baseline (y of zero)
    title: str
    desc: str
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    days: tuple[DayLabel, ...]
    legend: tuple[LegendItem, ...]
    empty: bool  # no value above zero: the template says so in the plot


def _describe(title: str, days: Sequence[date], series: Sequence[Series]) -> str:
    if not days:
        return f"{title}: no days."
    parts = []
    for one in series:
        total = sum(one.values, Decimal(0))
        text = f"{one.name} {money_text(total)} in total"
        if total > 0:
            best = max(range(len(days)), key=lambda i: (one.values[i], -i))
            text += f", highest on {days[best].isoformat()} ({money_text(one.values[best])})"
        parts.append(text)
    span = f"{days[0].isoformat()} to {days[-1].isoformat()}"
    return f"{title}, {span}, by day: " + "; ".join(parts) + "."


def bar_chart(
    title: str,
    days: Sequence[date],
    series: Sequence[Series],
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
    label_every: int = 5,
) -> BarChart:
    """Grouped bars per day for each series, scaled to the largest value."""
    if any(len(s.values) != len(days) for s in series):
        raise ValueError("every series needs one value per day")
    if any(v < 0 for s in series for v in s.values):
        raise ValueError("bar values cannot be negative")
    right, bottom = width - RIGHT, height - BOTTOM
    plot_w, plot_h = Decimal(right - LEFT), Decimal(bottom - TOP)
    largest = max((v for s in series for v in s.values), default=Decimal(0))
    step = nice_step(largest)
    steps = max(1, int((largest / step).to_integral_value(rounding=ROUND_CEILING)))
    top_value = step * steps
    slot = plot_w / max(1, len(days))
    gap = slot / 5
    bar_w = (slot - gap) / max(1, len(series))
    bars: list[Bar] = []
    for index, one in enumerate(series):
        labelled = sum(1 for v in one.values if v > 0) <= LABELLED_BARS
        for day_index, value in enumerate(one.values):
            if value <= 0:
                continue
            height_units = value / top_value * plot_h
            x = LEFT + slot * day_index + gap / 2 + bar_w * index
            y = bottom - height_units
            bars.append(
                Bar(
                    x=_coordinate(x),
                    y=_coordinate(y),
                    width=_coordinate(bar_w),
                    height=_coordinate(height_units),
                    css=one.css,
                    title=f"{days[day_index].isoformat()}: {one.name} {money_text(value)}",
                    label=compact(value) if labelled else None,
                    label_x=_coordinate(x + bar_w / 2),
                    label_y=_coordinate(y - 4),
                )
            )
    ticks = tuple(
        Tick(_coordinate(bottom - plot_h * n / steps), compact(step * n)) for n in range(steps + 1)
    )
    labels = tuple(
        DayLabel(_coordinate(LEFT + slot * i + slot / 2), f"{day:%b} {day.day}")
        for i, day in enumerate(days)
        if (len(days) - 1 - i) % label_every == 0
    )
    legend = []
    x = Decimal(LEFT)
    for one in series:
        legend.append(LegendItem(_coordinate(x), _coordinate(x + 16), one.css, one.name))
        x += 16 + 7 * len(one.name) + 24
    return BarChart(
        width=width,
        height=height,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        title=title,
        desc=_describe(title, days, series),
        bars=tuple(bars),
        ticks=ticks,
        days=labels,
        legend=tuple(legend),
        empty=largest <= 0,
    )
