"""The NumPy-free path of the scheduler (``compile_network(light=True)``, list columns).

``kampmo schedule`` on a plan of a few thousand tasks runs without importing NumPy at all;
these tests check that it gives exactly the NumPy path's schedule, and that the command's
process really stays free of NumPy and of the web stack.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wbs.calendar import WorkCalendar
from wbs.cpm import schedule
from wbs.network import topological_levels, topological_levels_lists
from wbs.plan import Constraint, ConstraintType, Link, LinkType, Plan, Task

REPO = Path(__file__).resolve().parents[2]


@st.composite
def day_plans(draw: st.DrawFn) -> Plan:
    """Day plans with summaries, milestones, every link type, constraints, deadlines and
    progress at a status date."""
    size = draw(st.integers(2, 14))
    tasks = [
        Task(f"t{n}", f"任务 {n}", draw(st.integers(0, 6)), parent="s" if n < 2 else None)
        for n in range(size)
    ]
    tasks.insert(0, Task("s", "阶段", 0, is_summary=True))
    links = []
    for successor in range(1, size):
        for predecessor in draw(st.sets(st.integers(0, successor - 1), max_size=2)):
            kind = draw(st.sampled_from(list(LinkType)))
            links.append(Link(f"t{predecessor}", f"t{successor}", kind, draw(st.integers(-2, 3))))
    for task in tasks[1:]:
        if draw(st.integers(0, 5)) == 0:
            task.deadline = date(2027, 3, draw(st.integers(1, 28)))
        if draw(st.integers(0, 5)) == 0:
            kind = draw(st.sampled_from([c for c in ConstraintType if c != ConstraintType.ASAP]))
            task.constraint = Constraint(kind, date(2027, 3, draw(st.integers(1, 28))))
        elif draw(st.integers(0, 7)) == 0:
            task.actual_start = date(2027, 3, draw(st.integers(1, 5)))
            task.percent_complete = draw(st.sampled_from([0.0, 50.0, 100.0]))
    status = date(2027, 3, 3) if draw(st.booleans()) else None
    return Plan(
        "light", date(2027, 3, 1), tasks, links, unit="day", status_date=status, calendar="CN"
    )


@settings(max_examples=120, deadline=None)
@given(day_plans())
def test_light_and_numpy_paths_agree_on_day_plans(plan: Plan) -> None:
    assert schedule(plan, method="python") == schedule(plan, method="numpy")


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 60), st.integers(0, 10_000))
def test_list_levels_equal_the_array_levels(size: int, seed: int) -> None:
    rng = random.Random(seed)
    pairs = {(a, b) for a, b in (sorted(rng.sample(range(size + 1), 2)) for _ in range(size * 2))}
    source = [a for a, _ in sorted(pairs)]
    target = [b for _, b in sorted(pairs)]
    level, order, bounds = topological_levels(
        size + 1, np.asarray(source, dtype=np.int64), np.asarray(target, dtype=np.int64)
    )
    assert topological_levels_lists(size + 1, source, target) == (
        level.tolist(),
        order.tolist(),
        bounds.tolist(),
    )


def test_working_dates_equal_dates_of() -> None:
    calendar = WorkCalendar.named("CN")
    first = calendar.index_at(date(2026, 12, 20))
    indices = np.arange(first, first + 400, dtype=np.int64)
    expected = calendar.dates_of(indices).astype(object).tolist()
    assert calendar.working_dates(first, first + 399) == expected


def test_schedule_command_runs_without_numpy_or_the_web_stack(tmp_path: Path) -> None:
    """A 2,500-task plan (above the NumPy passes' threshold): the command's process imports
    none of the heavy packages, and its output equals the NumPy path's."""
    rng = random.Random(3)
    plan = {
        "name": "无 NumPy",
        "start": "2027-01-04",
        "tasks": [
            {"id": f"t{n}", "name": f"任务 {n}", "duration_days": rng.randint(0, 5)}
            for n in range(2500)
        ],
        "links": [
            {"from": f"t{n - rng.randint(1, 50)}", "to": f"t{n}", "type": "FS", "lag_days": 1}
            for n in range(50, 2500)
        ],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    code = (
        "import contextlib, io, sys\n"
        "from app.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    status = main(['schedule', {str(path)!r}, '--json'])\n"
        "heavy = {'numpy', 'networkx', 'fastapi', 'sqlalchemy', 'pydantic', 'uvicorn',\n"
        "         'plotly', 'holidays', 'pandas'} & set(sys.modules)\n"
        "print(status, sorted(heavy))\n"
        "print(out.getvalue(), end='')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    first, line = done.stdout.split("\n", 1)
    assert first == "0 []"
    from wbs.formats import read_plan
    from wbs.serialize import schedule_to_json_line

    expected = schedule(read_plan(str(path)), method="numpy")
    assert json.loads(line) == json.loads(schedule_to_json_line(expected, str(path)))
