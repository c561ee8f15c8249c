"""Earned value management (EVM) and earned schedule at a status date.

Plain data in, plain data out; money is ``Decimal`` throughout, never float.

Conventions
-----------
- An element's budget is spread linearly over its planned *working days* (``planned_start`` to
  ``planned_finish``, both inclusive), cent-exact by largest remainder (``wbs.money.allocate``),
  so the planned value of every element at its finish is exactly its budget. An element with no
  working day in its window (a milestone) plans its whole budget on ``planned_finish``.
- "At a status date" means at the END of that day: work planned, earned or paid on the status
  date itself counts.
- Money figures (PV, EV, AC, SV, CV, EAC, ETC, VAC) are quantised to the cent. Indices (SPI, CPI,
  TCPI, SPI(t)) are exact ``Decimal`` quotients of those cent figures; round them only to show
  them. A quotient with a zero denominator is ``None`` (undefined), never an exception.
- Earned schedule (Lipke) counts time in working days of the project's working-day axis, which
  starts on the earliest planned start: ``AT`` = working days from that start through the status
  date, ``ES = C + (EV - PV_C) / (PV_{C+1} - PV_C)`` where ``C`` is the last day whose cumulative
  PV does not exceed EV.

Example
-------
>>> from datetime import date
>>> from decimal import Decimal
>>> side = EvElement("side-1", Decimal(1000), date(2027, 1, 4), date(2027, 1, 4),
...                  percent_complete=Decimal(100),
...                  actual_costs=(DatedCost(date(2027, 1, 4), Decimal(1200)),))
>>> figures = evm([side], date(2027, 1, 4))
>>> (figures.pv, figures.ev, figures.ac, figures.cv)
(Decimal('1000.00'), Decimal('1000.00'), Decimal('1200.00'), Decimal('-200.00'))
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from wbs.money import allocate, to_money

WorkdayPredicate = Callable[[date], bool]

ZERO = Decimal(0)
HUNDRED = Decimal(100)
HALF = Decimal("0.5")


def weekdays_only(day: date) -> bool:
    """The default working-day rule: Monday to Friday."""
    return day.weekday() < 5


class EvTechnique(StrEnum):
    """How an element earns its budget."""

    PERCENT_COMPLETE = "percent_complete"  # budget x physical percent complete
    ZERO_HUNDRED = "0/100"  # nothing until finished, then all
    FIFTY_FIFTY = "50/50"  # half when started, the rest when finished
    WEIGHTED_MILESTONES = "weighted_milestones"  # the weights of the milestones achieved


class EacMethod(StrEnum):
    """The standard estimate-at-completion formulas, by name."""

    BAC_OVER_CPI = "BAC/CPI"  # the current cost efficiency continues
    AC_PLUS_REMAINING_BUDGET = "AC+(BAC-EV)"  # the remaining work goes as budgeted
    AC_PLUS_REMAINING_OVER_CPI_SPI = "AC+(BAC-EV)/(CPI*SPI)"  # cost and schedule both weigh
    AC_PLUS_BOTTOM_UP_ETC = "AC+ETC"  # a fresh bottom-up estimate of the remaining work


@dataclass(frozen=True, slots=True)
class WeightedMilestone:
    name: str
    weight: Decimal
    achieved_on: date | None = None


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    """The percent complete an element had reported by the end of ``on``."""

    on: date
    percent_complete: Decimal


@dataclass(frozen=True, slots=True)
class DatedCost:
    """An actual cost booked on a date, in the reporting currency."""

    on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class EvElement:
    """One WBS element (work package or task) as EVM sees it.

    ``percent_complete`` is the current physical progress (0..100) at the status date;
    ``progress`` optionally holds earlier reports, used for the EV of past dates in the series.
    ``estimate_to_complete`` is a bottom-up estimate of the element's remaining cost.
    """

    id: str
    budget: Decimal
    planned_start: date
    planned_finish: date
    technique: EvTechnique = EvTechnique.PERCENT_COMPLETE
    percent_complete: Decimal = ZERO
    actual_start: date | None = None
    actual_finish: date | None = None
    progress: tuple[ProgressPoint, ...] = ()
    milestones: tuple[WeightedMilestone, ...] = ()
    actual_costs: tuple[DatedCost, ...] = ()
    estimate_to_complete: Decimal | None = None


@dataclass(frozen=True, slots=True)
class EvmFigures:
    """Earned value figures at ``status_date`` (see the module docstring for conventions)."""

    status_date: date
    bac: Decimal
    pv: Decimal
    ev: Decimal
    ac: Decimal
    sv: Decimal
    cv: Decimal
    spi: Decimal | None
    cpi: Decimal | None
    eac_method: EacMethod
    eac: Decimal | None
    eac_by_method: dict[EacMethod, Decimal | None]
    etc: Decimal | None
    vac: Decimal | None
    tcpi_bac: Decimal | None
    tcpi_eac: Decimal | None
    earned_schedule_days: Decimal | None
    actual_time_days: int
    spi_t: Decimal | None
    sv_t_days: Decimal | None
    percent_complete: Decimal | None  # EV / BAC x 100
    percent_spent: Decimal | None  # AC / BAC x 100


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """Cumulative PV, EV and AC at the end of ``on``; EV and AC are None after the status date."""

    on: date
    pv: Decimal
    ev: Decimal | None
    ac: Decimal | None


@dataclass(slots=True)
class _DailyPlan:
    days: list[date] = field(default_factory=list)
    cumulative: list[Decimal] = field(default_factory=list)

    def value_at(self, on: date) -> Decimal:
        position = bisect.bisect_right(self.days, on)
        return self.cumulative[position - 1] if position else ZERO


# One line per figure, in Chinese and English, for reports and the README.
EXPLANATIONS: dict[str, tuple[str, str]] = {
    "bac": (
        "完工预算：全部工作的计划成本",
        "Budget at completion: the planned cost of all work",
    ),
    "pv": (
        "计划价值：截至状态日期应完成工作的预算",
        "Planned value: budget of the work scheduled by the status date",
    ),
    "ev": (
        "挣值：截至状态日期实际完成工作的预算",
        "Earned value: budget of the work actually done by the status date",
    ),
    "ac": (
        "实际成本：截至状态日期已发生的成本",
        "Actual cost: what the work done so far has cost",
    ),
    "sv": (
        "进度偏差 = EV − PV，负数表示落后",
        "Schedule variance = EV − PV; negative means behind schedule",
    ),
    "cv": (
        "成本偏差 = EV − AC，负数表示超支",
        "Cost variance = EV − AC; negative means over budget",
    ),
    "spi": (
        "进度绩效指数 = EV ÷ PV，小于 1 表示落后",
        "Schedule performance index = EV ÷ PV; below 1 means behind",
    ),
    "cpi": (
        "成本绩效指数 = EV ÷ AC，小于 1 表示超支",
        "Cost performance index = EV ÷ AC; below 1 means over budget",
    ),
    "eac": (
        "完工估算：按所选公式预测的总成本",
        "Estimate at completion: the forecast total cost by the chosen formula",
    ),
    "etc": (
        "完工尚需估算 = EAC − AC",
        "Estimate to complete = EAC − AC: what the rest will cost",
    ),
    "vac": (
        "完工偏差 = BAC − EAC，负数表示预计超支",
        "Variance at completion = BAC − EAC; negative means a forecast overrun",
    ),
    "tcpi_bac": (
        "完工尚需绩效指数（按 BAC）=(BAC − EV) ÷ (BAC − AC)",
        "To-complete performance index to BAC = (BAC − EV) ÷ (BAC − AC)",
    ),
    "tcpi_eac": (
        "完工尚需绩效指数（按 EAC）=(BAC − EV) ÷ (EAC − AC)",
        "To-complete performance index to EAC = (BAC − EV) ÷ (EAC − AC)",
    ),
    "earned_schedule_days": (
        "挣得进度：EV 按计划应在第几个工作日达到",
        "Earned schedule: the working day by which the plan reached today's EV",
    ),
    "actual_time_days": (
        "实际时间：从开工到状态日期的工作日数",
        "Actual time: working days from the start to the status date",
    ),
    "spi_t": (
        "时间进度绩效指数 = ES ÷ AT",
        "Time-based schedule performance index = ES ÷ AT",
    ),
    "sv_t_days": (
        "时间进度偏差 = ES − AT（工作日）",
        "Time-based schedule variance = ES − AT, in working days",
    ),
    "percent_complete": (
        "完成百分比 = EV ÷ BAC",
        "Percent complete = EV ÷ BAC",
    ),
    "percent_spent": (
        "花费百分比 = AC ÷ BAC",
        "Percent spent = AC ÷ BAC",
    ),
}


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return None if denominator == 0 else numerator / denominator


def _working_days(first: date, last: date, is_working_day: WorkdayPredicate) -> list[date]:
    days: list[date] = []
    day = first
    while day <= last:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


@functools.lru_cache(maxsize=8192)
def _daily_plan(element: EvElement, is_working_day: WorkdayPredicate) -> _DailyPlan:
    """The element's cumulative plan per working day (cached: evm, series and roll-ups share it)."""
    days = _working_days(element.planned_start, element.planned_finish, is_working_day)
    if not days:
        days = [element.planned_finish]
    plan = _DailyPlan(days=days)
    running = ZERO
    for amount in allocate(element.budget, [1] * len(days)):
        running += amount
        plan.cumulative.append(running)
    return plan


def planned_value(
    element: EvElement, on: date, is_working_day: WorkdayPredicate = weekdays_only
) -> Decimal:
    """The element's budget scheduled by the end of ``on`` (linear over its working days)."""
    return _daily_plan(element, is_working_day).value_at(on)


def percent_complete_at(element: EvElement, on: date, status_date: date) -> Decimal:
    """The element's progress by the end of ``on`` (its current one from the status date on)."""
    if element.actual_finish is not None and element.actual_finish <= on:
        return HUNDRED
    if on >= status_date:
        return element.percent_complete
    reported = [point for point in element.progress if point.on <= on]
    if not reported:
        return ZERO
    return max(reported, key=lambda point: point.on).percent_complete


def _started_by(element: EvElement, on: date, percent: Decimal) -> bool:
    if element.actual_start is not None:
        return element.actual_start <= on
    return percent > 0


def earned_value(element: EvElement, on: date, status_date: date) -> Decimal:
    """What the element has earned by the end of ``on``, by its EV technique.

    Raises
    ------
    ValueError
        for a weighted-milestones element without milestones or with a zero total weight.
    """
    percent = percent_complete_at(element, on, status_date)
    if element.technique is EvTechnique.PERCENT_COMPLETE:
        share = min(max(percent, ZERO), HUNDRED) / HUNDRED
    elif element.technique is EvTechnique.ZERO_HUNDRED:
        share = Decimal(1) if percent >= HUNDRED else ZERO
    elif element.technique is EvTechnique.FIFTY_FIFTY:
        if percent >= HUNDRED:
            share = Decimal(1)
        else:
            share = HALF if _started_by(element, on, percent) else ZERO
    else:
        share = _milestone_share(element, on)
    return to_money(element.budget * share)


def _milestone_share(element: EvElement, on: date) -> Decimal:
    total = sum((milestone.weight for milestone in element.milestones), ZERO)
    if total <= 0:
        raise ValueError(
            f"element {element.id!r}: weighted milestones need a positive total weight"
        )
    achieved = sum(
        (
            milestone.weight
            for milestone in element.milestones
            if milestone.achieved_on is not None and milestone.achieved_on <= on
        ),
        ZERO,
    )
    return achieved / total


def actual_cost(element: EvElement, on: date) -> Decimal:
    """The element's actual cost booked by the end of ``on``."""
    return to_money(sum((cost.amount for cost in element.actual_costs if cost.on <= on), ZERO))


def _project_days(
    elements: Sequence[EvElement], until: date, is_working_day: WorkdayPredicate
) -> list[date]:
    first = min(element.planned_start for element in elements)
    return _working_days(first, until, is_working_day)


def _cumulative_plan(
    daily_plans: Sequence[_DailyPlan], project_days: Sequence[date]
) -> list[Decimal]:
    """Cumulative PV at the end of each project day (index 0 = before the first day)."""
    increments: dict[date, Decimal] = {}
    for plan in daily_plans:
        previous = ZERO
        for day, running in zip(plan.days, plan.cumulative, strict=True):
            increments[day] = increments.get(day, ZERO) + running - previous
            previous = running
    planned = sorted(increments.items())
    cumulative = [ZERO]
    position = 0
    for day in project_days:
        total = cumulative[-1]
        while position < len(planned) and planned[position][0] <= day:
            total += planned[position][1]
            position += 1
        cumulative.append(total)
    return cumulative


def _earned_schedule(
    daily_plans: Sequence[_DailyPlan], project_days: Sequence[date], earned: Decimal
) -> Decimal:
    cumulative = _cumulative_plan(daily_plans, project_days)
    completed_days = bisect.bisect_right(cumulative, earned) - 1
    if completed_days >= len(project_days):
        return Decimal(completed_days)
    step = cumulative[completed_days + 1] - cumulative[completed_days]
    return Decimal(completed_days) + (earned - cumulative[completed_days]) / step


def _eac_by_method(
    bac: Decimal,
    ev: Decimal,
    ac: Decimal,
    cpi: Decimal | None,
    spi: Decimal | None,
    bottom_up_etc: Decimal | None,
) -> dict[EacMethod, Decimal | None]:
    remaining_budget = bac - ev
    by_cpi = None if cpi is None or cpi == 0 else to_money(bac / cpi)
    efficiency = None if cpi is None or spi is None else cpi * spi
    by_both = (
        None
        if efficiency is None or efficiency == 0
        else to_money(ac + remaining_budget / efficiency)
    )
    return {
        EacMethod.BAC_OVER_CPI: by_cpi,
        EacMethod.AC_PLUS_REMAINING_BUDGET: to_money(ac + remaining_budget),
        EacMethod.AC_PLUS_REMAINING_OVER_CPI_SPI: by_both,
        EacMethod.AC_PLUS_BOTTOM_UP_ETC: None
        if bottom_up_etc is None
        else to_money(ac + bottom_up_etc),
    }


def _bottom_up_etc(elements: Sequence[EvElement], earned: Sequence[Decimal]) -> Decimal | None:
    """Sum of the elements' own ETCs; an element without one keeps its unearned budget."""
    if all(element.estimate_to_complete is None for element in elements):
        return None
    total = ZERO
    for element, element_ev in zip(elements, earned, strict=True):
        fallback = element.budget - element_ev
        total += fallback if element.estimate_to_complete is None else element.estimate_to_complete
    return total


def evm(
    elements: Sequence[EvElement],
    status_date: date,
    *,
    eac_method: EacMethod = EacMethod.BAC_OVER_CPI,
    is_working_day: WorkdayPredicate = weekdays_only,
) -> EvmFigures:
    """Earned value, earned schedule and forecasts of ``elements`` at the end of ``status_date``.

    Parameters
    ----------
    elements:
        the WBS elements carrying budget (summaries left out: their budget is their children's).
    status_date:
        the data date; progress and costs up to and including it count.
    eac_method:
        which formula gives ``eac``, ``etc`` and ``vac``; all four are in ``eac_by_method``.
    is_working_day:
        the calendar used to spread budgets and count earned-schedule time.

    Returns
    -------
    EvmFigures
        every figure named as in the PMI standard; undefined quotients are ``None``.
    """
    daily_plans = [_daily_plan(element, is_working_day) for element in elements]
    earned = [earned_value(element, status_date, status_date) for element in elements]
    bac = to_money(sum((element.budget for element in elements), ZERO))
    pv = to_money(sum((plan.value_at(status_date) for plan in daily_plans), ZERO))
    ev = to_money(sum(earned, ZERO))
    ac = to_money(sum((actual_cost(element, status_date) for element in elements), ZERO))
    spi = _ratio(ev, pv)
    cpi = _ratio(ev, ac)
    eac_by_method = _eac_by_method(bac, ev, ac, cpi, spi, _bottom_up_etc(elements, earned))
    eac = eac_by_method[eac_method]
    etc = None if eac is None else eac - ac
    vac = None if eac is None else bac - eac
    tcpi_eac = None if eac is None else _ratio(bac - ev, eac - ac)
    earned_schedule: Decimal | None = None
    actual_time = 0
    if elements:
        finish = max(element.planned_finish for element in elements)
        project_days = _project_days(elements, max(finish, status_date), is_working_day)
        actual_time = bisect.bisect_right(project_days, status_date)
        earned_schedule = _earned_schedule(daily_plans, project_days, ev)
    spi_t = None if earned_schedule is None else _ratio(earned_schedule, Decimal(actual_time))
    sv_t = None if earned_schedule is None else earned_schedule - actual_time
    return EvmFigures(
        status_date=status_date,
        bac=bac,
        pv=pv,
        ev=ev,
        ac=ac,
        sv=ev - pv,
        cv=ev - ac,
        spi=spi,
        cpi=cpi,
        eac_method=eac_method,
        eac=eac,
        eac_by_method=eac_by_method,
        etc=etc,
        vac=vac,
        tcpi_bac=_ratio(bac - ev, bac - ac),
        tcpi_eac=tcpi_eac,
        earned_schedule_days=earned_schedule,
        actual_time_days=actual_time,
        spi_t=spi_t,
        sv_t_days=sv_t,
        percent_complete=None if bac == 0 else _ratio(ev * HUNDRED, bac),
        percent_spent=None if bac == 0 else _ratio(ac * HUNDRED, bac),
    )


def time_phased(
    elements: Sequence[EvElement],
    status_date: date,
    *,
    is_working_day: WorkdayPredicate = weekdays_only,
    week_ends_on: int = 6,
) -> list[SeriesPoint]:
    """Weekly cumulative PV/EV/AC for the S-curve, plus a point on the status date itself.

    Points fall on each week's last day (``week_ends_on``: 0 = Monday ... 6 = Sunday) from the
    week of the first planned start to the week of the later of the planned finish and the status
    date. PV is given everywhere; EV and AC only up to the status date (``None`` after it). EV at
    an earlier point uses the progress reported by then (``EvElement.progress``, actual dates,
    milestone dates); an element with no such history earns nothing before the status date.
    """
    if not elements:
        return []
    daily_plans = [_daily_plan(element, is_working_day) for element in elements]
    first = min(element.planned_start for element in elements)
    last = max(max(element.planned_finish for element in elements), status_date)
    points = sorted({*_week_ends(first, last, week_ends_on), status_date})
    planned = _cumulative_plan(daily_plans, points)[1:]
    paid = _cumulative_costs(elements, points)
    earned = _cumulative_earned(elements, points, status_date)
    return [
        SeriesPoint(on=on, pv=to_money(pv), ev=None, ac=None)
        if on > status_date
        else SeriesPoint(on=on, pv=to_money(pv), ev=to_money(ev), ac=to_money(ac))
        for on, pv, ev, ac in zip(points, planned, earned, paid, strict=True)
    ]


def _cumulative_earned(
    elements: Sequence[EvElement], points: Sequence[date], status_date: date
) -> list[Decimal]:
    """Cumulative EV at each point. An element's EV only steps on its event dates (progress
    reports, actual start and finish, milestones achieved) and on the status date, so the
    steps are summed instead of re-evaluating every element at every point."""
    steps: list[tuple[date, Decimal]] = []
    for element in elements:
        earned = ZERO
        for on in sorted({day for day in _event_dates(element) if day < status_date}):
            value = earned_value(element, on, status_date)
            steps.append((on, value - earned))
            earned = value
        steps.append((status_date, earned_value(element, status_date, status_date) - earned))
    steps.sort(key=lambda step: step[0])
    totals = []
    running = ZERO
    position = 0
    for on in points:
        while position < len(steps) and steps[position][0] <= on:
            running += steps[position][1]
            position += 1
        totals.append(running)
    return totals


def _event_dates(element: EvElement) -> list[date]:
    """The dates on which the element's earned value may change."""
    dates = [point.on for point in element.progress]
    dates += [m.achieved_on for m in element.milestones if m.achieved_on is not None]
    dates += [d for d in (element.actual_start, element.actual_finish) if d is not None]
    return dates


def _cumulative_costs(elements: Sequence[EvElement], points: Sequence[date]) -> list[Decimal]:
    costs = sorted((cost.on, cost.amount) for element in elements for cost in element.actual_costs)
    totals = []
    running = ZERO
    position = 0
    for on in points:
        while position < len(costs) and costs[position][0] <= on:
            running += costs[position][1]
            position += 1
        totals.append(running)
    return totals


def _week_ends(first: date, last: date, week_ends_on: int) -> list[date]:
    day = first + timedelta(days=(week_ends_on - first.weekday()) % 7)
    ends: list[date] = []
    while True:
        ends.append(day)
        if day >= last:
            return ends
        day += timedelta(days=7)
