"""Weighted pipeline, forecast and stage conversion on cases small enough to check by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from wbs.pipeline import (
    Outcome,
    PipelineBid,
    StageVisit,
    exact_percentiles,
    forecast,
    monte_carlo_percentiles,
    stage_report,
    weighted,
    weighted_pipeline,
)


def _bid(bid_id: int, value: str, p: int, **fields: object) -> PipelineBid:
    base: dict[str, object] = {
        "currency": "CNY",
        "expected_award": date(2027, 1, 15),
        "org_unit": "HXDS",
        "account": "metro",
        "product_line": "综合监控",
    }
    base.update(fields)
    return PipelineBid(bid_id, Decimal(value), probability_percent=p, **base)  # type: ignore[arg-type]


def test_weighted_value_rounds_half_up_to_the_cent() -> None:
    assert weighted(Decimal("100.00"), 33) == Decimal("33.00")
    assert weighted(Decimal("0.05"), 50) == Decimal("0.03")
    assert weighted(Decimal("1234.56"), 0) == Decimal("0.00")


def test_pipeline_by_month_sums_per_month_and_currency() -> None:
    bids = [
        _bid(1, "1000.00", 50),
        _bid(2, "200.00", 25, expected_award=date(2027, 1, 31)),
        _bid(3, "300.00", 10, currency="EUR"),
        _bid(4, "400.00", 60, expected_award=date(2027, 3, 1)),
        _bid(5, "50.00", 50, expected_award=None),
    ]
    rows = weighted_pipeline(bids, "month")
    summary = [(r.group, r.currency, r.bids, r.value, r.weighted_value) for r in rows]
    assert summary == [
        ("2027-01", "CNY", 2, Decimal("1200.00"), Decimal("550.00")),
        ("2027-01", "EUR", 1, Decimal("300.00"), Decimal("30.00")),
        ("2027-03", "CNY", 1, Decimal("400.00"), Decimal("240.00")),
        ("unscheduled", "CNY", 1, Decimal("50.00"), Decimal("25.00")),
    ]


def test_group_weighted_values_add_up_to_the_total_to_the_cent() -> None:
    bids = [_bid(i, "0.05", 50, org_unit=f"u{i % 2}") for i in range(1, 8)]
    rows = weighted_pipeline(bids, "org_unit")
    assert sum(r.weighted_value for r in rows) == sum(
        weighted(b.value, b.probability_percent) for b in bids
    )
    assert [r.bids for r in rows] == [3, 4]


def test_pipeline_by_product_line_names_missing_lines() -> None:
    rows = weighted_pipeline([_bid(1, "10.00", 50, product_line=None)], "product_line")
    assert [r.group for r in rows] == ["none"]


def test_forecast_of_two_even_bids() -> None:
    result = forecast([Outcome(Decimal("100"), 50, "CNY"), Outcome(Decimal("200"), 50, "CNY")])
    assert len(result) == 1
    cny = result[0]
    # totals 0, 100, 200, 300 with a quarter each
    assert cny.expected == Decimal("150.00")
    assert cny.variance == Decimal("12500.0000")
    assert cny.standard_deviation == Decimal("111.80")
    assert (cny.p10, cny.p50, cny.p90) == (Decimal("0.00"), Decimal("100.00"), Decimal("300.00"))
    assert cny.method == "exact"
    assert cny.total_value == Decimal("300")


def test_certain_and_hopeless_bids_have_no_spread() -> None:
    (cny,) = forecast([Outcome(Decimal("80.00"), 100, "CNY"), Outcome(Decimal("70.00"), 0, "CNY")])
    assert cny.variance == 0
    assert cny.p10 == cny.p50 == cny.p90 == cny.expected == Decimal("80.00")


def test_forecast_never_mixes_currencies() -> None:
    result = forecast([Outcome(Decimal("100"), 40, "EUR"), Outcome(Decimal("100"), 40, "CNY")])
    assert [(f.currency, f.bids, f.expected) for f in result] == [
        ("CNY", 1, Decimal("40.00")),
        ("EUR", 1, Decimal("40.00")),
    ]


def test_binomial_percentiles_exact_and_simulated_agree() -> None:
    # ten bids of 100 at 50 %: the total is 100 × Binomial(10, 1/2);
    # F(2) = 0.055, F(3) = 0.172, F(4) = 0.377, F(5) = 0.623, F(6) = 0.828, F(7) = 0.945
    outcomes = [Outcome(Decimal("100.00"), 50, "CNY")] * 10
    expected = [Decimal("300.00"), Decimal("500.00"), Decimal("700.00")]
    assert exact_percentiles(outcomes) == expected
    assert monte_carlo_percentiles(outcomes) == expected


def test_monte_carlo_is_used_above_the_exact_limit_and_is_repeatable() -> None:
    outcomes = [Outcome(Decimal(str(1000 + 37 * i)), 10 + 4 * i, "CNY") for i in range(14)]
    first, second = forecast(outcomes, exact_limit=5), forecast(outcomes, exact_limit=5)
    assert first == second
    assert first[0].method == "monte_carlo" and first[0].draws and first[0].seed is not None
    assert first[0].p10 <= first[0].p50 <= first[0].p90
    exact = forecast(outcomes)[0]
    assert exact.method == "exact"
    assert exact.expected == first[0].expected
    assert abs(exact.p50 - first[0].p50) <= Decimal("1500")


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _visit(bid: int, stage: str, start: int, end: int | None, outcome: str | None) -> StageVisit:
    left = T0 + timedelta(days=end) if end is not None else None
    return StageVisit(bid, stage, T0 + timedelta(days=start), left, outcome)


def test_stage_conversion_and_time_in_stage() -> None:
    visits = [
        _visit(1, "lead_in", 0, 2, "advanced"),
        _visit(1, "goals", 2, 5, "advanced"),
        _visit(1, "team", 5, None, None),
        _visit(2, "lead_in", 0, 4, "advanced"),
        _visit(2, "goals", 4, 8, "lost"),
    ]
    (report,) = stage_report(visits, lambda bid_id: "all")
    stats = {s.stage: s for s in report.stages}
    assert report.bids == 2
    lead_in, goals, team = stats["lead_in"], stats["goals"], stats["team"]
    assert (lead_in.bids_entered, lead_in.converted, lead_in.dropped) == (2, 2, 0)
    assert lead_in.conversion_percent == Decimal("100.0")
    assert lead_in.mean_days == Decimal("3.0")
    assert (goals.converted, goals.dropped, goals.conversion_percent) == (1, 1, Decimal("50.0"))
    assert goals.mean_days == Decimal("3.5")
    assert (team.bids_entered, team.undecided, team.conversion_percent) == (1, 1, None)
    assert team.mean_days is None and team.visits_ended == 0
    assert stats["plan"].bids_entered == 0


def test_a_bid_sent_back_still_converted_where_it_had_passed() -> None:
    visits = [
        _visit(1, "strategy", 0, 3, "advanced"),
        _visit(1, "plan", 3, 4, "sent_back"),
        _visit(1, "strategy", 4, 6, "advanced"),
        _visit(1, "plan", 6, 9, "advanced"),
        _visit(1, "execution", 9, 20, "won"),
    ]
    (report,) = stage_report(visits, lambda bid_id: "g")
    stats = {s.stage: s for s in report.stages}
    assert stats["strategy"].bids_entered == 1
    assert stats["strategy"].visits_ended == 2
    assert stats["strategy"].mean_days == Decimal("2.5")
    assert stats["execution"].converted == 1


def test_stage_report_groups_are_sorted_and_separate() -> None:
    visits = [_visit(1, "lead_in", 0, 1, "abandoned"), _visit(2, "lead_in", 0, 1, "advanced")]
    reports = stage_report(visits, {1: "工业", 2: "交通"}.__getitem__)
    assert [r.group for r in reports] == sorted(["工业", "交通"])
    by_group = {r.group: r.stages[0] for r in reports}
    assert by_group["工业"].conversion_percent == Decimal("0.0")
    assert by_group["交通"].conversion_percent == Decimal("100.0")


@pytest.mark.parametrize("p", [1, 37, 99])
def test_exact_percentiles_of_one_bid(p: int) -> None:
    (low, mid, high) = exact_percentiles([Outcome(Decimal("10.00"), p, "CNY")])
    # P(total = 0) = 1 − p: Pq is 0 exactly when 1 − p ≥ q
    assert low == (Decimal("0.00") if 100 - p >= 10 else Decimal("10.00"))
    assert mid == (Decimal("0.00") if 100 - p >= 50 else Decimal("10.00"))
    assert high == (Decimal("0.00") if 100 - p >= 90 else Decimal("10.00"))


def test_monte_carlo_sums_huge_values_without_overflow() -> None:
    largest = Decimal("9999999999999999.99")  # NUMERIC(18, 2)
    (result,) = forecast([Outcome(largest, 100, "CNY")] * 5, exact_limit=0)
    assert result.method == "monte_carlo"
    assert result.p10 == result.p50 == result.p90 == largest * 5


def test_forecast_of_the_largest_money_values_is_exact() -> None:
    """18-digit money: the variance has 36 digits, beyond Decimal's default 28."""
    top = Decimal("9999999999999999.99")
    outcomes = [
        Outcome(value=top, probability_percent=50, currency="CNY"),
        Outcome(value=Decimal("0.01"), probability_percent=1, currency="CNY"),
    ]
    (result,) = forecast(outcomes)
    # expected 4999999999999999.995 + 0.0001, to the cent
    assert result.expected == Decimal("5000000000000000.00")
    # variance: top² x 0.5 x 0.5 + 0.01² x 0.01 x 0.99 = ...0.00002599, to 4 places
    assert result.variance == Decimal("24999999999999999950000000000000.0000")
    assert result.p90 == top
