"""The bridge between a bid's rows and the planning core (``wbs``).

``recompute(session, bid)`` builds a ``wbs.plan.Plan`` (unit "day") from the bid's tasks,
links and calendar, runs ``wbs.cpm.schedule``, writes the computed dates, floats, critical flag
and driving predecessor back onto the task rows (only values that changed, so untouched rows
keep their ETag), renumbers WBS codes, and returns the change as a plain dict: what
``wbs.diff.diff_schedules`` gives between the stored schedule and the new one (computed from
the rows in one pass, ``schedule_diff``). It runs inside the caller's transaction: a plan error
(cycle, negative duration...) raises ``Invalid`` and the caller's write is rolled back with it.

Each process keeps, per bid, the last schedule it computed as a ``wbs.incremental``
``IncrementalSchedule`` together with the exact inputs it was computed from (every network
field of every task except the duration, every link, the calendar's id and row version, the
bid's dates). The rows are still read on every recompute, inside the transaction: when those
inputs are unchanged, only the durations that differ are re-propagated through their cones;
anything else (another worker's edit, a calendar change, a new link) rebuilds the schedule in
full. The cache can therefore never answer for data it was not computed from.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import bindparam, case, event, or_, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from app.bids.models import Bid
from app.calendars.models import Calendar
from app.errors import Invalid
from app.orgs.models import OrgUnit
from app.tasks.models import Dependency, Task
from wbs.decompose import as_bid_plan
from wbs.diff import _calendar_shift
from wbs.incremental import IncrementalSchedule
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
    Task.template_code,
    Task.actual_start,
    Task.actual_finish,
    Task.percent_complete,
    *(getattr(Task, name) for name in COMPUTED_FIELDS),
)


COMPUTED_OFFSET = len(NETWORK_COLUMNS) - len(COMPUTED_FIELDS)  # computed fields come last
DATE_COLUMNS = frozenset(
    DATE_FIELDS | {"constraint_date", "deadline", "actual_start", "actual_finish"}
)
# plain named tuples: attribute access is several times faster than on SQLAlchemy rows
TaskRow = namedtuple("TaskRow", [column.key for column in NETWORK_COLUMNS])  # type: ignore[misc]
LinkRow = namedtuple("LinkRow", ["id", "predecessor_id", "successor_id", "type", "lag_days"])  # type: ignore[misc]
# No ORDER BY: SQLite would sort the wide rows in a temporary B-tree (a third of the query's
# time on a 500-task bid); ``load_network`` sorts the tuples instead.
TASKS_OF_BID = select(*NETWORK_COLUMNS).where(Task.bid_id == bindparam("bid_id"))
TASK_ORDER = itemgetter(
    [column.key for column in NETWORK_COLUMNS].index("position"),
    [column.key for column in NETWORK_COLUMNS].index("id"),
)
LINKS_OF_BID = select(
    Dependency.id,
    Dependency.predecessor_id,
    Dependency.successor_id,
    Dependency.type,
    Dependency.lag_days,
).where(Dependency.bid_id == bindparam("bid_id"))
LINK_ORDER = itemgetter(0)
# The network columns alone: when this worker's cache holds what the computed fields hold
# (the bid's ``schedule_stamp`` is the one it wrote), they need not be read again.
NETWORK_OF_BID = select(*NETWORK_COLUMNS[:COMPUTED_OFFSET]).where(
    Task.bid_id == bindparam("bid_id")
)
# What SQLite hands back as text (dates) or integers (booleans) in the task rows
SQLITE_DATE_POSITIONS = [
    number for number, column in enumerate(NETWORK_COLUMNS) if column.key in DATE_COLUMNS
]
SQLITE_BOOL_POSITIONS = [
    number for number, column in enumerate(NETWORK_COLUMNS) if column.key == "critical"
]


def load_network(
    session: Session,
    bid_id: int,
    stored: dict[int, tuple[Any, ...]] | None = None,
    links: list[Any] | None = None,
) -> tuple[list[Any], list[Any]]:
    """The bid's tasks and links as light read-only rows (attribute access like the models).

    Task rows carry the network fields and the computed fields, in sibling order
    (position, id); link rows carry ``predecessor_id``, ``successor_id``, ``type``,
    ``lag_days``. Plain rows, not ORM objects: a 500-task bid loads in a few milliseconds.

    ``stored`` (``{task id: computed fields}``, known to be what the rows hold) spares reading
    the computed columns; a task it does not know (a new one) makes them read after all.
    ``links`` (the link rows, known to be what the table holds) spares reading those.
    """
    session.flush()
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    tasks = None
    if stored is not None:
        network = _fetch(connection, NETWORK_OF_BID, {"bid_id": bid_id})
        if all(row[0] in stored for row in network):
            if sqlite:
                network = _sqlite_types(network)
            tasks = [row + stored[row[0]] for row in network]
    if tasks is None:
        tasks = _fetch(connection, TASKS_OF_BID, {"bid_id": bid_id})
        if sqlite:
            tasks = _sqlite_types(tasks)
    tasks.sort(key=TASK_ORDER)
    if links is None:
        links = _fetch(connection, LINKS_OF_BID, {"bid_id": bid_id})
        links.sort(key=LINK_ORDER)
        links = list(map(_link_row, links))
    return list(map(_task_row, tasks)), links


# tuple.__new__ straight: a namedtuple's ``_make`` costs a Python call per row
_task_row = partial(tuple.__new__, TaskRow)
_link_row = partial(tuple.__new__, LinkRow)
_compiled: dict[tuple[str, int], Any] = {}


def _fetch(connection: Any, statement: Any, values: dict[str, Any]) -> list[Any]:
    """The rows of ``statement`` for the bound ``values`` straight from the driver's cursor.

    Core's result processing (Row objects, type processors) cost as much as the query itself
    on a 500-task bid; the columns here are plain integers, strings, dates and booleans.
    """
    key = (connection.dialect.name, id(statement))
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = statement.compile(dialect=connection.dialect)
    params = compiled.construct_params(values)
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


# SQLite date texts already parsed, shared by every request (dates are immutable)
_sqlite_days: dict[str, dt.date] = {}
MAX_SQLITE_DAYS = 50_000
SQLITE_FLAGS = {None: None, 0: False, 1: True}


def _memo_of(values: Iterable[Any], known: dict[Any, Any], convert: Any) -> dict[Any, Any]:
    """``{value: convert(value)}`` for the distinct ``values`` (None -> None), converting each
    value once per process: ``known`` keeps what was converted (cleared past a bound)."""
    if len(known) > MAX_SQLITE_DAYS:
        known.clear()
    converted: dict[Any, Any] = {}
    for value in values:
        if value is None:
            converted[None] = None
            continue
        result = known.get(value)
        if result is None:
            result = known[value] = convert(value)
        converted[value] = result
    return converted


def _sqlite_days_of(texts: Iterable[Any]) -> dict[Any, dt.date | None]:
    """``{text: date}`` for the distinct ``texts`` (and None -> None)."""
    return _memo_of(texts, _sqlite_days, dt.date.fromisoformat)


def _sqlite_types(rows: list[Any]) -> list[Any]:
    """SQLite's ISO date texts and 0/1 booleans as ``date`` and ``bool``.

    Column by column: a bid's rows repeat few distinct dates, each is parsed once.
    """
    if not rows:
        return rows
    columns: list[Any] = list(zip(*rows, strict=True))
    width = len(columns)  # the network columns alone, or all
    for number in SQLITE_DATE_POSITIONS:
        if number < width:
            column = columns[number]
            columns[number] = map(_sqlite_days_of(set(column)).__getitem__, column)
    for number in SQLITE_BOOL_POSITIONS:
        if number >= width:
            continue
        flags = columns[number]
        if set(flags) <= SQLITE_FLAGS.keys():
            columns[number] = map(SQLITE_FLAGS.__getitem__, flags)
        else:
            columns[number] = [None if flag is None else bool(flag) for flag in flags]
    return list(zip(*columns, strict=True))


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
        extra={"template_code": task.template_code} if task.template_code else {},
    )


def build_plan(
    bid: Bid,
    tasks: Sequence[Any],
    links: Sequence[Any],
    calendar: tuple[str | None, dict[str, CalendarSpec]] = (None, {}),
) -> Plan:
    """The bid as a ``wbs.plan.Plan`` (unit "day"; task ids are the row ids as strings), under
    the bid's scheduling rules (``bid_rules``: status date, submission deadline)."""
    name, specs = calendar
    plan = Plan(
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
        extra={"bid_id": bid.id},
    )
    return bid_rules(plan, bid.status_date, bid.submission_deadline)


def bid_rules(plan: Plan, status_date: dt.date | None, submission_deadline: dt.date | None) -> Plan:
    """``plan`` under a bid's scheduling rules (``wbs.decompose.as_bid_plan``): the saved
    schedule and the decomposer's fit-to-deadline both schedule through here."""
    return as_bid_plan(plan, status_date=status_date, submission_deadline=submission_deadline)


def bid_scheduler(
    status_date: dt.date | None, submission_deadline: dt.date | None
) -> Callable[[Plan], Schedule]:
    """The scheduler a bid's plan gets: ``bid_rules`` then ``wbs.cpm.schedule`` (what
    ``recompute`` runs, incrementally, on the saved rows)."""

    def scheduler(plan: Plan) -> Schedule:
        return compute(bid_rules(plan, status_date, submission_deadline), validate=False)

    return scheduler


def renumber_wbs(tasks: Sequence[Any]) -> dict[int, str]:
    """WBS codes 1, 1.2, 1.2.3 from the tree and the sibling order (position, id).

    Returns ``{task_id: new_code}`` for the tasks whose code changes.
    """
    children: dict[int | None, list[Any]] = defaultdict(list)
    for task in sorted(tasks, key=attrgetter("position", "id")):
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
        early_start = task.early_start
        rows.append(
            TaskSchedule(  # positional: this runs for every task of every recompute
                str(task.id),
                task.name,
                task.planned_start or early_start,
                task.planned_finish or task.early_finish or early_start,
                early_start,
                task.early_finish or early_start,
                task.late_start or early_start,
                task.late_finish or early_start,
                task.total_float_days or 0,
                task.free_float_days or 0,
                task.critical,
                str(task.driving_predecessor_id) if task.driving_predecessor_id else None,
                task.early_start_index,
                task.early_finish_index or 0,
                task.late_start_index or 0,
                task.late_finish_index or 0,
                task.kind == "summary",
                task.kind == "milestone",
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
    from wbs.network import validate_plan

    with _plan_errors():
        if validate:
            validate_plan(plan)
        return schedule(plan)


@contextmanager
def _plan_errors() -> Iterator[None]:
    from wbs.network import CycleError, PlanError

    try:
        yield
    except CycleError as error:
        raise Invalid(str(error), cycle=[_as_id(t) for t in error.cycle]) from error
    except PlanError as error:
        raise Invalid(str(error)) from error


# --------------------------------------------------------------------------- the per-bid cache

MAX_CACHED_BIDS = 64
DURATION_POSITION = [column.key for column in NETWORK_COLUMNS].index("duration_days")


@dataclass(slots=True)
class BidNetwork:
    """A bid's schedule as last computed here, valid for exactly ``inputs`` and ``durations``.

    ``stored`` holds every task's computed fields as this process last wrote them, under the
    bid's ``schedule_stamp`` ``stamp``, and ``links`` the bid's link rows as then read: while
    the bid row still carries that stamp, no other recompute has written since, and the rows
    hold exactly those (an edit of links or computed fields through this process's ORM, or a
    task deletion, drops the entry: see ``_forget``).
    """

    inputs: tuple[Any, ...]
    durations: dict[int, int]
    engine: IncrementalSchedule
    stamp: str | None = None
    stored: dict[int, tuple[Any, ...]] | None = None
    links: list[Any] | None = None


# (database URL, bid id) -> its network; a request takes the entry out while it works on it,
# so two requests never share one (the second one, if any, simply rebuilds)
_networks: dict[tuple[str, int], BidNetwork] = {}


# The bid's schedule stamp and what its working calendar is built from, in one query under
# the bid's row lock (PostgreSQL; SQLite has no row locks, its write transactions are serial):
# the bid's own calendar first, else its org unit's first, else the org unit's holiday country.
_OWN_CALENDAR = Calendar.id == Bid.calendar_id
SCHEDULE_KEY = (
    select(Bid.schedule_stamp, OrgUnit.holidays_country, Calendar.id, Calendar.version)
    .select_from(Bid)
    .join(OrgUnit, OrgUnit.id == Bid.org_unit_id)
    .outerjoin(Calendar, or_(_OWN_CALENDAR, Calendar.org_unit_id == OrgUnit.id))
    .where(Bid.id == bindparam("bid_id"))
    .order_by(case((_OWN_CALENDAR, 0), else_=1), Calendar.id)
    .limit(1)
    .with_for_update(key_share=True, of=Bid)
)


def schedule_key(session: Session, bid: Bid) -> tuple[tuple[Any, ...], str | None]:
    """The bid's calendar key and its ``schedule_stamp`` as committed now (not as loaded
    earlier in the session), in one query that takes the bid's row lock on PostgreSQL, so
    recomputes of one bid run one after the other whatever their caller locked.

    The calendar key is what the working calendar is built from: a calendar row's id and
    version, or the org unit's holiday country (``bid_calendar``'s choice, no exceptions
    read). Editing a calendar or its exceptions bumps the row's version, so the key changes.
    """
    rows = _fetch(session.connection(), SCHEDULE_KEY, {"bid_id": bid.id})
    if not rows:
        return ("country", None), None
    stamp, holidays_country, calendar_id, version = rows[0]
    set_committed_value(bid, "schedule_stamp", stamp)
    if calendar_id is not None:
        return ("calendar", calendar_id, version), stamp
    return ("country", holidays_country), stamp


def schedule_inputs(
    bid: Bid, tasks: Sequence[Any], links: Sequence[Any], calendar: tuple[Any, ...]
) -> tuple[Any, ...]:
    """Everything the bid's schedule depends on except the task durations."""
    return (
        calendar,
        bid.start_date,
        bid.status_date,
        bid.submission_deadline,
        tuple(
            task[:DURATION_POSITION] + task[DURATION_POSITION + 1 : COMPUTED_OFFSET]
            for task in tasks
        ),
        tuple(links),
    )


def cache_key(session: Session, bid_id: int) -> tuple[str, int]:
    """The bid's key in ``_networks``: its database and its id."""
    return (str(session.get_bind().url), bid_id)


def schedule_bid(
    session: Session,
    bid: Bid,
    tasks: Sequence[Any],
    links: Sequence[Any],
    *,
    validate: bool,
    calendar: tuple[Any, ...],
    cached: BidNetwork | None = None,
) -> tuple[Schedule, BidNetwork]:
    """The bid's schedule: re-propagated from ``cached`` (this process's last one, taken out
    of the cache by the caller) when only durations changed since, else computed in full.
    ``calendar`` is the bid's calendar key (``schedule_key``).
    Returns the schedule and the network to keep for the bid's next request."""
    inputs = schedule_inputs(bid, tasks, links, calendar)
    result = None
    if cached is not None and cached.inputs == inputs and not validate:
        result = _reschedule(cached, tasks)
    if result is None:
        plan = build_plan(bid, tasks, links, bid_calendar(session, bid))
        with _plan_errors():
            if validate:
                from wbs.network import validate_plan

                validate_plan(plan)
            engine = IncrementalSchedule(plan)
        cached = BidNetwork(inputs, {task.id: task.duration_days for task in tasks}, engine)
        result = engine.schedule()
    return result, cached


def _reschedule(cached: BidNetwork, tasks: Sequence[Any]) -> Schedule | None:
    """Apply the rows' durations to the cached schedule; None when that cannot be done locally
    (a summary's duration changed)."""
    engine = cached.engine
    for task in tasks:
        if cached.durations[task.id] == task.duration_days:
            continue
        task_id = str(task.id)
        if task_id not in engine.network.position:
            return None
        engine.change_duration(task_id, task.duration_days)
        cached.durations[task.id] = task.duration_days
    engine.renew_calendar()  # its warnings then name only the years this schedule touches
    return engine.schedule()


def _forget(session: Session, bid_id: int) -> None:
    """Drop this process's cache entry of the bid: rows changed that the entry vouches for."""
    _networks.pop(cache_key(session, bid_id), None)


def _computed_field_set(target: Task, value: Any, old: Any, initiator: Any) -> None:
    """A computed field assigned through the ORM (a deleted driving predecessor set to NULL,
    say): the next recompute must read the rows, not trust the cache."""
    session = object_session(target)
    if session is not None and target.bid_id is not None:
        _forget(session, target.bid_id)


for _name in COMPUTED_FIELDS:
    event.listen(getattr(Task, _name), "set", _computed_field_set)


@event.listens_for(Session, "before_flush")
def _links_flushed(session: Session, context: Any, instances: Any) -> None:
    """Links added, changed or deleted, or a task deleted (its links go by cascade): the bid's
    cached link rows no longer hold."""
    for changed, kinds in (
        (session.new, Dependency),
        (session.dirty, Dependency),
        (session.deleted, (Dependency, Task)),
    ):
        for row in changed:
            if isinstance(row, kinds) and row.bid_id is not None:
                _forget(session, row.bid_id)


def _marker(connection: Any) -> str:
    """The driver's placeholder for ``exec_driver_sql``: ``?`` (sqlite3) or ``%s`` (psycopg)."""
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _stamp(session: Session, bid: Bid) -> str:
    """A new ``schedule_stamp`` on the bid row: derived data, written without a version bump
    (like the computed task fields), so the bid's ETag does not change with it; when the bid
    row is being updated anyway (its project finish moved), the stamp rides on that UPDATE."""
    stamp = secrets.token_hex(16)
    if session.is_modified(bid):
        bid.schedule_stamp = stamp
        return stamp
    connection = session.connection()
    marker = _marker(connection)
    connection.exec_driver_sql(
        f"UPDATE bids SET schedule_stamp = {marker} WHERE id = {marker}",  # noqa: S608
        (stamp, bid.id),
    )
    set_committed_value(bid, "schedule_stamp", stamp)
    return stamp


def _remember(key: tuple[str, int], cached: BidNetwork) -> None:
    """Keep ``cached`` for the bid's next recompute (the oldest entries make room)."""
    while len(_networks) >= MAX_CACHED_BIDS:
        oldest = next(iter(_networks), None)
        if oldest is None:
            break
        _networks.pop(oldest, None)
    _networks[key] = cached


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


def _computed_values(computed: TaskSchedule) -> tuple[Any, ...]:
    """The row values of ``computed``, in ``COMPUTED_FIELDS`` order."""
    driving = computed.driving_predecessor
    start, finish = computed.start, computed.finish
    early_start, early_finish = computed.early_start, computed.early_finish
    late_start, late_finish = computed.late_start, computed.late_finish
    if not (  # day plans give dates throughout: no conversion
        type(start)
        is type(finish)
        is type(early_start)
        is type(early_finish)
        is type(late_start)
        is type(late_finish)
        is dt.date
    ):
        start, finish = _as_date(start), _as_date(finish)
        early_start, early_finish = _as_date(early_start), _as_date(early_finish)
        late_start, late_finish = _as_date(late_start), _as_date(late_finish)
    return (
        start,
        finish,
        early_start,
        early_finish,
        late_start,
        late_finish,
        computed.total_float,
        computed.free_float,
        bool(computed.critical),
        int(driving) if driving and driving.isdigit() else None,
        computed.early_start_index,
        computed.early_finish_index,
        computed.late_start_index,
        computed.late_finish_index,
    )


def write_back(
    session: Session,
    bid: Bid,
    tasks: Sequence[Any],
    result: Schedule | None,
    wbs_codes: dict[int, str],
) -> dict[int, tuple[Any, ...]]:
    """Store the computed fields and WBS codes that changed, one bulk UPDATE each; returns
    every task's computed fields as the rows now hold them.

    They are derived data: writing them does not bump a task's ``version``, so a reschedule
    caused by someone else's edit does not invalidate your ETag. Task objects already loaded
    in the session get the new values as their committed state.
    """
    by_id = result.by_id() if result is not None else {}
    computed_rows: list[tuple[Any, ...]] = []
    stored_rows: list[tuple[Any, ...]] = []
    now: dict[int, tuple[Any, ...]] = {}
    for task in tasks:
        computed = by_id.get(str(task.id))
        stored = task[COMPUTED_OFFSET:]
        if computed is None:
            now[task.id] = stored
            continue
        values = now[task.id] = _computed_values(computed)
        if values != stored:
            computed_rows.append((*values, task.id))
            stored_rows.append(stored)
    _bulk_update(session, COMPUTED_FIELDS, computed_rows, stored_rows)
    _bulk_update(session, ("wbs_code",), [(code, row_id) for row_id, code in wbs_codes.items()])
    if result is None:
        return now
    finish = _as_date(result.project_finish)
    if bid.project_finish != finish:
        bid.project_finish = finish
    if bid.schedule_duration_days != result.duration:
        bid.schedule_duration_days = result.duration
    if list(bid.schedule_warnings or []) != list(result.warnings):
        bid.schedule_warnings = list(result.warnings)
    return now


def _bulk_update(
    session: Session,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    stored: list[tuple[Any, ...]] | None = None,
) -> None:
    """``UPDATE tasks SET columns WHERE id`` for ``rows`` (the values, then the id), in bulk;
    tasks loaded in the session get the values as their committed state.

    ``stored`` (the rows' values before, without the id) narrows the SET list to the columns
    that at least one row really changes: the others already hold the rows' values. That
    spares the driver the binding of values that do not change, and SQLite the foreign-key
    check of an unchanged ``driving_predecessor_id`` on every row.

    Goes straight to the driver (``exec_driver_sql``): hundreds of moved tasks are written
    without SQLAlchemy's per-value processing, which dominated the recompute time. SQLite
    takes them as one ``UPDATE ... FROM (VALUES ...)``, other databases as an executemany.
    Worked column by column: a schedule repeats few distinct dates.
    """
    if not rows:
        return
    values: list[Any] = list(zip(*rows, strict=True))  # the columns, then the ids
    picked = list(range(len(columns)))
    if stored is not None:
        picked = [
            number for number, old in enumerate(zip(*stored, strict=True)) if values[number] != old
        ]
    if picked:
        names = [columns[number] for number in picked]
        written = [values[number] for number in picked]
        written.append(values[-1])
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            for number, name in enumerate(names):
                if name in DATE_FIELDS:  # SQLite keeps dates as ISO text (SQLAlchemy's way)
                    texts = _sqlite_texts_of(set(written[number]))
                    written[number] = map(texts.__getitem__, written[number])
        if connection.dialect.name == "sqlite" and sqlite3.sqlite_version_info >= (3, 33):
            _sqlite_update_from_values(connection, names, list(zip(*written, strict=True)))
        elif connection.dialect.name == "postgresql":
            _postgres_update_from_arrays(connection, names, written)
        else:
            marker = _marker(connection)
            assignments = ", ".join(f"{name} = {marker}" for name in names)
            sql = f"UPDATE tasks SET {assignments} WHERE id = {marker}"  # noqa: S608 (fixed names)
            connection.exec_driver_sql(sql, list(zip(*written, strict=True)))
    loaded_tasks = [loaded for loaded in session.identity_map.values() if isinstance(loaded, Task)]
    if not loaded_tasks:
        return
    by_id = {row[-1]: row for row in rows}
    for loaded in loaded_tasks:
        row = by_id.get(loaded.id)
        if row is not None:
            for name, value in zip(columns, row, strict=False):
                set_committed_value(loaded, name, value)


# the ISO texts of the dates already written to SQLite, shared by every request
_sqlite_texts: dict[dt.date, str] = {}


def _sqlite_texts_of(days: Iterable[Any]) -> dict[Any, str | None]:
    """``{date: ISO text}`` for the distinct ``days`` (and None -> None)."""
    return _memo_of(days, _sqlite_texts, dt.date.isoformat)


SQLITE_ROWS_PER_UPDATE = 500  # 500 rows x 15 values stays far below SQLite's 32,766 variables


def _sqlite_update_from_values(
    connection: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """One ``UPDATE ... FROM (VALUES ...)`` per 500 rows: half the time of an executemany."""
    width = len(columns) + 1
    assignments = ", ".join(f"{name} = v.column{number}" for number, name in enumerate(columns, 1))
    for first in range(0, len(rows), SQLITE_ROWS_PER_UPDATE):
        chunk = rows[first : first + SQLITE_ROWS_PER_UPDATE]
        values = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(chunk))
        sql = (
            f"UPDATE tasks SET {assignments} FROM (VALUES {values}) AS v "  # noqa: S608
            f"WHERE tasks.id = v.column{width}"
        )
        connection.exec_driver_sql(sql, tuple(chain.from_iterable(chunk)))


def _postgres_type(column: str) -> str:
    if column in DATE_FIELDS:
        return "date"
    if column == "critical":
        return "boolean"
    if column == "wbs_code":
        return "text"
    return "integer"


def _postgres_array(column: str, values: Iterable[Any]) -> str:
    """``values`` as a PostgreSQL array literal (``{1,NULL,3}``), built here in one join: the
    driver adapts a Python list element by element, which cost 10 ms for a 500-task write."""
    kind = _postgres_type(column)
    values = list(values)
    items: Iterable[str]
    if kind == "date":
        texts: dict[Any, str | None] = dict(_sqlite_texts_of(set(values)))  # ISO texts
        texts[None] = "NULL"
        items = map(texts.__getitem__, values)
    elif kind == "integer" and None not in values:
        items = map(str, map(int, values))
    elif kind == "boolean":
        items = ("NULL" if value is None else "t" if value else "f" for value in values)
    elif kind == "text":
        items = (
            "NULL"
            if value is None
            else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        )
    else:
        items = ("NULL" if value is None else str(int(value)) for value in values)
    return "{" + ",".join(items) + "}"


def _postgres_update_from_arrays(
    connection: Any, columns: Sequence[str], values: list[Any]
) -> None:
    """One ``UPDATE ... FROM unnest(arrays)``: a column's values travel as one array literal.
    An executemany of 500 single-row UPDATEs took most of a PostgreSQL recompute."""
    names = [*columns, "id"]
    arrays = ", ".join(f"%s::{_postgres_type(name)}[]" for name in names)
    assignments = ", ".join(f"{name} = v.{name}" for name in columns)
    sql = (
        f"UPDATE tasks SET {assignments} FROM unnest({arrays}) AS v({', '.join(names)}) "  # noqa: S608
        "WHERE tasks.id = v.id"
    )
    parameters = tuple(
        _postgres_array(name, column) for name, column in zip(names, values, strict=True)
    )
    connection.exec_driver_sql(sql, parameters)


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


def schedule_diff(
    tasks: Sequence[Any], result: Schedule, old_duration: int
) -> dict[str, Any] | None:
    """``diff_to_dict(diff_schedules(stored_schedule(bid, tasks), result))`` in one pass over
    the rows, without building the stored schedule's 500 ``TaskSchedule`` objects first.

    ``tasks`` are the rows as read before the write-back and ``old_duration`` the bid's
    ``schedule_duration_days or 0`` then. None when no row had been scheduled yet.
    """
    previous = {
        str(task.id): task
        for task in tasks
        if task.early_start is not None and task.early_start_index is not None
    }
    if not previous:
        return None
    moved: list[dict[str, Any]] = []
    became: list[int | str] = []
    left: list[int | str] = []
    for task in result.tasks:
        row = previous.get(task.id)
        critical = task.critical
        if row is None:
            if critical:
                became.append(_as_id(task.id))
            continue
        # the stored schedule's view of the row (``stored_schedule``)
        early_start = row.early_start
        old_start = row.planned_start or early_start
        old_finish = row.planned_finish or row.early_finish or early_start
        was_critical = row.critical
        start_shift = task.early_start_index - row.early_start_index
        finish_shift = task.early_finish_index - (row.early_finish_index or 0)
        if start_shift == 0 and task.start != old_start:
            start_shift = _calendar_shift(old_start, task.start)
        if finish_shift == 0 and task.finish != old_finish:
            finish_shift = _calendar_shift(old_finish, task.finish)
        if start_shift or finish_shift or critical != was_critical:
            moved.append(
                {
                    "id": _as_id(task.id),
                    "start_shift": start_shift,
                    "finish_shift": finish_shift,
                    "was_critical": was_critical,
                    "is_critical": critical,
                }
            )
        if critical and not was_critical:
            became.append(_as_id(task.id))
        elif was_critical and not critical:
            left.append(_as_id(task.id))
    seen = {task.id for task in result.tasks}
    left.extend(_as_id(key) for key, row in previous.items() if key not in seen and row.critical)
    return {
        "moved": moved,
        "project_finish_shift": result.duration - old_duration,
        "became_critical": became,
        "left_critical": left,
    }


def recompute(session: Session, bid: Bid, *, validate: bool = False) -> dict[str, Any] | None:
    """Reschedule ``bid`` in the current transaction; returns the schedule diff (None at first).

    Raises ``Invalid`` for a plan the scheduler refuses; the caller must not commit then.
    ``validate`` runs the full plan validation first (bulk inserts such as imports).
    """
    session.flush()
    key = cache_key(session, bid.id)
    # taken out while this request works on it: two requests never share one entry
    cached = _networks.pop(key, None)
    calendar, stamp = schedule_key(session, bid)
    if cached is not None and cached.stamp is not None and cached.stamp == stamp:
        tasks, links = load_network(session, bid.id, cached.stored, cached.links)
    else:
        tasks, links = load_network(session, bid.id)
    wbs_codes = renumber_wbs(tasks)
    if wbs_codes:  # the rows as written: the cached inputs then match the next request's
        tasks = [
            task._replace(wbs_code=wbs_codes[task.id]) if task.id in wbs_codes else task
            for task in tasks
        ]
    if not tasks:
        bid.project_finish, bid.schedule_duration_days = None, None
        return None
    scheduled_before = bid.project_finish is not None  # else no stored schedule to diff
    old_duration = bid.schedule_duration_days or 0
    result, cached = schedule_bid(
        session, bid, tasks, links, validate=validate, calendar=calendar, cached=cached
    )
    cached.stored = write_back(session, bid, tasks, result, wbs_codes)
    cached.links = list(links)
    cached.stamp = _stamp(session, bid)
    _remember(key, cached)
    session.flush()
    if not scheduled_before:
        return None
    return schedule_diff(tasks, result, old_duration)
