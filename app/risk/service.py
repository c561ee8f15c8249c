"""The risk register (CRUD) and the bid's Monte Carlo schedule risk (``wbs.risk``).

Estimates per task (``RiskModel.estimates``): the task's own ``optimistic_days`` /
``pessimistic_days`` (source ``task``; ``duration_days`` is the most likely value, and a
range that no longer holds it after a duration change is widened to it); else, for a task of a
template element (matched by its name, as ``/calibration`` matches them), the calibration of
closed bids when that element has at least ``MIN_SAMPLES`` of them (``calibration``: the
interquartile range of their actual/planned duration ratios widened by half of it on each side,
times the planned duration); else the task's difficulty, which the template set (``template``:
``TEMPLATE_SPREAD``); else the duration as it is (``fixed``). Finished tasks keep their actual
dates (``actual``).

``portfolio_risk(session, progress)`` runs every open bid: a plain callable for the job layer.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.bids.models import Bid
from app.crud import apply_changes, get_or_404, record_creation
from app.errors import Invalid
from app.journal.service import record_changes
from app.orgs.models import Person
from app.risk.models import Risk, RiskTask
from app.tasks.models import Task
from app.tasks.scheduling import bid_calendar, build_plan, load_network
from wbs.decompose import SUBMISSION_CODE
from wbs.network import PlanError
from wbs.plan import Plan
from wbs.risk import (
    DEFAULT_ITERATIONS,
    Correlation,
    Distribution,
    Estimate,
    RiskEvent,
    RiskModel,
    RiskModelError,
    RiskResult,
    simulate,
)

MAX_ITERATIONS = 50_000
MIN_SAMPLES = 3
# difficulty 1..5 -> (optimistic, pessimistic) as multiples of the planned duration
TEMPLATE_SPREAD = {
    1: (0.9, 1.2),
    2: (0.85, 1.35),
    3: (0.8, 1.5),
    4: (0.75, 1.75),
    5: (0.7, 2.0),
}
RISK_FIELDS = (
    "title",
    "category",
    "status",
    "owner_id",
    "response",
    "probability",
    "impact_optimistic_days",
    "impact_likely_days",
    "impact_pessimistic_days",
    "post_probability",
    "post_impact_optimistic_days",
    "post_impact_likely_days",
    "post_impact_pessimistic_days",
)
Progress = Callable[[float, str], None]


# --------------------------------------------------------------------------- the register


def get_risk(session: Session, risk_id: int) -> Risk:
    return get_or_404(session, Risk, risk_id, "risk")


def task_ids_of(session: Session, risk_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {risk_id: [] for risk_id in risk_ids}
    rows = session.execute(
        select(RiskTask.risk_id, RiskTask.task_id)
        .where(RiskTask.risk_id.in_(risk_ids))
        .order_by(RiskTask.task_id)
    )
    for risk_id, task_id in rows:
        found[risk_id].append(task_id)
    return found


def _check(session: Session, bid: Bid, data: Mapping[str, Any], risk: Risk | None) -> None:
    def value(name: str) -> Any:
        return data[name] if name in data else getattr(risk, name, None)

    owner_id = data.get("owner_id")
    if owner_id is not None and session.get(Person, owner_id) is None:
        raise Invalid.field("owner_id", f"person {owner_id} does not exist")
    parts = ("optimistic", "likely", "pessimistic")
    for prefix in ("impact", "post_impact"):
        low, likely, high = (value(f"{prefix}_{part}_days") for part in parts)
        given = [item is not None for item in (low, likely, high)]
        if all(given) and not low <= likely <= high:
            raise Invalid.field(
                f"{prefix}_likely_days", "optimistic <= likely <= pessimistic must hold"
            )
        if any(given) and not all(given):
            raise Invalid.field(
                f"{prefix}_likely_days", "give optimistic, likely and pessimistic days together"
            )
    for name in ("title", "probability", *(f"impact_{part}_days" for part in parts)):
        if name in data and data[name] is None:
            raise Invalid.field(name, "may not be null")
    task_ids = data.get("task_ids")
    if task_ids:
        known = set(
            session.scalars(select(Task.id).where(Task.bid_id == bid.id, Task.id.in_(task_ids)))
        )
        missing = sorted(set(task_ids) - known)
        if missing:
            raise Invalid.field("task_ids", f"tasks {missing} are not tasks of bid {bid.id}")


def _set_tasks(
    session: Session, user: User | None, risk: Risk, task_ids: list[int], bid_id: int
) -> None:
    before = task_ids_of(session, [risk.id])[risk.id]
    wanted = sorted(set(task_ids))
    if wanted == before:
        return
    session.execute(delete(RiskTask).where(RiskTask.risk_id == risk.id))
    for task_id in wanted:
        session.add(RiskTask(risk_id=risk.id, task_id=task_id))
    record_changes(session, user, risk, {"task_ids": before}, {"task_ids": wanted}, bid_id=bid_id)
    session.flush()


def create_risk(session: Session, user: User | None, bid: Bid, data: dict[str, Any]) -> Risk:
    data = dict(data)
    task_ids = data.pop("task_ids", [])
    _check(session, bid, {**data, "task_ids": task_ids}, None)
    risk = Risk(bid_id=bid.id, **data)
    session.add(risk)
    record_creation(session, user, risk, data, bid_id=bid.id)
    _set_tasks(session, user, risk, task_ids, bid.id)
    return risk


def update_risk(session: Session, user: User, bid: Bid, risk: Risk, data: dict[str, Any]) -> None:
    data = dict(data)
    task_ids = data.pop("task_ids", None)
    _check(session, bid, {**data, "task_ids": task_ids}, risk)
    apply_changes(session, user, risk, data, bid_id=bid.id)
    if task_ids is not None:
        _set_tasks(session, user, risk, task_ids, bid.id)
    session.flush()


def delete_risk(session: Session, user: User, risk: Risk) -> None:
    before = {name: getattr(risk, name) for name in RISK_FIELDS}
    record_changes(session, user, risk, before, {}, bid_id=risk.bid_id)
    session.delete(risk)
    session.flush()


def risk_json(risk: Risk, task_ids: list[int]) -> dict[str, Any]:
    return {
        "id": risk.id,
        "bid_id": risk.bid_id,
        **{name: getattr(risk, name) for name in RISK_FIELDS},
        "task_ids": task_ids,
        "version": risk.version,
    }


# --------------------------------------------------------------------------- the model


def _widened(low: float, likely: float, high: float) -> tuple[float, float, float]:
    return min(low, likely), likely, max(high, likely)


def task_estimate(
    row: Any, distribution: Distribution, codes: Mapping[str, str], stats: Mapping[str, Any]
) -> Estimate:
    """The three-point estimate of a task row (see the module docstring)."""
    likely = float(row.duration_days)
    chosen: Distribution = row.distribution or distribution
    if row.optimistic_days is not None or row.pessimistic_days is not None:
        low = float(row.optimistic_days if row.optimistic_days is not None else likely)
        high = float(row.pessimistic_days if row.pessimistic_days is not None else likely)
        return Estimate(*_widened(low, likely, high), chosen, "task")
    if row.kind != "task" or likely == 0:
        return Estimate(likely, likely, likely, chosen, "fixed")
    code = codes.get(row.name.split("（")[0])
    element = stats.get(code) if code is not None else None
    ratio = element.duration if element is not None else None
    if ratio is not None and ratio.count >= MIN_SAMPLES:
        spread = ratio.p75 - ratio.p25
        low = float(max(Decimal(0), ratio.p25 - spread / 2)) * likely
        high = float(ratio.p75 + spread / 2) * likely
        return Estimate(*_widened(math.floor(low), likely, math.ceil(high)), chosen, "calibration")
    if code is not None:
        low_factor, high_factor = TEMPLATE_SPREAD.get(row.difficulty, TEMPLATE_SPREAD[3])
        return Estimate(
            *_widened(math.floor(likely * low_factor), likely, math.ceil(likely * high_factor)),
            chosen,
            "template",
        )
    return Estimate(likely, likely, likely, chosen, "fixed")


def submission_task_id(plan: Plan, bid: Bid) -> str | None:
    """The submission milestone: the one the bid's submission deadline caps under the bid's
    scheduling rules (``wbs.decompose.as_bid_plan``: the task decomposed from
    ``execution.submission``), else the milestone whose deadline is the bid's submission
    deadline, else the last milestone with a deadline; None when the bid has none."""
    capped = [
        task
        for task in plan.tasks
        if task.extra.get("template_code") == SUBMISSION_CODE and not task.is_summary
    ]
    if capped and bid.submission_deadline is not None:
        return capped[0].id
    milestones = [task for task in plan.tasks if task.is_milestone and task.deadline is not None]
    exact = [task for task in milestones if task.deadline == bid.submission_deadline]
    chosen = exact or milestones
    if not chosen:
        return None
    return max(chosen, key=lambda task: (str(task.deadline), task.id)).id


class BidRiskInputs:
    """What one simulation of a bid needs, read from the database."""

    def __init__(self, session: Session, bid: Bid, mitigation: str, context: Any = None) -> None:
        tasks, links = load_network(session, bid.id)
        self.plan: Plan = build_plan(bid, tasks, links, bid_calendar(session, bid))
        rows = session.execute(
            select(
                Task.id,
                Task.name,
                Task.kind,
                Task.duration_days,
                Task.deadline,
                Task.wbs_code,
                Task.optimistic_days,
                Task.pessimistic_days,
                Task.distribution,
                Task.difficulty,
            ).where(Task.bid_id == bid.id)
        ).all()
        codes, stats = context or calibration_context(session)
        distribution: Distribution = bid.risk_distribution or "triangular"  # type: ignore[assignment]
        estimates = {
            str(row.id): task_estimate(row, distribution, codes, stats)
            for row in rows
            if row.kind != "summary"
        }
        submission = submission_task_id(self.plan, bid)

        ids = set(estimates)
        correlations = [
            Correlation(
                tuple(str(task_id) for task_id in group["task_ids"] if str(task_id) in ids),
                float(group["rank_correlation"]),
            )
            for group in bid.risk_correlations or []
        ]
        self.model = RiskModel(
            estimates,
            submission=submission,
            risks=self._risks(session, bid, mitigation, ids),
            correlations=correlations,
            distribution=distribution,
        )

    @staticmethod
    def _risks(session: Session, bid: Bid, mitigation: str, ids: set[str]) -> list[RiskEvent]:
        risks = list(
            session.scalars(
                select(Risk).where(Risk.bid_id == bid.id, Risk.status == "open").order_by(Risk.id)
            )
        )
        hits = task_ids_of(session, [risk.id for risk in risks])
        events = []
        for risk in risks:
            probability, impact = (
                risk.probability,
                (
                    risk.impact_optimistic_days,
                    risk.impact_likely_days,
                    risk.impact_pessimistic_days,
                ),
            )
            if mitigation == "post":
                if risk.post_probability is not None:
                    probability = risk.post_probability
                if risk.post_impact_likely_days is not None:
                    impact = (
                        risk.post_impact_optimistic_days or 0,
                        risk.post_impact_likely_days,
                        risk.post_impact_pessimistic_days or risk.post_impact_likely_days,
                    )
            tasks = tuple(str(task) for task in hits[risk.id] if str(task) in ids)
            events.append(
                RiskEvent(
                    str(risk.id), risk.title, probability, Estimate(*map(float, impact)), tasks
                )
            )
        return events

    def fingerprint(self, iterations: int, seed: int) -> str:
        """A digest of every input of the simulation (for the result cache)."""
        plan = self.plan
        payload = [
            iterations,
            seed,
            str(plan.start),
            str(plan.status_date),
            str(plan.finish_deadline),
            plan.calendar,
            sorted(plan.calendars),
            [
                (
                    t.id,
                    t.parent,
                    t.duration,
                    t.is_summary,
                    t.milestone,
                    repr(t.constraint),
                    str(t.deadline),
                    str(t.actual_start),
                    str(t.actual_finish),
                    t.percent_complete,
                )
                for t in plan.tasks
            ],
            [(x.predecessor, x.successor, str(x.type), x.lag) for x in plan.links],
            sorted((k, repr(v)) for k, v in self.model.estimates.items()),
            self.model.submission,
            [repr(risk) for risk in self.model.risks],
            [repr(group) for group in self.model.correlations],
        ]
        text = json.dumps(payload, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def calibration_context(session: Session) -> tuple[dict[str, str], dict[str, Any]]:
    """Template element names -> codes, and the duration statistics of closed bids."""
    from app.decompose.service import _element_codes, element_actuals
    from wbs.calibration import calibrate

    return _element_codes(session), calibrate(element_actuals(session))


_RESULTS: OrderedDict[str, RiskResult] = OrderedDict()
CACHE_SIZE = 512


def run(inputs: BidRiskInputs, iterations: int, seed: int) -> RiskResult:
    """``wbs.risk.simulate`` with refusals as 422 and results cached by their inputs (a
    simulation is a pure function of them)."""
    key = inputs.fingerprint(iterations, seed)
    found = _RESULTS.get(key)
    if found is not None:
        _RESULTS.move_to_end(key)
        return found
    try:
        result = simulate(inputs.plan, inputs.model, iterations, seed)
    except (RiskModelError, PlanError) as error:
        raise Invalid(f"the schedule risk cannot be computed: {error}") from error
    _RESULTS[key] = result
    while len(_RESULTS) > CACHE_SIZE:
        _RESULTS.popitem(last=False)
    return result


def check_iterations(iterations: int) -> None:
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise Invalid.field("iterations", f"must be between 1 and {MAX_ITERATIONS}")


def bid_risk(
    session: Session,
    bid: Bid,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int = 0,
    mitigation: str = "post",
    context: Any = None,
) -> dict[str, Any]:
    """The schedule risk of ``bid`` as the API answers it."""
    check_iterations(iterations)
    inputs = BidRiskInputs(session, bid, mitigation, context)
    result = run(inputs, iterations, seed)
    return analysis_json(bid.id, inputs, result, mitigation)


def _cumulative(bins: list[tuple[Any, int]], total: int) -> list[dict[str, Any]]:
    running = 0
    out = []
    for day, count in bins:
        running += count
        out.append({"date": day, "count": count, "cumulative": running / total})
    return out


def _source(task_id: str, estimate: Estimate, result: RiskResult) -> dict[str, Any]:
    """Which estimate a task ran with; a finished task ran with its actual dates (none)."""
    source = result.sources.get(task_id, estimate.source)
    actual = source == "actual"
    return {
        "task_id": int(task_id),
        "source": source,
        "optimistic_days": None if actual else estimate.optimistic,
        "likely_days": None if actual else estimate.likely,
        "pessimistic_days": None if actual else estimate.pessimistic,
        "distribution": None if actual else estimate.distribution,
    }


def analysis_json(
    bid_id: int, inputs: BidRiskInputs, result: RiskResult, mitigation: str
) -> dict[str, Any]:
    submission = result.submission_dates
    finish = result.finish_dates
    ordered = sorted(inputs.model.estimates.items(), key=lambda item: int(item[0]))
    return {
        "bid_id": bid_id,
        "iterations": result.iterations,
        "seed": result.seed,
        "mitigation": mitigation,
        "submission_task_id": int(result.submission) if result.submission else None,
        "submission_deadline": result.deadline,
        "p_meet_submission": result.p_meet_submission,
        **{f"submission_p{p}": submission.get(p) for p in (10, 50, 80, 90)},
        **{f"finish_p{p}": finish[p] for p in (10, 50, 80, 90)},
        "deterministic_submission": result.deterministic_submission,
        "deterministic_finish": result.deterministic_finish,
        "histogram": {
            "submission": _cumulative(result.submission_histogram, result.iterations),
            "finish": _cumulative(result.finish_histogram, result.iterations),
        },
        "criticality": sorted(
            ({"task_id": int(t), "index": v} for t, v in result.criticality.items()),
            key=lambda item: (-item["index"], item["task_id"]),
        ),
        "sensitivity": sorted(
            ({"task_id": int(t), "rank_correlation": v} for t, v in result.sensitivity.items()),
            key=lambda item: (-abs(item["rank_correlation"]), item["task_id"]),
        ),
        "risks": [
            {
                "risk_id": int(item.id),
                "title": item.title,
                "probability": item.probability,
                "occurred": item.occurred,
                "mean_delay_days": item.mean_delay_days,
                "p_meet_if_occurs": item.p_meet_if_occurs,
            }
            for item in result.risks
        ],
        "sources": [_source(task_id, estimate, result) for task_id, estimate in ordered],
    }


def portfolio_risk(
    session: Session,
    progress: Progress | None = None,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int = 0,
) -> dict[str, Any]:
    """Every open bid's P(on time) and P80 dates: the callable a portfolio job runs.

    ``progress(fraction, message)`` is called after each bid."""
    check_iterations(iterations)
    bids = list(session.scalars(select(Bid).where(Bid.status == "open").order_by(Bid.id)))
    context = calibration_context(session)
    rows = []
    for number, bid in enumerate(bids, start=1):
        try:
            analysis = bid_risk(session, bid, iterations, seed, context=context)
        except Invalid as error:
            rows.append({"bid_id": bid.id, "title": bid.title, "error": error.detail})
        else:
            rows.append(
                {
                    "bid_id": bid.id,
                    "title": bid.title,
                    "p_meet_submission": analysis["p_meet_submission"],
                    "submission_deadline": analysis["submission_deadline"],
                    "submission_p50": analysis["submission_p50"],
                    "submission_p80": analysis["submission_p80"],
                    "finish_p80": analysis["finish_p80"],
                }
            )
        if progress is not None:
            progress(number / len(bids), f"{number} of {len(bids)} bids")
    return {"iterations": iterations, "seed": seed, "bids": rows}


def on_time_colour(probability: float | None) -> str:
    """green >= 80 %, amber >= 50 %, red below; grey when unknown (pages and Gantt)."""
    if probability is None:
        return "unknown"
    if probability >= 0.8:
        return "green"
    if probability >= 0.5:
        return "amber"
    return "red"
