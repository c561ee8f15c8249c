"""People booked by several bids at once: load, over-allocation and a leveling proposal.

The PMO runs many bids in parallel and the same presales consultant or project manager is
booked by several of them. This module takes each bid's *current* schedule (tasks with their
working-day start, duration, total float and the people they book) and answers three things:

- :func:`daily_loads` / :func:`weekly_loads`: each person's load per working day (or ISO week)
  across all bids, committed (the units booked) and weighted (units x the bid's win
  probability: the load to expect).
- :func:`over_allocations`: runs of days on which a person's *committed* load exceeds their
  capacity, with the bids and tasks involved and by how much.
- :func:`propose_leveling`: moves that remove over-allocation, in two phases, per conflict
  (earliest day first):

  1. move non-critical work within its total float: the task and the successors it pushes all
     stay at or before their late starts, so no bid's finish changes;
  2. otherwise delay a task (and the successors it pushes) of a lower-priority bid. A bid's
     priority is its weighted value (value x win probability) times its account's tier
     weight (:func:`wbs.level.bid_priority`: strategic 3, key 2, anything else 1). A delay that
     ends a bid after its submission deadline is still proposed when nothing else works, but
     only after every non-breaching candidate, and it carries a :class:`DeadlineBreach`
     naming the bid and the calendar days late.

  A move is only proposed if it frees the conflicting person on that day, lands where that
  person is within capacity, and raises nobody's load above capacity on any day, so
  over-allocation only ever shrinks. What
  cannot be removed is reported as ``remaining``. Nothing is applied: the proposal is a list
  of moves (task, old start, new start, reason).

Positions are working-day indices on each bid's own calendar (``WorkCalendar``; Mon-Fri by
default), so bids in different countries level correctly; loads are summed per calendar date.
Everything is deterministic: ties break on bid and task ids.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from wbs.calendar import WorkCalendar
from wbs.level import bid_priority

EPSILON = 1e-9
MAX_DELAY_DAYS = 130  # about six months of working days: beyond that a delay is no proposal
MAX_TRIES = 20  # shifts with room for a task that are tried with its pushed successors
MoveReason = Literal["within_float", "delay_lower_priority"]


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
        self.version = 0  # bumped by every move
        # (task, within float) -> the version at which it found no move; unchanged grid, no retry
        self.failures: dict[tuple[int, bool], int] = {}

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
class _Candidate:
    task: _Task
    starts: dict[int, tuple[_Task, int]]  # id(task) -> (task, new start)
    finish: int


def propose_leveling(portfolio: Portfolio) -> LevelingProposal:
    """A proposal removing over-allocation: float first, then lower-priority delays.

    See the module docstring for the rules. Returns the moves (one per task, from its current
    start to the proposed one), the deadline breaches the moves cause, the over-allocation
    before, and what remains.
    """
    bids, grid = _build(portfolio)
    since = None
    if portfolio.level_from is not None:
        since = portfolio.level_from.toordinal()
    before = tuple(_runs(grid, since))
    originals = {id(task): task.start for bid in bids for task in bid.tasks}
    original_finish = {id(bid): bid.finish for bid in bids}
    reasons: dict[int, tuple[MoveReason, str]] = {}
    queue = [
        (ordinal, person)
        for (person, ordinal) in grid.load
        if grid.over((person, ordinal)) and (since is None or ordinal >= since)
    ]
    heapq.heapify(queue)
    while queue:
        ordinal, person = heapq.heappop(queue)
        while grid.over((person, ordinal)):
            step = _resolve_one(grid, person, ordinal)
            if step is None:
                break
            _apply(grid, step)
            reason = _reason(step, grid.names.get(person, person), ordinal)
            for task, _ in step.starts.values():
                previous = reasons.get(id(task))
                if previous is None or previous[0] == "within_float":
                    reasons[id(task)] = reason
    moves = _moves(bids, originals, reasons)
    breaches = _breaches(bids, original_finish)
    return LevelingProposal(moves, breaches, tuple(_runs(grid, since)), before)


def _resolve_one(grid: _Grid, person: str, ordinal: int) -> _Candidate | None:
    occupants = sorted(
        set(grid.occupants[(person, ordinal)]), key=lambda t: (t.bid.rank, t.source.id)
    )
    within_float = []
    for task in occupants:
        if task.movable and task.late_start > task.start:
            found = _earliest_shift(grid, task, person, ordinal, within_float=True)
            if found is not None:
                within_float.append(found)
    if within_float:
        return min(
            within_float,
            key=lambda c: (c.starts[id(c.task)][1] - c.task.start, -c.task.bid.rank, c.task.key),
        )
    keeper = occupants[0]
    delayable = [
        task
        for task in reversed(occupants)  # lowest priority first
        if task.movable and task is not keeper
    ]
    fallback = None
    for task in delayable:
        found = _earliest_shift(grid, task, person, ordinal, within_float=False)
        if found is None:
            continue
        if not _breaches_deadline(task.bid, found.finish):
            return found
        fallback = fallback or found
    return fallback


def _earliest_shift(
    grid: _Grid, task: _Task, person: str, ordinal: int, *, within_float: bool
) -> _Candidate | None:
    if grid.failures.get((id(task), within_float)) == grid.version:
        return None
    limit = task.late_start - task.start if within_float else MAX_DELAY_DAYS
    for tries, shift in enumerate(_roomy_shifts(grid, task, limit)):
        if tries == MAX_TRIES:
            break
        starts = _pushed(task, task.start + shift)
        if within_float and any(new > moved.late_start for moved, new in starts.values()):
            break  # larger shifts push the successors further still
        if _fits(grid, starts, person, ordinal):
            finish = max(
                [task.bid.finish]
                + [new + moved.source.duration_days for moved, new in starts.values()]
            )
            return _Candidate(task, starts, finish)
    grid.failures[(id(task), within_float)] = grid.version
    return None


def _roomy_shifts(grid: _Grid, task: _Task, limit: int) -> Iterator[int]:
    """Shifts 1..limit at which the task's own people have room on all its new days (a
    necessary condition, checked in one sliding pass instead of day by day per shift)."""
    duration = task.source.duration_days
    if duration <= 0 or not task.source.bookings:
        yield from range(1, limit + 1)
        return
    old_days = set(task.days())
    span = task.bid.axis.days(task.start + 1, limit + duration - 1)
    roomy = [
        day in old_days
        or all(
            grid.load.get((booking.person, day), 0.0) + booking.units
            <= grid.capacity(booking.person) + EPSILON
            for booking in task.source.bookings
        )
        for day in span
    ]
    shift = 1
    while shift <= limit:
        window = roomy[shift - 1 : shift - 1 + duration]
        if all(window):
            yield shift
            shift += 1
        else:
            last_blocked = duration - 1 - window[::-1].index(False)
            shift += last_blocked + 1


def _pushed(task: _Task, new_start: int) -> dict[int, tuple[_Task, int]]:
    """The task at ``new_start`` and every successor it pushes, with their new starts."""
    starts = {id(task): (task, new_start)}
    stack = [task]
    while stack:
        current = stack.pop()
        current_start = starts[id(current)][1]
        for successor, gap in current.successors:
            known = starts.get(id(successor), (successor, successor.start))[1]
            if current_start + gap > known:
                starts[id(successor)] = (successor, current_start + gap)
                stack.append(successor)
    return starts


def _fits(grid: _Grid, starts: dict[int, tuple[_Task, int]], person: str, ordinal: int) -> bool:
    """Whether moving the tasks to ``starts`` frees ``person`` on ``ordinal``, lands them on
    days where ``person`` is within capacity (so a move jumps past the whole conflict instead
    of creeping through it) and raises nobody's load above capacity anywhere."""
    delta: dict[tuple[str, int], float] = defaultdict(float)
    landing: set[tuple[str, int]] = set()
    for task, new_start in starts.values():
        if not task.movable:
            return False
        if not task.source.bookings:
            continue
        old_days, new_days = task.days(), task.days(new_start)
        for booking in task.source.bookings:
            for day in old_days:
                delta[(booking.person, day)] -= booking.units
            for day in new_days:
                delta[(booking.person, day)] += booking.units
                if booking.person == person:
                    landing.add((person, day))
    if delta.get((person, ordinal), 0.0) >= -EPSILON:
        return False
    return all(
        grid.load.get(cell, 0.0) + change <= grid.capacity(cell[0]) + EPSILON
        for cell, change in delta.items()
        if change > EPSILON or cell in landing
    )


def _apply(grid: _Grid, step: _Candidate) -> None:
    grid.version += 1
    for task, new_start in step.starts.values():
        grid.remove(task, task.days())
        task.start = new_start
        grid.add(task, task.days())
    step.task.bid.finish = step.finish


def _reason(step: _Candidate, who: str, ordinal: int) -> tuple[MoveReason, str]:
    day = date.fromordinal(ordinal).isoformat()
    bid = step.task.bid.source
    if all(new <= task.late_start for task, new in step.starts.values()):
        return "within_float", f"frees {who} on {day} within the float of {bid.name}"
    return "delay_lower_priority", f"frees {who} on {day}: {bid.name} has lower priority"


def _breaches_deadline(bid: _Bid, finish: int) -> bool:
    deadline = bid.source.submission_deadline
    return deadline is not None and finish > bid.finish and bid.axis.day(finish - 1) > deadline


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


def _breaches(bids: Sequence[_Bid], original_finish: dict[int, int]) -> tuple[DeadlineBreach, ...]:
    breaches = []
    for bid in sorted(bids, key=lambda b: b.source.id):
        deadline = bid.source.submission_deadline
        if deadline is None or bid.finish <= original_finish[id(bid)]:
            continue
        finish = bid.finish_date()
        if finish > deadline:
            late = (finish - deadline).days
            breaches.append(DeadlineBreach(bid.source.id, bid.source.name, deadline, finish, late))
    return tuple(breaches)
