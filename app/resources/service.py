"""People booked by several open bids: load, conflicts and leveling (``wbs.portfolio_level``).

The translation:
- Every *open* bid's non-summary tasks with an owner and a schedule become
  ``ScheduledTask``s at their stored ``planned_start`` with their ``total_float_days``. A task
  books its owner for the owner's ``allocation_percent`` on that bid's team (the largest of
  their roles; 100 % when the owner is not on the team). Everyone's capacity is one working day
  per working day. A bid without a win probability counts as certain (100 %).
- Work (tasks and milestones) that has started, has progress, or is pinned by a constraint
  other than ASAP/SNET is not movable (nor, in a proposal, the work that must precede it);
  neither is any task of a bid outside the selection of a proposal (its load still counts: a
  person's load is the sum over *all* open bids).
- Links between non-summary tasks become start gaps (``wbs.portfolio_level.start_gap``).

Who sees what: PMO and finance see everyone; a lead sees the people on the teams of the bids
they lead (and themselves); a member sees themselves; a viewer nothing (403). Loads always sum
over all open bids, but tasks of bids the caller may not read are shown without ids or names.
Proposals and accepting them are the PMO's.

A proposal is stateless: it carries a ``fingerprint`` of the input it was computed from (the
versions of the bids, tasks, links and team rows involved, the stored schedule, the selection
and ``level_from``). Accepting recomputes the fingerprint (412 when anything changed) and the
proposal itself (the submitted moves must be exactly its moves), then pins each moved task
with a start-no-earlier-than constraint at its new start (the task model's own tool for "not
before this date": a lag would only hold behind one predecessor, and first tasks have none),
reschedules the bids and journals the constraint changes, in one transaction. Rejecting is
simply not accepting: nothing was stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.auth.models import User
from app.auth.permissions import visible_bids_clause
from app.bids.models import Bid, TeamMember
from app.errors import Forbidden, Invalid, PreconditionFailed
from app.journal.service import record_changes, snapshot
from app.orgs.models import Person
from app.tasks.models import Dependency, Task
from app.tasks.scheduling import bid_calendar, recompute
from wbs.calendar import WorkCalendar
from wbs.decompose import SUBMISSION_CODE
from wbs.portfolio_level import (
    BidSchedule,
    Booking,
    LevelingProposal,
    OverAllocation,
    Portfolio,
    ScheduledTask,
    StartLink,
    WeekLoad,
    daily_loads,
    over_allocations,
    propose_leveling,
    start_gap,
    weekly_loads,
)
from wbs.portfolio_level import Person as LoadPerson

MOVABLE_CONSTRAINTS = (None, "ASAP", "SNET")
# a milestone carries no load but follows its predecessors: were it fixed, the work before it
# could not move either (leveling keeps every link)
MOVABLE_KINDS = ("task", "milestone")
READ_ROLES = ("pmo", "finance", "lead", "member")


@dataclass(slots=True)
class PortfolioView:
    """The pure input plus what the HTTP layer needs to name things and check freshness."""

    portfolio: Portfolio
    people: dict[int, str]
    bid_titles: dict[int, str]
    task_names: dict[int, str]
    readable_bids: set[int]
    visible_people: set[int] | None  # None: everyone
    fingerprint_parts: list[Any] = field(default_factory=list)

    def fingerprint(self) -> str:
        text = json.dumps(self.fingerprint_parts, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:40]


def require_reader(user: User) -> None:
    if user.role not in READ_ROLES:
        raise Forbidden("resource load is for the PMO, finance, leads and members")


def visible_people(session: Session, user: User) -> set[int] | None:
    """The people whose load ``user`` may see (None: everyone)."""
    require_reader(user)
    if user.role in ("pmo", "finance"):
        return None
    own = {user.person_id} if user.person_id is not None else set()
    if user.role != "lead" or user.person_id is None:
        return own
    led = select(Bid.id).where(Bid.lead_id == user.person_id)
    team = session.scalars(select(TeamMember.person_id).where(TeamMember.bid_id.in_(led)))
    return own | set(team)


def _calendar(session: Session, bid: Bid, cache: dict[Any, WorkCalendar]) -> WorkCalendar:
    name, specs = bid_calendar(session, bid)
    key = (name, tuple(sorted(specs)))
    if key not in cache:
        if name is not None and name in specs:
            cache[key] = WorkCalendar.from_spec(specs[name], "day", specs)
        else:
            cache[key] = WorkCalendar.named(name)
    return cache[key]


def _open_bids(session: Session) -> list[Bid]:
    return list(session.scalars(select(Bid).where(Bid.status == "open").order_by(Bid.id)))


def build_view(
    session: Session,
    user: User,
    *,
    selected: set[int] | None = None,
    level_from: dt.date | None = None,
) -> PortfolioView:
    """Every open bid as ``wbs.portfolio_level`` input; only ``selected`` bids (default all)
    have movable work."""
    session.flush()
    bids = _open_bids(session)
    bid_ids = [bid.id for bid in bids]
    readable = set(session.scalars(select(Bid.id).where(visible_bids_clause(user))))
    tasks = _tasks(session, bid_ids)
    allocations = _allocations(session, bid_ids)
    links = _links(session, bid_ids)
    tiers = dict(
        session.execute(
            select(Account.id, Account.tier).where(Account.id.in_({b.account_id for b in bids}))
        ).all()
    )
    owners = {task.owner_id for rows in tasks.values() for task in rows}
    names = select(Person.id, Person.name).where(Person.id.in_(owners))
    people: dict[int, str] = {row.id: row.name for row in session.execute(names)}
    calendars: dict[Any, WorkCalendar] = {}
    schedules = []
    parts: list[Any] = [sorted(selected) if selected is not None else None, level_from]
    task_names: dict[int, str] = {}
    for bid in bids:
        movable_bid = selected is None or bid.id in selected
        rows = tasks.get(bid.id, [])
        shares = allocations.get(bid.id, {})
        parts.append([bid.id, bid.version, *(_task_part(row) for row in rows)])
        parts.append([bid.id, sorted(shares.items()), links.get(bid.id, [])])
        task_names.update((row.id, row.name) for row in rows)
        schedules.append(
            BidSchedule(
                id=str(bid.id),
                name=bid.title,
                value=bid.value if bid.value is not None else Decimal(0),
                win_probability_percent=(
                    bid.win_probability_percent if bid.win_probability_percent is not None else 100
                ),
                account_tier=tiers.get(bid.account_id, "standard"),
                submission_deadline=bid.submission_deadline,
                tasks=tuple(_scheduled(row, shares, movable_bid) for row in rows),
                links=_start_links(rows, links.get(bid.id, [])),
                calendar=_calendar(session, bid, calendars),
                submission_task_id=next(
                    (str(r.id) for r in rows if r.template_code == SUBMISSION_CODE), None
                ),
            )
        )
    portfolio = Portfolio(
        tuple(schedules),
        tuple(LoadPerson(str(pid), name) for pid, name in sorted(people.items())),
        level_from,
    )
    return PortfolioView(
        portfolio,
        people,
        {bid.id: bid.title for bid in bids},
        task_names,
        readable,
        visible_people(session, user),
        parts,
    )


TASK_COLUMNS = (
    Task.id,
    Task.version,
    Task.bid_id,
    Task.name,
    Task.kind,
    Task.duration_days,
    Task.owner_id,
    Task.planned_start,
    Task.total_float_days,
    Task.critical,
    Task.constraint_type,
    Task.actual_start,
    Task.percent_complete,
    Task.template_code,
)


def _tasks(session: Session, bid_ids: list[int]) -> dict[int, list[Any]]:
    by_bid: dict[int, list[Any]] = defaultdict(list)
    for start in range(0, len(bid_ids), 900):
        rows = session.execute(
            select(*TASK_COLUMNS)
            .where(
                Task.bid_id.in_(bid_ids[start : start + 900]),
                Task.kind != "summary",
                Task.planned_start.is_not(None),
            )
            .order_by(Task.id)
        )
        for row in rows:
            by_bid[row.bid_id].append(row)
    return by_bid


def _allocations(session: Session, bid_ids: list[int]) -> dict[int, dict[int, int]]:
    shares: dict[int, dict[int, int]] = defaultdict(dict)
    for start in range(0, len(bid_ids), 900):
        rows = session.execute(
            select(TeamMember.bid_id, TeamMember.person_id, TeamMember.allocation_percent).where(
                TeamMember.bid_id.in_(bid_ids[start : start + 900])
            )
        )
        for bid_id, person_id, percent in rows:
            shares[bid_id][person_id] = max(percent, shares[bid_id].get(person_id, 0))
    return shares


def _links(session: Session, bid_ids: list[int]) -> dict[int, list[tuple[int, int, str, int]]]:
    links: dict[int, list[tuple[int, int, str, int]]] = defaultdict(list)
    for start in range(0, len(bid_ids), 900):
        rows = session.execute(
            select(
                Dependency.bid_id,
                Dependency.predecessor_id,
                Dependency.successor_id,
                Dependency.type,
                Dependency.lag_days,
            )
            .where(Dependency.bid_id.in_(bid_ids[start : start + 900]))
            .order_by(Dependency.id)
        )
        for bid_id, predecessor, successor, link_type, lag in rows:
            links[bid_id].append((predecessor, successor, link_type, lag))
    return links


def _task_part(row: Any) -> list[Any]:
    return [row.id, row.version, row.planned_start, row.total_float_days, row.duration_days]


def _scheduled(row: Any, shares: dict[int, int], movable_bid: bool) -> ScheduledTask:
    bookings: tuple[Booking, ...] = ()
    if row.owner_id is not None and row.duration_days > 0:
        bookings = (Booking(str(row.owner_id), shares.get(row.owner_id, 100) / 100),)
    movable = (
        movable_bid
        and row.kind in MOVABLE_KINDS
        and row.actual_start is None
        and not row.percent_complete
        and row.constraint_type in MOVABLE_CONSTRAINTS
    )
    return ScheduledTask(
        id=str(row.id),
        name=row.name,
        start=row.planned_start,
        duration_days=row.duration_days,
        total_float_days=max(row.total_float_days or 0, 0),
        critical=bool(row.critical),
        bookings=bookings,
        movable=movable,
    )


def _start_links(rows: list[Any], links: list[tuple[int, int, str, int]]) -> tuple[StartLink, ...]:
    durations = {row.id: row.duration_days for row in rows}
    return tuple(
        StartLink(
            str(predecessor),
            str(successor),
            start_gap(link_type, lag, durations[predecessor], durations[successor]),
        )
        for predecessor, successor, link_type, lag in links
        if predecessor in durations and successor in durations
    )


# ---------------------------------------------------------------------------- reads


def shown(view: PortfolioView, person: str) -> bool:
    return view.visible_people is None or int(person) in view.visible_people


def load_items(
    view: PortfolioView,
    *,
    first: dt.date | None,
    last: dt.date | None,
    person: int | None,
    weighted: bool,
    weekly: bool,
) -> list[dict[str, Any]]:
    """The load rows the caller may see, in person and date order."""
    loads = weekly_loads(view.portfolio) if weekly else daily_loads(view.portfolio)
    items = []
    for load in loads:
        on = load.week if isinstance(load, WeekLoad) else load.day
        if not shown(view, load.person) or (person is not None and int(load.person) != person):
            continue
        if (first is not None and on < first) or (last is not None and on > last):
            continue
        amount = load.weighted if weighted else load.committed
        items.append(
            {
                "person_id": int(load.person),
                "person_name": view.people.get(int(load.person), load.person),
                "week" if weekly else "date": on,
                "load": round(amount, 3),
                "committed": round(load.committed, 3),
                "weighted": round(load.weighted, 3),
                "capacity": load.capacity,
                "over_allocated": amount > load.capacity + 1e-9,
            }
        )
    return items


def conflict_items(
    view: PortfolioView,
    runs: list[OverAllocation] | tuple[OverAllocation, ...] | None = None,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    person: int | None = None,
) -> list[dict[str, Any]]:
    """Over-allocations the caller may see; tasks of unreadable bids are anonymous."""
    found = over_allocations(view.portfolio) if runs is None else runs
    items = []
    for run in found:
        if not shown(view, run.person) or (person is not None and int(run.person) != person):
            continue
        before_range = first is not None and run.last_day < first
        if before_range or (last is not None and run.first_day > last):
            continue
        items.append(_conflict(view, run))
    return items


def _conflict(view: PortfolioView, run: OverAllocation) -> dict[str, Any]:
    tasks = []
    for booked in run.tasks:
        bid_id = int(booked.bid)
        readable = bid_id in view.readable_bids
        tasks.append(
            {
                "bid_id": bid_id if readable else None,
                "bid_title": view.bid_titles[bid_id] if readable else None,
                "task_id": int(booked.task) if readable else None,
                "task_name": view.task_names.get(int(booked.task)) if readable else None,
                "units": booked.units,
            }
        )
    return {
        "person_id": int(run.person),
        "person_name": view.people.get(int(run.person), run.person),
        "first_day": run.first_day,
        "last_day": run.last_day,
        "days": run.days,
        "peak_excess": round(run.peak_excess, 3),
        "excess_unit_days": round(run.excess_unit_days, 3),
        "bid_ids": sorted(int(bid) for bid in run.bids if int(bid) in view.readable_bids),
        "other_bids": sum(1 for bid in run.bids if int(bid) not in view.readable_bids),
        "tasks": tasks,
    }


# ---------------------------------------------------------------------------- proposals


def require_pmo(user: User) -> None:
    if user.role != "pmo":
        raise Forbidden("leveling proposals are the PMO's")


def proposal(
    session: Session,
    user: User,
    bid_ids: list[int] | None,
    level_from: dt.date,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[PortfolioView, LevelingProposal]:
    """``progress(fraction, message)`` is told between the steps (the proposal as a job)."""
    require_pmo(user)
    selected = set(bid_ids) if bid_ids is not None else None
    if progress is not None:
        progress(0.05, "reading the open bids 读取进行中的投标")
    view = build_view(session, user, selected=selected, level_from=level_from)
    unknown = sorted((selected or set()) - set(view.bid_titles))
    if unknown:
        raise Invalid.field("bid_ids", f"not open bids: {unknown}")
    if progress is not None:
        tasks = sum(len(bid.tasks) for bid in view.portfolio.bids)
        progress(0.4, f"leveling {tasks} tasks of {len(view.bid_titles)} bids 资源平衡")
    return view, propose_leveling(view.portfolio)


def check_open_bids(session: Session, bid_ids: list[int] | None) -> None:
    """422 unless every id names an open bid (the cheap part of ``proposal``'s check)."""
    if not bid_ids:
        return
    found = set(session.scalars(select(Bid.id).where(Bid.id.in_(bid_ids), Bid.status == "open")))
    unknown = sorted(set(bid_ids) - found)
    if unknown:
        raise Invalid.field("bid_ids", f"not open bids: {unknown}")


def proposal_body(
    session: Session,
    user: User,
    bid_ids: list[int] | None,
    level_from: dt.date,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """The body of ``POST /api/v1/resources/leveling-proposals`` (and of its job)."""
    view, result = proposal(session, user, bid_ids, level_from, progress)
    if progress is not None:
        progress(0.9, f"{len(result.moves)} moves proposed 已生成方案")
    return {**proposal_json(view, result), "bid_ids": bid_ids, "level_from": level_from}


def proposal_json(view: PortfolioView, result: LevelingProposal) -> dict[str, Any]:
    return {
        "fingerprint": view.fingerprint(),
        "moves": [
            {
                "bid_id": int(move.bid),
                "task_id": int(move.task),
                "task_name": view.task_names.get(int(move.task)),
                "old_start": move.old_start,
                "new_start": move.new_start,
                "shift_days": move.shift_days,
                "reason": move.reason,
                "detail": move.detail,
            }
            for move in result.moves
        ],
        "deadline_breaches": [
            {
                "bid_id": int(breach.bid),
                "bid_title": breach.bid_name,
                "submission_deadline": breach.submission_deadline,
                "new_finish": breach.new_finish,
                "days_late": breach.days_late,
                "working_days_late": breach.working_days_late,
                "warning": f"{breach.bid_name} would finish {breach.days_late} days "
                f"({breach.working_days_late} working days) after its submission deadline "
                f"{breach.submission_deadline.isoformat()}",
            }
            for breach in result.deadline_breaches
        ],
        "conflicts_before": len(result.before),
        "remaining": conflict_items(view, result.remaining),
    }


def accept(
    session: Session,
    user: User,
    *,
    bid_ids: list[int] | None,
    level_from: dt.date,
    fingerprint: str,
    moves: list[tuple[int, dt.date]],
) -> dict[str, Any]:
    """Apply a proposal still valid for the current state (see the module docstring)."""
    require_pmo(user)
    _lock_open_bids(session)
    view, result = proposal(session, user, bid_ids, level_from)
    if view.fingerprint() != fingerprint:
        raise PreconditionFailed(
            "the bids changed since this proposal was made; ask for a new proposal",
            current_fingerprint=view.fingerprint(),
        )
    expected = sorted((int(move.task), move.new_start) for move in result.moves)
    if sorted(moves) != expected:
        raise Invalid.field("moves", "the moves are not this proposal's moves")
    touched = _pin(session, user, expected)
    for bid in session.scalars(select(Bid).where(Bid.id.in_(touched)).order_by(Bid.id)):
        recompute(session, bid)
    session.flush()
    after = build_view(session, user)
    return {
        "applied": [{"task_id": task_id, "new_start": start} for task_id, start in expected],
        "bid_ids": sorted(touched),
        "conflicts": conflict_items(after),
    }


def _lock_open_bids(session: Session) -> None:
    """Take the open bids' row locks (PostgreSQL) in id order, so the fingerprint checked is
    the state written."""
    session.scalars(
        select(Bid.id).where(Bid.status == "open").order_by(Bid.id).with_for_update(key_share=True)
    ).all()


def _pin(session: Session, user: User, moves: list[tuple[int, dt.date]]) -> set[int]:
    touched: set[int] = set()
    for task_id, new_start in moves:
        task = session.get(Task, task_id)
        if task is None:
            raise PreconditionFailed(f"task {task_id} no longer exists")
        before = snapshot(task, ["constraint_type", "constraint_date"])
        task.constraint_type, task.constraint_date = "SNET", new_start
        after = snapshot(task, list(before))
        record_changes(session, user, task, before, after, bid_id=task.bid_id)
        touched.add(task.bid_id)
    session.flush()
    return touched
