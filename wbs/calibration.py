"""Estimate calibration from closed bids: actual vs planned per template element.

For every template element (``extra["template_code"]`` of a decomposed task) the closed bids'
ratios ``actual / planned`` of durations and of costs give a median ratio and a spread (the
interquartile range, p25..p75, by the median-of-halves method). With at least ``min_samples``
observations an element's medians become :class:`wbs.decompose.ElementCalibration` factors the
decomposer multiplies into durations and budget weights. :func:`worst_planned` ranks the
elements planned most wrongly (largest ``|median - 1|``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from wbs.decompose import ElementCalibration

RATIO_PLACES = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class ElementActual:
    """One closed bid's plan and outcome for one template element."""

    template_code: str
    planned_days: int
    actual_days: int
    planned_cost: Decimal | None = None
    actual_cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RatioStats:
    count: int
    median: Decimal
    p25: Decimal
    p75: Decimal

    @property
    def spread(self) -> Decimal:
        return self.p75 - self.p25


@dataclass(frozen=True, slots=True)
class ElementStats:
    template_code: str
    duration: RatioStats | None
    cost: RatioStats | None


def _median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def ratio_stats(ratios: Sequence[Decimal]) -> RatioStats | None:
    """Median and interquartile range of ``ratios`` (None when empty)."""
    if not ratios:
        return None
    ordered = sorted(ratios)
    half = len(ordered) // 2
    lower = ordered[:half] if half else ordered
    upper = ordered[len(ordered) - half :] if half else ordered
    return RatioStats(
        count=len(ordered),
        median=_median(ordered).quantize(RATIO_PLACES),
        p25=_median(lower).quantize(RATIO_PLACES),
        p75=_median(upper).quantize(RATIO_PLACES),
    )


def calibrate(actuals: Iterable[ElementActual]) -> dict[str, ElementStats]:
    """Per template element, the duration and cost ratio statistics."""
    durations: dict[str, list[Decimal]] = {}
    costs: dict[str, list[Decimal]] = {}
    for actual in actuals:
        durations.setdefault(actual.template_code, [])
        costs.setdefault(actual.template_code, [])
        if actual.planned_days > 0:
            ratio = Decimal(actual.actual_days) / Decimal(actual.planned_days)
            durations[actual.template_code].append(ratio)
        if actual.planned_cost and actual.actual_cost is not None and actual.planned_cost > 0:
            costs[actual.template_code].append(actual.actual_cost / actual.planned_cost)
    return {
        code: ElementStats(code, ratio_stats(durations[code]), ratio_stats(costs[code]))
        for code in sorted(durations)
    }


def calibration_factors(
    stats: Mapping[str, ElementStats], min_samples: int = 3
) -> dict[str, ElementCalibration]:
    """The decomposer's factors: medians of elements with at least ``min_samples`` bids."""
    factors: dict[str, ElementCalibration] = {}
    for code, element in stats.items():
        duration = element.duration
        cost = element.cost
        duration_ratio = (
            duration.median if duration and duration.count >= min_samples else Decimal(1)
        )
        cost_ratio = cost.median if cost and cost.count >= min_samples else Decimal(1)
        if duration_ratio != 1 or cost_ratio != 1:
            factors[code] = ElementCalibration(duration_ratio, cost_ratio)
    return factors


def worst_planned(stats: Mapping[str, ElementStats], limit: int = 10) -> list[ElementStats]:
    """The elements whose duration or cost medians are furthest from 1, worst first."""

    def error(element: ElementStats) -> Decimal:
        medians = [s.median for s in (element.duration, element.cost) if s is not None]
        return max((abs(median - 1) for median in medians), default=Decimal(0))

    ranked = sorted(stats.values(), key=lambda element: (-error(element), element.template_code))
    return ranked[:limit]
