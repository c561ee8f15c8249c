"""Cost control in the planning core: EVM + S-curve of a large bid, a portfolio roll-up.

Informational figures (issue 7 states no speed target): the report endpoints spend their time
here plus the database reads. Elements are rebuilt for every repeat so no cache helps.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from tests.benchmarks.common import BenchRow, median_seconds
from wbs.costs import (
    BidCosts,
    CostLine,
    ExchangeRate,
    RateTable,
    WbsNode,
    roll_up,
    roll_up_portfolio,
)
from wbs.evm import DatedCost, EvElement, evm, time_phased

START = date(2027, 1, 4)
STATUS = date(2027, 6, 1)
CATEGORIES = ("travel", "client_entertainment", "presales_labour", "other")


def _elements(count: int, seed: int) -> list[EvElement]:
    rng = random.Random(seed)
    elements = []
    for index in range(count):
        start = START + timedelta(days=rng.randint(0, 250))
        finish = start + timedelta(days=rng.randint(0, 20))
        elements.append(
            EvElement(
                f"{seed}-{index}",
                Decimal(rng.randint(0, 10**7)) / 100,
                start,
                finish,
                percent_complete=Decimal(rng.randint(0, 100)),
                actual_costs=(DatedCost(start, Decimal(rng.randint(0, 10**6)) / 100),),
            )
        )
    return elements


def _bid_evm(tasks: int) -> float:
    seeds = iter(range(10**6))
    return median_seconds(lambda: time_phased(_elements(tasks, next(seeds)), STATUS) and evm(
        _elements(tasks, next(seeds)), STATUS
    ), repeats=5)  # fmt: skip


def _portfolio(bids: int, tasks: int) -> float:
    rng = random.Random(7)
    rates = RateTable([ExchangeRate("USD", "CNY", Decimal("7.1234"), START)])
    nodes = [WbsNode(str(i), None if i < 5 else str(i % 5)) for i in range(tasks)]

    def build() -> object:
        costs = []
        for bid in range(bids):
            lines = [
                CostLine(
                    str(rng.randrange(tasks)),
                    rng.choice(CATEGORIES),
                    budget=Decimal(rng.randint(0, 10**7)) / 100,
                    actual=Decimal(rng.randint(0, 10**6)) / 100,
                )
                for _ in range(tasks)
            ]
            rollup = roll_up(nodes, lines)
            costs.append(
                BidCosts(str(bid), str(bid % 3), rng.choice(["CNY", "USD"]), rollup.by_category)
            )
        return roll_up_portfolio(costs, rates, "CNY", STATUS)

    return median_seconds(build, repeats=3)


def run() -> list[BenchRow]:
    return [
        BenchRow("EVM + weekly S-curve, 500-task bid", f"{_bid_evm(500) * 1000:.0f} ms"),
        BenchRow("EVM + weekly S-curve, 5,000-task bid", f"{_bid_evm(5000) * 1000:.0f} ms"),
        BenchRow(
            "cost roll-up, 300 bids x 60 tasks, 2 currencies",
            f"{_portfolio(300, 60) * 1000:.0f} ms",
        ),
    ]
