"""The PMO's portfolio Gantt: one row per bid, grouped, with stage gates and click-through.

Rows are grouped (by subsidiary or key account: the caller fills ``PortfolioBid.group``) under a
bold header row per group. Bars are one trace per colour category (stage or health), stage gates
one marker trace, submission deadlines another. Each bar's ``customdata[0]`` is the bid's page
URL; the page's script opens it on ``plotly_click``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import plotly.graph_objects as go

from gantt import theme
from gantt.axis import MS_PER_DAY, padded_range
from wbs.plan import PlanTime

ColourBy = Literal["stage", "health"]
TRACE_GATES = "Stage gates 阶段关口"
TRACE_DEADLINES = "Submission deadline 投标截止"
ROWS_SHOWN = 60
ROW_HEIGHT_PX = 22


@dataclass(frozen=True, slots=True)
class StageGate:
    """A gate on a bid's way (e.g. "Go/No-go"), planned or passed on ``on``."""

    name: str
    on: date
    passed: bool = False


@dataclass(slots=True)
class PortfolioBid:
    """One bid as the portfolio chart needs it; dates are inclusive working dates."""

    id: int
    title: str
    group: str
    start: date
    finish: date
    stage: str = "lead_in"
    health: str = "unknown"
    lead: str | None = None
    account: str | None = None
    submission_deadline: date | None = None
    gates: Sequence[StageGate] = field(default_factory=tuple)
    url: str | None = None

    @property
    def link(self) -> str:
        return self.url or f"/bids/{self.id}"


def _text(value: object) -> str:
    return "–" if value is None else html.escape(str(value), quote=False)


def portfolio_rows(bids: Sequence[PortfolioBid]) -> list[tuple[str, PortfolioBid | None]]:
    """(tick label, bid or None for a group header) in display order: groups by name, bids by
    start then title."""
    groups: dict[str, list[PortfolioBid]] = {}
    for bid in bids:
        groups.setdefault(bid.group, []).append(bid)
    rows: list[tuple[str, PortfolioBid | None]] = []
    for group in sorted(groups):
        rows.append((f"<b>{_text(group)}</b>", None))
        for bid in sorted(groups[group], key=lambda b: (b.start, b.title, b.id)):
            rows.append(("\u00a0\u00a0\u00a0" + _text(bid.title), bid))
    return rows


HOVER = (
    "<b>%{customdata[1]}</b><br>%{customdata[2]}<br>"
    "Stage 阶段: %{customdata[3]} · Health 健康: %{customdata[4]}<br>"
    "Lead 负责人: %{customdata[5]} · Account 客户: %{customdata[6]}<br>"
    "%{customdata[7]} → %{customdata[8]} · Deadline 截止: %{customdata[9]}"
    "<extra></extra>"
)


def portfolio_gantt(
    bids: Sequence[PortfolioBid],
    *,
    colour_by: ColourBy = "stage",
    title: str | None = "Portfolio 投标组合",
    today: date | None = None,
) -> go.Figure:
    """The portfolio chart; ``today`` draws a vertical line when given."""
    palette, names = (
        (theme.STAGE_COLOURS, theme.STAGE_LABELS)
        if colour_by == "stage"
        else (theme.HEALTH_COLOURS, theme.HEALTH_LABELS)
    )
    rows = portfolio_rows(bids)
    categories: dict[str, dict[str, list[Any]]] = {}
    gates: dict[str, list[Any]] = {"x": [], "y": [], "text": [], "symbol": []}
    deadlines: dict[str, list[Any]] = {"x": [], "y": [], "customdata": []}
    for index, (_, bid) in enumerate(rows):
        if bid is None:
            continue
        key = bid.stage if colour_by == "stage" else bid.health
        columns = categories.setdefault(key, {"y": [], "x": [], "base": [], "customdata": []})
        hover = _hover(bid, names)
        columns["y"].append(index)
        columns["base"].append(bid.start.isoformat())
        columns["x"].append(max(1, (bid.finish - bid.start).days + 1) * MS_PER_DAY)
        columns["customdata"].append(hover)
        for gate in bid.gates:
            gates["x"].append(gate.on.isoformat())
            gates["y"].append(index)
            gates["text"].append(f"{_text(gate.name)} {gate.on.isoformat()}")
            gates["symbol"].append("diamond" if gate.passed else "diamond-open")
        if bid.submission_deadline is not None:
            deadlines["x"].append(bid.submission_deadline.isoformat())
            deadlines["y"].append(index)
            deadlines["customdata"].append(hover)
    ordered = sorted(categories, key=lambda k: (list(palette).index(k) if k in palette else 99, k))
    traces: list[Any] = [
        go.Bar(
            name=names.get(key, _text(key)),
            orientation="h",
            y=categories[key]["y"],
            x=categories[key]["x"],
            base=categories[key]["base"],
            width=0.6,
            marker={"color": theme.colour_for(key, palette), "line": {"width": 0}},
            customdata=categories[key]["customdata"],
            hovertemplate=HOVER,
        )
        for key in ordered
    ]
    if gates["x"]:
        traces.append(
            go.Scatter(
                name=TRACE_GATES,
                mode="markers",
                x=gates["x"],
                y=gates["y"],
                text=gates["text"],
                marker={"symbol": gates["symbol"], "size": 9, "color": theme.SUMMARY},
                hovertemplate="%{text}<extra></extra>",
            )
        )
    if deadlines["x"]:
        traces.append(
            go.Scatter(
                name=TRACE_DEADLINES,
                mode="markers",
                x=deadlines["x"],
                y=deadlines["y"],
                customdata=deadlines["customdata"],
                marker={"symbol": "line-ns-open", "size": 14, "color": theme.DEADLINE},
                hovertemplate=HOVER,
            )
        )
    figure = go.Figure(data=traces)
    figure.update_layout(_layout(rows, title, today))
    return figure


def _hover(bid: PortfolioBid, names: dict[str, str]) -> list[str]:
    return [
        bid.link,
        _text(bid.title),
        _text(bid.group),
        theme.STAGE_LABELS.get(bid.stage, _text(bid.stage)),
        theme.HEALTH_LABELS.get(bid.health, _text(bid.health)),
        _text(bid.lead),
        _text(bid.account),
        bid.start.isoformat(),
        bid.finish.isoformat(),
        "–" if bid.submission_deadline is None else bid.submission_deadline.isoformat(),
    ]


def _layout(
    rows: list[tuple[str, PortfolioBid | None]], title: str | None, today: date | None
) -> dict[str, Any]:
    layout = theme.base_layout(None if title is None else _text(title))
    shown = min(len(rows), ROWS_SHOWN)
    layout.update(
        barmode="overlay",
        height=max(260, shown * ROW_HEIGHT_PX + 140),
        dragmode="pan",
        hovermode="closest",
        xaxis={"type": "date", "gridcolor": "#eeeeee", "side": "top", "automargin": False},
        yaxis={
            "tickmode": "array",
            "tickvals": list(range(len(rows))),
            "ticktext": [label for label, _ in rows],
            "range": [max(shown, 1) - 0.5, -0.5],
            "automargin": False,
            "showgrid": False,
            "zeroline": False,
        },
        meta={"rows": len(rows), "bids": sum(1 for _, bid in rows if bid is not None)},
    )
    labels = [label for label, _ in rows]
    layout["margin"] = {**layout["margin"], "t": 80, "l": min(480, theme.label_width_px(labels))}
    times: list[PlanTime] = []
    for _, bid in rows:
        if bid is not None:
            times += [bid.start, bid.finish + dt.timedelta(days=1)]
            times += [gate.on for gate in bid.gates]
            if bid.submission_deadline is not None:
                times.append(bid.submission_deadline)
    x_range = padded_range(times)
    if x_range is not None:
        layout["xaxis"]["range"] = x_range
        layout["meta"]["x_range"] = x_range
    if today is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": today.isoformat(),
                "x1": today.isoformat(),
                "y0": 0,
                "y1": 1,
                "line": {"color": theme.STATUS_DATE, "width": 2, "dash": "dash"},
            }
        ]
    return layout
