"""`kampmo schedule` / `kampmo level` offline commands and the contract's JSON output."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
import types
from datetime import date, datetime

import pytest

from tests.wbs.test_formats_psplib import SMALL_SM
from wbs import offline
from wbs.offline import main_level, main_schedule
from wbs.plan import Plan
from wbs.result import Schedule, TaskSchedule
from wbs.serialize import schedule_to_contract, schedule_to_json_line

CONTRACT_TASK_KEYS = [
    "id", "name", "start", "finish", "early_start", "early_finish", "late_start", "late_finish",
    "total_float", "free_float", "critical", "driving_predecessor",
]  # fmt: skip
HAS_ENGINE = importlib.util.find_spec("wbs.cpm") is not None

PLAN = {
    "name": "链式计划",
    "start": "2027-01-04",
    "tasks": [
        {"id": "t1", "name": "需求", "duration_days": 3},
        {"id": "t2", "name": "方案", "duration_days": 2},
        {"id": "t3", "name": "side", "duration_days": 1},
    ],
    "links": [{"from": "t1", "to": "t2", "type": "FS", "lag_days": 0}],
}


def _task(task_id: str, start, finish, total_float: int = 0) -> TaskSchedule:
    return TaskSchedule(
        task_id, f"name {task_id}", start, finish, start, finish, start, finish,
        total_float, 0, total_float <= 0, None,
    )  # fmt: skip


# ----------------------------------------------------------------------------- serialization


def test_day_schedule_serializes_iso_dates() -> None:
    d1, d2 = date(2027, 1, 4), date(2027, 1, 8)
    schedule = Schedule(d1, d2, 5, "day", [_task("t1", d1, d2)])
    result = schedule_to_contract(schedule, "plan.json")
    assert list(result) == [
        "source",
        "project_start",
        "project_finish",
        "duration",
        "unit",
        "tasks",
    ]
    assert result["source"] == "plan.json"
    assert (result["project_start"], result["project_finish"]) == ("2027-01-04", "2027-01-08")
    assert result["unit"] == "day"
    (task,) = result["tasks"]
    assert list(task) == CONTRACT_TASK_KEYS
    assert task["start"] == "2027-01-04"
    assert task["critical"] is True
    json.dumps(result)  # plain JSON types only


def test_minute_and_period_schedules() -> None:
    start, finish = datetime(2027, 1, 4, 8), datetime(2027, 1, 4, 17)
    minutes = schedule_to_contract(
        Schedule(start, finish, 480, "minute", [_task("1", start, finish)]), "a.xml"
    )
    assert minutes["tasks"][0]["finish"] == "2027-01-04T17:00:00"
    periods = schedule_to_contract(Schedule(0, 7, 7, "period", [_task("1", 0, 7)]), "a.sm")
    assert periods["project_finish"] == 7
    assert periods["tasks"][0]["start"] == 0


def test_leveled_schedule_adds_makespan_and_resources() -> None:
    task = _task("2", 0, 5)
    task.resources = {"R1": 2}
    result = schedule_to_contract(Schedule(0, 5, 5, "period", [task], makespan=5), "x.sm")
    assert result["makespan"] == 5
    assert result["tasks"][0]["resources"] == {"R1": 2}


def test_json_line_equals_json_dumps_of_the_contract() -> None:
    d1, d2 = date(2027, 1, 4), date(2027, 1, 8)
    odd = _task('引号"\\ and \n', d1, d2, total_float=-3)
    odd.driving_predecessor = "t0"
    odd.resources = {"售前": 2}
    cases = [
        Schedule(d1, d2, 5, "day", [_task("t1", d1, d2), odd], warnings=["截止日期 missed"]),
        Schedule(datetime(2027, 1, 4, 8), datetime(2027, 1, 4, 17), 480, "minute", [
            _task("1", datetime(2027, 1, 4, 8), datetime(2027, 1, 4, 17))
        ]),
        Schedule(0, 7, 7, "period", [odd], makespan=7),
        Schedule(0, 0, 0, "period", []),
    ]  # fmt: skip
    for schedule in cases:
        expected = json.dumps(
            schedule_to_contract(schedule, "计划.json"), ensure_ascii=False, separators=(",", ":")
        )
        assert schedule_to_json_line(schedule, "计划.json") == expected


# ----------------------------------------------------------------------------- the command plumbing


@pytest.fixture
def fake_engine(monkeypatch):
    """A stand-in engine recording the plans it gets (the real one is tested below)."""
    seen: list[Plan] = []

    def schedule(plan: Plan) -> Schedule:
        seen.append(plan)
        return Schedule(
            plan.start,
            plan.start,
            0,
            plan.unit,
            [_task(t.id, plan.start, plan.start) for t in plan.tasks],
        )

    def level(plan: Plan, time_limit_seconds: float = 1.0) -> Schedule:
        seen.append(plan)
        result = schedule(plan)
        result.makespan = 0
        return result

    monkeypatch.setattr(offline, "COLUMNAR", False)  # the columnar path has its own engine
    monkeypatch.setitem(sys.modules, "wbs.cpm", types.SimpleNamespace(schedule=schedule))
    monkeypatch.setitem(sys.modules, "wbs.level", types.SimpleNamespace(level=level))
    return seen


def _write(tmp_path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_one_line_per_input_and_error_lines(tmp_path, fake_engine) -> None:
    good = _write(tmp_path, "plan.json", json.dumps(PLAN, ensure_ascii=False))
    broken = _write(tmp_path, "broken.json", '{"name": "x", "start": "2027-01-04", "tasks": [{}]}')
    missing = str(tmp_path / "missing.xml")
    psplib = _write(tmp_path, "small.sm", SMALL_SM)
    out = io.StringIO()
    status = main_schedule([good, broken, missing, psplib, "--calendar", "CN", "--json"], out=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert status == 1
    assert [line["source"] for line in lines] == [good, broken, missing, psplib]
    assert "tasks" in lines[0] and "error" not in lines[0]
    assert lines[1] == {"source": broken, "error": "tasks[0].id: must be a string"}
    assert "cannot read" in lines[2]["error"]
    assert lines[3]["unit"] == "period"
    assert fake_engine[0].calendar == "CN"  # --calendar overrides the JSON plan's calendar
    assert fake_engine[1].calendar is None  # ... and leaves other formats alone


def test_all_good_exits_zero(tmp_path, fake_engine) -> None:
    good = _write(tmp_path, "plan.json", json.dumps(PLAN))
    out = io.StringIO()
    assert main_schedule([good, "--json"], out=out) == 0
    assert len(out.getvalue().splitlines()) == 1


def test_level_adds_resources_from_the_plan(tmp_path, fake_engine) -> None:
    psplib = _write(tmp_path, "small.sm", SMALL_SM)
    out = io.StringIO()
    assert main_level([psplib, "--time-limit", "0.5", "--json"], out=out) == 0
    result = json.loads(out.getvalue())
    assert result["makespan"] == 0
    assert result["tasks"][2]["resources"] == {"R1": 1, "R2": 3}


def test_start_up_imports_no_web_stack_or_plotting() -> None:
    code = (
        "import sys, wbs.offline, wbs.formats, wbs.formats.jsonplan, wbs.formats.mspdi, "
        "wbs.formats.psplib, wbs.serialize\n"
        "heavy = {'fastapi', 'sqlalchemy', 'plotly', 'openpyxl', 'pandas', 'app'}\n"
        "heavy &= set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- with the real engine


@pytest.mark.skipif(not HAS_ENGINE, reason="wbs.cpm (the engine) has not landed yet")
def test_real_engine_hand_computed_chain(tmp_path) -> None:
    """Mon 2027-01-04: t1 (3 d) then t2 (2 d) -> Mon..Wed and Thu..Fri; t3 (1 d) floats 4 days."""
    good = _write(tmp_path, "plan.json", json.dumps(PLAN))
    out = io.StringIO()
    assert main_schedule([good, "--json"], out=out) == 0
    result = json.loads(out.getvalue())
    assert (result["project_start"], result["project_finish"]) == ("2027-01-04", "2027-01-08")
    assert result["duration"] == 5
    assert result["unit"] == "day"
    tasks = {task["id"]: task for task in result["tasks"]}
    assert list(tasks["t1"]) == CONTRACT_TASK_KEYS
    assert (tasks["t1"]["start"], tasks["t1"]["finish"]) == ("2027-01-04", "2027-01-06")
    assert (tasks["t2"]["start"], tasks["t2"]["finish"]) == ("2027-01-07", "2027-01-08")
    assert tasks["t2"]["driving_predecessor"] == "t1"
    assert (tasks["t3"]["total_float"], tasks["t3"]["critical"]) == (4, False)
    assert tasks["t3"]["late_start"] == "2027-01-08"


@pytest.mark.skipif(not HAS_ENGINE, reason="wbs.cpm (the engine) has not landed yet")
def test_real_engine_psplib_period_plan(tmp_path) -> None:
    """The hand-written .sm instance: job 2 (5) and job 3 (2) in parallel -> 5 periods."""
    psplib = _write(tmp_path, "small.sm", SMALL_SM)
    out = io.StringIO()
    assert main_schedule([psplib, "--json"], out=out) == 0
    result = json.loads(out.getvalue())
    assert (result["project_start"], result["project_finish"], result["duration"]) == (0, 5, 5)
    job3 = next(task for task in result["tasks"] if task["id"] == "3")
    assert (job3["early_start"], job3["early_finish"], job3["total_float"]) == (0, 2, 3)
