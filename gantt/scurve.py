"""The cost S-curve: cumulative planned value, earned value and actual cost over time.

The numbers come from ``wbs.evm.time_phased`` (or any sequence of ``SeriesPoint``); money stays
``Decimal`` until it is written into the figure as decimal strings.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import plotly.graph_objects as go

from gantt import theme


class SeriesPoint(Protocol):
    """One point of the cumulative series, as ``wbs.evm.SeriesPoint`` has it."""

    @property
    def on(self) -> date: ...
    @property
    def pv(self) -> Decimal: ...
    @property
    def ev(self) -> Decimal | None: ...
    @property
    def ac(self) -> Decimal | None: ...


TRACE_PV = "PV 计划价值"
TRACE_EV = "EV 挣值"
TRACE_AC = "AC 实际成本"


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def scurve(
    points: Sequence[SeriesPoint],
    *,
    status_date: date | None = None,
    budget_at_completion: Decimal | None = None,
    title: str | None = "Cost S-curve 成本S曲线",
    currency: str = "CNY",
) -> go.Figure:
    """PV over the whole series; EV and AC up to the status date (points where they are None
    are left out)."""
    ordered = sorted(points, key=lambda point: point.on)
    template = (
        f"%{{x|%Y-%m-%d}}: %{{y:,.2f}} {html.escape(currency)}<extra>%{{fullData.name}}</extra>"
    )
    traces: list[Any] = []
    columns: tuple[tuple[str, str, list[Decimal | None]], ...] = (
        (TRACE_PV, theme.PLANNED_VALUE, [point.pv for point in ordered]),
        (TRACE_EV, theme.EARNED_VALUE, [point.ev for point in ordered]),
        (TRACE_AC, theme.ACTUAL_COST, [point.ac for point in ordered]),
    )
    for name, colour, values in columns:
        present = [
            (point.on.isoformat(), value)
            for point, value in zip(ordered, values, strict=True)
            if value is not None
        ]
        traces.append(
            go.Scatter(
                name=name,
                mode="lines+markers",
                x=[on for on, _ in present],
                y=[_money(value) for _, value in present],
                line={"color": colour, "width": 2},
                marker={"size": 5},
                hovertemplate=template,
            )
        )
    layout = theme.base_layout(title)
    layout.update(
        height=420,
        hovermode="x unified",
        xaxis={"type": "date", "gridcolor": "#eeeeee"},
        # decimal strings keep money exact in the JSON; a linear axis reads them as numbers
        yaxis={
            "type": "linear",
            "title": {"text": html.escape(currency)},
            "gridcolor": "#eeeeee",
            "tickformat": ",.0f",
        },
        shapes=[],
    )
    if status_date is not None:
        layout["shapes"].append(_line("x", status_date.isoformat(), theme.STATUS_DATE))
    if budget_at_completion is not None:
        layout["shapes"].append(_line("y", _money(budget_at_completion), theme.SUMMARY))
    figure = go.Figure(data=traces)
    figure.update_layout(layout)
    return figure


def _line(axis: str, value: str, colour: str) -> dict[str, Any]:
    other = "y" if axis == "x" else "x"
    return {
        "type": "line",
        "xref": axis if axis == "x" else "paper",
        "yref": axis if axis == "y" else "paper",
        f"{axis}0": value,
        f"{axis}1": value,
        f"{other}0": 0,
        f"{other}1": 1,
        "line": {"color": colour, "width": 1.5, "dash": "dot"},
    }
