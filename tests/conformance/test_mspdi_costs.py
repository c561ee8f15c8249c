"""kampmo's actual cost of imported MS Project plans equals MS Project's own ACWP, to the cent.

The oracle is read straight from the XML here (``ACWP`` of every task and assignment, stored by
MS Project in hundredths of the currency); kampmo's side is ``wbs.formats.mspdi.read_mspdi``
followed by ``wbs.costs.plan_cost_rollup`` (a work task's AC = the sum of its assignments'
actual costs; summaries and the project = the roll-up of their children).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from wbs.costs import assignment_actual_costs, plan_cost_rollup
from wbs.formats.mspdi import read_mspdi

pytestmark = pytest.mark.conformance

NS = "{http://schemas.microsoft.com/project}"
FILES = ["mspdiresource.xml", "mspdiassignmentfields.xml"]


def _acwp(element: ET.Element) -> Decimal:
    text = element.findtext(NS + "ACWP")
    assert text is not None
    return (Decimal(text) / 100).quantize(Decimal("0.01"))


def _oracle(path: Path) -> tuple[dict[str, Decimal], dict[tuple[str, str], Decimal]]:
    root = ET.parse(path).getroot()
    tasks = {
        task.findtext(NS + "UID", ""): _acwp(task)
        for task in root.iter(NS + "Task")
        if task.findtext(NS + "ACWP") is not None
    }
    assignments = {
        (item.findtext(NS + "TaskUID", ""), item.findtext(NS + "UID", "")): _acwp(item)
        for item in root.iter(NS + "Assignment")
        if item.findtext(NS + "TaskUID", "") in tasks and item.findtext(NS + "TaskUID") != "0"
    }
    return tasks, assignments


@pytest.mark.parametrize("name", FILES)
def test_actual_cost_equals_ms_project_acwp(
    kampmo_data: Path, name: str, conformance_report
) -> None:
    path = kampmo_data / "msproject" / "mpxj_junit_data" / name
    expected_tasks, expected_assignments = _oracle(path)
    plan = read_mspdi(path)
    rollup = plan_cost_rollup(plan)

    project_acwp = expected_tasks.pop("0")
    assert rollup.total.actual == project_acwp
    assert {task.id for task in plan.tasks} == set(expected_tasks)
    for task_id, acwp in expected_tasks.items():
        assert rollup.by_element[task_id].actual == acwp, f"{name} task {task_id}"
    assert assignment_actual_costs(plan) == expected_assignments
    assert any(acwp > 0 for acwp in expected_tasks.values())  # not a vacuous all-zero check
    conformance_report(
        f"MSPDI ACWP {name}: {len(expected_tasks)} tasks and "
        f"{len(expected_assignments)} assignments equal MS Project to the cent"
    )
