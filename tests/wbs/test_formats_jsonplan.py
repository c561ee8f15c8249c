"""kampmo's JSON plan: the contract's core, the extensions, error paths, and the JSON Schema."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal

import pytest

from wbs.formats import FormatError, read_plan
from wbs.formats.jsonplan import SCHEMA_PATH, plan_from_json, read_json_plan, write_json_plan
from wbs.plan import Constraint, ConstraintType, Link, LinkType

# The example of CONTRACT.md, completed with a second task.
CONTRACT_EXAMPLE = {
    "name": "华东电网投标",
    "start": "2027-01-04",
    "calendar": "CN",
    "tasks": [
        {"id": "t1", "name": "需求分析", "duration_days": 3, "parent": None,
         "resources": {"presales-1": 1}},
        {"id": "t2", "name": "Proposal", "duration_days": 0},
    ],
    "links": [{"from": "t1", "to": "t2", "type": "FS", "lag_days": 0}],
    "resources": [{"id": "presales-1", "capacity": 1}],
}  # fmt: skip


def test_contract_core() -> None:
    plan = plan_from_json(CONTRACT_EXAMPLE)
    assert plan.unit == "day"
    assert plan.name == "华东电网投标"
    assert plan.start == date(2027, 1, 4)
    assert plan.calendar == "CN"
    assert [(t.id, t.name, t.duration) for t in plan.tasks] == [
        ("t1", "需求分析", 3),
        ("t2", "Proposal", 0),
    ]
    assert plan.tasks[0].resources == {"presales-1": 1}
    assert plan.tasks[1].is_milestone
    assert plan.links == [Link("t1", "t2", LinkType.FS, 0)]
    assert [(r.id, r.capacity) for r in plan.resources] == [("presales-1", 1)]


def test_extensions() -> None:
    data = copy.deepcopy(CONTRACT_EXAMPLE)
    data["status_date"] = "2027-01-05"
    data["tasks"][0].update(
        {
            "wbs_code": "1.1",
            "constraint": {"type": "SNET", "date": "2027-01-06"},
            "deadline": "2027-01-20",
            "actual_start": "2027-01-04",
            "percent_complete": 40,
            "remaining_days": 2,
            "owner": "张伟",
            "role": "presales",
            "budget": "12000.5",
        }
    )
    data["links"][0].update({"type": "SS", "lag_days": -2})
    data["links"].append({"from": "t2", "to": "t1", "type": "FF", "lag_days": 3, "elapsed": True})
    data["calendars"] = [
        {
            "name": "office",
            "holidays_country": "CN",
            "weekly": {"mon": ["09:00-12:00", "13:00-18:00"], "sat": []},
            "exceptions": {"2027-02-07": ["09:00-17:00"], "2027-02-10": []},
        }
    ]
    plan = plan_from_json(data)
    task = plan.tasks[0]
    assert task.constraint == Constraint(ConstraintType.SNET, date(2027, 1, 6))
    assert task.deadline == date(2027, 1, 20)
    assert task.percent_complete == 40.0
    assert task.remaining_duration == 2
    assert task.budget == Decimal("12000.50")
    assert plan.status_date == date(2027, 1, 5)
    assert plan.links[0] == Link("t1", "t2", LinkType.SS, -2)
    assert plan.links[1] == Link("t2", "t1", LinkType.FF, 3 * 1440, lag_elapsed=True)
    office = plan.calendars["office"]
    assert office.weekly == {0: ((540, 720), (780, 1080)), 5: ()}
    assert office.exceptions == {date(2027, 2, 7): ((540, 1020),), date(2027, 2, 10): ()}
    assert office.holidays_country == "CN"
    assert read_json_plan(write_json_plan(plan).encode()) == plan


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["tasks"][1].update(duration_days=-1), "tasks[1].duration_days: must be >= 0"),
        (
            lambda d: d["tasks"][1].update(duration_days=1.5),
            "tasks[1].duration_days: must be a whole",
        ),
        (lambda d: d["tasks"][0].update(id="t2"), "tasks[1].id: duplicate task id 't2'"),
        (lambda d: d["tasks"][1].update(parent="nope"), "tasks[1].parent: unknown task 'nope'"),
        (lambda d: d["links"][0].update(to="t9"), "links[0].to: unknown task 't9'"),
        (lambda d: d["links"][0].update(type="XX"), "links[0].type: must be one of"),
        (lambda d: d.update(start="4 Jan 2027"), "start: must be an ISO date"),
        (lambda d: d.pop("name"), "name: is required"),
        (lambda d: d["tasks"][0].update(budget=12.5), "tasks[0].budget: must be a string"),
        (lambda d: d["tasks"][0].update(budget="1.234"), "tasks[0].budget: must be a decimal"),
        (lambda d: d["tasks"][0].update(percent_complete=120), "tasks[0].percent_complete"),
        (lambda d: d["tasks"][0]["resources"].update(x=-1), "tasks[0].resources.x: must be >= 0"),
        (
            lambda d: d["tasks"][0].update(constraint={"type": "MSO"}),
            "constraint.date: is required",
        ),
        (lambda d: d["resources"][0].update(capacity="1"), "resources[0].capacity: must be an"),
        (lambda d: d.update(calendars=[{"name": "c", "weekly": {"monday": []}}]), "weekly.monday"),
        (lambda d: d.update(tasks={}), "tasks: must be an array"),
    ],
)
def test_errors_name_the_field_path(change, message: str) -> None:
    data = copy.deepcopy(CONTRACT_EXAMPLE)
    change(data)
    with pytest.raises(FormatError) as raised:
        plan_from_json(data)
    assert message in str(raised.value)


def test_extension_keys_are_never_dropped_by_the_fast_paths() -> None:
    data = copy.deepcopy(CONTRACT_EXAMPLE)
    data["tasks"][1] = {"id": "t2", "duration_days": 2, "owner": "李娜"}  # no name: 3 keys
    data["links"] = [{"from": "t1", "to": "t2", "lag_days": 1, "elapsed": True}]  # no type
    plan = plan_from_json(data)
    assert plan.tasks[1].owner == "李娜"
    assert plan.links == [Link("t1", "t2", LinkType.FS, 1440, lag_elapsed=True)]


def test_invalid_json_is_a_format_error() -> None:
    with pytest.raises(FormatError, match="not valid JSON"):
        read_json_plan(b'{"name": ')


def test_read_plan_sniffs_json_without_extension() -> None:
    content = json.dumps(CONTRACT_EXAMPLE, ensure_ascii=False).encode()
    assert read_plan(content).tasks[0].name == "需求分析"


def test_minute_plans_are_refused_by_the_writer() -> None:
    plan = plan_from_json(CONTRACT_EXAMPLE)
    plan.unit = "minute"
    with pytest.raises(FormatError):
        write_json_plan(plan)


def test_written_json_keeps_chinese_and_money_as_strings() -> None:
    data = copy.deepcopy(CONTRACT_EXAMPLE)
    data["tasks"][0]["budget"] = "0.10"
    text = write_json_plan(plan_from_json(data))
    assert "需求分析" in text
    assert json.loads(text)["tasks"][0]["budget"] == "0.10"


# ----------------------------------------------------------------------------- the JSON Schema


def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_schema_is_draft_2020_12_and_its_example_reads() -> None:
    schema = _schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for example in schema["examples"]:
        plan = plan_from_json(example)
        assert json.loads(write_json_plan(plan))["tasks"][1]["name"] == example["tasks"][1]["name"]


def test_schema_documents_every_field_the_writer_emits() -> None:
    """Write a plan using every extension and check each emitted key is in the schema."""
    schema = _schema()
    example = copy.deepcopy(schema["examples"][0])
    example["status_date"] = example["finish_deadline"] = "2027-01-20"
    example["tasks"][1].update(
        milestone=False, actual_start="2027-01-04", actual_finish="2027-01-06", role="x",
        percent_complete=100, remaining_days=0, calendar="CN-office", wbs_code="1.1",
    )  # fmt: skip
    example["links"].append({"from": "t1", "to": "m1", "elapsed": True, "lag_days": 2})
    written = json.loads(write_json_plan(plan_from_json(example)))
    assert set(written) <= set(schema["properties"])
    sections = {"tasks": "task", "links": "link", "resources": "resource", "calendars": "calendar"}
    for section, definition in sections.items():
        allowed = set(schema["$defs"][definition]["properties"])
        for item in written[section]:
            assert set(item) <= allowed, (section, set(item) - allowed)
    constraint = next(t["constraint"] for t in written["tasks"] if "constraint" in t)
    assert set(constraint) <= set(schema["$defs"]["constraint"]["properties"])


STRUCTURAL_ERRORS = [
    lambda d: d["tasks"][1].update(duration_days=-1),
    lambda d: d["tasks"][1].update(duration_days=1.5),
    lambda d: d["links"][0].update(type="XX"),
    lambda d: d.update(start="4 Jan 2027"),
    lambda d: d.pop("name"),
    lambda d: d["tasks"][0].update(budget=12.5),
    lambda d: d["tasks"][0].update(budget="1.234"),
    lambda d: d["tasks"][0].update(percent_complete=120),
    lambda d: d["tasks"][0]["resources"].update(x=-1),
    lambda d: d["resources"][0].update(capacity="1"),
    lambda d: d.update(calendars=[{"name": "c", "weekly": {"monday": []}}]),
    lambda d: d.update(tasks={}),
]


def test_schema_and_reader_agree() -> None:
    """The published schema (checked by an independent validator, jsonschema-rs) accepts what
    the reader accepts and rejects the same structural mistakes."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    schema = _schema()
    assert jsonschema_rs.meta.is_valid(schema)
    validator = jsonschema_rs.Draft202012Validator(schema)
    assert validator.is_valid(CONTRACT_EXAMPLE)
    assert all(validator.is_valid(example) for example in schema["examples"])
    written = json.loads(write_json_plan(plan_from_json(schema["examples"][0])))
    assert validator.is_valid(written)
    for change in STRUCTURAL_ERRORS:
        data = copy.deepcopy(CONTRACT_EXAMPLE)
        change(data)
        assert not validator.is_valid(data)
        with pytest.raises(FormatError):
            plan_from_json(data)
