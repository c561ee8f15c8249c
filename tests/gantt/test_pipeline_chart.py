"""The weighted-pipeline bar chart: one value and one weighted bar per month and currency,
exact decimal strings, a separate axis per currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gantt.pipeline import VALUE_COLOUR, WEIGHTED_COLOUR, pipeline_bars
from wbs.pipeline import PipelineBid, weighted_pipeline


def _bid(bid_id: int, value: str, p: int, month: int, currency: str = "CNY") -> PipelineBid:
    return PipelineBid(bid_id, Decimal(value), currency, p, date(2027, month, 1), "u", "a", None)


def test_one_currency_gives_value_and_weighted_bars_per_month() -> None:
    rows = weighted_pipeline([_bid(1, "1000.10", 50, 3), _bid(2, "200.00", 25, 1)], "month")
    figure = pipeline_bars(rows)
    value, weighted = figure.data
    assert value.marker.color == VALUE_COLOUR and weighted.marker.color == WEIGHTED_COLOUR
    assert list(value.x) == ["2027-01", "2027-03"]
    assert list(value.y) == ["200.00", "1000.10"]
    assert list(weighted.y) == ["50.00", "500.05"]
    assert list(figure.layout.xaxis.categoryarray) == ["2027-01", "2027-03"]
    assert figure.layout.barmode == "group"


def test_each_currency_gets_its_own_axis_and_unscheduled_comes_last() -> None:
    bids = [
        _bid(1, "10.00", 50, 2),
        _bid(2, "30.00", 10, 2, currency="EUR"),
        PipelineBid(3, Decimal("5.00"), "CNY", 40, None, "u", "a", None),
    ]
    figure = pipeline_bars(weighted_pipeline(bids, "month"))
    axes = {trace.name: trace.yaxis for trace in figure.data}
    assert axes["Value 金额 (CNY)"] == "y" and axes["Value 金额 (EUR)"] == "y2"
    assert figure.layout.yaxis2.overlaying == "y"
    assert figure.layout.yaxis.title.text == "CNY" and figure.layout.yaxis2.title.text == "EUR"
    assert list(figure.layout.xaxis.categoryarray) == ["2027-02", "unscheduled"]


def test_an_empty_pipeline_draws_no_bars() -> None:
    assert pipeline_bars([]).data == ()
