"""Rows -> ``gantt`` figures: the bid Gantt and the portfolio Gantt, shared by API and pages.

Everything here reads; nothing is written. Permissions are the caller's: pass a bid the user
may read (``require_bid``) or let ``portfolio_bids`` filter by ``visible_bids_clause``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

import plotly.graph_objects as go
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.auth.models import User
from app.auth.permissions import visible_bids_clause
from app.baselines.models import Baseline as BaselineRow
from app.bids.models import Bid
from app.costs.models import CostEntry
from app.orgs.models import OrgUnit, Person
from app.tasks.models import Task
from app.tasks.scheduling import build_plan, load_network, stored_schedule
from app.tasks.service import budgets_of
from gantt.bid import Baseline, BidGanttExtras, GanttRow, bid_gantt, wbs_rows
from gantt.load import Assignment, load_chart, weekly_loads
from gantt.portfolio import PortfolioBid, StageGate, portfolio_gantt
from wbs.plan import Plan
from wbs.result import Schedule

GroupBy = Literal["subsidiary", "account"]
ColourBy = Literal["stage", "health"]


@dataclass(slots=True)
class BidView:
    """A bid's plan, schedule and the Gantt extras, as the pages and the API need them."""

    bid: Bid
    plan: Plan
    schedule: Schedule
    extras: BidGanttExtras
    rows: list[GanttRow]

    def figure(self) -> go.Figure:
        return bid_gantt(self.plan, self.schedule, self.extras)


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def latest_baseline(session: Session, bid_id: int) -> dict[str, Baseline]:
    row = session.scalar(
        select(BaselineRow)
        .where(BaselineRow.bid_id == bid_id)
        .order_by(BaselineRow.id.desc())
        .limit(1)
    )
    if row is None:
        return {}
    saved: dict[str, Baseline] = {}
    for item in (row.snapshot or {}).get("tasks", []):
        start, finish = _date(item.get("start")), _date(item.get("finish"))
        if start is not None and finish is not None and item.get("task_id") is not None:
            saved[str(item["task_id"])] = Baseline(start, finish)
    return saved


def actual_costs(session: Session, bid_id: int) -> dict[str, Decimal]:
    """Approved actual cost per task, in the bid's currency."""
    statement = (
        select(CostEntry.task_id, func.sum(CostEntry.amount_bid_currency))
        .where(CostEntry.bid_id == bid_id, CostEntry.status == "approved")
        .group_by(CostEntry.task_id)
    )
    return {
        str(task_id): Decimal(str(total)).quantize(Decimal("0.01"))
        for task_id, total in session.execute(statement)
        if total is not None
    }


def _empty_schedule(bid: Bid) -> Schedule:
    return Schedule(bid.start_date, bid.start_date, 0, "day", [])


def bid_view(session: Session, bid: Bid) -> BidView:
    tasks, links = load_network(session, bid.id)
    # the Gantt draws the submission deadline from ``finish_deadline`` (``gantt.bid``); the
    # stored schedule shown with it capped only the submission milestone by it
    plan = replace(build_plan(bid, tasks, links), finish_deadline=bid.submission_deadline)
    schedule = stored_schedule(bid, tasks) or _empty_schedule(bid)
    people = _people(session, {task.owner_id for task in tasks if task.owner_id is not None})
    budgets = budgets_of(session, [task.id for task in tasks])
    for plan_task, row in zip(plan.tasks, tasks, strict=True):
        if row.owner_id is not None:
            plan_task.owner = people.get(row.owner_id, str(row.owner_id))
        lines = budgets.get(row.id)
        if lines:
            plan_task.budget = sum(lines.values(), Decimal("0.00"))
    extras = BidGanttExtras(
        baseline=latest_baseline(session, bid.id),
        actual_costs=actual_costs(session, bid.id),
        title=bid.title,
        currency=bid.currency,
        today=dt.date.today(),
    )
    return BidView(bid, plan, schedule, extras, wbs_rows(plan, schedule))


def _people(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    statement = select(Person.id, Person.name).where(Person.id.in_(sorted(ids)))
    return {person_id: name for person_id, name in session.execute(statement)}


@dataclass(frozen=True, slots=True)
class PortfolioFilters:
    subsidiary: int | None = None
    stage: str | None = None
    lead: int | None = None
    account: int | None = None
    group_by: GroupBy = "subsidiary"
    colour_by: ColourBy = "stage"


def health_of(bid: Bid, today: dt.date) -> str:
    """green / amber / red / unknown from the schedule against the submission deadline."""
    if bid.project_finish is None or bid.submission_deadline is None:
        return "unknown"
    if bid.project_finish > bid.submission_deadline:
        return "red"
    if (
        bid.submission_deadline - bid.project_finish
    ).days <= 2 and bid.submission_deadline >= today:
        return "amber"
    return "green"


def portfolio_bids(session: Session, user: User, filters: PortfolioFilters) -> list[Bid]:
    statement = select(Bid).where(visible_bids_clause(user))
    for column, value in (
        (Bid.org_unit_id, filters.subsidiary),
        (Bid.stage, filters.stage),
        (Bid.lead_id, filters.lead),
        (Bid.account_id, filters.account),
    ):
        if value is not None:
            statement = statement.where(column == value)
    return list(session.scalars(statement.order_by(Bid.id)))


def _gates(session: Session, bid_ids: list[int]) -> dict[int, list[StageGate]]:
    """A bid's milestones are its stage gates (passed when finished)."""
    gates: dict[int, list[StageGate]] = defaultdict(list)
    for start in range(0, len(bid_ids), 900):
        statement = (
            select(Task)
            .where(Task.bid_id.in_(bid_ids[start : start + 900]), Task.kind == "milestone")
            .order_by(Task.bid_id, Task.planned_start, Task.id)
        )
        for task in session.scalars(statement):
            on = task.actual_finish or task.planned_finish or task.planned_start
            if on is not None:
                passed = task.actual_finish is not None or task.percent_complete >= 100
                gates[task.bid_id].append(StageGate(task.name, on, passed))
    return gates


def portfolio_items(
    session: Session, bids: list[Bid], group_by: GroupBy = "subsidiary"
) -> list[PortfolioBid]:
    units = {unit.id: unit.name for unit in session.scalars(select(OrgUnit))}
    account_ids = sorted({bid.account_id for bid in bids})
    accounts = (
        {a.id: a.name for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))}
        if account_ids
        else {}
    )
    leads = _people(session, {bid.lead_id for bid in bids if bid.lead_id is not None})
    gates = _gates(session, [bid.id for bid in bids])
    today = dt.date.today()
    items = []
    for bid in bids:
        finish = bid.project_finish or bid.submission_deadline or bid.start_date
        account = accounts.get(bid.account_id)
        unit = units.get(bid.org_unit_id)
        items.append(
            PortfolioBid(
                id=bid.id,
                title=bid.title,
                group=(account if group_by == "account" else unit) or "–",
                start=bid.start_date,
                finish=max(finish, bid.start_date),
                stage=bid.stage,
                health=health_of(bid, today),
                lead=leads.get(bid.lead_id) if bid.lead_id is not None else None,
                account=account,
                submission_deadline=bid.submission_deadline,
                gates=tuple(gates.get(bid.id, ())),
            )
        )
    return items


def portfolio_figure(session: Session, user: User, filters: PortfolioFilters) -> go.Figure:
    bids = portfolio_bids(session, user, filters)
    items = portfolio_items(session, bids, filters.group_by)
    return portfolio_gantt(items, colour_by=filters.colour_by, today=dt.date.today())


def load_figure(session: Session, bids: list[Bid]) -> go.Figure | None:
    """Each task owner's weekly load across ``bids`` (an owner works full time on a task);
    None when no scheduled task has an owner."""
    ids = [bid.id for bid in bids]
    assignments: list[Assignment] = []
    titles = {bid.id: bid.title for bid in bids}
    for start in range(0, len(ids), 900):
        statement = select(Task).where(
            Task.bid_id.in_(ids[start : start + 900]),
            Task.owner_id.is_not(None),
            Task.kind == "task",
            Task.planned_start.is_not(None),
        )
        tasks = list(session.scalars(statement))
        names = _people(session, {task.owner_id for task in tasks if task.owner_id is not None})
        for task in tasks:
            if task.owner_id is None or task.planned_start is None:
                continue
            assignments.append(
                Assignment(
                    person=names.get(task.owner_id, str(task.owner_id)),
                    start=task.planned_start,
                    finish=task.planned_finish or task.planned_start,
                    bid=titles.get(task.bid_id),
                )
            )
    return load_chart(weekly_loads(assignments), title=None) if assignments else None
