"""Portfolio load, over-allocation and leveling (wbs.portfolio_level) on hand-checkable cases,
plus an independent recount of the load after applying random proposals."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from wbs.portfolio_level import (
    BidSchedule,
    Booking,
    Person,
    Portfolio,
    ScheduledTask,
    StartLink,
    daily_loads,
    over_allocations,
    propose_leveling,
    start_gap,
    weekly_loads,
)

MONDAY = date(2027, 1, 4)
CHEN = Person("chen", "陈志强 Chen Zhiqiang")


def day(offset: int) -> date:
    """The working day ``offset`` working days after Monday 2027-01-04 (Mon-Fri)."""
    current = MONDAY
    for _ in range(offset):
        current += timedelta(days=1)
        while current.weekday() >= 5:
            current += timedelta(days=1)
    return current


def task(task_id, start, duration, *, total_float=0, person="chen", units=1.0, **extra):
    return ScheduledTask(
        task_id,
        f"task {task_id}",
        day(start),
        duration,
        total_float_days=total_float,
        critical=total_float == 0,
        bookings=(Booking(person, units),) if person else (),
        **extra,
    )


def bid(
    bid_id, tasks, *, value=1_000_000, probability=50, tier="standard", deadline=None, links=()
):
    return BidSchedule(
        bid_id,
        f"bid {bid_id}",
        Decimal(value),
        probability,
        tier,
        deadline,
        tuple(tasks),
        tuple(links),
    )


def recount(portfolio, moves):
    """Committed units per (person, date) with the moves applied, by plain date arithmetic."""
    new_starts = {(m.bid, m.task): m.new_start for m in moves}
    load = defaultdict(float)
    for schedule in portfolio.bids:
        for item in schedule.tasks:
            current = new_starts.get((schedule.id, item.id), item.start)
            for _ in range(item.duration_days):
                while current.weekday() >= 5:
                    current += timedelta(days=1)
                for booking in item.bookings:
                    load[(booking.person, current)] += booking.units
                current += timedelta(days=1)
    return load


def over_cells(portfolio, moves):
    capacity = {person.id: person.capacity for person in portfolio.people}
    return {
        cell
        for cell, units in recount(portfolio, moves).items()
        if units > capacity.get(cell[0], 1.0) + 1e-9
    }


def test_load_is_committed_and_weighted_per_day_and_week():
    a = bid("A", [task("a1", 0, 3)], probability=60)
    b = bid("B", [task("b1", 1, 2, units=0.5)], probability=20)
    loads = {(load.day, load.person): load for load in daily_loads(Portfolio((a, b), (CHEN,)))}
    assert [(d, loads[(day(d), "chen")].committed) for d in range(3)] == [
        (0, 1),
        (1, 1.5),
        (2, 1.5),
    ]
    assert loads[(day(1), "chen")].weighted == pytest.approx(0.6 + 0.5 * 0.2)
    assert loads[(day(1), "chen")].over_allocated and not loads[(day(0), "chen")].over_allocated
    (week,) = weekly_loads(Portfolio((a, b), (CHEN,)))
    assert (week.week, week.committed, week.capacity) == (MONDAY, 4.0, 5.0)
    assert week.weighted == pytest.approx(3 * 0.6 + 2 * 0.5 * 0.2)


def test_conflict_names_person_days_bids_tasks_and_excess():
    a = bid("A", [task("a1", 0, 3)])
    b = bid("B", [task("b1", 1, 4)])
    (conflict,) = over_allocations(Portfolio((a, b), (CHEN,)))
    assert (conflict.person, conflict.first_day, conflict.last_day) == ("chen", day(1), day(2))
    assert (conflict.days, conflict.peak_excess, conflict.excess_unit_days) == (2, 1.0, 2.0)
    assert conflict.bids == ("A", "B")
    assert [(t.bid, t.task) for t in conflict.tasks] == [("A", "a1"), ("B", "b1")]


def test_half_time_bookings_on_two_bids_are_no_conflict():
    a = bid("A", [task("a1", 0, 5, units=0.5)])
    b = bid("B", [task("b1", 0, 5, units=0.5)])
    portfolio = Portfolio((a, b), (CHEN,))
    assert over_allocations(portfolio) == []
    assert propose_leveling(portfolio).moves == ()


def test_float_absorbs_the_conflict_without_moving_any_finish():
    # A: a1 Mon-Wed, critical. B: b1 Tue-Wed with 4 days of float, then b2 (not chen's)
    a = bid("A", [task("a1", 0, 3)], value=10_000_000)
    b = bid(
        "B",
        [task("b1", 1, 2, total_float=4), task("b2", 3, 1, total_float=4, person="zhao")],
        links=[StartLink("b1", "b2", 2)],
    )
    portfolio = Portfolio((a, b), (CHEN, Person("zhao", "赵敏")))
    proposal = propose_leveling(portfolio)
    # b1 must leave Tue and Wed: two days later it runs Thu-Fri; b2 is pushed to Mon
    assert [(m.task, m.old_start, m.new_start, m.shift_days, m.reason) for m in proposal.moves] == [
        ("b1", day(1), day(3), 2, "within_float"),
        ("b2", day(3), day(5), 2, "within_float"),
    ]
    assert proposal.remaining == () and proposal.deadline_breaches == ()
    assert len(proposal.before) == 1
    assert over_cells(portfolio, proposal.moves) == set()


def test_float_too_small_delays_the_lower_priority_bid():
    # both critical; B is worth less (weighted value), so B waits until A's task is done
    a = bid("A", [task("a1", 0, 3)], value=5_000_000, probability=50)
    b = bid(
        "B",
        [task("b1", 1, 2, total_float=1), task("b2", 3, 2, person="sun")],
        value=8_000_000,
        probability=25,
        links=[StartLink("b1", "b2", 2)],
    )
    portfolio = Portfolio((a, b), (CHEN, Person("sun", "孙丽")))
    proposal = propose_leveling(portfolio)
    assert [(m.bid, m.task, m.new_start, m.reason) for m in proposal.moves] == [
        ("B", "b1", day(3), "delay_lower_priority"),
        ("B", "b2", day(5), "delay_lower_priority"),
    ]
    assert proposal.remaining == ()
    assert over_cells(portfolio, proposal.moves) == set()


def test_account_tier_can_outweigh_value():
    # B's weighted value is lower, but its strategic account weighs 3x: A is delayed
    a = bid("A", [task("a1", 0, 3)], value=2_000_000, tier="standard")
    b = bid("B", [task("b1", 1, 2)], value=1_000_000, tier="strategic")
    proposal = propose_leveling(Portfolio((a, b), (CHEN,)))
    assert [(m.bid, m.task, m.new_start) for m in proposal.moves] == [("A", "a1", day(3))]


def test_deadline_breach_is_reported_with_days_late():
    a = bid("A", [task("a1", 0, 5)], value=9_000_000)
    # B's only task is due Wed 2027-01-06 and must wait until Mon 2027-01-11: 6 days late
    b = bid("B", [task("b1", 1, 2)], deadline=day(2))
    proposal = propose_leveling(Portfolio((a, b), (CHEN,)))
    (move,) = proposal.moves
    assert (move.task, move.new_start) == ("b1", date(2027, 1, 11))
    (breach,) = proposal.deadline_breaches
    assert (breach.bid, breach.submission_deadline, breach.new_finish) == (
        "B",
        date(2027, 1, 6),
        date(2027, 1, 12),
    )
    assert (breach.days_late, breach.working_days_late) == (6, 4)


def test_the_deadline_caps_the_submission_milestone_not_the_work_after_it():
    # B: prepare (Tue-Wed) -> submit (milestone, due Wed 6 Jan) -> close-out (Thu-Fri, Chen).
    # A keeps Chen busy Thu-Fri: B's close-out moves to Mon-Tue, after the deadline, but the
    # submission still lands on Wed 6 Jan: no breach.
    def b(prepare_person, submission="submit"):
        tasks = [
            task("prepare", 1, 2, person=prepare_person),
            task("submit", 3, 0, person=None),
            task("close", 3, 2),
        ]
        links = (StartLink("prepare", "submit", 2), StartLink("submit", "close", 0))
        schedule = bid("B", tasks, deadline=day(2), links=links)
        return replace(schedule, submission_task_id=submission)

    a = bid("A", [task("a1", 3, 2)], value=9_000_000)
    proposal = propose_leveling(Portfolio((a, b(None)), (CHEN,)))
    assert [(m.task, m.new_start) for m in proposal.moves] == [("close", day(5))]
    assert proposal.deadline_breaches == ()
    # without the milestone named, the whole bid's finish would count (as for imported plans)
    whole = propose_leveling(Portfolio((a, b(None, submission=None)), (CHEN,)))
    assert [breach.bid for breach in whole.deadline_breaches] == ["B"]
    # A booking Chen on Tue-Wed pushes B's preparation, and so the submission itself, late
    early = bid("A", [task("a1", 1, 2)], value=9_000_000)
    late = propose_leveling(Portfolio((early, b("chen")), (CHEN,)))
    (breach,) = late.deadline_breaches
    assert (breach.bid, breach.new_finish, breach.working_days_late) == ("B", day(4), 2)


def test_the_lowest_priority_bid_waits_even_past_its_deadline_and_says_so():
    # C has the lowest priority and a tight deadline: priority decides, the breach is reported
    a = bid("A", [task("a1", 0, 3)], value=9_000_000)
    b = bid("B", [task("b1", 0, 3)], value=2_000_000)
    c = bid("C", [task("c1", 0, 3)], value=1_000_000, deadline=day(3))
    people = (Person("chen", "Chen", capacity=2),)
    proposal = propose_leveling(Portfolio((a, b, c), people))
    assert [(m.bid, m.task, m.new_start) for m in proposal.moves] == [("C", "c1", day(3))]
    (breach,) = proposal.deadline_breaches
    assert (breach.bid, breach.new_finish, breach.days_late, breach.working_days_late) == (
        "C",
        day(5),
        day(5).toordinal() - day(3).toordinal(),
        2,
    )


def test_tasks_of_one_bid_competing_for_one_person_are_an_own_bid_delay():
    a = bid("A", [task("a1", 0, 3), task("a2", 0, 2)])
    (move,) = propose_leveling(Portfolio((a,), (CHEN,))).moves
    assert (move.task, move.new_start, move.reason) == ("a2", day(3), "delay_own_bid")


def test_work_before_fixed_work_stays_and_the_rest_waits_for_both():
    # b1 must finish before b2, which has started: b1 stays although A has priority
    a = bid("A", [task("a1", 0, 2)], value=9_000_000)
    b = bid(
        "B",
        [task("b1", 0, 2), task("b2", 2, 2, person="zhao", movable=False)],
        links=[StartLink("b1", "b2", 2)],
    )
    proposal = propose_leveling(Portfolio((a, b), (CHEN, Person("zhao", "赵敏"))))
    assert [(m.bid, m.task, m.new_start) for m in proposal.moves] == [("A", "a1", day(2))]
    assert proposal.remaining == ()


def test_a_milestone_shown_on_its_predecessors_finish_date_is_not_a_move():
    # a1 runs Mon-Tue; the milestone after it is shown on Tuesday, as schedules show it
    a = bid(
        "A",
        [task("a1", 0, 2), task("done", 1, 0, person=None)],
        links=[StartLink("a1", "done", 2)],
    )
    assert propose_leveling(Portfolio((a,), (CHEN,))).moves == ()


def test_over_allocation_of_fixed_work_remains_and_movable_work_goes_around_it():
    a = bid("A", [task("a1", 0, 2, movable=False)], value=1)
    b = bid("B", [task("b1", 0, 2, movable=False)], value=1)
    c = bid("C", [task("c1", 1, 2)], value=9_000_000)
    portfolio = Portfolio((a, b, c), (CHEN,))
    proposal = propose_leveling(portfolio)
    assert [(m.task, m.new_start, m.reason) for m in proposal.moves] == [
        ("c1", day(2), "delay_lower_priority")
    ]
    (remaining,) = proposal.remaining
    assert (remaining.first_day, remaining.days, remaining.bids) == (day(0), 2, ("A", "B"))


def test_capacity_above_one_only_moves_what_exceeds_it():
    people = (Person("chen", "Chen", capacity=2),)
    two = Portfolio((bid("A", [task("a1", 0, 3)]), bid("B", [task("b1", 0, 3)])), people)
    assert over_allocations(two) == [] and propose_leveling(two).moves == ()
    three = Portfolio((*two.bids, bid("C", [task("c1", 0, 3)], value=1)), people)
    (conflict,) = over_allocations(three)
    assert conflict.peak_excess == 1.0 and conflict.days == 3
    proposal = propose_leveling(three)
    assert [(m.bid, m.task, m.new_start) for m in proposal.moves] == [("C", "c1", day(3))]
    assert over_cells(three, proposal.moves) == set()


def test_unmovable_work_leaves_the_conflict_as_remaining():
    a = bid("A", [task("a1", 0, 3, movable=False)])
    b = bid("B", [task("b1", 0, 3, movable=False)])
    portfolio = Portfolio((a, b), (CHEN,))
    proposal = propose_leveling(portfolio)
    assert proposal.moves == ()
    assert proposal.remaining == proposal.before == tuple(over_allocations(portfolio))


def test_conflicts_before_level_from_are_left_alone():
    a = bid("A", [task("a1", 0, 2), task("a2", 10, 2)], value=9_000_000)
    b = bid("B", [task("b1", 0, 2), task("b2", 10, 2)])
    proposal = propose_leveling(Portfolio((a, b), (CHEN,), level_from=day(5)))
    assert [(m.task, m.new_start) for m in proposal.moves] == [("b2", day(12))]
    assert proposal.remaining == ()


def test_start_gap_of_each_link_type():
    assert start_gap("FS", 0, 3, 2) == 3
    assert start_gap("SS", 2, 3, 2) == 2
    assert start_gap("FF", 1, 3, 2) == 2
    assert start_gap("SF", 0, 3, 2) == -2


def random_portfolio(seed: int) -> Portfolio:
    """2-5 bids of chained tasks on four people; a bid's first task has sometimes started."""
    rng = random.Random(seed)
    people = tuple(Person(f"p{i}", f"P{i}", capacity=rng.choice([1, 1, 1.5, 2])) for i in range(4))
    bids = []
    for number in range(rng.randint(2, 5)):
        tasks, links, starts = [], [], []
        start = rng.randint(0, 10)
        for index in range(rng.randint(2, 6)):
            duration = rng.randint(1, 5)
            tasks.append(
                task(
                    f"t{index}",
                    start,
                    duration,
                    total_float=rng.choice([0, 0, 2, 5]),
                    person=rng.choice([p.id for p in people]),
                    units=rng.choice([0.5, 1.0]),
                    movable=index > 0 or rng.random() < 0.7,
                )
            )
            starts.append(start)
            if index and rng.random() < 0.6:
                links.append(StartLink(f"t{index - 1}", f"t{index}", start - starts[-2]))
            start += rng.randint(0, duration)
        deadline = day(rng.randint(10, 40))
        bids.append(
            bid(
                f"B{number}",
                tasks,
                value=rng.randint(1, 9) * 100_000,
                deadline=deadline,
                links=links,
            )
        )
    return Portfolio(tuple(bids), people)


def fixed_only(portfolio):
    """The portfolio with its movable work left out: what leveling cannot change."""
    return Portfolio(
        tuple(
            bid(b.id, [t for t in b.tasks if not t.movable], value=b.value) for b in portfolio.bids
        ),
        portfolio.people,
    )


def working_index(day_: date) -> int:
    return int(np.busday_count(MONDAY, day_))


def new_starts(portfolio, proposal):
    moved = {(m.bid, m.task): m.new_start for m in proposal.moves}
    return {(b.id, t.id): moved.get((b.id, t.id), t.start) for b in portfolio.bids for t in b.tasks}


@pytest.mark.parametrize("seed", range(40))
def test_random_proposals_leave_only_fixed_over_allocation_by_an_independent_recount(seed):
    portfolio = random_portfolio(seed)
    proposal = propose_leveling(portfolio)
    before = over_cells(portfolio, ())
    after = over_cells(portfolio, proposal.moves)
    assert after == over_cells(fixed_only(portfolio), ()) and after <= before
    reported = {
        (run.person, run.first_day) for run in proposal.remaining
    }  # every remaining run starts on a cell the recount still finds over capacity
    assert reported <= after
    assert sum(run.days for run in proposal.remaining) == len(after)
    for move in proposal.moves:
        source = next(
            t for b in portfolio.bids if b.id == move.bid for t in b.tasks if t.id == move.task
        )
        assert source.movable and move.new_start > move.old_start and move.shift_days > 0
        within = move.shift_days <= source.total_float_days
        assert (move.reason == "within_float") == within


@pytest.mark.parametrize("seed", range(40))
def test_every_link_holds_with_its_gap_after_leveling(seed):
    portfolio = random_portfolio(seed)
    starts = new_starts(portfolio, propose_leveling(portfolio))
    for schedule in portfolio.bids:
        for link in schedule.links:
            successor = working_index(starts[(schedule.id, link.successor)])
            predecessor = working_index(starts[(schedule.id, link.predecessor)])
            assert successor >= predecessor + link.start_gap_days


@pytest.mark.parametrize("seed", range(40))
def test_a_bid_is_never_delayed_by_a_lower_priority_one(seed):
    # the bids from the top down: adding the movable work of lower bids changes nothing above
    portfolio = random_portfolio(seed)
    full = new_starts(portfolio, propose_leveling(portfolio))
    ranked = sorted(portfolio.bids, key=lambda b: (-b.priority, b.submission_deadline, b.id))
    fixed = {b.id: b for b in fixed_only(portfolio).bids}
    for rank, schedule in enumerate(ranked):
        upper = [*ranked[: rank + 1], *(fixed[b.id] for b in ranked[rank + 1 :])]
        alone = Portfolio(tuple(upper), portfolio.people)
        partial = new_starts(alone, propose_leveling(alone))
        for item in schedule.tasks:
            assert partial[(schedule.id, item.id)] == full[(schedule.id, item.id)]


@pytest.mark.parametrize("seed", range(40))
def test_the_proposal_does_not_depend_on_input_order(seed):
    portfolio = random_portfolio(seed)
    proposal = propose_leveling(portfolio)
    assert propose_leveling(portfolio) == proposal
    rng = random.Random(seed)
    shuffled = Portfolio(
        tuple(
            replace(
                b,
                tasks=tuple(rng.sample(b.tasks, len(b.tasks))),
                links=tuple(rng.sample(b.links, len(b.links))),
            )
            for b in rng.sample(portfolio.bids, len(portfolio.bids))
        ),
        tuple(rng.sample(portfolio.people, len(portfolio.people))),
    )
    assert propose_leveling(shuffled) == proposal
