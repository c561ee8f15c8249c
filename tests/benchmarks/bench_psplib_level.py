"""PSPLIB leveling quality (issue 6): `kampmo level` on the j30 and j60 sets, 1 s per instance.

Targets: j30 mean makespan within 0.2 % of the proven optima (``j30opt.sm``), j60 within 1 % of
the best known upper bounds (``j60hrs.sm``), every schedule feasible (checked independently by
``tests.wbs.rcpsp_checker``), at most 1 s per instance. The heuristic alone is reported
separately (informational).

Run one set: ``python -m tests.benchmarks.bench_psplib_level j30`` (or ``j60``); ``make bench``
/ ``python -m tests.benchmarks psplib_level`` run the sets in ``KAMPMO_BENCH_PSPLIB_SETS``
(default ``j30,j60``). ``KAMPMO_BENCH_PSPLIB_STEP=k`` takes every k-th instance (a quick look).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks.common import BenchRow, format_table
from tests.conftest import data_root
from tests.wbs.rcpsp_checker import schedule_problems

TIME_LIMIT_SECONDS = 1.0
HEURISTIC_SECONDS = 0.3  # what the heuristic gets inside a 1 s `level` call
TARGET_GAP_PERCENT = {"j30": 0.2, "j60": 1.0}
REFERENCE = {"j30": "proven optimum", "j60": "best known upper bound"}


def reference_makespans(root: Path, set_name: str) -> dict[str, int]:
    """Instance name (``j301_1``) -> the table's makespan: j30opt.sm for j30, jXXhrs.sm else."""
    folder = root / "psplib" / "solutions" / "psplib_original"
    path = folder / ("j30opt.sm" if set_name == "j30" else f"{set_name}hrs.sm")
    table: dict[str, int] = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        words = line.split()
        if len(words) >= 3 and all(word.isdigit() for word in words[:3]):
            table[f"{set_name}{words[0]}_{words[1]}"] = int(words[2])
    return table


def instance_paths(root: Path, set_name: str, step: int = 1) -> list[Path]:
    paths = sorted((root / "psplib" / set_name).glob("*.sm"), key=_natural_key)
    return paths[::step]


def _natural_key(path: Path) -> tuple[int, int]:
    parameter, instance = path.stem[3:].split("_")
    return int(parameter), int(instance)


@dataclass(slots=True)
class SetResult:
    count: int
    feasible: int
    mean_gap_percent: float
    max_seconds: float
    mean_seconds: float
    optimal_hits: int


def measure(
    set_name: str, *, use_cp_sat: bool, time_limit_seconds: float, step: int = 1
) -> SetResult:
    from wbs.formats.psplib import read_psplib
    from wbs.level import level

    root = data_root()
    if root is None:
        raise RuntimeError("PSPLIB data not found: set KAMPMO_DATA")
    reference = reference_makespans(root, set_name)
    gaps: list[float] = []
    seconds: list[float] = []
    feasible = hits = 0
    _warm_up()
    for path in instance_paths(root, set_name, step):
        plan = read_psplib(path)
        started = time.perf_counter()
        schedule = level(plan, time_limit_seconds=time_limit_seconds, use_cp_sat=use_cp_sat)
        seconds.append(time.perf_counter() - started)
        if not schedule_problems(plan, schedule):
            feasible += 1
        best = reference[path.stem]
        assert schedule.makespan is not None
        gaps.append(100.0 * (schedule.makespan - best) / best)
        hits += schedule.makespan <= best
    return SetResult(
        len(gaps),
        feasible,
        statistics.fmean(gaps),
        max(seconds),
        statistics.fmean(seconds),
        hits,
    )


def _warm_up() -> None:
    """Import OR-Tools once, so the first instance is not charged for it."""
    from wbs.level_rcpsp import Distance, Rcpsp, cpsat_schedule

    tiny = Rcpsp([1, 1], [[1], [1]], [1], [Distance(0, 1, 1)])
    cpsat_schedule(tiny, upper_bound=2, time_limit_seconds=0.1)


def rows_for(set_name: str, step: int = 1) -> list[BenchRow]:
    target = TARGET_GAP_PERCENT[set_name]
    solver = measure(set_name, use_cp_sat=True, time_limit_seconds=TIME_LIMIT_SECONDS, step=step)
    heuristic = measure(set_name, use_cp_sat=False, time_limit_seconds=HEURISTIC_SECONDS, step=step)
    reference = REFERENCE[set_name]
    all_feasible = solver.feasible == solver.count
    return [
        BenchRow(
            f"{set_name} CP-SAT mean gap to {reference}",
            f"{solver.mean_gap_percent:.3f} % ({solver.feasible}/{solver.count} feasible, "
            f"{solver.optimal_hits} reach it)",
            f"<= {target} %, all feasible",
            solver.mean_gap_percent <= target and all_feasible,
        ),
        BenchRow(
            f"{set_name} CP-SAT seconds per instance",
            f"max {solver.max_seconds:.2f} s, mean {solver.mean_seconds:.2f} s",
            f"<= {TIME_LIMIT_SECONDS:.0f} s",
            solver.max_seconds <= TIME_LIMIT_SECONDS * 1.05,
        ),
        BenchRow(
            f"{set_name} heuristic alone ({HEURISTIC_SECONDS} s) mean gap to {reference}",
            f"{heuristic.mean_gap_percent:.3f} % ({heuristic.feasible}/{heuristic.count} "
            f"feasible), max {heuristic.max_seconds:.2f} s",
            "all feasible (several % off is expected)",
            heuristic.feasible == heuristic.count,
        ),
    ]


def run(sets: list[str] | None = None) -> list[BenchRow]:
    wanted = sets or os.environ.get("KAMPMO_BENCH_PSPLIB_SETS", "j30,j60").split(",")
    step = int(os.environ.get("KAMPMO_BENCH_PSPLIB_STEP", "1"))
    rows: list[BenchRow] = []
    for set_name in wanted:
        rows.extend(rows_for(set_name.strip(), step))
    return rows


if __name__ == "__main__":
    print(format_table(run(sys.argv[1:] or None)))
