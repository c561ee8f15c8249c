"""Decomposition use cases: templates (files + PMO edits), decomposing a bid, RACI, appraisal.

The pure work happens in ``wbs.templates``, ``wbs.decompose``, ``wbs.raci``, ``wbs.appraisal``;
this module only translates rows <-> plain data and owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.auth.models import User
from app.auth.permissions import visible_bids_clause
from app.bids.models import Bid, TeamMember
from app.decompose.models import WbsTemplate
from app.errors import Conflict, Invalid, NotFound
from app.tasks.models import Task
from app.tasks.scheduling import bid_calendar, bid_scheduler
from app.tasks.service import add_plan
from wbs.appraisal import AppraisalWeights, TaskOutcome, appraise
from wbs.calibration import (
    ElementActual,
    RatioStats,
    calibrate,
    calibration_factors,
    worst_planned,
)
from wbs.decompose import DecomposeRequest, Decomposition, decompose, template_id_for
from wbs.plan import Plan
from wbs.plan import Task as PlanTask
from wbs.raci import raci_matrix
from wbs.templates import Template, TemplateError, load_sources, resolve_sources

PROCUREMENTS = ("tender", "negotiated")


@dataclass(slots=True)
class FileVersion:
    """The version of a template that exists only as a data file (never edited): 0."""

    version: int = 0


def template_rows(session: Session) -> dict[str, WbsTemplate]:
    return {row.template_id: row for row in session.scalars(select(WbsTemplate))}


def template_sources(session: Session) -> dict[str, dict[str, Any]]:
    """The data files overlaid with the PMO's saved templates, by id."""
    sources: dict[str, dict[str, Any]] = dict(load_sources())
    for template_id, row in template_rows(session).items():
        sources[template_id] = dict(row.source)
    return sources


def resolve(session: Session, template_id: str) -> tuple[Template, dict[str, Any]]:
    sources = template_sources(session)
    if template_id not in sources:
        raise NotFound(f"template {template_id!r} not found")
    try:
        return resolve_sources(template_id, sources)
    except TemplateError as error:
        raise Invalid(str(error), problems=error.problems) from error


def template_version(session: Session, template_id: str) -> WbsTemplate | FileVersion:
    row = template_rows(session).get(template_id)
    return row if row is not None else FileVersion()


def save_template(
    session: Session, user: User, template_id: str, source: Mapping[str, Any]
) -> WbsTemplate:
    """Create or replace a template's source; every template extending it must still resolve."""
    source = {**dict(source), "id": template_id}
    sources = template_sources(session)
    sources[template_id] = source
    affected = [
        other for other in sources if other == template_id or _extends(sources, other, template_id)
    ]
    for other in affected:
        try:
            resolve_sources(other, sources)
        except TemplateError as error:
            raise Invalid(f"{other}: {error}", problems=error.problems) from error
    row = template_rows(session).get(template_id)
    if row is None:
        row = WbsTemplate(template_id=template_id, source=source, updated_by_id=user.id)
        session.add(row)
    else:
        row.source = source
        row.updated_by_id = user.id
    session.flush()
    return row


def _extends(sources: Mapping[str, Mapping[str, Any]], template_id: str, ancestor: str) -> bool:
    seen: set[str] = set()
    pending = [template_id]
    while pending:
        current = pending.pop()
        if current in seen or current not in sources:
            continue
        seen.add(current)
        extends = sources[current].get("extends")
        parents = [extends] if isinstance(extends, str) else extends
        if not isinstance(parents, list):
            continue
        if ancestor in parents:
            return True
        pending += [str(parent) for parent in parents]
    return False


# -- decomposing a bid -----------------------------------------------------------------------


def bid_team(session: Session, bid_id: int) -> dict[str, list[str]]:
    """KAM role -> person ids (as strings), in the order they joined the team."""
    team: dict[str, list[str]] = {}
    statement = select(TeamMember).where(TeamMember.bid_id == bid_id).order_by(TeamMember.id)
    for member in session.scalars(statement):
        team.setdefault(member.kam_role, []).append(str(member.person_id))
    return team


def bid_request(session: Session, bid: Bid, options: Mapping[str, Any]) -> DecomposeRequest:
    deadline: dt.date | None = options.get("submission_deadline") or bid.submission_deadline
    if deadline is None:
        raise Invalid.field("submission_deadline", "the bid needs a submission deadline")
    account = session.get(Account, bid.account_id)
    procurement = options.get("procurement") or "tender"
    if procurement not in PROCUREMENTS:
        raise Invalid.field("procurement", f"must be one of {', '.join(PROCUREMENTS)}")
    budget = options.get("pursuit_budget")
    return DecomposeRequest(
        kind=bid.kind,
        procurement=procurement,
        bid_value=bid.value or Decimal(0),
        start_date=bid.start_date,
        submission_deadline=deadline,
        pursuit_budget=budget if budget is not None else (bid.pursuit_budget or Decimal(0)),
        account_tier=account.tier if account is not None else "standard",
        product_lines=list(options.get("product_lines") or []),
        regions=list(options.get("regions") or []),
        team=bid_team(session, bid.id),
        name=bid.title,
        calendar=options.get("calendar"),
        fit_to_deadline=bool(options.get("fit_to_deadline", True)),
    )


def plan_bid(session: Session, bid: Bid, options: Mapping[str, Any]) -> Decomposition:
    """The decomposition of ``bid`` (nothing saved): template, request from the bid's facts."""
    request = bid_request(session, bid, options)
    template_id = options.get("template_id") or template_id_for(request.kind, request.procurement)
    template, _ = resolve(session, template_id)
    if request.calendar is None:
        name, calendars = bid_calendar(session, bid)
        request = replace(request, calendar=name, calendars=calendars)
    if options.get("use_calibration"):
        factors = calibration_factors(calibrate(element_actuals(session)))
        request = replace(request, calibration=factors)
    # the saved schedule's own rules (status date, submission deadline): what the
    # decomposition promises is what GET /schedule shows once it is saved
    scheduler = bid_scheduler(bid.status_date, request.submission_deadline)
    try:
        return decompose(request, template, scheduler)
    except ValueError as error:
        raise Invalid(str(error)) from error


def save_decomposition(
    session: Session, user: User | None, bid: Bid, result: Decomposition
) -> dict[str, Task]:
    """Store a decomposition as the bid's WBS (one schedule recompute); flushed, not committed.

    A bid that already has tasks is refused (409): a decomposition starts a bid's plan.
    """
    existing = session.scalar(select(func.count(Task.id)).where(Task.bid_id == bid.id)) or 0
    if existing:
        raise Conflict(f"bid {bid.id} already has {existing} tasks; decompose an empty bid")
    deadline = result.plan.extra.get("submission_deadline")
    if deadline is not None:  # the deadline the decomposition was fitted to is the bid's
        bid.submission_deadline = dt.date.fromisoformat(str(deadline))
    lines: dict[str, dict[str, Decimal]] = {}
    for line in result.budget_lines:
        lines.setdefault(line.task_id, {})[line.category] = line.amount
    rows = add_plan(session, user, bid, result.plan, budget_lines=lines)
    for task in result.plan.tasks:
        row = rows[task.id]
        row.name_en = str(task.extra.get("name_en") or "")[:300] or None
        row.difficulty = int(str(task.extra.get("difficulty", 3)))
    if bid.pursuit_budget is None and result.budget.total:
        bid.pursuit_budget = result.budget.total
    session.flush()
    return rows


def decompose_bid(
    session: Session, user: User | None, bid: Bid, options: Mapping[str, Any]
) -> tuple[Decomposition, dict[str, Task] | None]:
    """Decompose ``bid``; unless ``options["dry_run"]`` the WBS is saved (flushed)."""
    result = plan_bid(session, bid, options)
    if options.get("dry_run"):
        return result, None
    return result, save_decomposition(session, user, bid, result)


def decomposition_json(
    result: Decomposition, rows: Mapping[str, Task] | None, dry_run: bool
) -> dict[str, Any]:
    """The API's view of a decomposition (money as decimal strings)."""
    schedule = result.schedule.by_id() if result.schedule is not None else {}
    ids = {task_id: row.id for task_id, row in (rows or {}).items()}
    tasks = []
    for task in result.plan.tasks:
        timing = schedule.get(task.id)
        tasks.append(
            {
                "id": ids.get(task.id),
                "key": task.id,
                "parent": task.parent,
                "wbs_code": task.wbs_code,
                "name": task.name,
                "name_en": task.extra.get("name_en"),
                "kind": "summary"
                if task.is_summary
                else ("milestone" if task.is_milestone else "task"),
                "duration_days": task.duration,
                "kam_role": task.role,
                "owner_id": int(task.owner) if task.owner and task.owner.isdigit() else None,
                "difficulty": task.extra.get("difficulty"),
                "gate": task.extra.get("gate"),
                "template_code": task.extra.get("template_code"),
                "budget": task.extra.get("budget_lines", {}),
                "start": _iso(timing.start) if timing else None,
                "finish": _iso(timing.finish) if timing else None,
                "total_float": timing.total_float if timing else None,
                "critical": timing.critical if timing else None,
            }
        )
    totals: dict[str, Decimal] = {}
    for line in result.budget_lines:
        totals[line.category] = totals.get(line.category, Decimal(0)) + line.amount
    return {
        "template_id": result.template_id,
        "dry_run": dry_run,
        "task_count": len(result.plan.tasks),
        "submission_deadline": result.plan.extra.get("submission_deadline"),
        "submission_float_days": result.submission_float_days,
        "meets_deadline": result.meets_deadline,
        "project_finish": _iso(result.schedule.project_finish) if result.schedule else None,
        "pursuit_budget": str(result.budget.total),
        "reserve": str(result.budget.reserve),
        "budget_by_category": {key: str(value) for key, value in sorted(totals.items())},
        "caps": {key: str(value) for key, value in result.budget.category_caps.items()},
        "warnings": result.warnings,
        "tasks": tasks,
        "links": [
            {
                "predecessor": link.predecessor,
                "successor": link.successor,
                "type": link.type.value,
                "lag_days": link.lag,
            }
            for link in result.plan.links
        ],
    }


def _iso(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# -- RACI and appraisal of a stored bid ------------------------------------------------------


def _element_roles(session: Session) -> dict[str, tuple[list[str], list[str], bool]]:
    """Template element name (zh) -> (consulted roles, informed roles, gate), all templates."""
    roles: dict[str, tuple[list[str], list[str], bool]] = {}
    sources = template_sources(session)
    for template_id in sorted(sources):
        try:
            template, _ = resolve_sources(template_id, sources)
        except TemplateError:
            continue
        for element in template.elements:
            roles.setdefault(
                element.name_zh, (list(element.consulted), list(element.informed), element.gate)
            )
    return roles


def stored_plan(session: Session, bid: Bid) -> Plan:
    """The bid's WBS as a ``Plan`` with owners, roles, difficulty, budgets and RACI roles."""
    from app.tasks.service import budgets_of

    rows = list(
        session.scalars(select(Task).where(Task.bid_id == bid.id).order_by(Task.wbs_code, Task.id))
    )
    budgets = budgets_of(session, (row.id for row in rows))
    roles = _element_roles(session)
    tasks = []
    for row in rows:
        base_name = row.name.split("（")[0]
        consulted, informed, gate = roles.get(base_name, ([], [], False))
        tasks.append(
            PlanTask(
                id=str(row.id),
                name=row.name,
                duration=row.duration_days,
                parent=str(row.parent_id) if row.parent_id is not None else None,
                is_summary=row.kind == "summary",
                milestone=row.kind == "milestone",
                wbs_code=row.wbs_code,
                owner=str(row.owner_id) if row.owner_id is not None else None,
                role=row.kam_role,
                budget=sum(budgets.get(row.id, {}).values(), Decimal(0)),
                extra={
                    "difficulty": row.difficulty,
                    "consulted": consulted,
                    "informed": informed,
                    "gate": gate,
                    "planned_finish": row.planned_finish,
                    "actual_finish": row.actual_finish,
                },
            )
        )
    return Plan(name=bid.title, start=bid.start_date, tasks=tasks)


def raci_json(session: Session, bid: Bid) -> dict[str, Any]:
    plan = stored_plan(session, bid)
    matrix = raci_matrix(plan, bid_team(session, bid.id))
    return {
        "people": [int(person) for person in matrix.people],
        "rows": [
            {
                "task_id": int(row.task_id),
                "wbs_code": row.wbs_code,
                "name": row.name,
                "kam_role": row.role,
                "assignments": {person: letter for person, letter in row.assignments.items()},
            }
            for row in matrix.rows
        ],
    }


def _actual_costs(session: Session, bid_id: int) -> dict[int, Decimal]:
    from app.costs.models import CostEntry

    statement = (
        select(CostEntry.task_id, func.sum(CostEntry.amount_bid_currency))
        .where(CostEntry.bid_id == bid_id, CostEntry.kind == "actual")
        .where(CostEntry.status == "approved")
        .group_by(CostEntry.task_id)
    )
    return {task_id: Decimal(total) for task_id, total in session.execute(statement)}


def appraisal_json(
    session: Session, bid: Bid, bonus_pool: Decimal, weights: AppraisalWeights | None = None
) -> dict[str, Any]:
    plan = stored_plan(session, bid)
    costs = _actual_costs(session, bid.id)
    outcomes = {
        task.id: TaskOutcome(
            planned_finish=task.extra.get("planned_finish"),
            actual_finish=task.extra.get("actual_finish"),
            actual_cost=costs.get(int(task.id)),
        )
        for task in plan.tasks
        if not task.is_summary
    }
    result = appraise(plan, bid_team(session, bid.id), outcomes, bonus_pool, weights)
    return {
        "bid_id": bid.id,
        "bonus_pool": str(result.bonus_pool),
        "weights": {
            "responsibility": str(result.weights.responsibility),
            "difficulty": str(result.weights.difficulty),
            "workload": str(result.weights.workload),
            "on_time": str(result.weights.on_time),
            "on_budget": str(result.weights.on_budget),
        },
        "members": [
            {
                "person_id": int(member.person),
                "score": str(member.score),
                "components": {key: str(value) for key, value in member.components.items()},
                "bonus": str(member.bonus),
                "explanation": member.explanation,
            }
            for member in result.members
        ],
    }


# -- lessons learned: closing, calibration, similar bids -------------------------------------

CLOSED_STATUSES = ("won", "lost", "abandoned")


def working_days(first: dt.date, last: dt.date) -> int:
    """Monday-Friday days from ``first`` to ``last``, both included (at least 1)."""
    return max(int(np.busday_count(first, last + dt.timedelta(days=1))), 1)


def slipped_tasks(session: Session, bid_id: int) -> list[dict[str, Any]]:
    """Finished tasks that took more working days than planned."""
    slips = []
    statement = select(Task).where(Task.bid_id == bid_id, Task.kind == "task")
    for task in session.scalars(statement.order_by(Task.wbs_code)):
        if task.actual_start is None or task.actual_finish is None:
            continue
        actual = working_days(task.actual_start, task.actual_finish)
        if actual > task.duration_days:
            slips.append(
                {
                    "task_id": task.id,
                    "wbs_code": task.wbs_code,
                    "name": task.name,
                    "planned_days": task.duration_days,
                    "actual_days": actual,
                }
            )
    return slips


def element_actuals(session: Session) -> list[ElementActual]:
    """Planned vs actual days and costs per template element over the closed bids."""
    names = _element_codes(session)
    closed = select(Bid.id).where(Bid.status.in_(CLOSED_STATUSES))
    statement = select(Task).where(Task.bid_id.in_(closed), Task.kind == "task")
    rows = [
        row
        for row in session.scalars(statement)
        if row.actual_start is not None
        and row.actual_finish is not None
        and row.name.split("（")[0] in names
    ]
    from app.tasks.service import budgets_of

    budgets = budgets_of(session, (row.id for row in rows))
    costs: dict[int, Decimal] = {}
    for bid_id in {row.bid_id for row in rows}:
        costs.update(_actual_costs(session, bid_id))
    return [
        ElementActual(
            template_code=names[row.name.split("（")[0]],
            planned_days=row.duration_days,
            actual_days=working_days(row.actual_start, row.actual_finish),
            planned_cost=sum(budgets.get(row.id, {}).values(), Decimal(0)) or None,
            actual_cost=costs.get(row.id),
        )
        for row in rows
    ]


def _element_codes(session: Session) -> dict[str, str]:
    """Element name (zh) -> template code, over every template."""
    codes: dict[str, str] = {}
    sources = template_sources(session)
    for template_id in sorted(sources):
        try:
            template, _ = resolve_sources(template_id, sources)
        except TemplateError:
            continue
        for element in template.elements:
            codes.setdefault(element.name_zh, element.code)
    return codes


def _stats_json(stats: RatioStats | None) -> dict[str, Any] | None:
    if stats is None:
        return None
    return {
        "count": stats.count,
        "median": str(stats.median),
        "p25": str(stats.p25),
        "p75": str(stats.p75),
    }


def calibration_json(session: Session, limit: int, min_samples: int) -> dict[str, Any]:
    """The elements planned most wrongly, and the factors the decomposer would apply."""
    stats = calibrate(element_actuals(session))
    factors = calibration_factors(stats, min_samples)
    return {
        "elements": [
            {
                "template_code": element.template_code,
                "duration_ratio": _stats_json(element.duration),
                "cost_ratio": _stats_json(element.cost),
            }
            for element in worst_planned(stats, limit)
        ],
        "factors": {
            code: {"duration_ratio": str(f.duration_ratio), "cost_ratio": str(f.cost_ratio)}
            for code, f in factors.items()
        },
    }


def similar_bids(session: Session, user: User, bid: Bid, limit: int = 5) -> list[dict[str, Any]]:
    """Past (closed) bids like this one: same account +3, same industry +2, same kind +1,
    value within a factor of two +1; best score first, then the most recent."""
    account = session.get(Account, bid.account_id)
    industry = account.industry if account is not None else None
    statement = (
        select(Bid, Account.industry)
        .join(Account, Account.id == Bid.account_id)
        .where(Bid.id != bid.id, Bid.status.in_(CLOSED_STATUSES))
        .where(visible_bids_clause(user))
    )
    scored = []
    for other, other_industry in session.execute(statement):
        reasons = []
        if other.account_id == bid.account_id:
            reasons.append("same account")
        if industry and other_industry == industry:
            reasons.append("same industry")
        if other.kind == bid.kind:
            reasons.append("same kind")
        if bid.value and other.value and bid.value / 2 <= other.value <= bid.value * 2:
            reasons.append("similar size")
        weights = {"same account": 3, "same industry": 2, "same kind": 1, "similar size": 1}
        score = sum(weights[reason] for reason in reasons)
        if score:
            scored.append((score, other.start_date, other, reasons))
    scored.sort(key=lambda item: (-item[0], -item[1].toordinal(), item[2].id))
    return [
        {
            "bid_id": other.id,
            "title": other.title,
            "status": other.status,
            "value": None if other.value is None else str(other.value),
            "score": score,
            "reasons": reasons,
        }
        for score, _, other, reasons in scored[:limit]
    ]
