"""Leveling against PSPLIB's proven j30 optima (Demeulemeester & Herroelen, ``j30opt.sm``).

- A fixed sample of 20 j30 instances, one from every other parameter class and spread over
  the class members: CP-SAT reaches the proven optimum on each within 5 s, except on three
  instances of the low resource-strength classes 13, 25 and 29, the hardest of j30, where
  2 CP-SAT workers on this shared 2-core machine do not reliably get there in 5 s: those may
  end up to 2 periods above it (the benchmark reports the overall gap).
- The heuristic alone gives a feasible schedule (checked independently) on all 480.
"""

from __future__ import annotations

import pytest

from tests.benchmarks.bench_psplib_level import instance_paths, reference_makespans
from tests.wbs.rcpsp_checker import schedule_problems
from wbs.formats.psplib import read_psplib
from wbs.level import level

pytestmark = pytest.mark.conformance

SAMPLE = [f"j30{2 * k + 1}_{k % 10 + 1}" for k in range(20)]  # j301_1, j303_2, ... j3039_10
HARDEST = {"j3013_7": 2, "j3025_3": 2, "j3029_5": 2}  # allowed periods above the optimum


@pytest.fixture(scope="module")
def optima(kampmo_data):
    table = reference_makespans(kampmo_data, "j30")
    assert len(table) == 480
    return table


@pytest.mark.parametrize("name", SAMPLE)
def test_cp_sat_reaches_the_proven_optimum(kampmo_data, optima, name):
    plan = read_psplib(kampmo_data / "psplib" / "j30" / f"{name}.sm")
    schedule = level(plan, time_limit_seconds=5.0)
    assert schedule_problems(plan, schedule) == []
    assert optima[name] <= schedule.makespan <= optima[name] + HARDEST.get(name, 0)
    assert schedule.extra["lower_bound"] <= optima[name]


def test_heuristic_is_feasible_on_all_of_j30(kampmo_data, optima, conformance_report):
    paths = instance_paths(kampmo_data, "j30")
    assert len(paths) == 480
    failures = []
    for path in paths:
        plan = read_psplib(path)
        schedule = level(plan, use_cp_sat=False, time_limit_seconds=0.01)
        problems = schedule_problems(plan, schedule)
        if problems or schedule.makespan < optima[path.stem]:
            failures.append((path.stem, schedule.makespan, problems[:3]))
    conformance_report(
        f"PSPLIB j30 priority-rule fallback: {len(paths) - len(failures)}/{len(paths)} feasible"
    )
    assert failures == []
