"""Portfolio, resource load and S-curve figures against hand-computed examples."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gantt import theme
from gantt.axis import MS_PER_DAY
from gantt.load import TRACE_OVERLOAD, Assignment, load_chart, weekly_loads
from gantt.portfolio import (
    TRACE_DEADLINES,
    TRACE_GATES,
    PortfolioBid,
    StageGate,
    portfolio_gantt,
    portfolio_rows,
)
from gantt.scurve import TRACE_AC, TRACE_EV, TRACE_PV, scurve

D = date


@dataclass(frozen=True)
class SeriesPoint:  # the shape of wbs.evm.SeriesPoint
    on: date
    pv: Decimal
    ev: Decimal | None
    ac: Decimal | None


def bids() -> list[PortfolioBid]:
    return [
        PortfolioBid(
            1,
            "国网江苏 2027 框架",
            "华东子公司",
            D(2027, 1, 4),
            D(2027, 1, 15),
            stage="strategy",
            health="red",
            lead="lead1",
            submission_deadline=D(2027, 1, 14),
            gates=(
                StageGate("Go/No-go", D(2027, 1, 6), passed=True),
                StageGate("Bid", D(2027, 1, 14)),
            ),
        ),
        PortfolioBid(2, "Shell retail", "East", D(2027, 2, 1), D(2027, 2, 1), stage="plan"),
        PortfolioBid(3, "<script>alert(1)</script>", "华东子公司", D(2027, 1, 1), D(2027, 1, 2)),
    ]


def test_portfolio_rows_are_grouped_with_headers_and_sorted_by_start():
    rows = portfolio_rows(bids())
    assert [bid.id if bid else label for label, bid in rows] == [
        "<b>East</b>",
        2,
        "<b>华东子公司</b>",
        3,
        1,
    ]
    assert "&lt;script&gt;" in rows[3][0]


def test_portfolio_colours_by_stage_and_links_to_the_bid():
    figure = portfolio_gantt(bids())
    bars = {trace.name: trace for trace in figure.data if trace.type == "bar"}
    assert set(bars) == {"Lead-in 立项", "Strategy 策略", "Plan 计划"}
    strategy = bars["Strategy 策略"]
    assert strategy.marker.color == theme.STAGE_COLOURS["strategy"]
    assert list(strategy.y) == [4]
    assert strategy.customdata[0][0] == "/bids/1"
    assert strategy.base[0] == "2027-01-04" and strategy.x[0] == 12 * MS_PER_DAY
    named = {trace.name: trace for trace in figure.data}
    assert list(named[TRACE_GATES].x) == ["2027-01-06", "2027-01-14"]
    assert list(named[TRACE_GATES].marker.symbol) == ["diamond", "diamond-open"]
    assert list(named[TRACE_DEADLINES].x) == ["2027-01-14"]


def test_portfolio_colours_by_health():
    figure = portfolio_gantt(bids(), colour_by="health")
    bars = {trace.name: trace for trace in figure.data if trace.type == "bar"}
    assert bars["Late 延误"].marker.color == theme.HEALTH_COLOURS["red"]
    assert len(bars["Unknown 未知"].y) == 2


def test_portfolio_of_300_bids_is_a_handful_of_traces():
    many = [
        PortfolioBid(i, f"投标 {i}", f"子公司 {i % 6}", D(2027, 1, 1 + i % 28), D(2027, 3, 1))
        for i in range(300)
    ]
    figure = portfolio_gantt(many)
    assert len(figure.data) <= 10
    assert sum(len(t.y) for t in figure.data if t.type == "bar") == 300


def test_weekly_load_hand_computed():
    loads = weekly_loads(
        [
            Assignment("王芳", D(2027, 1, 4), D(2027, 1, 8), 1.0),  # Mon-Fri: 5 unit-days
            Assignment("王芳", D(2027, 1, 6), D(2027, 1, 12), 0.5),  # Wed-Fri 1.5, Mon-Tue 1.0
            Assignment("Tom", D(2027, 1, 9), D(2027, 1, 10), 1.0),  # a weekend: no load
        ]
    )
    assert [(w.person, w.week, w.load_percent) for w in loads] == [
        ("王芳", D(2027, 1, 4), 130.0),
        ("王芳", D(2027, 1, 11), 20.0),
    ]
    assert loads[0].over_allocated and not loads[1].over_allocated


def test_load_chart_marks_over_allocation():
    loads = weekly_loads(
        [
            Assignment("王芳", D(2027, 1, 4), D(2027, 1, 8), 1.0),
            Assignment("王芳", D(2027, 1, 4), D(2027, 1, 4), 1.0),
            Assignment("李雷", D(2027, 1, 18), D(2027, 1, 18), 1.0),
        ]
    )
    figure = load_chart(loads)
    heatmap = figure.data[0]
    assert list(heatmap.x) == ["2027-01-04", "2027-01-11", "2027-01-18"]
    assert list(heatmap.y) == ["李雷", "王芳"]
    assert heatmap.z[1][0] == 120.0 and heatmap.z[1][1] is None and heatmap.z[0][2] == 20.0
    over = {t.name: t for t in figure.data}[TRACE_OVERLOAD]
    assert list(over.x) == ["2027-01-04"] and list(over.y) == ["王芳"]


def test_scurve_lines_stop_at_the_status_date():
    points = [
        SeriesPoint(D(2027, 1, 10), Decimal("100"), Decimal("80"), Decimal("90")),
        SeriesPoint(D(2027, 1, 17), Decimal("250.5"), Decimal("200"), Decimal("260")),
        SeriesPoint(D(2027, 1, 24), Decimal("400"), None, None),
    ]
    figure = scurve(points, status_date=D(2027, 1, 17), budget_at_completion=Decimal(400))
    by_name = {trace.name: trace for trace in figure.data}
    assert list(by_name[TRACE_PV].y) == ["100.00", "250.50", "400.00"]
    assert list(by_name[TRACE_EV].x) == ["2027-01-10", "2027-01-17"]
    assert list(by_name[TRACE_AC].y) == ["90.00", "260.00"]
    assert figure.layout.shapes[0].x0 == "2027-01-17"
