"""Portfolio resource conflicts (issue 6): 300 open bids of 50 tasks each booking 40 people
(a team of four per bid, two tasks in three booking one of them, chains with parallel
branches, bids starting over two years, CN calendar): the load per person and day, the
over-allocations, and a leveling proposal (a serial schedule-generation pass over the whole
portfolio), with the conflicts before and after it.

Target (ours): each step at most 2 s median on this 2-core machine, so the PMO page and the
API answer interactively for a portfolio well beyond a real marketing PMO's.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from tests.benchmarks.common import BenchRow, median_seconds
from wbs.calendar import WorkCalendar
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
)

BIDS, TASKS, PEOPLE = 300, 50, 40
TARGET_SECONDS = 2.0


def portfolio(seed: int = 6) -> Portfolio:
    rng = random.Random(seed)
    calendar = WorkCalendar.named("CN")
    origin = calendar.index_at(date(2027, 1, 4))
    people = tuple(Person(f"p{i}", f"顾问{i}") for i in range(PEOPLE))
    bids = []
    for number in range(BIDS):
        team = rng.sample([person.id for person in people], 4)
        position = origin + rng.randrange(0, 500)
        tasks, links = [], []
        for index in range(TASKS):
            duration = rng.randint(1, 8)
            parallel = index and rng.random() < 0.3  # a branch beside the previous task
            start = tasks[-1][1] if parallel else position
            tasks.append((index, start, duration))
            if index:
                links.append(StartLink(f"t{index - 1}", f"t{index}", start - tasks[-2][1]))
            position = max(position, start + duration)
        finish = position
        scheduled = tuple(
            ScheduledTask(
                f"t{index}",
                f"任务 {index}",
                calendar.start_at(start),  # type: ignore[arg-type]
                duration,
                total_float_days=rng.choice([0, 0, 3, 10]),
                # two tasks in three need one of the team; the rest is the customer's or others'
                bookings=(Booking(rng.choice(team), rng.choice([0.5, 1.0])),)
                if rng.random() < 2 / 3
                else (),
            )
            for index, start, duration in tasks
        )
        deadline = calendar.start_at(finish + rng.randint(-5, 20))
        bids.append(
            BidSchedule(
                f"B{number}",
                f"投标 {number}",
                Decimal(rng.randint(1, 100) * 100_000),
                rng.choice([20, 35, 50, 70, 90]),
                rng.choice(["strategic", "key", "growth", "standard"]),
                deadline if isinstance(deadline, date) else None,
                scheduled,
                tuple(links),
                calendar,
            )
        )
    return Portfolio(tuple(bids), people, level_from=date(2027, 1, 4) - timedelta(days=1))


def run() -> list[BenchRow]:
    data = portfolio()
    load = median_seconds(lambda: daily_loads(data), repeats=3)
    conflicts = median_seconds(lambda: over_allocations(data), repeats=3)
    proposal = median_seconds(lambda: propose_leveling(data), repeats=3)
    result = propose_leveling(data)
    label = f"{BIDS} bids x {TASKS} tasks, {PEOPLE} people"
    target = f"<= {TARGET_SECONDS:.0f} s"
    return [
        BenchRow(
            f"portfolio load per person-day ({label})",
            f"{load:.2f} s",
            target,
            load <= TARGET_SECONDS,
        ),
        BenchRow(
            f"portfolio over-allocations ({label})",
            f"{conflicts:.2f} s",
            target,
            conflicts <= TARGET_SECONDS,
        ),
        BenchRow(
            f"portfolio leveling proposal ({label})",
            f"{proposal:.2f} s",
            target,
            proposal <= TARGET_SECONDS,
        ),
        BenchRow(
            "portfolio leveling: conflicts before -> remaining, moves, deadline breaches",
            f"{len(result.before)} -> {len(result.remaining)}, {len(result.moves)} moves, "
            f"{len(result.deadline_breaches)} breaches",
        ),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
