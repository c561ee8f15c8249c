"""The bid Gantt: one row per WBS element, in WBS order, as a handful of Plotly traces.

Every category of mark is one trace (summary bars, non-critical bars, critical bars, progress,
baseline, milestones, negative-float flags, dependency lines, arrowheads), so a 5,000-task plan
still draws as about ten traces. Rows are numbered 0..n-1 on a reversed linear y axis whose tick
labels carry the WBS code and the indented name; hover text comes from ``customdata`` through one
``hovertemplate`` per trace.

Example
-------
>>> from datetime import date
>>> from wbs.plan import Plan, Task
>>> from wbs.result import Schedule, TaskSchedule
>>> plan = Plan(name="投标", start=date(2027, 1, 4), tasks=[Task(id="a", name="标书", duration=2)])
>>> day = date(2027, 1, 4)
>>> row = TaskSchedule("a", "标书", day, date(2027, 1, 5), day, date(2027, 1, 5), day,
...                    date(2027, 1, 5), 0, 0, True, None)
>>> figure = bid_gantt(plan, Schedule(day, date(2027, 1, 5), 2, "day", [row]))
>>> [trace.name for trace in figure.data]
['Critical 关键']
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from gantt import theme
from gantt.axis import (
    AxisValue,
    axis_type,
    axis_value,
    bar_end,
    bar_span,
    earlier,
    later,
    padded_range,
)
from wbs.plan import ConstraintType, Link, LinkType, Plan, PlanTime, Task
from wbs.result import Schedule, TaskSchedule

TRACE_SUMMARY = "Summary 汇总"
TRACE_TASK = "Task 任务"
TRACE_CRITICAL = "Critical 关键"
TRACE_PROGRESS = "Progress 进度"
TRACE_BASELINE = "Baseline 基线"
TRACE_MILESTONE = "Milestone 里程碑"
TRACE_CRITICAL_MILESTONE = "Critical milestone 关键里程碑"
TRACE_NEGATIVE_FLOAT = "Negative float 负时差"
TRACE_LINKS = "Dependencies 依赖"
TRACE_ARROWHEADS = "Dependency arrowheads"

ROWS_SHOWN = 120  # every row of a bid (typically 40-80); a taller plan opens on its first rows
ROW_HEIGHT_PX = 24  # kept at every zoom and window size: the page scrolls, rows never squeeze
TOP_MARGIN_PX = 80
BOTTOM_MARGIN_PX = 70
UNIT_LABELS = {"day": "d", "minute": "min", "period": "p"}


@dataclass(frozen=True, slots=True)
class Baseline:
    """A task's baseline (saved) dates."""

    start: PlanTime
    finish: PlanTime


@dataclass(slots=True)
class BidGanttExtras:
    """What the Gantt shows beyond the plan and schedule: baseline, actual costs, a title."""

    baseline: Mapping[str, Baseline] = field(default_factory=dict)
    actual_costs: Mapping[str, Decimal] = field(default_factory=dict)
    title: str | None = None
    currency: str = ""
    today: date | None = None  # drawn as the "today" line (date axes only)


@dataclass(slots=True)
class GanttRow:
    """One WBS element placed on the chart (public so pages can list the same rows)."""

    index: int
    task: Task
    code: str
    depth: int
    start: PlanTime | None
    finish: PlanTime | None
    schedule: TaskSchedule | None

    @property
    def label(self) -> str:
        return f"{self.code} {self.task.name}"


def wbs_rows(plan: Plan, schedule: Schedule) -> list[GanttRow]:
    """The plan's elements in WBS order (parents before their children, siblings in plan order),
    with WBS codes (the task's own, else generated ``1.2.3``), depth and dates.

    Summaries that the schedule does not date span their descendants.
    """
    children: dict[str | None, list[Task]] = {}
    known = {task.id for task in plan.tasks}
    for task in plan.tasks:
        parent = task.parent if task.parent in known else None
        children.setdefault(parent, []).append(task)
    by_id = schedule.by_id()
    rows: list[GanttRow] = []
    seen: set[str] = set()

    Span = tuple[PlanTime | None, PlanTime | None]

    def visit(parent: str | None, prefix: str, depth: int) -> Span:
        span_start: PlanTime | None = None
        span_finish: PlanTime | None = None
        for position, task in enumerate(children.get(parent, []), start=1):
            if task.id in seen:
                continue
            seen.add(task.id)
            code = task.wbs_code or f"{prefix}{position}"
            row = GanttRow(len(rows), task, code, depth, None, None, by_id.get(task.id))
            rows.append(row)
            child_start, child_finish = visit(task.id, f"{code}.", depth + 1)
            if row.schedule is not None:
                row.start, row.finish = row.schedule.start, row.schedule.finish
            else:
                row.start, row.finish = child_start, child_finish
            if row.start is not None and row.finish is not None:
                span_start = row.start if span_start is None else earlier(span_start, row.start)
                span_finish = row.finish if span_finish is None else later(span_finish, row.finish)
        return span_start, span_finish

    visit(None, "", 0)
    for task in plan.tasks:  # elements whose parent chain loops never reach a root
        if task.id not in seen:
            children[None] = [task]
            visit(None, "", 0)
    return rows


def _is_summary(row: GanttRow, parents: set[str]) -> bool:
    return row.task.is_summary or row.task.id in parents


def _money(value: Decimal | None, currency: str) -> str:
    if value is None:
        return "–"
    text = f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


def _text(value: object) -> str:
    """Text for Plotly's pseudo-HTML labels: entities escaped, so names never become markup."""
    return html.escape(str(value), quote=False) if value is not None else "–"


def _time_text(value: PlanTime | None) -> str:
    return "–" if value is None else str(axis_value(value))


class _Bars:
    """Columns of one horizontal bar trace."""

    def __init__(self) -> None:
        self.rows: list[float] = []
        self.bases: list[AxisValue] = []
        self.lengths: list[int] = []
        self.customdata: list[list[str]] = []

    def add(self, row: float, base: AxisValue, length: int, hover: list[str] | None = None) -> None:
        self.rows.append(row)
        self.bases.append(base)
        self.lengths.append(length)
        if hover is not None:
            self.customdata.append(hover)


class _Points:
    def __init__(self) -> None:
        self.x: list[AxisValue | None] = []
        self.y: list[float | None] = []
        self.customdata: list[list[str]] = []


def _hovertemplate(unit_label: str) -> str:
    return (
        "<b>%{customdata[0]}</b><br>"
        "Start 开始: %{customdata[1]}<br>Finish 完成: %{customdata[2]}<br>"
        f"Total float 总时差: %{{customdata[3]}}{unit_label} · "
        f"Free float 自由时差: %{{customdata[4]}}{unit_label}<br>"
        "Owner 负责人: %{customdata[5]} · Role 角色: %{customdata[6]}<br>"
        "Budget 预算: %{customdata[7]} · Actual cost 实际成本: %{customdata[8]}"
        "<extra></extra>"
    )


def _hover(row: GanttRow, actual_costs: Mapping[str, Decimal], currency: str) -> list[str]:
    scheduled = row.schedule
    return [
        _text(row.label),
        _time_text(row.start),
        _time_text(row.finish),
        "–" if scheduled is None else str(scheduled.total_float),
        "–" if scheduled is None else str(scheduled.free_float),
        _text(row.task.owner),
        _text(row.task.role),
        _money(row.task.budget, currency),
        _money(actual_costs.get(row.task.id), currency),
    ]


def _bar_trace(name: str, bars: _Bars, colour: str, width: float, template: str | None) -> Any:
    return go.Bar(
        name=name,
        orientation="h",
        y=bars.rows,
        x=bars.lengths,
        base=bars.bases,
        width=width,
        marker={"color": colour, "line": {"width": 0}},
        customdata=bars.customdata or None,
        hovertemplate=template,
        hoverinfo="skip" if template is None else None,
    )


class _Placement:
    """Where each row's bar starts and ends on the axis, milestones included.

    A day plan's milestone driven by a finish (an FS or FF link, or a must-finish-on
    constraint) carries its predecessor's finish date (``wbs.cpm``): it happens at the *end*
    of that day, so its diamond sits exactly where the driving bar ends. Other milestones
    (driven by a start, or by nothing) happen at the start of their day.
    """

    def __init__(self, plan: Plan, rows: list[GanttRow]) -> None:
        self.rows = {row.task.id: row for row in rows}
        self.incoming: dict[str, list[Link]] = {}
        for link in plan.links:
            self.incoming.setdefault(link.successor, []).append(link)

    def finish_driven(self, row: GanttRow) -> bool:
        constraint = row.task.constraint
        if constraint is not None and constraint.type == ConstraintType.MFO:
            return True
        links = self.incoming.get(row.task.id, [])
        driver = row.schedule.driving_predecessor if row.schedule is not None else None
        if driver is not None:
            return any(
                link.predecessor == driver and link.type in (LinkType.FS, LinkType.FF)
                for link in links
            )
        for link in links:  # no driver recorded: a finish link that lands on the same day
            source = self.rows.get(link.predecessor)
            if (
                link.type in (LinkType.FS, LinkType.FF)
                and source is not None
                and source.finish is not None
                and source.finish == row.start
            ):
                return True
        return False

    def milestone_x(self, row: GanttRow) -> AxisValue:
        assert row.start is not None
        return axis_value(bar_end(row.start) if self.finish_driven(row) else row.start)

    def edge(self, row: GanttRow, *, at_start: bool) -> AxisValue:
        assert row.start is not None and row.finish is not None
        if row.task.is_milestone:
            return self.milestone_x(row)
        if at_start:
            return axis_value(row.start)
        return axis_value(bar_end(row.finish))


def _link_points(plan: Plan, place: _Placement) -> tuple[_Points, _Points]:
    """One polyline per link (predecessor end -> down -> successor end), None-separated, and
    the arrowheads where they arrive."""
    placed = {
        task_id: row
        for task_id, row in place.rows.items()
        if row.start is not None and row.finish is not None
    }
    lines, heads = _Points(), _Points()
    for link in plan.links:
        source, target = placed.get(link.predecessor), placed.get(link.successor)
        if source is None or target is None:
            continue
        from_start = link.type in (LinkType.SS, LinkType.SF)
        to_start = link.type in (LinkType.FS, LinkType.SS)
        x_from = place.edge(source, at_start=from_start)
        x_to = place.edge(target, at_start=to_start)
        lines.x += [x_from, x_from, x_to, None]
        lines.y += [source.index, target.index, target.index, None]
        heads.x.append(x_to)
        heads.y.append(target.index)
    return lines, heads


def bid_gantt(
    plan: Plan,
    schedule: Schedule,
    extras: BidGanttExtras | None = None,
) -> go.Figure:
    """The bid's Gantt chart as a Plotly figure.

    Parameters
    ----------
    plan:
        The plan (WBS structure, owners, roles, budgets, progress, links, status date and
        ``finish_deadline`` = submission deadline).
    schedule:
        Its CPM result (dates, floats, critical flags).
    extras:
        Baseline dates, actual cost per task and a title.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces named by the ``TRACE_*`` constants; absent categories are left out.
    """
    extras = extras or BidGanttExtras()
    rows = wbs_rows(plan, schedule)
    place = _Placement(plan, rows)
    parents = {task.parent for task in plan.tasks if task.parent is not None}
    template = _hovertemplate(UNIT_LABELS.get(schedule.unit, ""))
    summary, normal, critical = _Bars(), _Bars(), _Bars()
    progress, baseline = _Bars(), _Bars()
    milestones, critical_milestones, negative = _Points(), _Points(), _Points()
    labels: list[str] = []
    for row in rows:
        flagged = row.schedule is not None and row.schedule.total_float < 0
        labels.append(_tick_label(row, parents, flagged))
        saved = extras.baseline.get(row.task.id)
        if saved is not None:
            base, length = bar_span(saved.start, saved.finish, milestone=row.task.is_milestone)
            baseline.add(row.index + 0.32, base, length)
        if row.start is None or row.finish is None:
            continue
        hover = _hover(row, extras.actual_costs, extras.currency)
        if row.task.is_milestone and not _is_summary(row, parents):
            points = critical_milestones if _critical(row) else milestones
            points.x.append(place.milestone_x(row))
            points.y.append(row.index)
            points.customdata.append(hover)
        else:
            base, length = bar_span(row.start, row.finish, milestone=False)
            if _is_summary(row, parents):
                summary.add(row.index, base, length, hover)
            else:
                (critical if _critical(row) else normal).add(row.index, base, length, hover)
                done = min(max(row.task.percent_complete, 0.0), 100.0)
                if done > 0:
                    progress.add(row.index, base, round(length * done / 100))
        if flagged:
            negative.x.append(place.edge(row, at_start=False))
            negative.y.append(row.index)
            negative.customdata.append(hover)
    traces: list[Any] = []
    if baseline.rows:
        traces.append(_bar_trace(TRACE_BASELINE, baseline, theme.BASELINE, 0.16, None))
    if summary.rows:
        traces.append(_bar_trace(TRACE_SUMMARY, summary, theme.SUMMARY, 0.3, template))
    if normal.rows:
        traces.append(_bar_trace(TRACE_TASK, normal, theme.NON_CRITICAL, 0.56, template))
    if critical.rows:
        traces.append(_bar_trace(TRACE_CRITICAL, critical, theme.CRITICAL, 0.56, template))
    if progress.rows:
        traces.append(_bar_trace(TRACE_PROGRESS, progress, theme.PROGRESS, 0.2, None))
    for name, points, colour in (
        (TRACE_MILESTONE, milestones, theme.MILESTONE),
        (TRACE_CRITICAL_MILESTONE, critical_milestones, theme.CRITICAL_MILESTONE),
    ):
        if points.x:
            traces.append(_marker_trace(name, points, "diamond", colour, 13, template))
    if negative.x:
        traces.append(
            _marker_trace(
                TRACE_NEGATIVE_FLOAT, negative, "triangle-left", theme.NEGATIVE_FLOAT, 9, template
            )
        )
    traces += _link_traces(plan, place)
    figure = go.Figure(data=traces)
    figure.update_layout(_layout(plan, schedule, rows, labels, extras))
    return figure


def _critical(row: GanttRow) -> bool:
    return row.schedule is not None and row.schedule.critical


def _tick_label(row: GanttRow, parents: set[str], flagged: bool) -> str:
    text = _text(row.label)
    if _is_summary(row, parents):
        text = f"<b>{text}</b>"
    if flagged:
        text = f"⚠ {text}"
    return "\u00a0\u00a0\u00a0" * row.depth + text


def _marker_trace(
    name: str, points: _Points, symbol: str, colour: str, size: int, template: str
) -> Any:
    return go.Scatter(
        name=name,
        mode="markers",
        x=points.x,
        y=points.y,
        marker={
            "symbol": symbol,
            "color": colour,
            "size": size,
            "line": {"width": 1, "color": "white"},
        },
        customdata=points.customdata,
        hovertemplate=template,
    )


def _link_traces(plan: Plan, place: _Placement) -> list[Any]:
    lines, heads = _link_points(plan, place)
    if not heads.x:
        return []
    return [
        go.Scatter(
            name=TRACE_LINKS,
            mode="lines",
            x=lines.x,
            y=lines.y,
            line={"color": theme.ARROW, "width": 1},
            hoverinfo="skip",
            connectgaps=False,
        ),
        go.Scatter(
            name=TRACE_ARROWHEADS,
            mode="markers",
            x=heads.x,
            y=heads.y,
            marker={"symbol": "triangle-right", "color": theme.ARROW, "size": 7},
            hoverinfo="skip",
            showlegend=False,
        ),
    ]


def _times(plan: Plan, rows: list[GanttRow], baseline: Mapping[str, Baseline]) -> list[PlanTime]:
    times: list[PlanTime] = []
    for row in rows:
        if row.start is not None and row.finish is not None:
            times += [row.start, bar_end(row.finish)]
    for saved in baseline.values():
        times += [saved.start, bar_end(saved.finish)]
    if plan.status_date is not None:
        times.append(plan.status_date)
    if plan.finish_deadline is not None:
        times.append(bar_end(plan.finish_deadline))
    return times


def _layout(
    plan: Plan,
    schedule: Schedule,
    rows: list[GanttRow],
    labels: list[str],
    extras: BidGanttExtras,
) -> dict[str, Any]:
    layout = theme.base_layout(_text(extras.title or plan.name))
    shown = min(len(rows), ROWS_SHOWN)
    x_type = axis_type(schedule.project_start)
    layout.update(
        barmode="overlay",
        height=max(260, shown * ROW_HEIGHT_PX + TOP_MARGIN_PX + BOTTOM_MARGIN_PX),
        dragmode="pan",
        hovermode="closest",
        xaxis={
            "type": x_type,
            "showgrid": True,
            "gridcolor": "#eeeeee",
            "side": "top",
            "automargin": False,
        },
        yaxis={
            "tickmode": "array",
            "tickvals": list(range(len(rows))),
            "ticktext": labels,
            "range": [shown - 0.5, -0.5],
            "automargin": False,
            "showgrid": False,
            "zeroline": False,
            "fixedrange": False,
        },
        shapes=[],
        annotations=[],
        meta={
            "rows": len(rows),
            "rows_shown": shown,
            "row_height_px": ROW_HEIGHT_PX,
            "critical_colour": theme.CRITICAL,
            "unit": schedule.unit,
            "leaf_traces": [TRACE_TASK, TRACE_CRITICAL, TRACE_MILESTONE, TRACE_CRITICAL_MILESTONE],
        },
    )
    layout["margin"] = {
        **layout["margin"],
        "t": TOP_MARGIN_PX,
        "b": BOTTOM_MARGIN_PX,
        "l": min(480, theme.label_width_px(labels)),
    }
    x_range = padded_range(_times(plan, rows, extras.baseline))
    if x_range is not None:
        layout["xaxis"]["range"] = x_range
        layout["meta"]["x_range"] = x_range
    today = extras.today if x_type == "date" else None
    lines: list[tuple[PlanTime | None, str, str, int]] = [
        (plan.status_date, theme.STATUS_DATE, "Status date 状态日期", 0),
        (today, theme.TODAY, "Today 今天", -14),
        (
            bar_end(plan.finish_deadline) if plan.finish_deadline is not None else None,
            theme.DEADLINE,
            "Submission deadline 投标截止",
            0,
        ),
    ]
    for key, (when, colour, text, shift) in zip(
        ("status_date", "today", "deadline"), lines, strict=True
    ):
        if when is None:
            continue
        x = axis_value(when)
        layout["meta"][key] = x
        layout["shapes"].append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": x,
                "x1": x,
                "y0": 0,
                "y1": 1,
                "line": {"color": colour, "width": 2, "dash": "dot" if key == "today" else "dash"},
                "name": text,
            }
        )
        layout["annotations"].append(
            {
                "x": x,
                "xref": "x",
                "y": 0,
                "yref": "paper",
                "yanchor": "top",
                "yshift": shift,
                "text": text,
                "showarrow": False,
                "font": {"color": colour, "size": 11},
                "name": text,
            }
        )
    return layout
