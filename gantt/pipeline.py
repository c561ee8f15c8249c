"""The weighted pipeline per month of expected award, as a Plotly bar chart.

One pair of bars per currency (value and weighted value) on its own y axis when there is more
than one currency: amounts in different currencies are never stacked or summed. Money stays
``Decimal`` until it is written into the figure as decimal strings (a linear axis reads them as
numbers), so the JSON carries the exact cents.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

import plotly.graph_objects as go

from gantt import theme

VALUE_COLOUR = "#c6dbef"
WEIGHTED_COLOUR = theme.NON_CRITICAL
TITLE = "Weighted pipeline by month of expected award 按预计授标月份的加权管道"


class PipelineRow(Protocol):
    """One (month, currency) row, as ``wbs.pipeline.PipelineRow`` has it."""

    @property
    def group(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def bids(self) -> int: ...
    @property
    def value(self) -> Decimal: ...
    @property
    def weighted_value(self) -> Decimal: ...


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _bars(rows: Sequence[PipelineRow], currency: str, axis: str) -> list[Any]:
    mine = [row for row in rows if row.currency == currency]
    label = html.escape(currency)
    template = (
        f"%{{x}}: %{{y:,.2f}} {label}<br>%{{customdata}} bids 个投标"
        "<extra>%{fullData.name}</extra>"
    )
    common = {"x": [row.group for row in mine], "customdata": [row.bids for row in mine]}
    return [
        go.Bar(
            name=f"Value 金额 ({label})",
            y=[_money(row.value) for row in mine],
            marker={"color": VALUE_COLOUR},
            hovertemplate=template,
            yaxis=axis,
            offsetgroup=f"{label}-value",
            **common,
        ),
        go.Bar(
            name=f"Weighted 加权 ({label})",
            y=[_money(row.weighted_value) for row in mine],
            marker={"color": WEIGHTED_COLOUR},
            hovertemplate=template,
            yaxis=axis,
            offsetgroup=f"{label}-weighted",
            **common,
        ),
    ]


def pipeline_bars(rows: Sequence[PipelineRow], *, title: str | None = TITLE) -> go.Figure:
    """Grouped bars per month: value and weighted value of every currency present."""
    currencies = sorted({row.currency for row in rows})
    months = sorted({row.group for row in rows}, key=lambda month: (month[0].isalpha(), month))
    traces: list[Any] = []
    layout = theme.base_layout(title)
    for position, currency in enumerate(currencies):
        axis = "y" if position == 0 else f"y{position + 1}"
        traces.extend(_bars(rows, currency, axis))
        axis_layout: dict[str, Any] = {
            "type": "linear",
            "title": {"text": html.escape(currency)},
            "gridcolor": "#eeeeee",
            "tickformat": ",.0f",
            "rangemode": "tozero",
        }
        if position > 0:
            axis_layout.update(overlaying="y", side="right", showgrid=False)
        layout["yaxis" if position == 0 else f"yaxis{position + 1}"] = axis_layout
    layout.update(
        height=420,
        barmode="group",
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": months},
        legend={"orientation": "h", "y": -0.2},
    )
    figure = go.Figure(data=traces)
    figure.update_layout(layout)
    return figure
