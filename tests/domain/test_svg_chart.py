"""The server-drawn bar chart's geometry: nice ticks, exact scaling, labels, legend,
an accessible description, and the refusal of bad input."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from botimpay.domain.svg_chart import (
    BOTTOM,
    HEIGHT,
    TOP,
    Series,
    bar_chart,
    compact,
    money_text,
    nice_step,
)

DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(30)]


def values(**by_day: str) -> tuple[Decimal, ...]:
    """30 zeros but the given days (d1 .. d30)."""
    return tuple(Decimal(by_day.get(f"d{i + 1}", "0")) for i in range(30))


def test_nice_steps_and_labels() -> None:
    assert nice_step(Decimal("640.50")) == 200
    assert nice_step(Decimal("800")) == 200
    assert nice_step(Decimal("801")) == 500
    assert nice_step(Decimal("0.30")) == Decimal("0.1")
    assert nice_step(Decimal(0)) == 1
    assert [compact(Decimal(v)) for v in ("0", "950", "1500", "12000", "2500000")] == [
        "0",
        "950",
        "1.5k",
        "12k",
        "2.5M",
    ]
    assert compact(Decimal("0.25")) == "0.25"
    assert money_text(Decimal("1234.5")) == "AED 1,234.50"


def test_bars_are_scaled_exactly_to_the_top_tick() -> None:
    paid = Series("Paid", "paid", values(d1="612.50", d30="800"))
    refunded = Series("Refunded", "refunded", values(d30="200"))
    chart = bar_chart("Daily volume (AED)", DAYS, [paid, refunded])
    assert [t.label for t in chart.ticks] == ["0", "200", "400", "600", "800"]
    assert chart.ticks[0].y == str(HEIGHT - BOTTOM)
    assert chart.ticks[-1].y == str(TOP)
    assert len(chart.bars) == 3  # zero days draw nothing
    tallest = next(b for b in chart.bars if b.title == "2026-11-30: Paid AED 800.00")
    assert tallest.y == str(TOP)
    assert Decimal(tallest.height) == HEIGHT - BOTTOM - TOP
    quarter = next(b for b in chart.bars if b.css == "refunded")
    assert Decimal(quarter.height) == Decimal(HEIGHT - BOTTOM - TOP) / 4
    assert quarter.label == "200"
    assert float(quarter.x) > float(tallest.x)
    assert [d.text for d in chart.days] == [
        "Nov 5",
        "Nov 10",
        "Nov 15",
        "Nov 20",
        "Nov 25",
        "Nov 30",
    ]
    assert [item.name for item in chart.legend] == ["Paid", "Refunded"]
    assert chart.desc == (
        "Daily volume (AED), 2026-11-01 to 2026-11-30, by day: Paid AED 1,412.50 in total, "
        "highest on 2026-11-30 (AED 800.00); Refunded AED 200.00 in total, highest on "
        "2026-11-30 (AED 200.00)."
    )
    assert not chart.empty


def test_many_bars_have_no_value_labels_and_an_empty_chart_says_so() -> None:
    busy = bar_chart("Fees", DAYS, [Series("Fees", "fee", tuple(Decimal("0.30") for _ in DAYS))])
    assert len(busy.bars) == 30
    assert all(b.label is None for b in busy.bars)
    assert [t.label for t in busy.ticks] == ["0", "0.10", "0.20", "0.30"]
    empty = bar_chart("Fees", DAYS, [Series("Fees", "fee", values())])
    assert empty.empty
    assert empty.bars == ()
    assert [t.label for t in empty.ticks] == ["0", "1"]
    with pytest.raises(ValueError, match="one value per day"):
        bar_chart("x", DAYS, [Series("a", "a", (Decimal(1),))])
    with pytest.raises(ValueError, match="negative"):
        bar_chart("x", DAYS, [Series("a", "a", values(d3="-1"))])
