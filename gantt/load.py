"""People's load per week across all bids, as one heatmap with over-allocation marked.

``weekly_loads`` turns assignments (person, dates, units) into weekly load percentages;
``load_chart`` draws them: people down, ISO weeks (their Mondays) across, the colour is the load,
and every cell over the person's capacity carries a marker in the "Over-allocated" trace.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go

from gantt import theme

TRACE_LOAD = "Load 负荷"
TRACE_OVERLOAD = "Over-allocated 超负荷"
WorkdayPredicate = Callable[[date], bool]


def weekdays_only(day: date) -> bool:
    return day.weekday() < 5


@dataclass(frozen=True, slots=True)
class Assignment:
    """``person`` works on ``bid`` from ``start`` to ``finish`` (inclusive) at ``units``
    (1.0 = full time)."""

    person: str
    start: date
    finish: date
    units: float = 1.0
    bid: str | None = None


@dataclass(frozen=True, slots=True)
class WeeklyLoad:
    """A person's load in the week starting Monday ``week``, in percent of a full-time week."""

    person: str
    week: date
    load_percent: float
    capacity_percent: float = 100.0

    @property
    def over_allocated(self) -> bool:
        return self.load_percent > self.capacity_percent + 1e-9


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_loads(
    assignments: Iterable[Assignment],
    *,
    capacity_percent: dict[str, float] | None = None,
    is_working_day: WorkdayPredicate = weekdays_only,
) -> list[WeeklyLoad]:
    """Each person's load per week: the units worked on each working day, summed over the
    week's working days, over the number of working days in that week.

    Example
    -------
    >>> from datetime import date
    >>> a = Assignment("王芳", date(2027, 1, 4), date(2027, 1, 8), 1.0)   # Mon-Fri full time
    >>> b = Assignment("王芳", date(2027, 1, 6), date(2027, 1, 7), 0.5)   # Wed-Thu half time
    >>> [round(w.load_percent) for w in weekly_loads([a, b])]
    [120]
    """
    capacities = capacity_percent or {}
    unit_days: dict[tuple[str, date], float] = {}
    for assignment in assignments:
        day = assignment.start
        while day <= assignment.finish:
            if is_working_day(day):
                key = (assignment.person, monday(day))
                unit_days[key] = unit_days.get(key, 0.0) + assignment.units
            day += timedelta(days=1)
    loads = []
    for (person, week), units in sorted(unit_days.items()):
        working = sum(1 for offset in range(7) if is_working_day(week + timedelta(days=offset)))
        loads.append(
            WeeklyLoad(person, week, 100.0 * units / working, capacities.get(person, 100.0))
        )
    return loads


def load_chart(
    loads: Sequence[WeeklyLoad], *, title: str | None = "Resource load 资源负荷"
) -> go.Figure:
    """The heatmap of ``loads`` (people sorted by name, every week from the first to the last)."""
    people = sorted({load.person for load in loads})
    weeks: list[date] = []
    if loads:
        week, last = min(load.week for load in loads), max(load.week for load in loads)
        while week <= last:
            weeks.append(week)
            week += timedelta(days=7)
    column = {week: index for index, week in enumerate(weeks)}
    row = {person: index for index, person in enumerate(people)}
    grid: list[list[float | None]] = [[None] * len(weeks) for _ in people]
    over_x: list[str] = []
    over_y: list[str] = []
    over_text: list[str] = []
    labels = [html.escape(person, quote=False) for person in people]
    for load in loads:
        grid[row[load.person]][column[load.week]] = round(load.load_percent, 1)
        if load.over_allocated:
            over_x.append(load.week.isoformat())
            over_y.append(labels[row[load.person]])
            over_text.append(f"{load.load_percent:.0f}% > {load.capacity_percent:.0f}%")
    traces: list[Any] = [
        go.Heatmap(
            name=TRACE_LOAD,
            x=[week.isoformat() for week in weeks],
            y=labels,
            z=grid,
            zmin=0,
            zmax=150,
            # up to 100 % (2/3 of zmax) in blues, over-allocation in oranges and reds
            colorscale=[
                [0, "#f7fbff"],
                [2 / 3, theme.LOAD],
                [2 / 3 + 0.001, "#fdae61"],
                [1, theme.OVERLOAD],
            ],
            colorbar={"title": {"text": "%"}},
            hovertemplate="%{y} · week of %{x|%Y-%m-%d}: %{z}%<extra></extra>",
            xperiod=7 * 86_400_000,
            xperiodalignment="start",
            xgap=1,
            ygap=1,
        )
    ]
    if over_x:
        traces.append(
            go.Scatter(
                name=TRACE_OVERLOAD,
                mode="markers",
                x=over_x,
                y=over_y,
                text=over_text,
                marker={"symbol": "x", "size": 10, "color": "black"},
                hovertemplate="%{y} · week of %{x|%Y-%m-%d}: %{text}<extra></extra>",
            )
        )
    layout = theme.base_layout(title)
    layout.update(
        height=max(260, 26 * len(people) + 160),
        xaxis={"type": "date", "side": "top", "tickformat": "%Y-%m-%d"},
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
    )
    figure = go.Figure(data=traces)
    figure.update_layout(layout)
    return figure
