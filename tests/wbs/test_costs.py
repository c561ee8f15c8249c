"""Cost roll-ups, currency conversion, cost of pursuit, spending policy and alerts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wbs.costs import (
    AlertThresholds,
    BidCosts,
    CostFigures,
    CostLine,
    ExchangeRate,
    MissingRateError,
    RateTable,
    Severity,
    SpendingPolicy,
    WbsNode,
    approval_reasons,
    cost_alerts,
    figures_from_parts,
    pursuit_check,
    roll_up,
    roll_up_portfolio,
    sum_figures,
)

D = Decimal
ON = date(2027, 3, 1)


def test_line_figures_by_hand() -> None:
    """Budget 1,000, committed 300, actual 450: remaining 250, forecast 1,000 (the rest of the
    budget is expected to be spent); with an own estimate to complete of 400: forecast 1,150."""
    line = CostLine("t1", "travel", budget=D(1000), committed=D(300), actual=D(450))
    assert line.figures() == CostFigures(D(1000), D(300), D(450), D(250), D(1000))
    estimated = CostLine(
        "t1", "travel", budget=D(1000), committed=D(300), actual=D(450),
        estimate_to_complete=D(400),
    )  # fmt: skip
    assert estimated.figures().forecast == D(1150)
    overspent = figures_from_parts(D(100), D(0), D(180))
    assert (overspent.remaining, overspent.forecast) == (D(-80), D(180))


def test_roll_up_by_hand() -> None:
    nodes = [
        WbsNode("1"),
        WbsNode("1.1", "1"),
        WbsNode("1.2", "1"),
        WbsNode("1.2.1", "1.2"),
        WbsNode("2"),
    ]
    lines = [
        CostLine("1.1", "travel", budget=D(500), actual=D(200)),
        CostLine("1.2.1", "travel", budget=D(300), committed=D(100)),
        CostLine("1.2.1", "client_entertainment", budget=D(200), actual=D(260)),
        CostLine("2", "other", budget=D("99.99")),
    ]
    rollup = roll_up(nodes, lines)
    assert rollup.by_element["1.2"].budget == D(500)
    assert rollup.by_element["1"].budget == D(1000)
    assert rollup.by_element["1"].actual == D(460)
    # forecasts: 200 + 300 left; 100 + 200 left; 260 overspent (nothing left)
    assert rollup.by_element["1"].forecast == D(500) + D(300) + D(260)
    assert rollup.own["1"] == CostFigures()
    assert rollup.by_category["travel"].budget == D(800)
    assert rollup.by_category["client_entertainment"].remaining == D(-60)
    assert rollup.total.budget == D("1099.99")


def test_roll_up_rejects_bad_trees() -> None:
    with pytest.raises(ValueError, match="unknown WBS element"):
        roll_up([WbsNode("1")], [CostLine("9", "travel")])
    with pytest.raises(ValueError, match="unknown parent"):
        roll_up([WbsNode("1", "0")], [])
    with pytest.raises(ValueError, match="cycle: a -> b -> a"):
        roll_up([WbsNode("a", "b"), WbsNode("b", "a")], [])


@st.composite
def trees(draw: st.DrawFn) -> tuple[list[WbsNode], list[CostLine]]:
    count = draw(st.integers(min_value=1, max_value=25))
    nodes = [WbsNode("n0")]
    for index in range(1, count):
        parent = draw(st.none() | st.integers(min_value=0, max_value=index - 1))
        nodes.append(WbsNode(f"n{index}", None if parent is None else f"n{parent}"))
    amounts = st.decimals(min_value=0, max_value=10**6, places=2)
    lines = draw(
        st.lists(
            st.builds(
                CostLine,
                element_id=st.sampled_from([node.id for node in nodes]),
                category=st.sampled_from(["travel", "client_entertainment", "other"]),
                budget=amounts,
                committed=amounts,
                actual=amounts,
                estimate_to_complete=st.none() | amounts,
            ),
            max_size=40,
        )
    )
    return nodes, lines


@settings(max_examples=80, deadline=None)
@given(trees())
def test_roll_ups_are_exact(tree: tuple[list[WbsNode], list[CostLine]]) -> None:
    nodes, lines = tree
    rollup = roll_up(nodes, lines)
    everything = sum_figures(line.figures() for line in lines)
    assert rollup.total == everything
    assert sum_figures(rollup.by_category.values()) == everything
    assert sum_figures(rollup.by_element_category.values()) == everything
    for node in nodes:
        children = [child for child in nodes if child.parent == node.id]
        expected = rollup.own[node.id] + sum_figures(rollup.by_element[c.id] for c in children)
        assert rollup.by_element[node.id] == expected
        figures = rollup.by_element[node.id]
        assert figures.remaining == figures.budget - figures.committed - figures.actual
        assert figures.forecast >= figures.actual + figures.committed


def test_rate_table_direct_inverse_pivot_and_dates() -> None:
    table = RateTable(
        [
            ExchangeRate("USD", "CNY", D("7.10"), date(2027, 1, 1)),
            ExchangeRate("USD", "CNY", D("7.20"), date(2027, 2, 1)),
            ExchangeRate("EUR", "USD", D("1.10"), date(2027, 1, 1)),
        ]
    )
    assert table.convert(D(100), "USD", "CNY", date(2027, 1, 15)) == D("710.00")
    assert table.convert(D(100), "USD", "CNY", ON) == D("720.00")
    assert table.convert(D(720), "CNY", "USD", ON) == D("100.00")
    assert table.convert(D(100), "CNY", "USD", ON) == D("13.89")  # 100 / 7.2 = 13.888...
    assert table.convert(D(100), "EUR", "CNY", ON) == D("792.00")  # 100 x 1.1 x 7.2
    assert table.convert(D("12.345"), "CNY", "CNY", ON) == D("12.35")  # to_money rounding
    with pytest.raises(MissingRateError, match="JPY"):
        table.convert(D(1), "JPY", "CNY", ON)
    with pytest.raises(MissingRateError):
        table.convert(D(1), "USD", "CNY", date(2026, 12, 31))


currencies = st.sampled_from(["CNY", "USD", "EUR"])


@st.composite
def portfolios(draw: st.DrawFn) -> list[BidCosts]:
    amounts = st.decimals(min_value=0, max_value=10**7, places=2)
    bids = []
    for index in range(draw(st.integers(min_value=0, max_value=8))):
        categories = draw(
            st.dictionaries(
                st.sampled_from(["travel", "client_entertainment", "other"]),
                st.builds(figures_from_parts, amounts, amounts, amounts, st.none() | amounts),
                max_size=3,
            )
        )
        bids.append(
            BidCosts(
                f"b{index}", draw(st.sampled_from(["华信", "重工"])), draw(currencies), categories
            )
        )
    return bids


RATES = RateTable(
    [
        ExchangeRate("USD", "CNY", D("7.1234"), date(2027, 1, 1)),
        ExchangeRate("EUR", "CNY", D("7.7777"), date(2027, 1, 1)),
    ]
)


@settings(max_examples=40, deadline=None)
@given(portfolios(), currencies)
def test_portfolio_rolls_up_exactly(bids: list[BidCosts], currency: str) -> None:
    result = roll_up_portfolio(bids, RATES, currency, ON)
    assert result.total == sum_figures(result.by_bid.values())
    assert result.total == sum_figures(result.by_subsidiary.values())
    assert result.total == sum_figures(result.by_category.values())
    for bid in bids:
        assert result.by_bid[bid.bid_id] == sum_figures(result.by_bid_category[bid.bid_id].values())
        for category, figures in bid.by_category.items():
            converted = result.by_bid_category[bid.bid_id][category]
            exact = figures.budget * _rate(bid.currency, currency)
            assert abs(converted.budget - exact) <= D("0.005")
            assert converted.remaining == converted.budget - converted.committed - converted.actual
    for figures in [result.total, *result.by_bid.values()]:
        assert figures.remaining == figures.budget - figures.committed - figures.actual


def _rate(source: str, target: str) -> Decimal:
    to_cny = {"CNY": D(1), "USD": D("7.1234"), "EUR": D("7.7777")}
    return to_cny[source] / to_cny[target]


def test_pursuit_check_by_hand() -> None:
    """Value 2,000,000 at 50 % = 1,000,000 weighted; 60,000 is 6 % > 5 %; 40,000 is 4 %."""
    over = pursuit_check(D(60000), D(2000000), 50)
    assert over.weighted_value == D(1000000)
    assert over.ratio == D("0.06")
    assert over.over_threshold
    assert not pursuit_check(D(40000), D(2000000), 50).over_threshold
    assert not pursuit_check(D(60000), D(2000000), 50, threshold=D("0.08")).over_threshold
    assert pursuit_check(D(1), D(0), 0).over_threshold
    assert not pursuit_check(D(0), D(0), 0).over_threshold
    with pytest.raises(ValueError, match=r"0\.\.100"):
        pursuit_check(D(1), D(1), 101)


def test_approval_reasons() -> None:
    policy = SpendingPolicy(
        category_caps={"travel": D(1000)},
        element_caps={"wp1": D(500)},
        entertainment_threshold=D(2000),
    )
    kwargs = {"spent_in_category": D(900), "spent_in_element": D(0), "policy": policy}
    assert approval_reasons(element_id="wp2", category="travel", amount=D(100), **kwargs) == []
    assert approval_reasons(element_id="wp2", category="travel", amount=D("100.01"), **kwargs) == [
        "category_cap"
    ]
    assert approval_reasons(element_id="wp1", category="other", amount=D(501), **kwargs) == [
        "element_cap"
    ]
    assert approval_reasons(
        element_id="wp3", category="client_entertainment", amount=D("2000.01"), **kwargs
    ) == ["entertainment_threshold"]
    assert (
        approval_reasons(
            element_id="wp3", category="client_entertainment", amount=D(2000), **kwargs
        )
        == []
    )


def test_alerts() -> None:
    by_category = {
        "travel": figures_from_parts(D(1000), D(600), D(500)),  # spent 1,100 > 1,000: critical
        "other": figures_from_parts(D(1000), D(0), D(300), D(800)),  # forecast 1,100: warning
        "client_entertainment": figures_from_parts(D(1000), D(0), D(300)),  # fine
    }
    alerts = cost_alerts(
        "bid:7",
        cpi=D("0.80"),
        spi=D("0.90"),
        by_category=by_category,
        pursuit=pursuit_check(D(60000), D(2000000), 50),
        thresholds=AlertThresholds(),
    )
    found = {(alert.code, alert.subject): alert for alert in alerts}
    assert found[("CPI_LOW", "bid:7")].severity is Severity.CRITICAL
    assert found[("SPI_LOW", "bid:7")].severity is Severity.WARNING
    assert found[("CATEGORY_OVER_BUDGET", "bid:7/category:travel")].severity is Severity.CRITICAL
    assert found[("CATEGORY_OVER_BUDGET", "bid:7/category:other")].severity is Severity.WARNING
    assert ("CATEGORY_OVER_BUDGET", "bid:7/category:client_entertainment") not in found
    pursuit = found[("PURSUIT_OVER_THRESHOLD", "bid:7")]
    assert "6.0%" in pursuit.message_en and "投标成本" in pursuit.message_zh
    assert "差旅" in found[("CATEGORY_OVER_BUDGET", "bid:7/category:travel")].message_zh
    assert cost_alerts("bid:8", cpi=D(1), spi=None) == []


def test_alert_messages_name_the_bid_in_each_language():
    alerts = cost_alerts("bid:3", cpi=D("0.7"), label="东海地铁", label_en="Donghai Metro")
    assert alerts[0].message_zh.startswith("东海地铁：")
    assert alerts[0].message_en.startswith("Donghai Metro: cost performance index CPI 0.70")
    only_chinese = cost_alerts("bid:3", cpi=D("0.7"), label="东海地铁")
    assert only_chinese[0].message_en.startswith("东海地铁: ")
