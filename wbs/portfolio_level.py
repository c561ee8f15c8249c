"""People booked by several bids at once: load, over-allocation and a leveling proposal.

The PMO runs many bids in parallel and the same presales consultant or project manager is
booked by several of them. This module takes each bid's *current* schedule (tasks with their
working-day start, duration, total float and the people they book) and answers three things:

- :func:`daily_loads` / :func:`weekly_loads`: each person's load per working day (or ISO week)
  across all bids, committed (the units booked) and weighted (units x the bid's win
  probability: the load to expect).
- :func:`over_allocations`: runs of days on which a person's *committed* load exceeds their
  capacity, with the bids and tasks involved and by how much.
- :func:`propose_leveling`: moves that remove over-allocation, found by a priority-ordered
  serial schedule-generation scheme over the whole portfolio (the heuristic every RCPSP solver
  starts from, cf. :mod:`wbs.level_rcpsp`):

  1. work that may not move is booked first: not ``movable`` (started, finished, pinned by a
     hard constraint), starting before ``level_from``, or preceding such work (moving it would
     break its link);
  2. the movable work is then placed bid by bid in priority order, highest first. A bid's
     priority is its weighted value (value x win probability) times its account's tier weight
     (:func:`wbs.level.bid_priority`: strategic 3, key 2, anything else 1). Inside a bid,
     tasks go in topological order, ties by current start, then least total float;
  3. each task starts on the earliest working day, never before its current start nor before
     its links allow (FS/SS/FF/SF with lags, as start gaps on the bid's calendar), on which its
     people have room for its whole duration.

  A task still starting by its late start moved ``within_float``; a later one is a delay,
  ``delay_lower_priority`` when another bid's work (or what pushed it) held it back,
  ``delay_own_bid`` when its own bid's work alone did. A bid finishing later than before and
  after its submission deadline carries a :class:`DeadlineBreach` (calendar and working days
  late; with a ``submission_task_id``, the submission milestone's finish counts, not work after
  it). A higher-priority bid is never delayed for a lower one, and no movable work is left
  over capacity: ``remaining`` is what fixed work alone causes (or a booking larger than its
  person's capacity). Nothing is applied: the proposal is a list of moves (task, old start,
  new start, reason).

Positions are working-day indices on each bid's own calendar (``WorkCalendar``; Mon-Fri by
default), so bids in different countries level correctly; loads are summed per calendar date.
Everything is deterministic: ties break on bid and task ids.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from wbs.calendar import WorkCalendar
from wbs.level import bid_priority

EPSILON = 1e-9
SCAN_DAYS = 64  # working days fetched at a time while looking for room
MoveReason = Literal["within_float", "delay_lower_priority", "delay_own_bid"]


@dataclass(frozen=True, slots=True)
class Booking:
    """A task books ``person`` for ``units`` of each of its working days (1.0 = a full day)."""

    person: str
    units: float = 1.0


@dataclass(frozen=True, slots=True)
class ScheduledTask:
    """A task as currently scheduled: ``start`` is its first working day; it occupies
    ``duration_days`` working days of its bid's calendar (0 = a milestone, no load).

    ``movable`` is False for work that must stay put (started, finished, pinned by a hard
    constraint); it still counts in the load.
    """

    id: str
    name: str
    start: date
    duration_days: int
    total_float_days: int = 0
    critical: bool = False
    bookings: tuple[Booking, ...] = ()
    movable: bool = True


@dataclass(frozen=True, slots=True)
class StartLink:
    """``successor`` may not start before ``predecessor``'s start plus ``start_gap_days``
    working days (every FS/SS/FF/SF link with a lag is one such gap; see :func:`start_gap`)."""

    predecessor: str
    successor: str
    start_gap_days: int


@dataclass(frozen=True, slots=True)
class BidSchedule:
    """One bid: its schedule, its priority inputs and its submission deadline."""

    id: str
    name: str
    value: Decimal
    win_probability_percent: int
    account_tier: str
    submission_deadline: date | None
    tasks: tuple[ScheduledTask, ...]
    links: tuple[StartLink, ...] = ()
    calendar: WorkCalendar | None = None  # None: Mon-Fri
    # the submission milestone, which the submission deadline caps (work after submission
    # runs past it); None: the deadline caps the bid's finish
    submission_task_id: str | None = None

    @property
    def priority(self) -> float:
        """Weighted value x tier weight (:func:`wbs.level.bid_priority`); higher keeps its dates."""
        weighted = self.value * Decimal(self.win_probability_percent) / Decimal(100)
        return bid_priority(weighted, self.account_tier)


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    capacity: float = 1.0  # units per working day


@dataclass(frozen=True, slots=True)
class Portfolio:
    """The bids to look at and the people they book; ``level_from`` keeps leveling off the
    past (tasks starting before it stay, conflicts before it are left as they are)."""

    bids: tuple[BidSchedule, ...]
    people: tuple[Person, ...]
    level_from: date | None = None


@dataclass(frozen=True, slots=True)
class DayLoad:
    person: str
    day: date
    committed: float
    weighted: float
    capacity: float

    @property
    def over_allocated(self) -> bool:
        return self.committed > self.capacity + EPSILON


@dataclass(frozen=True, slots=True)
class WeekLoad:
    """Unit-days in the ISO week starting ``week`` (a Monday); capacity counts 5 days."""

    person: str
    week: date
    committed: float
    weighted: float
    capacity: float

    @property
    def over_allocated(self) -> bool:
        return self.committed > self.capacity + EPSILON


@dataclass(frozen=True, slots=True)
class BookedTask:
    bid: str
    task: str
    units: float


@dataclass(frozen=True, slots=True)
class OverAllocation:
    """``person`` is over capacity on ``days`` working days from ``first_day`` to
    ``last_day``: ``peak_excess`` units on the worst day, ``excess_unit_days`` in all."""

    person: str
    first_day: date
    last_day: date
    days: int
    peak_excess: float
    excess_unit_days: float
    bids: tuple[str, ...]
    tasks: tuple[BookedTask, ...]


@dataclass(frozen=True, slots=True)
class Move:
    """Start ``task`` of ``bid`` on ``new_start`` instead of ``old_start``
    (``shift_days`` working days later)."""

    bid: str
    task: str
    old_start: date
    new_start: date
    shift_days: int
    reason: MoveReason
    detail: str


@dataclass(frozen=True, slots=True)
class DeadlineBreach:
    bid: str
    bid_name: str
    submission_deadline: date
    new_finish: date
    days_late: int  # calendar days after the deadline
    working_days_late: int = 0  # working days of the bid's calendar after the deadline


@dataclass(frozen=True, slots=True)
class LevelingProposal:
    moves: tuple[Move, ...]
    deadline_breaches: tuple[DeadlineBreach, ...]
    remaining: tuple[OverAllocation, ...]
    before: tuple[OverAllocation, ...]


def start_gap(link_type: str, lag_days: int, predecessor_days: int, successor_days: int) -> int:
    """A link as the least distance between the two starts, in working days.

    >>> start_gap("FS", 2, 3, 1), start_gap("SS", 1, 3, 1), start_gap("FF", 0, 3, 1)
    (5, 1, 2)
    """
    if link_type == "SS":
        return lag_days
    if link_type == "FF":
        return predecessor_days - successor_days + lag_days
    if link_type == "SF":
        return lag_days - successor_days
    return predecessor_days + lag_days


# ---------------------------------------------------------------------------- working model


class _Axis:
    """A calendar's working days as date ordinals by index, grown on demand."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.first = 0
        self.ordinals: list[int] = []

    def index_of(self, day: date) -> int:
        return self.calendar.index_at(day)

    def days(self, start: int, count: int) -> list[int]:
        if count <= 0:
            return []
        self._cover(start, start + count - 1)
        offset = start - self.first
        return self.ordinals[offset : offset + count]

    def day(self, index: int) -> date:
        return date.fromordinal(self.days(index, 1)[0])

    def _cover(self, low: int, high: int) -> None:
        if self.ordinals and self.first <= low and high < self.first + len(self.ordinals):
            return
        if self.ordinals:
            low, high = min(low, self.first), max(high, self.first + len(self.ordinals) - 1)
        high += 260  # grow in year-sized steps
        table = self.calendar.working_day_ordinals(low, high)
        self.first, self.ordinals = low, [int(ordinal) for ordinal in table]


@dataclass(slots=True, eq=False)  # identity: tasks are keys of the grid
class _Task:
    bid: _Bid
    source: ScheduledTask
    start: int
    late_start: int
    movable: bool
    successors: list[tuple[_Task, int]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.bid.source.id, self.source.id)

    def days(self, start: int | None = None) -> list[int]:
        first = self.start if start is None else start
        return self.bid.axis.days(first, self.source.duration_days)


@dataclass(slots=True, eq=False)
class _Bid:
    source: BidSchedule
    axis: _Axis
    rank: int  # 0 = highest priority
    probability: float
    tasks: list[_Task] = field(default_factory=list)
    finish: int = 0

    def finish_date(self) -> date:
        return self.axis.day(self.finish - 1)


class _Grid:
    """Committed units per (person, day ordinal), and which tasks make them up."""

    def __init__(self, capacities: dict[str, float], names: dict[str, str]) -> None:
        self.capacities = capacities
        self.names = names
        self.load: dict[tuple[str, int], float] = defaultdict(float)
        self.occupants: dict[tuple[str, int], list[_Task]] = defaultdict(list)

    def capacity(self, person: str) -> float:
        return self.capacities.get(person, 1.0)

    def add(self, task: _Task, days: Iterable[int]) -> None:
        for ordinal in days:
            for booking in task.source.bookings:
                cell = (booking.person, ordinal)
                self.load[cell] += booking.units
                self.occupants[cell].append(task)

    def remove(self, task: _Task, days: Iterable[int]) -> None:
        for ordinal in days:
            for booking in task.source.bookings:
                cell = (booking.person, ordinal)
                self.load[cell] -= booking.units
                self.occupants[cell].remove(task)

    def over(self, cell: tuple[str, int]) -> bool:
        return self.load.get(cell, 0.0) > self.capacity(cell[0]) + EPSILON


def _build(portfolio: Portfolio) -> tuple[list[_Bid], _Grid]:
    axes: dict[int, _Axis] = {}
    default = WorkCalendar.named(None)
    ranked = sorted(
        portfolio.bids,
        key=lambda bid: (-bid.priority, bid.submission_deadline or date.max, bid.id),
    )
    bids: list[_Bid] = []
    grid = _Grid(
        {person.id: person.capacity for person in portfolio.people},
        {person.id: person.name for person in portfolio.people},
    )
    for rank, source in enumerate(ranked):
        calendar = source.calendar or default
        axis = axes.setdefault(id(calendar), _Axis(calendar))
        bid = _Bid(source, axis, rank, source.win_probability_percent / 100)
        release = axis.index_of(portfolio.level_from) if portfolio.level_from else None
        by_id: dict[str, _Task] = {}
        for task in source.tasks:
            start = axis.index_of(task.start)
            movable = task.movable and (release is None or start >= release)
            item = _Task(bid, task, start, start + max(task.total_float_days, 0), movable)
            by_id[task.id] = item
            bid.tasks.append(item)
            bid.finish = max(bid.finish, start + task.duration_days)
            grid.add(item, item.days())
        for link in source.links:
            if link.predecessor in by_id and link.successor in by_id:
                by_id[link.predecessor].successors.append(
                    (by_id[link.successor], link.start_gap_days)
                )
        bids.append(bid)
    return bids, grid


# ---------------------------------------------------------------------------- load


def daily_loads(portfolio: Portfolio) -> list[DayLoad]:
    """Each person's committed and weighted load on every working day they are booked,
    sorted by person and day.

    >>> from datetime import date
    >>> bid = BidSchedule("b1", "Bid", Decimal(100), 50, "key", None, (
    ...     ScheduledTask("t1", "Demo", date(2027, 1, 4), 2, bookings=(Booking("chen"),)),))
    >>> [(d.day.isoformat(), d.committed, d.weighted) for d in daily_loads(Portfolio((bid,), ()))]
    [('2027-01-04', 1.0, 0.5), ('2027-01-05', 1.0, 0.5)]
    """
    _, grid = _build(portfolio)
    return _day_loads(grid)


def _day_loads(grid: _Grid) -> list[DayLoad]:
    loads = []
    for (person, ordinal), committed in sorted(grid.load.items()):
        occupants = grid.occupants[(person, ordinal)]
        if not occupants:
            continue
        weighted = sum(
            booking.units * task.bid.probability
            for task in occupants
            for booking in task.source.bookings
            if booking.person == person
        )
        loads.append(
            DayLoad(
                person,
                date.fromordinal(ordinal),
                round(committed, 6),
                round(weighted, 6),
                grid.capacity(person),
            )
        )
    return loads


def weekly_loads(portfolio: Portfolio) -> list[WeekLoad]:
    """:func:`daily_loads` summed per person and ISO week (capacity: 5 working days)."""
    totals: dict[tuple[str, date], list[float]] = {}
    for load in daily_loads(portfolio):
        week = load.day - timedelta(days=load.day.weekday())
        entry = totals.setdefault((load.person, week), [0.0, 0.0, load.capacity * 5])
        entry[0] += load.committed
        entry[1] += load.weighted
    return [
        WeekLoad(person, week, round(values[0], 6), round(values[1], 6), values[2])
        for (person, week), values in sorted(totals.items())
    ]


# ---------------------------------------------------------------------------- conflicts


def over_allocations(portfolio: Portfolio) -> list[OverAllocation]:
    """Runs of over-allocated days per person (see :class:`OverAllocation`), by person and
    first day. A run is broken by any booked day that is within capacity."""
    _, grid = _build(portfolio)
    return _runs(grid)


def _runs(grid: _Grid, since: int | None = None) -> list[OverAllocation]:
    booked: dict[str, list[int]] = defaultdict(list)
    for (person, ordinal), tasks in grid.occupants.items():
        if tasks and (since is None or ordinal >= since):
            booked[person].append(ordinal)
    runs: list[OverAllocation] = []
    for person in sorted(booked):
        current: list[int] = []
        for ordinal in sorted(booked[person]):
            if grid.over((person, ordinal)):
                current.append(ordinal)
            elif current:
                runs.append(_run(grid, person, current))
                current = []
        if current:
            runs.append(_run(grid, person, current))
    return runs


def _run(grid: _Grid, person: str, ordinals: Sequence[int]) -> OverAllocation:
    capacity = grid.capacity(person)
    excesses = [grid.load[(person, ordinal)] - capacity for ordinal in ordinals]
    units: dict[tuple[str, str], float] = {}
    for ordinal in ordinals:
        for task in grid.occupants[(person, ordinal)]:
            units[task.key] = sum(b.units for b in task.source.bookings if b.person == person)
    return OverAllocation(
        person=person,
        first_day=date.fromordinal(ordinals[0]),
        last_day=date.fromordinal(ordinals[-1]),
        days=len(ordinals),
        peak_excess=round(max(excesses), 6),
        excess_unit_days=round(sum(excesses), 6),
        bids=tuple(sorted({bid for bid, _ in units})),
        tasks=tuple(BookedTask(bid, task, share) for (bid, task), share in sorted(units.items())),
    )


# ---------------------------------------------------------------------------- leveling


@dataclass(slots=True)
class _Placement:
    """Where the serial scheme put a task and what held it back."""

    start: int
    release: int  # the earliest start its predecessors allow
    driver: _Task | None  # the predecessor that set ``release``, if any did
    busy_people: set[str] = field(default_factory=set)
    blocking_bids: set[int] = field(default_factory=set)  # id() of the bids in the way
    fixed_in_the_way: bool = False  # some of it is work that cannot move


def propose_leveling(portfolio: Portfolio) -> LevelingProposal:
    """Resolve the portfolio's over-allocation with one serial schedule-generation pass.

    See the module docstring for the rules. Returns the moves (one per task, from its current
    start to the proposed one), the deadline breaches the moves cause, the over-allocation
    before, and what remains (only what fixed work causes, or a booking above capacity).
    """
    bids, grid = _build(portfolio)
    since = portfolio.level_from.toordinal() if portfolio.level_from else None
    before = tuple(_runs(grid, since))
    predecessors = _predecessors(bids)
    _place_milestones_after_their_predecessors(bids, predecessors)
    originals = {id(task): task.start for bid in bids for task in bid.tasks}
    original_finish = {id(bid): _due_end(bid) for bid in bids}
    _fix_predecessors_of_fixed_work(bids, predecessors)
    booked = _Grid(grid.capacities, grid.names)
    for bid in bids:
        for task in bid.tasks:
            if not task.movable:
                booked.add(task, task.days())
    reasons: dict[int, tuple[MoveReason, str]] = {}
    foreign_delay: set[int] = set()  # id() of tasks another bid's work pushed past late start
    for bid in bids:  # highest priority first
        for task in _topological(bid, predecessors):
            if not task.movable:
                continue
            placement = _place(booked, task, predecessors[id(task)])
            task.start = placement.start
            booked.add(task, task.days())
            if task.start != originals[id(task)]:
                reasons[id(task)] = _reason(booked, task, placement, foreign_delay)
        bid.finish = max((t.start + t.source.duration_days for t in bid.tasks), default=0)
    moves = _moves(bids, originals, reasons)
    breaches = _breaches(bids, original_finish)
    return LevelingProposal(moves, breaches, tuple(_runs(booked, since)), before)


def _predecessors(bids: Sequence[_Bid]) -> dict[int, list[tuple[_Task, int]]]:
    found: dict[int, list[tuple[_Task, int]]] = {id(t): [] for bid in bids for t in bid.tasks}
    for bid in bids:
        for task in bid.tasks:
            for successor, gap in task.successors:
                found[id(successor)].append((task, gap))
    return found


def _place_milestones_after_their_predecessors(
    bids: Sequence[_Bid], predecessors: dict[int, list[tuple[_Task, int]]]
) -> None:
    """A schedule shows a milestone reached by a finish on that finish's own date (as MS
    Project does), one working day before the position its links give it; taking that date as
    its position would make every such milestone look one day early and be "moved"."""
    for bid in bids:
        for task in _topological(bid, predecessors):
            if task.source.duration_days > 0:
                continue
            position = max([task.start] + [p.start + gap for p, gap in predecessors[id(task)]])
            task.late_start += position - task.start
            task.start = position


def _fix_predecessors_of_fixed_work(
    bids: Sequence[_Bid], predecessors: dict[int, list[tuple[_Task, int]]]
) -> None:
    """Work that must come before fixed work stays too: delaying it would break the link."""
    stack = [task for bid in bids for task in bid.tasks if not task.movable]
    while stack:
        for predecessor, _ in predecessors[id(stack.pop())]:
            if predecessor.movable:
                predecessor.movable = False
                stack.append(predecessor)


def _topological(bid: _Bid, predecessors: dict[int, list[tuple[_Task, int]]]) -> list[_Task]:
    """The bid's tasks, predecessors first, ties by current start, least float, then id; tasks
    on a link cycle (bad input) follow in the same order."""

    def key(task: _Task) -> tuple[int, int, str]:
        return (task.start, task.late_start - task.start, task.source.id)

    waiting = {id(task): len(predecessors[id(task)]) for task in bid.tasks}
    ready = [(key(task), task) for task in bid.tasks if waiting[id(task)] == 0]
    heapq.heapify(ready)
    order: list[_Task] = []
    while ready:
        _, task = heapq.heappop(ready)
        order.append(task)
        for successor, _ in task.successors:
            waiting[id(successor)] -= 1
            if waiting[id(successor)] == 0:
                heapq.heappush(ready, (key(successor), successor))
    if len(order) < len(bid.tasks):
        done = {id(task) for task in order}
        order += sorted((t for t in bid.tasks if id(t) not in done), key=key)
    return order


def _place(grid: _Grid, task: _Task, predecessors: list[tuple[_Task, int]]) -> _Placement:
    """The earliest start at or after the task's current start and its predecessors' gaps
    at which its people have room on every one of its days."""
    release, driver = task.start, None
    for predecessor, gap in predecessors:
        if predecessor.start + gap > release:
            release, driver = predecessor.start + gap, predecessor
    placement = _Placement(release, release, driver)
    duration = task.source.duration_days
    bookings = [
        (booking.person, booking.units, grid.capacity(booking.person) + EPSILON)
        for booking in task.source.bookings
    ]
    if duration <= 0 or not bookings or any(units > limit for _, units, limit in bookings):
        return placement  # no load, or a load no day can hold: it stays over capacity
    load, axis = grid.load, task.bid.axis
    candidate = cursor = release
    while True:
        for offset, ordinal in enumerate(axis.days(cursor, SCAN_DAYS)):
            busy = [
                person
                for person, units, limit in bookings
                if load.get((person, ordinal), 0.0) + units > limit
            ]
            if busy:
                _note_blockers(grid, placement, busy, ordinal)
                candidate = cursor + offset + 1
            elif cursor + offset + 1 - candidate == duration:
                placement.start = candidate
                return placement
        cursor += SCAN_DAYS


def _note_blockers(grid: _Grid, placement: _Placement, people: list[str], ordinal: int) -> None:
    for person in people:
        placement.busy_people.add(person)
        for other in grid.occupants[(person, ordinal)]:
            placement.blocking_bids.add(id(other.bid))
            placement.fixed_in_the_way = placement.fixed_in_the_way or not other.movable


def _reason(
    grid: _Grid, task: _Task, placement: _Placement, foreign_delay: set[int]
) -> tuple[MoveReason, str]:
    """Within float when the task still starts by its late start; otherwise a delay, caused by
    another bid (higher priority, or fixed work) or by the bid's own work alone."""
    bid = task.bid
    others = placement.blocking_bids - {id(bid)}
    why = _why(grid, placement, bool(others))
    if task.start <= task.late_start:
        return "within_float", f"within the float of {bid.source.name}: {why}"
    inherited = placement.driver is not None and id(placement.driver) in foreign_delay
    if others or (inherited and placement.release > task.late_start):
        foreign_delay.add(id(task))
        return "delay_lower_priority", f"{bid.source.name} has lower priority: {why}"
    return "delay_own_bid", f"{bid.source.name}'s own work: {why}"


def _why(grid: _Grid, placement: _Placement, other_bids: bool) -> str:
    parts = []
    if placement.start > placement.release:
        people = ", ".join(sorted(grid.names.get(p, p) for p in placement.busy_people))
        where = "other bids" if other_bids else "this bid"
        fixed = " (work that cannot move)" if placement.fixed_in_the_way else ""
        parts.append(f"{people} busy on {where}{fixed}")
    if placement.driver is not None:
        parts.append(f"after {placement.driver.source.name}")
    return "; ".join(parts) or "follows its predecessors"


def _moves(
    bids: Sequence[_Bid], originals: dict[int, int], reasons: dict[int, tuple[MoveReason, str]]
) -> tuple[Move, ...]:
    moves = []
    for bid in sorted(bids, key=lambda b: b.source.id):
        for task in sorted(bid.tasks, key=lambda t: t.source.id):
            old = originals[id(task)]
            if task.start == old:
                continue
            reason, detail = reasons[id(task)]
            moves.append(
                Move(
                    bid.source.id,
                    task.source.id,
                    task.source.start,
                    bid.axis.day(task.start),
                    task.start - old,
                    reason,
                    detail,
                )
            )
    return tuple(moves)


def _submission(bid: _Bid) -> _Task | None:
    wanted = bid.source.submission_task_id
    return next((task for task in bid.tasks if task.source.id == wanted), None) if wanted else None


def _due_end(bid: _Bid) -> int:
    """Where what the submission deadline caps ends (exclusive): the submission milestone,
    else the whole bid."""
    task = _submission(bid)
    if task is None:
        return bid.finish
    # a milestone reached by a finish sits one position after its date (see
    # ``_place_milestones_after_their_predecessors``): it ends where it starts
    return task.start + task.source.duration_days


def _breaches(bids: Sequence[_Bid], original_finish: dict[int, int]) -> tuple[DeadlineBreach, ...]:
    breaches = []
    for bid in sorted(bids, key=lambda b: b.source.id):
        deadline = bid.source.submission_deadline
        end = _due_end(bid)
        if deadline is None or end <= original_finish[id(bid)]:
            continue
        finish = bid.axis.day(end - 1)
        if finish > deadline:
            late = (finish - deadline).days
            working = end - bid.axis.index_of(deadline + timedelta(days=1))
            breaches.append(
                DeadlineBreach(bid.source.id, bid.source.name, deadline, finish, late, working)
            )
    return tuple(breaches)
