"""The cost-control report: rows -> ``wbs.costs``/``wbs.evm`` -> one JSON-ready dict.

A bid's report is in the bid's currency; the portfolio's in ``currency`` (default CNY), each
bid converted category by category at the status date (``wbs.costs.roll_up_portfolio``), so
bids, subsidiaries, categories and the total add up to the cent. Only approved entries count.
Money is written as decimal strings, indices as decimal strings with 4 places.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from app.auth.models import User
from app.auth.permissions import visible_bids_clause
from app.baselines.models import Baseline
from app.bids.models import Bid
from app.costs.models import CostEntry
from app.costs.service import rate_table
from app.orgs.models import OrgUnit
from app.tasks.models import Task
from app.tasks.scheduling import bid_calendar
from app.tasks.service import budgets_of
from wbs.calendar import CalendarError, WorkCalendar
from wbs.costs import (
    CATEGORY_LABELS,
    Alert,
    AlertThresholds,
    BidCosts,
    CostFigures,
    CostLine,
    CostRollup,
    MissingRateError,
    PursuitCheck,
    RateTable,
    WbsNode,
    cost_alerts,
    pursuit_check,
    roll_up,
    roll_up_portfolio,
)
from wbs.evm import (
    EXPLANATIONS,
    DatedCost,
    EacMethod,
    EvElement,
    EvmFigures,
    EvTechnique,
    SeriesPoint,
    WorkdayPredicate,
    earned_value,
    evm,
    planned_value,
    time_phased,
    weekdays_only,
)
from wbs.plan import CalendarSpec

FIGURE_NAMES = ("budget", "committed", "actual", "remaining", "forecast")
FIGURE_EXPLANATIONS: dict[str, tuple[str, str]] = {
    "budget": ("预算：计划的投标成本", "Budget: the planned pursuit cost"),
    "committed": ("已承诺：已批准但尚未支付", "Committed: approved spend not yet paid"),
    "actual": (
        "实际：已批准的实际成本（含冲销）",
        "Actual: approved actual cost, reversals included",
    ),
    "remaining": ("剩余 = 预算 − 已承诺 − 实际", "Remaining = budget − committed − actual"),
    "forecast": (
        "完工预测 = 实际 + 已承诺 + 剩余工作的估算",
        "Forecast at completion = actual + committed + estimate of the rest",
    ),
}


@dataclass(slots=True)
class ReportOptions:
    status_date: dt.date | None = None  # default: each bid's status date, else today
    ev_technique: EvTechnique = EvTechnique.PERCENT_COMPLETE  # of work tasks; milestones 0/100
    currency: str = "CNY"  # the portfolio's reporting currency
    eac_method: EacMethod = EacMethod.BAC_OVER_CPI
    pursuit_threshold: Decimal = Decimal("0.05")
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)


@dataclass(slots=True)
class BidReport:
    bid: Bid
    subsidiary: OrgUnit | None
    status_date: dt.date
    tasks: list[Task]
    rollup: CostRollup
    elements: list[EvElement]
    evm: EvmFigures | None
    series: list[SeriesPoint]
    pursuit: PursuitCheck | None
    alerts: list[Alert]
    baseline: Baseline | None = None
    earned_by_node: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(Decimal('0.01')):f}"


def index(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(Decimal('0.0001')):f}"


def figures_json(figures: CostFigures) -> dict[str, str | None]:
    return {name: money(getattr(figures, name)) for name in FIGURE_NAMES}


@functools.lru_cache(maxsize=64)
def _named_calendar(name: str | None) -> WorkdayPredicate:
    """A built-in calendar's working-day test, shared by every bid using it (and cached)."""
    try:
        calendar = WorkCalendar.named(name, "day")
    except CalendarError:
        return weekdays_only
    return functools.lru_cache(maxsize=8192)(calendar.is_working_day)


def workday_predicate(name: str | None, specs: dict[str, CalendarSpec]) -> WorkdayPredicate:
    """Working days of a bid's calendar (as the scheduler sees them: ``wbs.calendar``)."""
    spec = specs.get(name) if name is not None else None
    if spec is None:
        return _named_calendar(name)
    try:
        calendar = WorkCalendar.from_spec(spec, "day", specs)
    except CalendarError:
        return weekdays_only
    return functools.lru_cache(maxsize=4096)(calendar.is_working_day)


def _subsidiary(units: dict[int, OrgUnit], unit_id: int) -> OrgUnit | None:
    """The bid's org unit, or the nearest ancestor that is a subsidiary."""
    unit = units.get(unit_id)
    current = unit
    while current is not None:
        if current.kind == "subsidiary":
            return current
        current = units.get(current.parent_id) if current.parent_id is not None else None
    return unit


def _entry_sums(session: Session, bid_id: int) -> dict[tuple[int, str, str], Decimal]:
    statement = (
        select(
            CostEntry.task_id,
            CostEntry.category,
            CostEntry.kind,
            func.sum(CostEntry.amount_bid_currency),
        )
        .where(CostEntry.bid_id == bid_id, CostEntry.status == "approved")
        .group_by(CostEntry.task_id, CostEntry.category, CostEntry.kind)
    )
    return {
        (task_id, category, kind): Decimal(str(total))
        for task_id, category, kind, total in session.execute(statement)
    }


def _dated_actuals(session: Session, bid_id: int) -> dict[int, list[DatedCost]]:
    statement = (
        select(CostEntry.task_id, CostEntry.entry_date, func.sum(CostEntry.amount_bid_currency))
        .where(
            CostEntry.bid_id == bid_id,
            CostEntry.status == "approved",
            CostEntry.kind == "actual",
        )
        .group_by(CostEntry.task_id, CostEntry.entry_date)
    )
    actuals: dict[int, list[DatedCost]] = defaultdict(list)
    for task_id, on, total in session.execute(statement):
        actuals[task_id].append(DatedCost(on, Decimal(str(total))))
    return actuals


def _cost_lines(
    tasks: Sequence[Task],
    budgets: dict[int, dict[str, Decimal]],
    sums: dict[tuple[int, str, str], Decimal],
) -> list[CostLine]:
    keys = {(task_id, category) for task_id, category, _ in sums}
    keys |= {(task.id, category) for task in tasks for category in budgets.get(task.id, {})}
    return [
        CostLine(
            element_id=str(task_id),
            category=category,
            budget=budgets.get(task_id, {}).get(category, Decimal(0)),
            committed=sums.get((task_id, category, "commitment"), Decimal(0)),
            actual=sums.get((task_id, category, "actual"), Decimal(0)),
        )
        for task_id, category in sorted(keys)
    ]


@dataclass(frozen=True, slots=True)
class _Planned:
    start: dt.date | None
    finish: dt.date | None
    budget: Decimal


def latest_baseline(session: Session, bid_id: int) -> Baseline | None:
    statement = select(Baseline).where(Baseline.bid_id == bid_id).order_by(Baseline.id.desc())
    return session.scalars(statement.limit(1)).first()


def _iso_date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


def _baseline_plan(baseline: Baseline | None) -> dict[int, _Planned]:
    """Planned dates and budget per task as frozen in the baseline (the PV reference)."""
    if baseline is None:
        return {}
    planned = {}
    for row in baseline.snapshot.get("tasks", []):
        budget = sum((Decimal(str(v)) for v in (row.get("budget") or {}).values()), Decimal(0))
        planned[int(row["task_id"])] = _Planned(
            _iso_date(row.get("start")), _iso_date(row.get("finish")), budget
        )
    return planned


def _elements(
    bid: Bid,
    tasks: Sequence[Task],
    budgets: dict[int, dict[str, Decimal]],
    actuals: dict[int, list[DatedCost]],
    baseline: dict[int, _Planned],
    technique: EvTechnique = EvTechnique.PERCENT_COMPLETE,
) -> list[EvElement]:
    """Every element carrying budget or actual cost, planned over its baseline dates and budget
    (the current schedule and budget lines for a bid without a baseline, or a task added since)."""
    elements = []
    for task in tasks:
        current = _Planned(
            task.planned_start or task.early_start,
            task.planned_finish or task.early_finish,
            sum(budgets.get(task.id, {}).values(), Decimal(0)),
        )
        planned = baseline.get(task.id, current)
        budget = planned.budget
        costs = tuple(sorted(actuals.get(task.id, []), key=lambda cost: cost.on))
        if budget == 0 and not costs:
            continue
        start = planned.start or current.start or bid.start_date
        finish = planned.finish or current.finish or start
        elements.append(
            EvElement(
                id=str(task.id),
                budget=budget,
                planned_start=start,
                planned_finish=max(finish, start),
                technique=EvTechnique.ZERO_HUNDRED if task.kind == "milestone" else technique,
                percent_complete=Decimal(task.percent_complete),
                actual_start=task.actual_start,
                actual_finish=task.actual_finish,
                actual_costs=costs,
            )
        )
    return elements


def _earned_by_node(
    tasks: Sequence[Task],
    elements: Sequence[EvElement],
    status_date: dt.date,
    is_working_day: WorkdayPredicate,
) -> dict[str, tuple[Decimal, Decimal]]:
    """(PV, EV) at the status date per WBS node: its own element plus all its descendants."""
    parent_of = {str(t.id): str(t.parent_id) if t.parent_id is not None else None for t in tasks}
    totals = {node: (Decimal(0), Decimal(0)) for node in parent_of}
    for element in elements:
        pv = planned_value(element, status_date, is_working_day)
        ev = earned_value(element, status_date, status_date)
        node: str | None = element.id
        seen: set[str] = set()
        while node is not None and node in totals and node not in seen:
            seen.add(node)
            totals[node] = (totals[node][0] + pv, totals[node][1] + ev)
            node = parent_of[node]
    return totals


def bid_report(
    session: Session,
    bid: Bid,
    options: ReportOptions,
    units: dict[int, OrgUnit] | None = None,
) -> BidReport:
    """Everything the report says about one bid, in the bid's currency."""
    if units is None:
        units = {unit.id: unit for unit in session.scalars(select(OrgUnit))}
    status_date = options.status_date or bid.status_date or dt.date.today()
    tasks = list(
        session.scalars(select(Task).where(Task.bid_id == bid.id).order_by(Task.position, Task.id))
    )
    budgets = budgets_of(session, [task.id for task in tasks])
    nodes = [
        WbsNode(str(task.id), str(task.parent_id) if task.parent_id is not None else None)
        for task in tasks
    ]
    rollup = roll_up(nodes, _cost_lines(tasks, budgets, _entry_sums(session, bid.id)))
    baseline = latest_baseline(session, bid.id)
    elements = _elements(
        bid,
        tasks,
        budgets,
        _dated_actuals(session, bid.id),
        _baseline_plan(baseline),
        options.ev_technique,
    )
    is_working_day = workday_predicate(*bid_calendar(session, bid))
    figures = (
        evm(elements, status_date, eac_method=options.eac_method, is_working_day=is_working_day)
        if elements
        else None
    )
    series = time_phased(elements, status_date, is_working_day=is_working_day)
    earned_by_node = _earned_by_node(tasks, elements, status_date, is_working_day)
    pursuit = None
    # a relationship bid is not pursued to be won: its cost is not weighed against its value
    if bid.value is not None and bid.win_probability_percent is not None and bid.purpose == "win":
        pursuit = pursuit_check(
            rollup.total.forecast, bid.value, bid.win_probability_percent, options.pursuit_threshold
        )
    alerts = cost_alerts(
        f"bid:{bid.id}",
        cpi=figures.cpi if figures else None,
        spi=figures.spi if figures else None,
        by_category=rollup.by_category,
        pursuit=pursuit,
        thresholds=options.thresholds,
        label=bid.title,
        label_en=bid.title_en,
    )
    return BidReport(
        bid=bid,
        subsidiary=_subsidiary(units, bid.org_unit_id),
        status_date=status_date,
        tasks=tasks,
        rollup=rollup,
        elements=elements,
        evm=figures,
        series=series,
        pursuit=pursuit,
        alerts=alerts,
        baseline=baseline,
        earned_by_node=earned_by_node,
    )


def evm_json(figures: EvmFigures | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    moneys = ("bac", "pv", "ev", "ac", "sv", "cv", "eac", "etc", "vac")
    indices = ("spi", "cpi", "tcpi_bac", "tcpi_eac", "spi_t", "percent_complete", "percent_spent")
    result: dict[str, Any] = {"status_date": figures.status_date.isoformat()}
    result |= {name: money(getattr(figures, name)) for name in moneys}
    result |= {name: index(getattr(figures, name)) for name in indices}
    result["earned_schedule_days"] = index(figures.earned_schedule_days)
    result["sv_t_days"] = index(figures.sv_t_days)
    result["actual_time_days"] = figures.actual_time_days
    result["eac_method"] = figures.eac_method.value
    result["eac_by_method"] = {
        method.value: money(value) for method, value in figures.eac_by_method.items()
    }
    return result


def alert_json(alert: Alert, bid: Bid | None = None) -> dict[str, Any]:
    return {
        "code": alert.code,
        "severity": alert.severity.value,
        "subject": alert.subject,
        "bid_id": bid.id if bid is not None else None,
        "message_zh": alert.message_zh,
        "message_en": alert.message_en,
        "value": index(alert.value),
        "threshold": index(alert.threshold),
    }


def pursuit_json(pursuit: PursuitCheck | None) -> dict[str, Any] | None:
    if pursuit is None:
        return None
    return {
        "cost_of_pursuit": money(pursuit.cost_of_pursuit),
        "bid_value": money(pursuit.bid_value),
        "win_probability_percent": str(pursuit.win_probability_percent),
        "weighted_value": money(pursuit.weighted_value),
        "ratio": index(pursuit.ratio),
        "threshold": index(pursuit.threshold),
        "over_threshold": pursuit.over_threshold,
    }


def categories_json(by_category: dict[str, CostFigures]) -> list[dict[str, Any]]:
    return [
        {
            "category": category,
            "label_zh": CATEGORY_LABELS.get(category, (category, category))[0],
            "label_en": CATEGORY_LABELS.get(category, (category, category))[1],
            **figures_json(figures),
        }
        for category, figures in sorted(by_category.items())
    ]


def _unit_json(unit: OrgUnit | None) -> dict[str, Any]:
    if unit is None:
        return {"subsidiary_id": None, "subsidiary": None, "subsidiary_en": None}
    return {"subsidiary_id": unit.id, "subsidiary": unit.name, "subsidiary_en": unit.name_en}


def explanations_json() -> dict[str, dict[str, str]]:
    merged = {**FIGURE_EXPLANATIONS, **EXPLANATIONS}
    return {name: {"zh": zh, "en": en} for name, (zh, en) in merged.items()}


def _bid_summary(report: BidReport) -> dict[str, Any]:
    bid = report.bid
    return {
        "bid_id": bid.id,
        "title": bid.title,
        "title_en": bid.title_en,
        **_unit_json(report.subsidiary),
        "currency": bid.currency,
        "status_date": report.status_date.isoformat(),
        "baseline": (
            None
            if report.baseline is None
            else {"id": report.baseline.id, "name": report.baseline.name}
        ),
        "evm": evm_json(report.evm),
        "pursuit": pursuit_json(report.pursuit),
        "alerts": [alert_json(alert, bid) for alert in report.alerts],
    }


def bid_report_json(report: BidReport, options: ReportOptions) -> dict[str, Any]:
    """The JSON body of ``GET /api/v1/reports/cost-control?bid=...``."""
    rollup = report.rollup
    wbs = [
        {
            "task_id": task.id,
            "parent_id": task.parent_id,
            "wbs_code": task.wbs_code,
            "name": task.name,
            "name_en": task.name_en,
            "kind": task.kind,
            "percent_complete": task.percent_complete,
            **figures_json(rollup.by_element[str(task.id)]),
            "pv": money(report.earned_by_node.get(str(task.id), (None, None))[0]),
            "ev": money(report.earned_by_node.get(str(task.id), (None, None))[1]),
        }
        for task in report.tasks
    ]
    return {
        "scope": "bid",
        "currency": report.bid.currency,
        "status_date": report.status_date.isoformat(),
        "eac_method": options.eac_method.value,
        "totals": figures_json(rollup.total),
        "by_category": categories_json(rollup.by_category),
        "bids": [{**_bid_summary(report), "totals": figures_json(rollup.total)}],
        "wbs": wbs,
        "entries": entries_json(report),
        "evm": evm_json(report.evm),
        "series": series_json(report.series),
        "pursuit": pursuit_json(report.pursuit),
        "alerts": [alert_json(alert, report.bid) for alert in report.alerts],
        "explanations": explanations_json(),
    }


def entries_json(report: BidReport) -> list[dict[str, Any]]:
    """The bid's cost ledger (every status; only approved entries count in the figures)."""
    session = object_session(report.bid)
    if session is None:
        return []
    tasks = {task.id: task for task in report.tasks}
    statement = (
        select(CostEntry)
        .where(CostEntry.bid_id == report.bid.id)
        .order_by(CostEntry.entry_date, CostEntry.id)
    )
    return [
        {
            "id": entry.id,
            "entry_date": entry.entry_date.isoformat(),
            "task_id": entry.task_id,
            "wbs_code": tasks[entry.task_id].wbs_code if entry.task_id in tasks else None,
            "task": tasks[entry.task_id].name if entry.task_id in tasks else None,
            "category": entry.category,
            "kind": entry.kind,
            "status": entry.status,
            "amount": money(entry.amount),
            "currency": entry.currency,
            "amount_bid_currency": money(entry.amount_bid_currency),
            "payee": entry.payee,
            "description": entry.description,
            "receipt_ref": entry.receipt_ref,
            "reverses_id": entry.reverses_id,
        }
        for entry in session.scalars(statement)
    ]


def series_json(series: Iterable[SeriesPoint]) -> list[dict[str, Any]]:
    return [
        {
            "date": point.on.isoformat(),
            "pv": money(point.pv),
            "ev": money(point.ev),
            "ac": money(point.ac),
        }
        for point in series
    ]


def visible_bids(session: Session, user: User) -> list[Bid]:
    return list(session.scalars(select(Bid).where(visible_bids_clause(user)).order_by(Bid.id)))


def _convert_elements(
    elements: Iterable[EvElement], rates: RateTable, source: str, target: str, on: dt.date
) -> list[EvElement]:
    def convert(amount: Decimal) -> Decimal:
        return rates.convert(amount, source, target, on)

    return [
        EvElement(
            id=element.id,
            budget=convert(element.budget),
            planned_start=element.planned_start,
            planned_finish=element.planned_finish,
            technique=element.technique,
            percent_complete=element.percent_complete,
            actual_start=element.actual_start,
            actual_finish=element.actual_finish,
            actual_costs=tuple(DatedCost(c.on, convert(c.amount)) for c in element.actual_costs),
        )
        for element in elements
    ]


def portfolio_report_json(
    session: Session,
    user: User,
    options: ReportOptions,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The JSON body of ``GET /api/v1/reports/cost-control`` (all bids the caller may read);
    ``progress(done, total)`` is told after each bid (the report run as a job)."""
    units = {unit.id: unit for unit in session.scalars(select(OrgUnit))}
    rates = rate_table(session)
    status_date = options.status_date or dt.date.today()
    common = replace(options, status_date=status_date)  # one status date across the portfolio
    bids = visible_bids(session, user)
    all_reports = []
    for done, bid in enumerate(bids, start=1):
        all_reports.append(bid_report(session, bid, common, units))
        if progress is not None:
            progress(done, len(bids))
    reports = [
        r for r in all_reports if _convertible(rates, r.bid.currency, options.currency, status_date)
    ]
    excluded = [r for r in all_reports if r not in reports]
    costs = [
        BidCosts(
            bid_id=str(report.bid.id),
            subsidiary=str(report.subsidiary.id) if report.subsidiary else "",
            currency=report.bid.currency,
            by_category=report.rollup.by_category,
        )
        for report in reports
    ]
    portfolio = roll_up_portfolio(costs, rates, options.currency, status_date)
    elements: list[EvElement] = []
    for report in reports:
        elements += _convert_elements(
            (replace(e, id=f"{report.bid.id}:{e.id}") for e in report.elements),
            rates,
            report.bid.currency,
            options.currency,
            status_date,
        )
    figures = evm(elements, status_date, eac_method=options.eac_method) if elements else None
    subsidiaries = []
    for key, total in sorted(portfolio.by_subsidiary.items()):
        unit = units.get(int(key)) if key else None
        subsidiaries.append({**_unit_json(unit), **figures_json(total)})
    return {
        "scope": "portfolio",
        "currency": options.currency,
        "status_date": status_date.isoformat(),
        "eac_method": options.eac_method.value,
        "totals": figures_json(portfolio.total),
        "by_category": categories_json(portfolio.by_category),
        "by_subsidiary": subsidiaries,
        "bids": [
            {
                **_bid_summary(report),
                "totals": figures_json(portfolio.by_bid[str(report.bid.id)]),
                "totals_bid_currency": figures_json(report.rollup.total),
            }
            for report in reports
        ],
        "evm": evm_json(figures),
        "series": series_json(time_phased(elements, status_date)),
        "alerts": [
            alert_json(alert, report.bid) for report in all_reports for alert in report.alerts
        ],
        "excluded_bids": [
            {
                "bid_id": report.bid.id,
                "title": report.bid.title,
                "currency": report.bid.currency,
                "reason": f"no exchange rate {report.bid.currency}->{options.currency}",
            }
            for report in excluded
        ],
        "explanations": explanations_json(),
    }


def _convertible(rates: RateTable, source: str, target: str, on: dt.date) -> bool:
    try:
        rates.convert(Decimal(1), source, target, on)
    except MissingRateError:
        return False
    return True


def alerts_for(session: Session, user: User, options: ReportOptions) -> list[dict[str, Any]]:
    """Every alert of every bid the caller may read, most severe first."""
    units = {unit.id: unit for unit in session.scalars(select(OrgUnit))}
    alerts = [
        alert_json(alert, report.bid)
        for bid in visible_bids(session, user)
        for report in [bid_report(session, bid, options, units)]
        for alert in report.alerts
    ]
    return sorted(alerts, key=lambda alert: (alert["severity"] != "critical", alert["bid_id"]))
