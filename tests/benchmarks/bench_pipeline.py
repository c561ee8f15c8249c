"""The PMO forecast's cost: exact convolution at its limit, Monte Carlo on a large portfolio.

The forecast is computed on every ``/api/v1/pmo/forecast`` and ``/pmo`` request, so both paths
should stay well under a second on this 2-core machine.
"""

from __future__ import annotations

from decimal import Decimal

from tests.benchmarks.common import BenchRow, median_seconds
from wbs.pipeline import EXACT_LIMIT, MONTE_CARLO_DRAWS, Outcome, forecast

TARGET_SECONDS = 1.0


def _portfolio(size: int) -> list[Outcome]:
    """Values whose subset sums all differ up to 30 bids (nothing merges: the exact method's
    worst case, 2 ** size sums), probabilities 5-95 %."""
    return [
        Outcome(Decimal(1_000_000 * (i + 1) + 2 ** (i % 30)) / 100, 5 + (i * 13) % 91, "CNY")
        for i in range(size)
    ]


def run() -> list[BenchRow]:
    rows = []
    for label, size in (
        (f"forecast, exact convolution, {EXACT_LIMIT} bids", EXACT_LIMIT),
        (f"forecast, Monte Carlo ({MONTE_CARLO_DRAWS} draws), 1000 bids", 1000),
    ):
        outcomes = _portfolio(size)
        seconds = median_seconds(lambda o=outcomes: forecast(o), repeats=3)
        rows.append(
            BenchRow(label, f"{seconds * 1000:.0f} ms", f"< {TARGET_SECONDS:.0f} s", seconds < 1)
        )
    return rows


if __name__ == "__main__":
    from tests.benchmarks.common import format_table

    print(format_table(run()))
