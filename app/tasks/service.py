"""WBS elements and dependencies: validated writes, journaled, each followed by a recompute.

Every write ends with ``app.tasks.scheduling.recompute`` in the same transaction and returns
the schedule diff; a refused plan raises before anything is committed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.permissions import (
    PROGRESS_FIELDS,
    can_report_progress,
    can_write_bid,
    require_bid,
)
from app.bids.models import Bid
from app.costs.models import CostEntry
from app.crud import apply_changes, get_or_404
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.journal.service import record_changes, snapshot
from app.limits import check_plan_limits
from app.orgs.models import Person
from app.settings import get_settings
from app.tasks.models import BudgetLine, Dependency, Task
from app.tasks.scheduling import recompute
from wbs.decompose import SUBMISSION_CODE
from wbs.limits import link_lag_days, plan_days
from wbs.plan import Plan

JOURNALED_TASK_FIELDS = (
    "name",
    "parent_id",
    "kind",
    "duration_days",
    "owner_id",
    "percent_complete",
    "actual_start",
    "actual_finish",
)


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def add_plan(
    session: Session,
    user: User | None,
    bid: Bid,
    plan: Plan,
    *,
    budget_lines: Mapping[str, Mapping[str, Decimal]] | None = None,
) -> dict[str, Task]:
    """Append a whole ``wbs.plan.Plan`` (tasks, tree, links) to ``bid`` with ONE recompute.

    For the importer, the decomposer and the demo loader. Plan task ids map to the new rows
    (returned). ``budget_lines`` gives ``{plan task id: {category: amount}}``; without it a
    task's ``budget`` lands in the "other" category. ``task.owner`` holding a person id
    (digits) sets the owner. WBS codes are renumbered from the plan's order. Flushed, not
    committed; a refused plan (cycle, negative duration...) raises ``Invalid``.
    """
    check_plan_limits(plan)
    existing = session.scalar(select(func.count(Task.id)).where(Task.bid_id == bid.id)) or 0
    limit = get_settings().max_tasks_per_bid
    if existing + len(plan.tasks) > limit:
        raise Invalid(f"a bid may hold at most {limit} tasks")
    first = _next_position(session, bid.id, None)
    people = {
        person_id
        for (person_id,) in session.execute(
            select(Person.id).where(
                Person.id.in_({int(t.owner) for t in plan.tasks if t.owner and t.owner.isdigit()})
            )
        )
    }
    rows: dict[str, Task] = {}
    for position, task in enumerate(plan.tasks, start=first):
        duration = plan_days(task.duration, plan.unit, round_up=True)
        if duration < 0:
            raise Invalid(f"task {task.id} ({task.name}): negative duration")
        kind = "summary" if task.is_summary else ("milestone" if task.is_milestone else "task")
        constraint = task.constraint
        owner = int(task.owner) if task.owner and task.owner.isdigit() else None
        template_code = str(task.extra.get("template_code") or "")[:100] or None
        deadline = as_date(task.deadline)
        if template_code == SUBMISSION_CODE and deadline == bid.submission_deadline:
            deadline = None  # the bid's submission deadline, not one of the task's own
        rows[task.id] = Task(
            bid_id=bid.id,
            position=position,
            name=task.name.strip() or f"Task {task.id}",
            kind=kind,
            duration_days=0 if kind == "milestone" else duration,
            owner_id=owner if owner in people else None,
            kam_role=task.role.strip() or None if task.role else None,
            constraint_type=(
                constraint.type.value
                if constraint and (constraint.date or constraint.type.value == "ALAP")
                else None
            ),
            constraint_date=as_date(constraint.date) if constraint else None,
            actual_start=as_date(task.actual_start),
            actual_finish=as_date(task.actual_finish),
            percent_complete=round(task.percent_complete),
            deadline=deadline,
            template_code=template_code,
        )
    session.add_all(rows.values())
    session.flush()
    for task in plan.tasks:
        row = rows[task.id]
        if task.parent is not None and task.parent in rows:
            row.parent_id = rows[task.parent].id
        lines = (budget_lines or {}).get(task.id)
        if lines is None and task.budget is not None and task.budget > 0:
            lines = {"other": task.budget}
        for category, amount in (lines or {}).items():
            session.add(BudgetLine(task_id=row.id, category=category, amount=amount))
        record_changes(session, user, row, {}, {"name": row.name, "kind": row.kind}, bid_id=bid.id)
    seen: set[tuple[int, int]] = set()
    for link in plan.links:
        if link.predecessor not in rows or link.successor not in rows:
            raise Invalid(f"link {link.predecessor} -> {link.successor} names an unknown task")
        pair = (rows[link.predecessor].id, rows[link.successor].id)
        if pair in seen or pair[0] == pair[1]:
            continue
        seen.add(pair)
        session.add(
            Dependency(
                bid_id=bid.id,
                predecessor_id=pair[0],
                successor_id=pair[1],
                type=link.type.value,
                lag_days=link_lag_days(link, plan.unit),
            )
        )
    recompute(session, bid, validate=True)
    return rows


def get_task(session: Session, task_id: int) -> Task:
    return get_or_404(session, Task, task_id, "task")


def progress_or_write(session: Session, user: User, task_id: int) -> Task:
    """The task, if ``user`` may read its bid (404) and change it or report its progress
    (403): ``PATCH /tasks/{task}``'s guard (which fields a reporter may set is the body's)."""
    task = get_task(session, task_id)
    bid = require_bid(session, user, task.bid_id, lock=False)
    if not can_report_progress(user, bid, task.owner_id):
        raise Forbidden("you may only report progress on tasks you own")
    return task


def budgets_of(session: Session, task_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """Budget lines per task: ``{task_id: {category: amount}}``."""
    ids = list(task_ids)
    budgets: dict[int, dict[str, Decimal]] = defaultdict(dict)
    if not ids:
        return budgets
    for start in range(0, len(ids), 900):
        statement = select(BudgetLine).where(BudgetLine.task_id.in_(ids[start : start + 900]))
        for line in session.scalars(statement):
            budgets[line.task_id][line.category] = line.amount
    return budgets


@dataclass(slots=True)
class CostRollUp:
    """A WBS element's money by cost category: its own lines plus every descendant's.

    ``budget`` (budget lines), ``actual`` (approved actual costs, reversals included) and
    ``remaining`` (budget - committed - actual: negative = overspent), exact to the cent.
    """

    budget: dict[str, Decimal] = dataclass_field(default_factory=dict)
    actual: dict[str, Decimal] = dataclass_field(default_factory=dict)
    committed: dict[str, Decimal] = dataclass_field(default_factory=dict)

    @property
    def remaining(self) -> dict[str, Decimal]:
        categories = sorted({*self.budget, *self.actual, *self.committed})
        zero = Decimal("0.00")
        return {
            category: self.budget.get(category, zero)
            - self.committed.get(category, zero)
            - self.actual.get(category, zero)
            for category in categories
        }


def cost_roll_up(session: Session, task: Task) -> CostRollUp:
    """One task's ``CostRollUp``: a leaf's own lines and costs, a summary's whole subtree."""
    if task.kind == "summary":
        return cost_roll_ups(session, task.bid_id).get(task.id, CostRollUp())
    return cost_roll_ups(session, task.bid_id, only=task.id).get(task.id, CostRollUp())


def cost_roll_ups(
    session: Session, bid_id: int, *, only: int | None = None
) -> dict[int, CostRollUp]:
    """Every task of the bid with its rolled-up budget, actuals and commitments: a summary
    shows the sums of its leaves (and of any lines booked on the summary itself).
    ``only``: just that leaf task (its own lines and costs; no tree to walk)."""
    if only is not None:
        parents: dict[int, int | None] = {only: None}
    else:
        parents = {
            task_id: parent_id
            for task_id, parent_id in session.execute(
                select(Task.id, Task.parent_id).where(Task.bid_id == bid_id)
            )
        }
    rolled = {task_id: CostRollUp() for task_id in parents}

    def add(task_id: int, part: str, category: str, amount: Decimal) -> None:
        seen = 0
        current: int | None = task_id
        while current is not None and current in rolled and seen <= len(parents):
            sums = getattr(rolled[current], part)
            sums[category] = sums.get(category, Decimal("0.00")) + amount
            current = parents.get(current)
            seen += 1

    lines = select(BudgetLine.task_id, BudgetLine.category, BudgetLine.amount).join(
        Task, Task.id == BudgetLine.task_id
    )
    lines = lines.where(Task.bid_id == bid_id)
    costs_of_bid = CostEntry.bid_id == bid_id
    if only is not None:
        lines = lines.where(BudgetLine.task_id == only)
        costs_of_bid = costs_of_bid & (CostEntry.task_id == only)
    for task_id, category, amount in session.execute(lines):
        add(task_id, "budget", category, Decimal(amount))
    costs = (
        select(
            CostEntry.task_id,
            CostEntry.category,
            CostEntry.kind,
            func.sum(CostEntry.amount_bid_currency),
        )
        .where(costs_of_bid, CostEntry.status == "approved")
        .group_by(CostEntry.task_id, CostEntry.category, CostEntry.kind)
    )
    for task_id, category, kind, total in session.execute(costs):
        part = "actual" if kind == "actual" else "committed"
        add(task_id, part, category, Decimal(str(total)).quantize(Decimal("0.01")))
    for roll_up in rolled.values():
        for part in (roll_up.budget, roll_up.actual, roll_up.committed):
            ordered = dict(sorted(part.items()))
            part.clear()
            part.update(ordered)
    return rolled


def _ancestors(session: Session, task_id: int | None) -> list[int]:
    chain = []
    while task_id is not None:
        chain.append(task_id)
        if len(chain) > get_settings().max_wbs_depth + 1:
            break
        parent = session.get(Task, task_id)
        task_id = parent.parent_id if parent is not None else None
    return chain


def _check_parent(session: Session, bid: Bid, parent_id: int | None, task_id: int | None) -> None:
    if parent_id is None:
        return
    parent = session.get(Task, parent_id)
    if parent is None or parent.bid_id != bid.id:
        raise Invalid.field("parent_id", f"task {parent_id} is not in bid {bid.id}")
    if parent.kind == "milestone":
        raise Invalid.field(
            "parent_id", f"task {parent_id} is a milestone and cannot have children"
        )
    chain = _ancestors(session, parent_id)
    if task_id is not None and task_id in chain:
        raise Invalid.field("parent_id", "a task cannot be moved under itself or its descendants")
    if len(chain) >= get_settings().max_wbs_depth:
        raise Invalid.field(
            "parent_id", f"the WBS may be at most {get_settings().max_wbs_depth} levels deep"
        )


def _check_estimate(data: dict[str, Any], value: Any) -> None:
    """A three-point estimate given in the request must hold optimistic <= duration_days (the
    most likely) <= pessimistic. (A later duration change alone is not refused: the schedule
    risk widens the range to take it in, ``app.risk.service``.)"""
    if "optimistic_days" not in data and "pessimistic_days" not in data:
        return
    likely = value("duration_days")
    likely = 1 if likely is None else likely
    optimistic, pessimistic = value("optimistic_days"), value("pessimistic_days")
    if optimistic is not None and optimistic > likely:
        raise Invalid.field("optimistic_days", f"must not exceed duration_days ({likely})")
    if pessimistic is not None and pessimistic < likely:
        raise Invalid.field("pessimistic_days", f"must not be below duration_days ({likely})")


def _check_fields(session: Session, data: dict[str, Any], task: Task | None) -> None:
    def value(name: str) -> Any:
        return data[name] if name in data else getattr(task, name, None)

    owner_id = data.get("owner_id")
    if owner_id is not None and session.get(Person, owner_id) is None:
        raise Invalid.field("owner_id", f"person {owner_id} does not exist")
    start, finish = value("actual_start"), value("actual_finish")
    if start is not None and finish is not None and finish < start:
        raise Invalid.field("actual_finish", "must not be before actual_start")
    if finish is not None and start is None:
        raise Invalid.field("actual_start", "a finished task needs an actual start")
    _check_estimate(data, value)
    constraint = value("constraint_type")
    if constraint not in (None, "ASAP", "ALAP") and value("constraint_date") is None:
        raise Invalid.field("constraint_date", f"a {constraint} constraint needs a date")
    if value("kind") == "milestone" and (value("duration_days") or 0) > 0:
        raise Invalid.field("duration_days", "a milestone has a duration of 0")


def _set_budget(session: Session, task: Task, budget: dict[str, Decimal]) -> dict[str, Any]:
    """Replace the given categories' lines; returns ``{category: old amount}`` for the journal."""
    lines = {
        line.category: line
        for line in session.scalars(select(BudgetLine).where(BudgetLine.task_id == task.id))
    }
    old: dict[str, Any] = {}
    for category, amount in budget.items():
        line = lines.get(category)
        old[f"budget.{category}"] = line.amount if line is not None else None
        if line is None:
            session.add(BudgetLine(task_id=task.id, category=category, amount=amount))
        elif line.amount != amount:
            line.amount = amount
    return old


def _next_position(session: Session, bid_id: int, parent_id: int | None) -> int:
    statement = select(func.max(Task.position)).where(
        Task.bid_id == bid_id,
        Task.parent_id.is_(None) if parent_id is None else Task.parent_id == parent_id,
    )
    current = session.scalar(statement)
    return 0 if current is None else current + 1


def create_task(
    session: Session, user: User | None, bid: Bid, data: dict[str, Any]
) -> tuple[Task, dict[str, Any] | None]:
    """A new WBS element under ``data["parent_id"]`` (or at the top); returns it and the diff."""
    data = dict(data)
    budget = data.pop("budget", None) or {}
    count = session.scalar(select(func.count(Task.id)).where(Task.bid_id == bid.id)) or 0
    if count >= get_settings().max_tasks_per_bid:
        raise Invalid(f"a bid may hold at most {get_settings().max_tasks_per_bid} tasks")
    if data.get("kind") == "milestone" and "duration_days" not in data:
        data["duration_days"] = 0
    data.setdefault("kind", "task")
    _check_parent(session, bid, data.get("parent_id"), None)
    _check_fields(session, data, None)
    if data.get("position") is None:
        data["position"] = _next_position(session, bid.id, data.get("parent_id"))
    task = Task(bid_id=bid.id, **data)
    session.add(task)
    session.flush()
    _set_budget(session, task, budget)
    if task.parent_id is not None:
        _promote_parent(session, user, bid, task.parent_id)
    fields = {name: data.get(name) for name in JOURNALED_TASK_FIELDS}
    record_changes(session, user, task, {}, fields, bid_id=bid.id)
    diff = recompute(session, bid)
    return task, diff


def _promote_parent(session: Session, user: User | None, bid: Bid, parent_id: int) -> None:
    parent = session.get(Task, parent_id)
    if parent is not None and parent.kind != "summary":
        apply_changes(session, user, parent, {"kind": "summary"}, bid_id=bid.id)


def _demote_if_childless(session: Session, user: User | None, bid: Bid, parent_id: int) -> None:
    parent = session.get(Task, parent_id)
    has_children = session.scalar(select(Task.id).where(Task.parent_id == parent_id).limit(1))
    if parent is not None and parent.kind == "summary" and has_children is None:
        apply_changes(session, user, parent, {"kind": "task"}, bid_id=bid.id)


def update_task(
    session: Session, user: User, bid: Bid, task: Task, data: dict[str, Any]
) -> dict[str, Any] | None:
    """Apply an allow-listed change to ``task``; returns the schedule diff."""
    if not can_write_bid(user, bid):
        if not set(data) <= PROGRESS_FIELDS:
            raise Forbidden("you may only report progress (percent complete, actual dates)")
        if not can_report_progress(user, bid, task.owner_id):
            raise Forbidden("you may only report progress on tasks you own")
    data = dict(data)
    budget = data.pop("budget", None)
    old_parent = task.parent_id
    if "parent_id" in data:
        _check_parent(session, bid, data["parent_id"], task.id)
    if "kind" in data:
        has_children = session.scalar(select(Task.id).where(Task.parent_id == task.id).limit(1))
        if (data["kind"] == "summary") != (has_children is not None):
            raise Invalid.field("kind", "a task is a summary exactly when it has children")
    _check_fields(session, data, task)
    apply_changes(session, user, task, data, bid_id=bid.id)
    if budget:
        old = _set_budget(session, task, budget)
        new = {f"budget.{k}": v for k, v in budget.items()}
        record_changes(session, user, task, old, new, bid_id=bid.id)
    if "parent_id" in data and data["parent_id"] != old_parent:
        if data["parent_id"] is not None:
            _promote_parent(session, user, bid, data["parent_id"])
        session.flush()
        if old_parent is not None:
            _demote_if_childless(session, user, bid, old_parent)
    return recompute(session, bid)


def delete_task(session: Session, user: User, bid: Bid, task: Task) -> dict[str, Any] | None:
    """Delete ``task`` with its subtree, links and budget lines; returns the schedule diff."""
    record_changes(session, user, task, snapshot(task, JOURNALED_TASK_FIELDS), {}, bid_id=bid.id)
    parent_id = task.parent_id
    subtree = _subtree_ids(session, bid.id, task.id)
    for link in session.scalars(
        select(Dependency).where(
            Dependency.predecessor_id.in_(subtree) | Dependency.successor_id.in_(subtree)
        )
    ):
        session.delete(link)
    for line in session.scalars(select(BudgetLine).where(BudgetLine.task_id.in_(subtree))):
        session.delete(line)
    for row in session.scalars(select(Task).where(Task.driving_predecessor_id.in_(subtree))):
        row.driving_predecessor_id = None
    session.flush()
    rows = {row.id: row for row in session.scalars(select(Task).where(Task.id.in_(subtree)))}
    for task_id in reversed(subtree):  # children before parents
        session.delete(rows[task_id])
        session.flush()
    if parent_id is not None:
        _demote_if_childless(session, user, bid, parent_id)
    return recompute(session, bid)


def _subtree_ids(session: Session, bid_id: int, root_id: int) -> list[int]:
    """``root_id`` and its descendants, parents before children."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for task_id, parent_id in session.execute(
        select(Task.id, Task.parent_id).where(Task.bid_id == bid_id)
    ):
        children[parent_id].append(task_id)
    order, queue = [], deque([root_id])
    while queue:
        current = queue.popleft()
        order.append(current)
        queue.extend(children.get(current, ()))
    return order


def _label(task: Task) -> str:
    return f"{task.wbs_code} {task.name}".strip() + f" (#{task.id})"


def _find_path(links: Iterable[Dependency], source: int, target: int) -> list[int] | None:
    """A path source -> ... -> target along ``links``, or None."""
    successors: dict[int, list[int]] = defaultdict(list)
    for link in links:
        successors[link.predecessor_id].append(link.successor_id)
    previous: dict[int, int | None] = {source: None}
    queue = deque([source])
    while queue:
        current = queue.popleft()
        if current == target:
            path = [current]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])  # type: ignore[arg-type]
            return list(reversed(path))
        for nxt in successors.get(current, ()):
            if nxt not in previous:
                previous[nxt] = current
                queue.append(nxt)
    return None


def create_dependency(
    session: Session, user: User | None, bid: Bid, data: dict[str, Any]
) -> tuple[Dependency, dict[str, Any] | None]:
    """A new link in ``bid``; refuses other bids' tasks, self links, duplicates and cycles."""
    predecessor = session.get(Task, data["predecessor_id"])
    successor = session.get(Task, data["successor_id"])
    for field, task in (("predecessor_id", predecessor), ("successor_id", successor)):
        if task is None or task.bid_id != bid.id:
            raise Invalid.field(field, f"task {data[field]} is not in bid {bid.id}")
    assert predecessor is not None and successor is not None
    if predecessor.id == successor.id:
        raise Invalid.field("successor_id", "a task cannot depend on itself")
    if predecessor.id in _ancestors(session, successor.id) or successor.id in _ancestors(
        session, predecessor.id
    ):
        raise Invalid.field("successor_id", "a task cannot be linked to its own summary")
    links = list(session.scalars(select(Dependency).where(Dependency.bid_id == bid.id)))
    if any(
        link.predecessor_id == predecessor.id and link.successor_id == successor.id
        for link in links
    ):
        raise Conflict(f"task {predecessor.id} already links to task {successor.id}")
    limit = get_settings().max_links_per_task
    for task in (predecessor, successor):
        count = sum(task.id in (link.predecessor_id, link.successor_id) for link in links)
        if count >= limit:
            raise Invalid(f"task {task.id} already has {limit} links, the maximum")
    path = _find_path(links, successor.id, predecessor.id)
    if path is not None:
        cycle = [*path, successor.id]
        names = {t.id: _label(t) for t in session.scalars(select(Task).where(Task.id.in_(cycle)))}
        raise Invalid(
            "dependency cycle: " + " -> ".join(names[t] for t in cycle),
            cycle=cycle,
        )
    link = Dependency(bid_id=bid.id, **data)
    session.add(link)
    session.flush()
    record_changes(session, user, link, {}, data, bid_id=bid.id)
    return link, recompute(session, bid)


def get_dependency(session: Session, dependency_id: int) -> Dependency:
    link = session.get(Dependency, dependency_id)
    if link is None:
        raise NotFound(f"dependency {dependency_id} not found")
    return link


def delete_dependency(
    session: Session, user: User, bid: Bid, link: Dependency
) -> dict[str, Any] | None:
    fields = ("predecessor_id", "successor_id", "type", "lag_days")
    record_changes(session, user, link, snapshot(link, fields), {}, bid_id=bid.id)
    session.delete(link)
    return recompute(session, bid)
