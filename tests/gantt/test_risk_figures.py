"""The schedule-risk figures (gantt.risk): histogram, tornado, the P80 line on a Gantt."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from gantt.risk import LATE_BAR, P80_LINE, histogram_figure, mark_p80, tornado_figure


def test_histogram_colours_late_days_and_accumulates_to_one() -> None:
    bins = [(date(2027, 3, 17), 10), (date(2027, 3, 18), 30), (date(2027, 3, 19), 60)]
    figure = histogram_figure(bins, deadline=date(2027, 3, 18), p80=date(2027, 3, 19))
    bars, cumulative = figure.data
    assert list(bars.y) == [10, 30, 60]
    assert list(bars.marker.color).count(LATE_BAR) == 1  # only 03-19 is past the deadline
    assert list(cumulative.y) == [0.1, 0.4, 1.0]
    lines = {shape.name: shape.x0 for shape in figure.layout.shapes}
    assert lines == {"Deadline 截止": "2027-03-18 12:00", "P80": "2027-03-19 12:00"}


def test_tornado_puts_the_strongest_driver_on_top_and_drops_noise() -> None:
    figure = tornado_figure([("报价", 0.3), ("方案设计", -0.8), ("噪声", 0.01), ("评审", 0.5)])
    (bars,) = figure.data
    assert list(bars.y) == ["报价", "评审", "方案设计"]  # drawn bottom-up: largest last
    assert list(bars.x) == [0.3, 0.5, -0.8]


def test_p80_line_on_a_gantt_sits_at_the_end_of_the_day() -> None:
    figure = mark_p80(go.Figure(), date(2027, 3, 19), 0.42)
    (shape,) = figure.layout.shapes
    assert shape.name == P80_LINE and shape.x0 == "2027-03-20"
    assert "42%" in figure.layout.annotations[0].text
