"""Structure of the bid Gantt figure, against hand-built plans and schedules."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from gantt import theme
from gantt.axis import MS_PER_DAY
from gantt.bid import (
    TRACE_ARROWHEADS,
    TRACE_BASELINE,
    TRACE_CRITICAL,
    TRACE_LINKS,
    TRACE_MILESTONE,
    TRACE_NEGATIVE_FLOAT,
    TRACE_PROGRESS,
    TRACE_SUMMARY,
    TRACE_TASK,
    Baseline,
    BidGanttExtras,
    bid_gantt,
    wbs_rows,
)
from tests.gantt.factories import chain_plan
from wbs.plan import Link, LinkType, Plan, Task
from wbs.result import Schedule, TaskSchedule

D = date


def sched(
    task_id: str, start: date, finish: date, total_float: int = 0, *, summary: bool = False
) -> TaskSchedule:
    return TaskSchedule(
        id=task_id,
        name=task_id,
        start=start,
        finish=finish,
        early_start=start,
        early_finish=finish,
        late_start=start,
        late_finish=finish,
        total_float=total_float,
        free_float=max(total_float, 0),
        critical=total_float <= 0,
        driving_predecessor=None,
        is_summary=summary,
    )


def small_bid() -> tuple[Plan, Schedule]:
    """Hand-made: 1 投标准备 (summary) > 1.1 需求分析 (Mon-Tue, critical, 50 % done),
    1.2 方案设计 (Mon, 1 day float), 1.3 标书提交 (milestone Wed); 2 风险评估 (late, -2 float)."""
    plan = Plan(
        name="华东电网投标",
        start=D(2027, 1, 4),
        tasks=[
            Task(id="p", name="投标准备", is_summary=True),
            Task(
                id="a",
                name="需求分析",
                duration=2,
                parent="p",
                percent_complete=50,
                owner="李雷",
                role="售前",
                budget=Decimal("12000.50"),
            ),
            Task(id="b", name="方案设计", duration=1, parent="p"),
            Task(id="m", name="标书提交", duration=0, parent="p"),
            Task(id="r", name="风险评估", duration=1),
        ],
        links=[
            Link("a", "m"),
            Link("b", "m"),
            Link("a", "r", LinkType.SS),
        ],
        status_date=D(2027, 1, 5),
        finish_deadline=D(2027, 1, 6),
    )
    schedule = Schedule(
        project_start=D(2027, 1, 4),
        project_finish=D(2027, 1, 8),
        duration=5,
        unit="day",
        tasks=[
            sched("a", D(2027, 1, 4), D(2027, 1, 5)),
            sched("b", D(2027, 1, 4), D(2027, 1, 4), 1),
            sched("m", D(2027, 1, 6), D(2027, 1, 6)),
            sched("r", D(2027, 1, 8), D(2027, 1, 8), -2),
        ],
    )
    return plan, schedule


def traces(figure):
    return {trace.name: trace for trace in figure.data}


def test_rows_follow_wbs_order_with_codes_and_indentation():
    plan, schedule = small_bid()
    rows = wbs_rows(plan, schedule)
    assert [(row.code, row.task.id, row.depth) for row in rows] == [
        ("1", "p", 0),
        ("1.1", "a", 1),
        ("1.2", "b", 1),
        ("1.3", "m", 1),
        ("2", "r", 0),
    ]
    # the summary spans its children: Mon 4 .. Wed 6
    assert (rows[0].start, rows[0].finish) == (D(2027, 1, 4), D(2027, 1, 6))
    ticks = bid_gantt(plan, schedule).layout.yaxis.ticktext
    assert ticks[0] == "<b>1 投标准备</b>"
    assert ticks[1].startswith("\u00a0") and ticks[1].endswith("1.1 需求分析")
    assert ticks[4].startswith("⚠")


def test_bars_are_coloured_by_criticality_with_inclusive_finish():
    plan, schedule = small_bid()
    by_name = traces(bid_gantt(plan, schedule))
    critical, normal = by_name[TRACE_CRITICAL], by_name[TRACE_TASK]
    assert critical.marker.color == theme.CRITICAL
    assert normal.marker.color == theme.NON_CRITICAL
    assert list(critical.y) == [1, 4]  # 需求分析 and 风险评估
    assert list(normal.y) == [2]
    # 需求分析 Mon 4 .. Tue 5 inclusive = 2 days wide, starting on the 4th
    assert critical.base[0] == "2027-01-04" and critical.x[0] == 2 * MS_PER_DAY
    assert normal.x[0] == MS_PER_DAY
    summary = by_name[TRACE_SUMMARY]
    assert list(summary.y) == [0] and summary.x[0] == 3 * MS_PER_DAY


def test_progress_milestone_negative_float_and_hover():
    plan, schedule = small_bid()
    extras = BidGanttExtras(actual_costs={"a": Decimal("800")})
    by_name = traces(bid_gantt(plan, schedule, extras))
    progress = by_name[TRACE_PROGRESS]
    assert list(progress.y) == [1] and progress.x[0] == MS_PER_DAY  # half of 2 days
    milestone = by_name[TRACE_MILESTONE] if TRACE_MILESTONE in by_name else None
    critical_milestones = [
        t for t in by_name.values() if t.type == "scatter" and t.marker.symbol == "diamond"
    ]
    assert milestone is None  # the only milestone is critical
    assert len(critical_milestones) == 1
    assert list(critical_milestones[0].x) == ["2027-01-06"]
    negative = by_name[TRACE_NEGATIVE_FLOAT]
    assert list(negative.y) == [4]
    hover = by_name[TRACE_CRITICAL].customdata[0]
    assert list(hover) == [
        "1.1 需求分析",
        "2027-01-04",
        "2027-01-05",
        "0",
        "0",
        "李雷",
        "售前",
        "12,000.50",
        "800.00",
    ]


def test_baseline_is_a_thin_bar_under_its_task():
    plan, schedule = small_bid()
    extras = BidGanttExtras(
        baseline={"a": Baseline(D(2027, 1, 4), D(2027, 1, 4))}, actual_costs={"a": Decimal(800)}
    )
    by_name = traces(bid_gantt(plan, schedule, extras))
    baseline = by_name[TRACE_BASELINE]
    assert 1 < baseline.y[0] < 2 and baseline.x[0] == MS_PER_DAY
    assert baseline.width < by_name[TRACE_CRITICAL].width


def test_dependency_arrows_are_one_trace_with_none_separators():
    plan, schedule = small_bid()
    by_name = traces(bid_gantt(plan, schedule))
    lines = by_name[TRACE_LINKS]
    assert list(lines.x).count(None) == 3
    # a -> m (FS): from the end of 需求分析 (start of Wed 6) down to the milestone on Wed 6
    assert list(lines.x[:4]) == ["2027-01-06", "2027-01-06", "2027-01-06", None]
    assert list(lines.y[:4]) == [1, 3, 3, None]  # down at the end of 需求分析, then across
    # a -> r (SS): from the start of 需求分析 to the start of 风险评估
    assert list(lines.x[8:11]) == ["2027-01-04", "2027-01-04", "2027-01-08"]
    assert len(by_name[TRACE_ARROWHEADS].x) == 3


def test_status_date_and_deadline_are_vertical_lines():
    plan, schedule = small_bid()
    shapes = bid_gantt(plan, schedule).layout.shapes
    assert [(shape.x0, shape.yref) for shape in shapes] == [
        ("2027-01-05", "paper"),
        ("2027-01-07", "paper"),  # the deadline day is included: the line is at its end
    ]


def test_script_names_are_escaped_for_plotly_labels():
    plan, schedule = small_bid()
    plan.tasks[1].name = "<script>alert(1)</script>"
    figure = bid_gantt(plan, schedule)
    text = json.dumps(figure.to_plotly_json(), ensure_ascii=False)
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in figure.layout.yaxis.ticktext[1]


def test_minute_plans_use_datetimes():
    start, finish = datetime(2027, 1, 4, 8), datetime(2027, 1, 4, 17)
    plan = Plan(
        name="MSPDI", start=start, unit="minute", tasks=[Task(id="1", name="x", duration=480)]
    )
    row = TaskSchedule("1", "x", start, finish, start, finish, start, finish, 0, 0, True, None)
    figure = bid_gantt(plan, Schedule(start, finish, 480, "minute", [row]))
    bar = traces(figure)[TRACE_CRITICAL]
    assert bar.base[0] == "2027-01-04 08:00" and bar.x[0] == 9 * 3_600_000


def test_period_plans_use_a_linear_axis():
    plan = Plan(name="j30", start=0, unit="period", tasks=[Task(id="1", name="x", duration=4)])
    row = TaskSchedule("1", "x", 2, 6, 2, 6, 2, 6, 0, 0, True, None)
    figure = bid_gantt(plan, Schedule(0, 6, 6, "period", [row]))
    assert figure.layout.xaxis.type == "linear"
    bar = traces(figure)[TRACE_CRITICAL]
    assert bar.base[0] == 2 and bar.x[0] == 4


def test_five_thousand_tasks_stay_a_handful_of_traces_and_under_3_mb():
    plan, schedule = chain_plan(5000)
    figure = bid_gantt(plan, schedule)
    assert len(figure.data) <= 12
    leaves = [t for t in plan.tasks if not t.is_summary]
    by_name = traces(figure)
    bars = len(by_name[TRACE_TASK].y) + len(by_name[TRACE_CRITICAL].y)
    diamonds = sum(
        len(t.x) for t in figure.data if t.type == "scatter" and t.marker.symbol == "diamond"
    )
    assert bars + diamonds == len(leaves) == 5000
    critical_ids = {row.id for row in schedule.tasks if row.critical and not row.is_summary}
    critical_rows = {int(y) for y in by_name[TRACE_CRITICAL].y}
    rows = wbs_rows(plan, schedule)
    assert {rows[y].task.id for y in critical_rows} == {
        t for t in critical_ids if not plan.task_index()[t].is_milestone
    }
    size = len(figure.to_json().encode())
    assert size <= 3_000_000
    assert len(by_name[TRACE_LINKS].x) == 4 * len(plan.links)


def test_cjk_text_and_font_are_in_the_figure():
    plan, schedule = small_bid()
    figure = bid_gantt(plan, schedule)
    assert "Noto Sans CJK SC" in figure.layout.font.family
    assert figure.layout.title.text == "华东电网投标"
    assert any("需求分析" in tick for tick in figure.layout.yaxis.ticktext)


def test_a_finish_driven_milestone_sits_at_the_end_of_its_driving_bar():
    """As wbs.cpm dates it: a milestone after an FS link carries its predecessor's finish date,
    so its diamond (and the arrow into it) is at the end of that day, where the bar ends."""
    plan = Plan(
        name="m",
        start=D(2027, 1, 4),
        tasks=[
            Task(id="a", name="标书编制", duration=2),
            Task(id="m", name="递交投标文件", duration=0),
            Task(id="k", name="启动会", duration=0),
        ],
        links=[Link("a", "m")],
    )
    driven = sched("m", D(2027, 1, 5), D(2027, 1, 5))
    driven.driving_predecessor = "a"
    schedule = Schedule(
        D(2027, 1, 4),
        D(2027, 1, 5),
        2,
        "day",
        [
            sched("a", D(2027, 1, 4), D(2027, 1, 5)),
            driven,
            sched("k", D(2027, 1, 4), D(2027, 1, 4)),
        ],
    )
    by_name = traces(bid_gantt(plan, schedule))
    bar = by_name[TRACE_CRITICAL]
    (diamonds,) = [t for t in figure_scatter(by_name) if t.marker.symbol == "diamond"]
    end_of_bar = "2027-01-06"  # 2027-01-04 + 2 days
    assert bar.x[0] == 2 * MS_PER_DAY and dict(zip(diamonds.y, diamonds.x)) == {
        1: end_of_bar,
        2: "2027-01-04",  # a milestone driven by nothing happens at the start of its day
    }
    assert list(by_name[TRACE_LINKS].x[:3]) == [end_of_bar] * 3


def figure_scatter(by_name):
    return [t for t in by_name.values() if t.type == "scatter"]


def test_today_line_and_every_row_of_a_bid_in_view():
    plan, schedule = chain_plan(58, group_size=8)
    layout = bid_gantt(plan, schedule, BidGanttExtras(today=D(2027, 1, 6))).layout
    rows = layout.meta["rows"]
    assert rows > 58 and layout.yaxis.range == (rows - 0.5, -0.5)  # every row, no panning
    assert layout.height >= rows * 24  # rows keep their height; the page scrolls
    today = [shape for shape in layout.shapes if shape.name == "Today 今天"]
    assert len(today) == 1 and today[0].x0 == "2027-01-06" and layout.meta["today"] == "2027-01-06"
    assert "Today 今天" in [note.text for note in layout.annotations]
