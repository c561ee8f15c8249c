"""Helpers shared by the benchmarks: median timing and the table printer."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class BenchRow:
    benchmark: str  # what was measured
    value: str  # the measured figure, with its unit
    target: str = ""  # what the issue asks for
    ok: bool | None = None  # None: informational (a peer or reference figure)


def median_seconds(action: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``action`` over ``repeats`` runs, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        action()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def format_table(rows: list[BenchRow]) -> str:
    header = ("benchmark", "measured", "target", "ok")
    body = [
        (row.benchmark, row.value, row.target, {True: "yes", False: "NO", None: ""}[row.ok])
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(4)]
    lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(header, widths)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += [
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths)) + " |" for line in body
    ]
    return "\n".join(lines)
