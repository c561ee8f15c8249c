"""CPM on period plans against published answers: Vanhoucke's textbook networks (via the R
package criticalpath), its relation-type/lag cases, GLPK's house building and critpath's AoA
example. Period plans have no calendar: ES/EF/LS/LF are integer offsets from 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wbs.cpm import schedule
from wbs.plan import Link, LinkType, Plan, Task

pytestmark = pytest.mark.conformance

CPM = Path("cpm_examples")


def _load(root: Path, name: str) -> dict:
    return json.loads((root / CPM / name).read_text(encoding="utf-8"))


def _period_plan(activities: list[dict], relations: list[dict], key: str = "id") -> Plan:
    tasks = [Task(str(a[key]), str(a["name"]), int(a["duration"])) for a in activities]
    links = [
        Link(str(r["from"]), str(r["to"]), LinkType(r.get("type", "FS")), int(r.get("lag", 0)))
        for r in relations
    ]
    return Plan("conformance", 0, tasks, links, unit="period")


def _networks(root: Path) -> list[dict]:
    return _load(root, "criticalpath_R_vanhoucke/vanhoucke_textbook_networks.json")["networks"]


@pytest.mark.parametrize("method", ["python", "numpy"])
def test_vanhoucke_textbook_networks(kampmo_data: Path, conformance_report, method: str) -> None:
    agree = total = 0
    for network in _networks(kampmo_data):
        plan = _period_plan(network["activities"], network["relations"])
        result = schedule(plan, method=method)  # type: ignore[arg-type]
        assert result.duration == network["expected_duration"], network["name"]
        rows = result.by_id()
        for task_id, expected in network["expected_by_activity_id"].items():
            row = rows[task_id]
            got = {
                "early_start": row.early_start,
                "early_finish": row.early_finish,
                "late_start": row.late_start,
                "late_finish": row.late_finish,
                "total_float": row.total_float,
                "critical": row.critical,
            }
            assert {k: got[k] for k in expected} == expected, (network["name"], task_id)
            agree += 1
        total += len(network["expected_by_activity_id"])
    conformance_report(f"Vanhoucke textbook networks ({method}): {agree}/{total} activities agree")
    assert agree == total


def test_relation_type_lag_cases(kampmo_data: Path, conformance_report) -> None:
    """The package lets early starts go below 0 (no clamp at the project start) and lets a late
    finish exceed the project duration (no cap at the project finish); kampmo, like MS Project
    and P6, does neither. Every case whose published dates stay within [0, duration] must agree
    exactly; in the others (B pulled before 0, or A's late finish past the end, by an SS, FF or
    SF link with a negative lag or a short A) we check the standard answer instead: nothing
    starts before 0, every link is satisfied, the duration is the longest EF and no late finish
    passes it."""
    data = _load(kampmo_data, "criticalpath_R_vanhoucke/relation_type_lag_cases.json")
    exact = clamped = 0
    for case in data["cases"]:
        plan = _period_plan(case["activities"], case["relations"], key="name")
        result = schedule(plan)
        rows = {row.name: row for row in result.tasks}
        expected = case["expected"]
        standard = (
            min(v["early_start"] for v in expected.values()) >= 0
            and max(v["late_finish"] for v in expected.values()) <= case["expected_duration"]
        )
        if standard:
            assert result.duration == case["expected_duration"], case["case"]
            for name, values in expected.items():
                row = rows[name]
                assert (row.early_start, row.early_finish, row.late_start, row.late_finish) == (
                    values["early_start"],
                    values["early_finish"],
                    values["late_start"],
                    values["late_finish"],
                ), (case["case"], name)
            exact += 1
            continue
        assert all(row.early_start >= 0 for row in rows.values()), case["case"]
        for link in plan.links:
            a, b = rows[link.predecessor], rows[link.successor]
            a_point = a.early_finish if link.type in (LinkType.FS, LinkType.FF) else a.early_start
            b_point = b.early_finish if link.type in (LinkType.FF, LinkType.SF) else b.early_start
            assert b_point >= a_point + link.lag, (case["case"], link)
        assert result.duration == max(row.early_finish for row in rows.values())
        assert max(row.late_finish for row in rows.values()) == result.duration
        clamped += 1
    conformance_report(
        f"relation/lag cases: {exact} exact, {clamped} checked under the clamp convention"
    )
    assert exact + clamped == len(data["cases"])
    assert exact >= 20  # the inventory: a standard pass agrees on 20 of the 36


def test_glpk_house_building_makespan(kampmo_data: Path, conformance_report) -> None:
    data = _load(kampmo_data, "glpk_house_building/glpk_cpp_house.json")
    relations = [
        {"from": predecessor, "to": activity["id"]}
        for activity in data["activities"]
        for predecessor in activity["predecessors"]
    ]
    plan = _period_plan(data["activities"], relations)
    assert schedule(plan).duration == data["published_answer"]["makespan"] == 46
    conformance_report("GLPK house building: makespan 46 as published")


def test_critpath_activity_on_arrow_example(kampmo_data: Path, conformance_report) -> None:
    """critpath's AoA example: events are nodes of the arrows; an activity follows every
    activity ending at its start event."""
    import csv

    path = kampmo_data / CPM / "critpath_R_cran" / "cpmexample1.csv"
    with path.open(encoding="utf-8") as handle:
        arrows = list(csv.DictReader(handle))
    tasks = [Task(row["label"], row["label"], int(row["time"])) for row in arrows]
    links = [
        Link(first["label"], second["label"])
        for first in arrows
        for second in arrows
        if first["to"] == second["from"]
    ]
    result = schedule(Plan("critpath", 0, tasks, links, unit="period"))
    expected = _load(kampmo_data, "critpath_R_cran/expected_from_vignettes.json")["cpmexample1"]
    assert result.duration == expected["completion_time"] == 8
    conformance_report("critpath (R) cpmexample1: completion time 8 as published")
    rows = result.by_id()
    for label, values in expected["schedule"].items():
        row = rows[label]
        got = (row.early_start, row.late_start, row.early_finish, row.late_finish)
        assert got == (values["ES"], values["LS"], values["EF"], values["LF"]), label
        assert row.total_float == values["TF"], label
        assert row.free_float == values["FF"], label
    assert sorted(r.id for r in result.tasks if r.critical) == sorted(expected["critical"])
