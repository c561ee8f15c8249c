"""The bridge between a bid's rows and the planning core (``wbs``).

``recompute(session, bid)`` builds a ``wbs.plan.Plan`` (unit "day") from the bid's tasks,
links and calendar, runs ``wbs.cpm.schedule``, writes the computed dates, floats, critical flag
and driving predecessor back onto the task rows (only values that changed, so untouched rows
keep their ETag), renumbers WBS codes, and returns the change as a plain dict built from
``wbs.diff.diff_schedules``. It runs inside the caller's transaction: a plan error (cycle,
negative duration...) raises ``Invalid`` and the caller's write is rolled back with it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, namedtuple
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.bids.models import Bid
from app.calendars.models import Calendar
from app.errors import Invalid
from app.orgs.models import OrgUnit
from app.tasks.models import Dependency, Task
from wbs.plan import CalendarSpec, Constraint, ConstraintType, Link, LinkType, Plan
from wbs.plan import Task as PlanTask
from wbs.result import Schedule, ScheduleDiff, TaskSchedule

# 08:00-12:00 and 13:00-17:00: an 8-hour working day
WORKING_DAY = ((480, 720), (780, 1020))
DATE_FIELDS = frozenset(
    {"planned_start", "planned_finish", "early_start", "early_finish", "late_start", "late_finish"}
)
COMPUTED_FIELDS = (
    "planned_start",
    "planned_finish",
    "early_start",
    "early_finish",
    "late_start",
    "late_finish",
    "total_float_days",
    "free_float_days",
    "critical",
    "driving_predecessor_id",
    "early_start_index",
    "early_finish_index",
    "late_start_index",
    "late_finish_index",
)


def calendar_spec(calendar: Calendar) -> CalendarSpec:
    """A calendar row as the planning core's ``CalendarSpec``."""
    return CalendarSpec(
        name=f"calendar-{calendar.id}",
        weekly={int(day): WORKING_DAY for day in calendar.working_weekdays},
        exceptions={
            exception.day: (WORKING_DAY if exception.working else ())
            for exception in calendar.exceptions
        },
        holidays_country=calendar.holidays_country,
    )


def bid_calendar(session: Session, bid: Bid) -> tuple[str | None, dict[str, CalendarSpec]]:
    """The bid's calendar: its own, else its org unit's, else the org unit's holiday country."""
    calendar = session.get(Calendar, bid.calendar_id) if bid.calendar_id is not None else None
    if calendar is None:
        calendar = session.scalar(
            select(Calendar).where(Calendar.org_unit_id == bid.org_unit_id).order_by(Calendar.id)
        )
    if calendar is not None:
        spec = calendar_spec(calendar)
        return spec.name, {spec.name: spec}
    unit = session.get(OrgUnit, bid.org_unit_id)
    return (unit.holidays_country if unit is not None else None), {}


NETWORK_COLUMNS = (
    Task.id,
    Task.parent_id,
    Task.position,
    Task.wbs_code,
    Task.name,
    Task.kind,
    Task.duration_days,
    Task.owner_id,
    Task.kam_role,
    Task.constraint_type,
    Task.constraint_date,
    Task.deadline,
    Task.actual_start,
    Task.actual_finish,
    Task.percent_complete,
    *(getattr(Task, name) for name in COMPUTED_FIELDS),
)


COMPUTED_OFFSET = len(NETWORK_COLUMNS) - len(COMPUTED_FIELDS)  # computed fields come last
DATE_COLUMNS = frozenset(
    DATE_FIELDS | {"constraint_date", "deadline", "actual_start", "actual_finish"}
)
DATE_POSITIONS = [column.key in DATE_COLUMNS for column in NETWORK_COLUMNS]
# plain named tuples: attribute access is several times faster than on SQLAlchemy rows
TaskRow = namedtuple("TaskRow", [column.key for column in NETWORK_COLUMNS])  # type: ignore[misc]
LinkRow = namedtuple("LinkRow", ["id", "predecessor_id", "successor_id", "type", "lag_days"])  # type: ignore[misc]


def load_network(session: Session, bid_id: int) -> tuple[list[Any], list[Any]]:
    """The bid's tasks and links as light read-only rows (attribute access like the models).

    Task rows carry the network fields and the computed fields, in sibling order
    (position, id); link rows carry ``predecessor_id``, ``successor_id``, ``type``,
    ``lag_days``. Plain rows, not ORM objects: a 500-task bid loads in a few milliseconds.
    """
    session.flush()
    # Core execution on the session's connection: no ORM row loading (several times faster)
    connection = session.connection()
    tasks = connection.execute(
        select(*NETWORK_COLUMNS).where(Task.bid_id == bid_id).order_by(Task.position, Task.id)
    ).all()
    return [TaskRow._make(row) for row in tasks], _load_links(connection, bid_id)


def _load_links(connection: Any, bid_id: int) -> list[Any]:
    links = connection.execute(
        select(
            Dependency.id,
            Dependency.predecessor_id,
            Dependency.successor_id,
            Dependency.type,
            Dependency.lag_days,
        )
        .where(Dependency.bid_id == bid_id)
        .order_by(Dependency.id)
    ).all()
    return [LinkRow._make(row) for row in links]


def _plan_task(task: Any) -> PlanTask:
    constraint = None
    if task.constraint_type and task.constraint_type != "ASAP":
        constraint = Constraint(ConstraintType(task.constraint_type), task.constraint_date)
    return PlanTask(
        id=str(task.id),
        name=task.name,
        duration=task.duration_days,
        parent=str(task.parent_id) if task.parent_id is not None else None,
        is_summary=task.kind == "summary",
        milestone=True if task.kind == "milestone" else None,
        wbs_code=task.wbs_code or None,
        constraint=constraint,
        deadline=task.deadline,
        actual_start=task.actual_start,
        actual_finish=task.actual_finish,
        percent_complete=float(task.percent_complete),
        owner=str(task.owner_id) if task.owner_id is not None else None,
        role=task.kam_role,
    )


def build_plan(
    bid: Bid,
    tasks: Sequence[Any],
    links: Sequence[Any],
    calendar: tuple[str | None, dict[str, CalendarSpec]] = (None, {}),
) -> Plan:
    """The bid as a ``wbs.plan.Plan`` (unit "day"; task ids are the row ids as strings)."""
    name, specs = calendar
    return Plan(
        name=bid.title,
        start=bid.start_date,
        tasks=[_plan_task(task) for task in tasks],
        links=[
            Link(
                str(link.predecessor_id), str(link.successor_id), LinkType(link.type), link.lag_days
            )
            for link in links
        ],
        unit="day",
        calendar=name,
        calendars=specs,
        status_date=bid.status_date,
        finish_deadline=bid.submission_deadline,
        extra={"bid_id": bid.id},
    )


def renumber_wbs(tasks: Sequence[Any]) -> dict[int, str]:
    """WBS codes 1, 1.2, 1.2.3 from the tree and the sibling order (position, id).

    Returns ``{task_id: new_code}`` for the tasks whose code changes.
    """
    children: dict[int | None, list[Any]] = defaultdict(list)
    for task in sorted(tasks, key=lambda t: (t.position, t.id)):
        children[task.parent_id].append(task)
    changed: dict[int, str] = {}
    stack: list[tuple[int | None, str]] = [(None, "")]
    while stack:
        parent_id, prefix = stack.pop()
        for number, child in enumerate(children.get(parent_id, ()), start=1):
            code = f"{prefix}{number}"
            if child.wbs_code != code:
                changed[child.id] = code
            stack.append((child.id, code + "."))
    return changed


def stored_schedule(bid: Bid, tasks: Sequence[Any]) -> Schedule | None:
    """The schedule last written onto the rows (tasks never scheduled are left out)."""
    if bid.project_finish is None:
        return None
    rows = []
    for task in tasks:
        if task.early_start is None or task.early_start_index is None:
            continue
        rows.append(
            TaskSchedule(
                id=str(task.id),
                name=task.name,
                start=task.planned_start or task.early_start,
                finish=task.planned_finish or task.early_finish or task.early_start,
                early_start=task.early_start,
                early_finish=task.early_finish or task.early_start,
                late_start=task.late_start or task.early_start,
                late_finish=task.late_finish or task.early_start,
                total_float=task.total_float_days or 0,
                free_float=task.free_float_days or 0,
                critical=task.critical,
                driving_predecessor=(
                    str(task.driving_predecessor_id) if task.driving_predecessor_id else None
                ),
                early_start_index=task.early_start_index,
                early_finish_index=task.early_finish_index or 0,
                late_start_index=task.late_start_index or 0,
                late_finish_index=task.late_finish_index or 0,
                is_summary=task.kind == "summary",
                is_milestone=task.kind == "milestone",
            )
        )
    return Schedule(
        project_start=bid.start_date,
        project_finish=bid.project_finish,
        duration=bid.schedule_duration_days or 0,
        unit="day",
        tasks=rows,
        critical_path=[str(t.id) for t in tasks if t.critical],
    )


def compute(plan: Plan, *, validate: bool = True) -> Schedule:
    """Schedule ``plan``; plan errors become ``Invalid`` (422) naming the tasks.

    ``validate=False`` skips ``wbs.network.validate_plan`` for networks the services already
    checked link by link (cycles are still refused by the scheduler itself).
    """
    from wbs.cpm import schedule
    from wbs.network import CycleError, PlanError, validate_plan

    try:
        if validate:
            validate_plan(plan)
        return schedule(plan)
    except CycleError as error:
        raise Invalid(str(error), cycle=[_as_id(t) for t in error.cycle]) from error
    except PlanError as error:
        raise Invalid(str(error)) from error


def _as_id(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _as_date(value: Any) -> dt.date | None:
    if type(value) is dt.date:
        return value
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _computed_values(computed: TaskSchedule) -> dict[str, Any]:
    driving = computed.driving_predecessor
    return {
        "planned_start": _as_date(computed.start),
        "planned_finish": _as_date(computed.finish),
        "early_start": _as_date(computed.early_start),
        "early_finish": _as_date(computed.early_finish),
        "late_start": _as_date(computed.late_start),
        "late_finish": _as_date(computed.late_finish),
        "total_float_days": computed.total_float,
        "free_float_days": computed.free_float,
        "critical": bool(computed.critical),
        "driving_predecessor_id": int(driving) if driving and driving.isdigit() else None,
        "early_start_index": computed.early_start_index,
        "early_finish_index": computed.early_finish_index,
        "late_start_index": computed.late_start_index,
        "late_finish_index": computed.late_finish_index,
    }


def write_back(
    session: Session,
    bid: Bid,
    tasks: Sequence[Any],
    result: Schedule | None,
    wbs_codes: dict[int, str],
) -> None:
    """Store the computed fields and WBS codes that changed, in one executemany UPDATE.

    They are derived data: writing them does not bump a task's ``version``, so a reschedule
    caused by someone else's edit does not invalidate your ETag. Task objects already loaded
    in the session get the new values as their committed state.
    """
    by_id = result.by_id() if result is not None else {}
    updates: list[dict[str, Any]] = []
    for task in tasks:
        computed = by_id.get(str(task.id))
        values = _computed_values(computed) if computed is not None else {}
        if values and tuple(values.values()) == tuple(task)[COMPUTED_OFFSET:]:
            values = {}
        if task.id in wbs_codes:
            values["wbs_code"] = wbs_codes[task.id]
        if values:
            updates.append({"row_id": task.id, **values})
    _bulk_update(session, updates)
    if result is None:
        return
    finish = _as_date(result.project_finish)
    if bid.project_finish != finish:
        bid.project_finish = finish
    if bid.schedule_duration_days != result.duration:
        bid.schedule_duration_days = result.duration
    if list(bid.schedule_warnings or []) != list(result.warnings):
        bid.schedule_warnings = list(result.warnings)


def _bulk_update(session: Session, updates: list[dict[str, Any]]) -> None:
    """UPDATE tasks by id, one executemany per set of columns; sync loaded objects.

    Goes straight to the driver (``exec_driver_sql``): hundreds of moved tasks are written
    without SQLAlchemy's per-value processing, which dominated the recompute time.
    """
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in updates:
        groups[tuple(sorted(k for k in row if k != "row_id"))].append(row)
    for columns, rows in groups.items():
        if sqlite:
            assignments = ", ".join(f"{name} = ?" for name in columns)
            sql = f"UPDATE tasks SET {assignments} WHERE id = ?"  # noqa: S608 (fixed names)
            dates = [name in DATE_FIELDS for name in columns]
            params: list[Any] = [
                (
                    *(
                        _iso(row[name]) if is_date else row[name]
                        for name, is_date in zip(columns, dates, strict=True)
                    ),
                    row["row_id"],
                )
                for row in rows
            ]
        else:
            assignments = ", ".join(f"{name} = %({name})s" for name in columns)
            sql = f"UPDATE tasks SET {assignments} WHERE id = %(row_id)s"  # noqa: S608
            params = rows
        connection.exec_driver_sql(sql, params)
    by_row = {row["row_id"]: row for row in updates}
    for loaded in list(session.identity_map.values()):
        row = by_row.get(loaded.id) if isinstance(loaded, Task) else None
        if row is None:
            continue
        for name, value in row.items():
            if name != "row_id":
                set_committed_value(loaded, name, value)


def _iso(value: dt.date | None) -> str | None:
    # SQLAlchemy stores SQLite dates as ISO text
    return value.isoformat() if value is not None else None


def diff_to_dict(diff: ScheduleDiff) -> dict[str, Any]:
    """The diff as JSON-ready data, with task ids as integers."""
    return {
        "moved": [
            {
                "id": _as_id(move.id),
                "start_shift": move.start_shift,
                "finish_shift": move.finish_shift,
                "was_critical": move.was_critical,
                "is_critical": move.is_critical,
            }
            for move in diff.moved
        ],
        "project_finish_shift": diff.project_finish_shift,
        "became_critical": [_as_id(t) for t in diff.became_critical],
        "left_critical": [_as_id(t) for t in diff.left_critical],
    }


def recompute(session: Session, bid: Bid, *, validate: bool = False) -> dict[str, Any] | None:
    """Reschedule ``bid`` in the current transaction; returns the schedule diff (None at first).

    Raises ``Invalid`` for a plan the scheduler refuses; the caller must not commit then.
    ``validate`` runs the full plan validation first (bulk inserts such as imports).
    """
    session.flush()
    tasks, links = load_network(session, bid.id)
    wbs_codes = renumber_wbs(tasks)
    if not tasks:
        bid.project_finish, bid.schedule_duration_days = None, None
        return None
    before = stored_schedule(bid, tasks)
    plan = build_plan(bid, tasks, links, bid_calendar(session, bid))
    result = compute(plan, validate=validate)
    write_back(session, bid, tasks, result, wbs_codes)
    session.flush()
    if before is None or not before.tasks:
        return None
    from wbs.diff import diff_schedules

    return diff_to_dict(diff_schedules(before, result))
