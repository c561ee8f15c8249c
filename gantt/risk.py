"""Schedule-risk figures: the distribution of the submission date (histogram with the
cumulative probability and the deadline), the tornado of the tasks that drive it, and the
P80 marker on a bid's Gantt chart.

Plain data in (dates, counts, labels), Plotly figures out; no ``app`` import.

Example
-------
>>> from datetime import date
>>> figure = histogram_figure([(date(2027, 3, 18), 30), (date(2027, 3, 19), 70)],
...                           deadline=date(2027, 3, 18), p80=date(2027, 3, 19))
>>> [trace.name for trace in figure.data]
['Iterations 模拟次数', 'Cumulative 累计概率']
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import plotly.graph_objects as go

from gantt import theme
from gantt.axis import axis_value, bar_end

P80_COLOUR = "#6a1b9a"
P80_LINE = "P80 submission 递交"
BAR = "#1f77b4"
LATE_BAR = "#d62728"
CUMULATIVE = "#2e7d32"
MIN_SHOWN = 0.05  # rank correlations below this are sampling noise, not drivers


def _vertical(x: Any, colour: str, text: str, *, y: float = 1.0) -> tuple[dict[str, Any], ...]:
    return (
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": x,
            "x1": x,
            "y0": 0,
            "y1": 1,
            "line": {"color": colour, "width": 2, "dash": "dash"},
            "name": text,
        },
        {
            "x": x,
            "xref": "x",
            "y": y,
            "yref": "paper",
            "yanchor": "bottom",
            "text": text,
            "showarrow": False,
            "font": {"color": colour, "size": 11},
        },
    )


def histogram_figure(
    bins: Sequence[tuple[date, int]],
    *,
    deadline: date | None,
    p80: date | None,
    title: str = "Submission date 递交日期",
) -> go.Figure:
    """Iterations per finish date (bars red past the deadline) and the cumulative
    probability (right axis); dashed lines at the deadline and at P80."""
    total = sum(count for _, count in bins) or 1
    days = [day for day, _ in bins]
    counts = [count for _, count in bins]
    running = 0
    cumulative = []
    for count in counts:
        running += count
        cumulative.append(running / total)
    colours = [LATE_BAR if deadline is not None and day > deadline else BAR for day in days]
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=[day.isoformat() for day in days],
            y=counts,
            name="Iterations 模拟次数",
            marker={"color": colours},
            hovertemplate="%{x}: %{y} iterations<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[day.isoformat() for day in days],
            y=cumulative,
            name="Cumulative 累计概率",
            yaxis="y2",
            mode="lines+markers",
            line={"color": CUMULATIVE, "shape": "hv"},
            hovertemplate="P(by %{x}) = %{y:.0%}<extra></extra>",
        )
    )
    layout = theme.base_layout(title)
    layout.update(
        xaxis={"type": "date", "title": None, "showgrid": False},
        yaxis={"title": {"text": "Iterations 次数"}, "rangemode": "tozero"},
        yaxis2={
            "title": {"text": "P(finished) 概率"},
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            "tickvals": [0, 0.25, 0.5, 0.75, 1],
            "tickformat": ".0%",
            "showgrid": False,
        },
        bargap=0.1,
        height=340,
        shapes=[],
        annotations=[],
    )
    layout["margin"] = {**layout["margin"], "l": 60, "r": 60, "t": 70}
    for when, colour, text, y in (
        (deadline, theme.DEADLINE, "Deadline 截止", 1.0),
        (p80, P80_COLOUR, "P80", 1.06),
    ):
        if when is not None:  # at the end of the day's bar: "finished by the end of that day"
            shape, note = _vertical(f"{when.isoformat()} 12:00", colour, text, y=y)
            layout["shapes"].append(shape)
            layout["annotations"].append(note)
    figure.update_layout(layout)
    return figure


def tornado_figure(
    items: Sequence[tuple[str, float]],
    *,
    title: str = "Sensitivity 敏感性 (rank correlation 秩相关)",
    top: int = 10,
) -> go.Figure:
    """The ``top`` tasks by |rank correlation| with the submission date, largest on top
    (those below ``MIN_SHOWN`` left out)."""
    chosen = sorted(
        (item for item in items if abs(item[1]) >= MIN_SHOWN), key=lambda item: -abs(item[1])
    )[:top]
    chosen.reverse()  # Plotly draws the first bar at the bottom
    labels = [label for label, _ in chosen]
    values = [value for _, value in chosen]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker={"color": [theme.CRITICAL if value > 0 else BAR for value in values]},
            text=[f"{value:+.2f}" for value in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.2f}<extra></extra>",
            name="Rank correlation 秩相关",
        )
    )
    layout = theme.base_layout(title)
    layout.update(
        xaxis={"range": [-1.1, 1.1], "zeroline": True, "title": None, "tickformat": ".1f"},
        yaxis={"automargin": False, "showgrid": False},
        height=max(220, 60 + 28 * len(chosen)),
        showlegend=False,
    )
    layout["margin"] = {**layout["margin"], "l": min(420, theme.label_width_px(labels)), "b": 30}
    figure.update_layout(layout)
    return figure


def mark_p80(figure: go.Figure, p80: date, p_meet: float | None = None) -> go.Figure:
    """Add a dashed line at the P80 submission date to a bid's Gantt figure (the day's end,
    as the deadline line is drawn)."""
    text = P80_LINE
    if p_meet is not None:
        text += f" · P(on time) {p_meet:.0%}"
    shape, note = _vertical(axis_value(bar_end(p80)), P80_COLOUR, text, y=0.0)
    shape["name"] = P80_LINE
    note["yanchor"] = "top"
    note["yshift"] = -14
    figure.add_shape(shape)
    figure.add_annotation(note)
    return figure
