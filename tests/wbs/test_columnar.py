"""The columnar path of ``kampmo schedule`` (issue 19) against the full one, byte for byte.

Each plan is written as a JSON file and scheduled both ways: the full path (``read_plan`` ->
``wbs.cpm.schedule`` -> ``schedule_to_json_line``) and the columnar one (``main_schedule``,
which takes ``wbs.columnar`` for flat JSON plans). The lines must be equal, and the lazily
built ``Schedule`` equal to the full path's, field for field. Random plans carry every link
type, negative and elapsed lags, every constraint type, deadlines, progress at a status date,
milestones, holiday calendars, awkward names and integer ids; the JSON plans made from the
published CPM examples in ``KAMPMO_DATA/cpm_examples`` are compared as well.
"""

from __future__ import annotations

import io
import json
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from wbs import offline
from wbs.columnar import schedule_columns
from wbs.cpm import schedule
from wbs.formats import read_plan
from wbs.formats.jsonplan_columnar import NotColumnar, read_plan_columns
from wbs.offline import main_schedule
from wbs.serialize import schedule_to_json_line

START = date(2027, 1, 4)
CONSTRAINTS = ("ASAP", "ALAP", "SNET", "SNLT", "FNET", "FNLT", "MSO", "MFO")
NAMES = ("任务", 'say "hi"', "back\\slash", "tab\there", "line\nbreak", "ctl\x01", "🙂 emoji")


def _day(rng: random.Random, spread: int = 120) -> str:
    return (START + timedelta(days=rng.randint(-5, spread))).isoformat()


def random_plan(seed: int, size: int | None = None) -> dict:
    """A random flat JSON plan exercising what the scheduler honours."""
    rng = random.Random(seed)
    size = size or rng.randint(1, 60)
    tasks = []
    for number in range(size):
        task: dict = {
            "id": number if rng.random() < 0.1 else f"t{number}",
            "name": f"{rng.choice(NAMES)} {number}",
            "duration_days": rng.choice((0, 1, 2, 3, 5, 8, 13)),
        }
        if rng.random() < 0.15:
            kind = rng.choice(CONSTRAINTS)
            task["constraint"] = {"type": kind}
            if kind not in ("ASAP", "ALAP"):
                task["constraint"]["date"] = _day(rng)
        if rng.random() < 0.1:
            task["deadline"] = _day(rng, 60)
        if rng.random() < 0.05:
            task["milestone"] = rng.random() < 0.5
        if rng.random() < 0.1:
            task["actual_start"] = _day(rng, 20)
            if rng.random() < 0.4:
                task["actual_finish"] = (
                    date.fromisoformat(task["actual_start"]) + timedelta(days=rng.randint(0, 9))
                ).isoformat()
            elif rng.random() < 0.5:
                task["percent_complete"] = rng.choice((0, 10, 50.5, 99))
            else:
                task["remaining_days"] = rng.randint(0, 6)
        if rng.random() < 0.05:
            task["owner"] = "presales-1"
            task["resources"] = {"presales-1": 1}
        if rng.random() < 0.05:
            task["risk_note"] = "an unknown field, ignored"
        tasks.append(task)
    links = []
    seen = set()
    for _ in range(int(size * rng.uniform(0.5, 2.5))):
        if size < 2:
            break
        first, second = sorted(rng.sample(range(size), 2))
        if (first, second) in seen:
            continue
        seen.add((first, second))
        link: dict = {"from": tasks[first]["id"], "to": tasks[second]["id"]}
        if rng.random() < 0.7:
            link["type"] = rng.choice(("FS", "SS", "FF", "SF"))
        if rng.random() < 0.7:
            link["lag_days"] = rng.randint(-3, 4)
        if rng.random() < 0.05:
            link["elapsed"] = True
        links.append(link)
    plan: dict = {"name": f"random {seed}", "start": START.isoformat(), "tasks": tasks}
    plan["links"] = links
    calendar = rng.choice((None, "standard", "CN", "US", "office"))
    if calendar == "office":
        plan["calendars"] = [
            {
                "name": "office",
                "holidays_country": "CN",
                "weekly": {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "sat")},
                "exceptions": {"2027-02-10": []},
            }
        ]
    if calendar is not None:
        plan["calendar"] = calendar
    if rng.random() < 0.3:
        plan["status_date"] = _day(rng, 15)
    if rng.random() < 0.3:
        plan["finish_deadline"] = _day(rng, 90)
    if rng.random() < 0.2:
        plan["resources"] = [{"id": "presales-1", "capacity": 2}]
    return plan


def _full_line(path: Path) -> str:
    return schedule_to_json_line(schedule(read_plan(path)), str(path)) + "\n"


def _command_output(path: Path, *extra: str) -> str:
    out = io.StringIO()
    main_schedule([str(path), "--json", *extra], out=out)
    return out.getvalue()


def _check_both_ways(path: Path) -> None:
    """The columnar path is taken, and agrees with the full path byte for byte."""
    columns = read_plan_columns(path.read_bytes())  # raises NotColumnar if it would fall back
    lazy = schedule_columns(columns).schedule()
    assert lazy == schedule(read_plan(path))
    assert _command_output(path) == _full_line(path)


@pytest.mark.parametrize("seed", range(120))
def test_random_plans_both_ways(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(random_plan(seed), ensure_ascii=seed % 2 == 0), encoding="utf-8")
    _check_both_ways(path)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_plans_on_the_numpy_passes(tmp_path: Path, seed: int) -> None:
    """2,500 tasks: both paths run the NumPy passes (NumPy is imported in the test process)."""
    import numpy  # noqa: F401  (the size rule takes the NumPy passes once it is loaded)

    path = tmp_path / "plan.json"
    path.write_text(json.dumps(random_plan(seed, 2500)), encoding="utf-8")
    _check_both_ways(path)


def test_calendar_option_overrides_on_both_paths(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(random_plan(7, 40)), encoding="utf-8")
    plan = read_plan(path)
    plan.calendar = "CN"
    expected = schedule_to_json_line(schedule(plan), str(path)) + "\n"
    assert _command_output(path, "--calendar", "CN") == expected


def _cpm_example_plans(root: Path) -> list[tuple[str, dict]]:
    """The published CPM examples as JSON day plans (ids as the examples give them)."""
    folder = root / "cpm_examples"
    plans = []
    networks = json.loads(
        (folder / "criticalpath_R_vanhoucke/vanhoucke_textbook_networks.json").read_text()
    )["networks"]
    for number, network in enumerate(networks):
        tasks = [
            {"id": a["id"], "name": str(a["name"]), "duration_days": int(a["duration"])}
            for a in network["activities"]
        ]
        links = [
            {"from": r["from"], "to": r["to"], "type": r.get("type", "FS"), "lag_days": r["lag"]}
            if "lag" in r
            else {"from": r["from"], "to": r["to"], "type": r.get("type", "FS")}
            for r in network["relations"]
        ]
        plans.append((f"vanhoucke-{number}", {"tasks": tasks, "links": links}))
    cases = json.loads(
        (folder / "criticalpath_R_vanhoucke/relation_type_lag_cases.json").read_text()
    )["cases"]
    for number, case in enumerate(cases):
        tasks = [
            {"id": a["name"], "name": a["name"], "duration_days": a["duration"]}
            for a in case["activities"]
        ]
        links = [
            {"from": r["from"], "to": r["to"], "type": r["type"], "lag_days": r["lag"]}
            for r in case["relations"]
        ]
        plans.append((f"relation-{number}", {"tasks": tasks, "links": links}))
    house = json.loads((folder / "glpk_house_building/glpk_cpp_house.json").read_text())
    tasks = [
        {"id": a["id"], "name": a["name"], "duration_days": a["duration"]}
        for a in house["activities"]
    ]
    links = [{"from": p, "to": a["id"]} for a in house["activities"] for p in a["predecessors"]]
    plans.append(("glpk-house", {"tasks": tasks, "links": links}))
    return [
        (name, {"name": name, "start": START.isoformat(), **body, "calendar": "CN"})
        for name, body in plans
    ]


def test_published_cpm_examples_both_ways(tmp_path: Path, kampmo_data: Path) -> None:
    plans = _cpm_example_plans(kampmo_data)
    assert len(plans) > 30
    for name, plan in plans:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        _check_both_ways(path)


@pytest.mark.parametrize(
    "plan",
    [
        {
            "name": "summary",
            "start": "2027-01-04",
            "tasks": [
                {"id": "s", "name": "S", "summary": True},
                {"id": "a", "name": "A", "duration_days": 2, "parent": "s"},
            ],
        },
        {
            "name": "own calendar",
            "start": "2027-01-04",
            "tasks": [
                {"id": "a", "duration_days": 2, "calendar": "24h"},
            ],
        },
        {
            "name": "cycle",
            "start": "2027-01-04",
            "tasks": [{"id": "a"}, {"id": "b"}],
            "links": [{"from": "a", "to": "b"}, {"from": "b", "to": "a"}],
        },
        {"name": "bad", "start": "2027-01-04", "tasks": [{"id": "a", "duration_days": -1}]},
        {"name": "bad", "start": "2027-01-04", "tasks": [{"id": "a", "duration_days": 2.0}]},
        {"name": "bad", "start": "2027-01-04", "tasks": [{"id": "a", "summary": 0}]},
        {"name": "bad", "start": "2027-01-04", "tasks": [{"id": "a", "percent_complete": False}]},
        {"name": "bad", "start": "2027-01-04", "tasks": [{"id": "a", "budget": "1.234"}]},
        {"name": "bad", "start": "2027-01-04", "tasks": [{"id": "a"}, {"id": "a"}]},
        {
            "name": "bad",
            "start": "2027-01-04",
            "tasks": [{"id": "a"}],
            "links": [{"from": "a", "to": "zz"}],
        },
        {"name": "bad", "start": "2027-13-01", "tasks": []},
        {"start": "2027-01-04", "tasks": []},
        [],
    ],
)
def test_what_the_columns_do_not_hold_takes_the_full_path(tmp_path: Path, plan) -> None:
    """Summaries, task calendars, cycles and every invalid plan fall back: the same line
    (a schedule, or the full reader's error) as before."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    with pytest.raises(NotColumnar):
        schedule_columns(read_plan_columns(path.read_bytes()))
    expected = io.StringIO()
    offline._run([str(path)], schedule, True, expected)  # the full path alone
    assert _command_output(path) == expected.getvalue()


def test_empty_plan_and_milestones_only(tmp_path: Path) -> None:
    for plan in (
        {"name": "empty", "start": "2027-01-09", "tasks": []},
        {
            "name": "m",
            "start": "2027-01-09",
            "tasks": [{"id": "a"}, {"id": "b"}],
            "links": [{"from": "a", "to": "b", "type": "FF", "lag_days": 2}],
        },
    ):
        path = tmp_path / "plan.json"
        path.write_text(json.dumps(plan), encoding="utf-8")
        _check_both_ways(path)
