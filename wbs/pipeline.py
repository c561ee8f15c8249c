"""The PMO's numbers: weighted pipeline, sales forecast with its spread, stage conversion.

Pure functions over plain dataclasses; money is ``Decimal`` throughout and nothing converts
currencies: every result is per currency, so a portfolio in CNY and EUR gives two rows, never a
silent sum.

Weighted pipeline
    A bid's weighted value is ``value × p`` (``p`` its effective win probability), rounded to
    the cent once per bid; a group's weighted value is the sum of its bids' rounded values, so
    the groups add up to the total to the cent.

Forecast
    Each open bid is an independent Bernoulli outcome: won (its full value) with probability
    ``p``, else nothing. Then ``expected = Σ value·p`` and ``variance = Σ value²·p·(1−p)``
    (exact decimals). The percentiles P10/P50/P90 are quantiles of the distribution of the
    total: ``Pq`` is the smallest total ``s`` with ``P(total ≤ s) ≥ q`` (so P10 is the
    cautious figure: the total is at least P10 with probability of about 90 %).
    Up to ``EXACT_LIMIT`` bids the distribution is computed exactly by convolution (integer
    cents, integer probability weights: no rounding at all); above it, by Monte Carlo with
    ``MONTE_CARLO_DRAWS`` draws from a fixed seed (``MONTE_CARLO_SEED``), so the same
    portfolio always gives the same figures. ``Forecast.method`` says which was used.

Stage history
    A bid's stage history is a list of visits (stage, entered, left, outcome). For each stage,
    ``converted`` counts the bids that entered it and left it forward (advanced), reached a
    later stage or were won;
    ``dropped`` those lost or abandoned while it was their furthest stage; the conversion rate is
    ``converted / (converted + dropped)`` (bids still undecided in the stage do not count).
    Time in stage is the mean length, in days, of the visits that have ended.

Example:
    >>> from decimal import Decimal
    >>> [f.expected for f in forecast([Outcome(Decimal("100.00"), 50, "CNY")])]
    [Decimal('50.00')]
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Literal

import numpy as np

from wbs.gates import STAGES

CENT = Decimal("0.01")
PERCENTILES = (10, 50, 90)
EXACT_LIMIT = 14
MONTE_CARLO_DRAWS = 20_000
MONTE_CARLO_SEED = 20_260_101
UNSCHEDULED = "unscheduled"
NONE_GROUP = "none"
GroupBy = Literal["month", "org_unit", "account", "product_line"]
CLOSED_OUTCOMES = frozenset({"won", "lost", "abandoned"})


def weighted(value: Decimal, probability_percent: int) -> Decimal:
    """``value × probability_percent / 100``, rounded half-up to the cent."""
    return (value * probability_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


# --- weighted pipeline ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PipelineBid:
    """An open bid as the pipeline sees it; ``expected_award`` None means not yet dated."""

    bid_id: int
    value: Decimal
    currency: str
    probability_percent: int
    expected_award: date | None
    org_unit: str
    account: str
    product_line: str | None


@dataclass(frozen=True, slots=True)
class PipelineRow:
    group: str
    currency: str
    bids: int
    value: Decimal
    weighted_value: Decimal


def group_key(bid: PipelineBid, group_by: GroupBy) -> str:
    """The group ``bid`` falls in: ``YYYY-MM`` of its expected award, or the named field."""
    if group_by == "month":
        award = bid.expected_award
        return f"{award.year:04d}-{award.month:02d}" if award is not None else UNSCHEDULED
    if group_by == "org_unit":
        return bid.org_unit
    if group_by == "account":
        return bid.account
    return bid.product_line or NONE_GROUP


def weighted_pipeline(bids: Iterable[PipelineBid], group_by: GroupBy) -> list[PipelineRow]:
    """One row per (group, currency), sorted by group then currency ("unscheduled" last)."""
    members: dict[tuple[str, str], list[PipelineBid]] = defaultdict(list)
    for bid in bids:
        members[(group_key(bid, group_by), bid.currency)].append(bid)
    ordered = sorted(members, key=lambda key: (key[0] == UNSCHEDULED, key[0], key[1]))
    return [
        PipelineRow(
            group=group,
            currency=currency,
            bids=len(members[(group, currency)]),
            value=sum((b.value for b in members[(group, currency)]), Decimal("0.00")),
            weighted_value=sum(
                (weighted(b.value, b.probability_percent) for b in members[(group, currency)]),
                Decimal("0.00"),
            ),
        )
        for group, currency in ordered
    ]


def totals_by_currency(bids: Iterable[PipelineBid]) -> list[PipelineRow]:
    """The whole pipeline, one row per currency (group "total")."""
    rows = weighted_pipeline(bids, "month")
    currencies = sorted({row.currency for row in rows})
    return [
        PipelineRow(
            group="total",
            currency=currency,
            bids=sum(r.bids for r in rows if r.currency == currency),
            value=sum((r.value for r in rows if r.currency == currency), Decimal("0.00")),
            weighted_value=sum(
                (r.weighted_value for r in rows if r.currency == currency), Decimal("0.00")
            ),
        )
        for currency in currencies
    ]


# --- forecast -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """A bid as a Bernoulli outcome: ``value`` won with ``probability_percent`` %."""

    value: Decimal
    probability_percent: int
    currency: str


@dataclass(frozen=True, slots=True)
class Forecast:
    currency: str
    bids: int
    total_value: Decimal
    expected: Decimal
    variance: Decimal
    standard_deviation: Decimal
    p10: Decimal
    p50: Decimal
    p90: Decimal
    method: Literal["exact", "monte_carlo"]
    draws: int | None = None
    seed: int | None = None


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def _from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def exact_percentiles(
    outcomes: Sequence[Outcome], percentiles: Sequence[int] = PERCENTILES
) -> list[Decimal]:
    """Quantiles of the total by exact convolution over integer cents and integer weights.

    The weight of an outcome combination is the product of ``p`` or ``100 − p`` (percent), out
    of ``100 ** n``; identical totals merge, so the support is at most ``2 ** n`` sums.
    """
    distribution: dict[int, int] = {0: 1}
    for outcome in outcomes:
        cents, p = _cents(outcome.value), outcome.probability_percent
        step: dict[int, int] = defaultdict(int)
        for total, weight in distribution.items():
            if p < 100:
                step[total] += weight * (100 - p)
            if p > 0:
                step[total + cents] += weight * p
        distribution = step
    whole = 100 ** len(outcomes)
    ordered = sorted(distribution.items())
    return [_from_cents(_quantile(ordered, whole, q)) for q in percentiles]


def _quantile(ordered: list[tuple[int, int]], whole: int, percent: int) -> int:
    cumulative = 0
    for total, weight in ordered:
        cumulative += weight
        if cumulative * 100 >= percent * whole:
            return total
    return ordered[-1][0]


def monte_carlo_percentiles(
    outcomes: Sequence[Outcome],
    percentiles: Sequence[int] = PERCENTILES,
    *,
    draws: int = MONTE_CARLO_DRAWS,
    seed: int = MONTE_CARLO_SEED,
) -> list[Decimal]:
    """Quantiles of the total over ``draws`` simulated portfolios (numpy, fixed ``seed``).

    Totals are summed in integer cents; the quantile rule is the exact one (smallest simulated
    total whose empirical cumulative share reaches ``q``).
    """
    amounts = [_cents(o.value) for o in outcomes]
    # 64-bit cents while no total can overflow them, else exact (slower) Python integers
    dtype: Any = np.int64 if sum(amounts) < 2**62 else object
    cents = np.array(amounts, dtype=dtype)
    chances = np.array([o.probability_percent / 100 for o in outcomes])
    generator = np.random.default_rng(seed)
    totals = np.empty(draws, dtype=dtype)
    chunk = max(1, 2_000_000 // max(1, len(outcomes)))
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        wins = generator.random((size, len(outcomes))) < chances
        totals[start : start + size] = wins.astype(dtype) @ cents
    totals.sort()
    return [_from_cents(int(totals[math.ceil(q * draws / 100) - 1])) for q in percentiles]


def _forecast_one(currency: str, outcomes: Sequence[Outcome], exact_limit: int) -> Forecast:
    with localcontext() as context:
        context.prec = 80
        expected = sum((o.value * o.probability_percent / 100 for o in outcomes), Decimal(0))
        variance = sum(
            (
                o.value**2 * o.probability_percent * (100 - o.probability_percent) / 10_000
                for o in outcomes
            ),
            Decimal(0),
        )
        deviation = variance.sqrt()
        # quantized under the same wide context: money of 18 digits squared needs 36
        variance = variance.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        expected = expected.quantize(CENT, rounding=ROUND_HALF_UP)
        deviation = deviation.quantize(CENT, rounding=ROUND_HALF_UP)
    exact = len(outcomes) <= exact_limit
    quantiles = exact_percentiles(outcomes) if exact else monte_carlo_percentiles(outcomes)
    return Forecast(
        currency=currency,
        bids=len(outcomes),
        total_value=sum((o.value for o in outcomes), Decimal("0.00")),
        expected=expected,
        variance=variance,
        standard_deviation=deviation,
        p10=quantiles[0],
        p50=quantiles[1],
        p90=quantiles[2],
        method="exact" if exact else "monte_carlo",
        draws=None if exact else MONTE_CARLO_DRAWS,
        seed=None if exact else MONTE_CARLO_SEED,
    )


def forecast(outcomes: Iterable[Outcome], *, exact_limit: int = EXACT_LIMIT) -> list[Forecast]:
    """One forecast per currency (sorted by currency code)."""
    by_currency: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_currency[outcome.currency].append(outcome)
    return [
        _forecast_one(currency, by_currency[currency], exact_limit)
        for currency in sorted(by_currency)
    ]


# --- stage history --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StageVisit:
    """One stay of a bid in a stage. ``outcome``: advanced, sent_back, won, lost, abandoned, or
    None while the bid is still there."""

    bid_id: int
    stage: str
    entered_at: datetime
    left_at: datetime | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class StageStats:
    stage: str
    bids_entered: int
    converted: int
    dropped: int
    undecided: int
    conversion_percent: Decimal | None
    visits_ended: int
    mean_days: Decimal | None


@dataclass(frozen=True, slots=True)
class StageGroupReport:
    group: str
    bids: int
    stages: tuple[StageStats, ...]


def _days(visit: StageVisit) -> Decimal:
    assert visit.left_at is not None
    seconds = Decimal((visit.left_at - visit.entered_at).total_seconds())
    return seconds / 86_400


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _percent(part: int, whole: int) -> Decimal | None:
    return _tenth(Decimal(100 * part) / whole) if whole else None


def _stage_stats(stage: str, visits_by_bid: dict[int, list[StageVisit]]) -> StageStats:
    position = STAGES.index(stage)
    entered = converted = dropped = 0
    durations: list[Decimal] = []
    for visits in visits_by_bid.values():
        here = [v for v in visits if v.stage == stage]
        if not here:
            continue
        entered += 1
        durations.extend(_days(v) for v in here if v.left_at is not None)
        furthest = max(STAGES.index(v.stage) for v in visits)
        outcomes = {v.outcome for v in visits}
        passed = any(v.outcome == "advanced" for v in here)
        if passed or "won" in outcomes or furthest > position:
            converted += 1
        elif outcomes & {"lost", "abandoned"}:
            dropped += 1
    mean = _tenth(sum(durations, Decimal(0)) / len(durations)) if durations else None
    return StageStats(
        stage=stage,
        bids_entered=entered,
        converted=converted,
        dropped=dropped,
        undecided=entered - converted - dropped,
        conversion_percent=_percent(converted, converted + dropped),
        visits_ended=len(durations),
        mean_days=mean,
    )


def stage_report(
    visits: Iterable[StageVisit], group_of: Callable[[int], str]
) -> list[StageGroupReport]:
    """Per group (``group_of(bid_id)``, sorted), the statistics of every stage in order."""
    grouped: dict[str, dict[int, list[StageVisit]]] = defaultdict(lambda: defaultdict(list))
    for visit in visits:
        if visit.stage in STAGES:
            grouped[group_of(visit.bid_id)][visit.bid_id].append(visit)
    return [
        StageGroupReport(
            group=group,
            bids=len(grouped[group]),
            stages=tuple(_stage_stats(stage, grouped[group]) for stage in STAGES),
        )
        for group in sorted(grouped)
    ]
