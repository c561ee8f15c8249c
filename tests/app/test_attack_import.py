"""Every door into a bid passes the same limits (``wbs/limits.py``); issue 13's hostile values.

Three parts:
- the hostile values the outside attack sent, in every plan format (JSON plan, MSPDI, PSPLIB):
  each answer is a 4xx problem+json naming what is wrong, and nothing is stored (no bid, no
  account or org unit, no task);
- the boundaries of every limit, in the JSON plan: the value at the limit is imported, one past
  it is refused;
- the same values through the API's own bodies and through a plan file get the same verdict
  (one statement of each limit, used by every door).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from wbs import limits

PROBLEM = "application/problem+json"
NS = 'xmlns="http://schemas.microsoft.com/project"'


def counts(client, headers) -> dict[str, int]:
    """What a refused import could have left behind."""

    def total(path: str) -> int:
        response = client.get(path, params={"limit": 1}, headers=headers)
        assert response.status_code == 200, response.text
        return int(response.json()["total"])

    return {path: total(path) for path in ("/api/v1/bids", "/api/v1/accounts", "/api/v1/org-units")}


def upload(client, headers, content: bytes, name: str):
    files = {"file": (name, content, "application/octet-stream")}
    return client.post("/api/v1/bids/import", files=files, headers=headers)


def json_plan(**overrides: Any) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "name": "攻击计划 attack plan",
        "start": "2027-01-04",
        "tasks": [
            {"id": "t1", "name": "调研", "duration_days": 3},
            {"id": "t2", "name": "方案", "duration_days": 2},
        ],
        "links": [{"from": "t1", "to": "t2", "type": "FS", "lag_days": 0}],
    }
    plan.update(overrides)
    return plan


def task(**fields: Any) -> list[dict[str, Any]]:
    return [
        {"id": "t1", "name": "调研", "duration_days": 3, **fields},
        {"id": "t2", "name": "方案"},
    ]


def link(lag: int) -> list[dict[str, Any]]:
    return [{"from": "t1", "to": "t2", "type": "FS", "lag_days": lag}]


def mspdi(
    *,
    start: str = "2027-01-04T08:00:00",
    name: str = "攻击",
    duration: str = "PT8H0M0S",
    lag: int = 0,
    task_name: str = "调研",
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Project {NS}><Name>{name}</Name><StartDate>{start}</StartDate>
<Tasks>
 <Task><UID>1</UID><Name>{task_name}</Name><OutlineLevel>1</OutlineLevel>
  <Duration>{duration}</Duration></Task>
 <Task><UID>2</UID><Name>方案</Name><OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration>
  <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type><LinkLag>{lag}</LinkLag>
   <LagFormat>7</LagFormat></PredecessorLink></Task>
</Tasks></Project>
""".encode()


def psplib(duration: str = "5") -> bytes:
    return f"""\
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  4
horizon                       :  7
RESOURCES
  - renewable                 :  1   R
  - nonrenewable              :  0   N
  - doubly constrained        :  0   D
************************************************************************
PROJECT INFORMATION:
pronr.  #jobs rel.date duedate tardcost  MPM-Time
    1      2      0       9        3        5
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           4
   4        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1
------------------------------------------------------------------------
  1      1     0       0
  2      1     {duration}       1
  3      1     2       1
  4      1     0       0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1
    2
************************************************************************
""".encode()


def as_json(plan: dict[str, Any]) -> bytes:
    return json.dumps(plan, ensure_ascii=False).encode()


HOSTILE: dict[str, tuple[bytes, str, str | None]] = {
    # name: (file content, file name, a word the problem must mention)
    "json start 9999-01-04": (as_json(json_plan(start="9999-01-04")), "p.json", "start"),
    "json start 0001-01-01": (as_json(json_plan(start="0001-01-01")), "p.json", "start"),
    "json duration 10^20": (
        as_json(json_plan(tasks=task(duration_days=10**20))),
        "p.json",
        "duration_days",
    ),
    "json 100,000 nested [": (
        b'{"name": "x", "start": "2027-01-04", "tasks": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "p.json",
        None,
    ),
    "json lag -100000": (as_json(json_plan(links=link(-100_000))), "p.json", "lag_days"),
    "json 10,000-char plan name": (as_json(json_plan(name="名" * 10_000)), "p.json", "name"),
    "json ESC in a task name": (
        as_json(json_plan(tasks=task(name="调研\x1b[31m"))),
        "p.json",
        "control characters",
    ),
    "json NUL in the plan name": (
        as_json(json_plan(name="计划\x00")),
        "p.json",
        "control characters",
    ),
    "json deadline 9999-12-31": (
        as_json(json_plan(tasks=task(deadline="9999-12-31"))),
        "p.json",
        "deadline",
    ),
    "json owner id over 32 bits": (
        as_json(json_plan(tasks=task(owner="99999999999"))),
        "p.json",
        "owner",
    ),
    "json budget 10^20": (
        as_json(json_plan(tasks=task(budget="100000000000000000000"))),
        "p.json",
        "budget",
    ),
    "json 31-char role": (as_json(json_plan(tasks=task(role="r" * 31))), "p.json", "role"),
    "mspdi StartDate 9999-12-31": (mspdi(start="9999-12-31T08:00:00"), "p.xml", "start"),
    "mspdi Duration PT999999999999H": (mspdi(duration="PT999999999999H"), "p.xml", "duration"),
    "mspdi Duration of 400 digits": (mspdi(duration="PT" + "9" * 400 + "H"), "p.xml", None),
    "mspdi LinkLag -999999999": (mspdi(lag=-999_999_999), "p.xml", "lag_days"),
    "mspdi 10,000-char name": (mspdi(name="名" * 10_000), "p.xml", "name"),
    "mspdi ESC in a task name": (mspdi(task_name="调研&#27;"), "p.xml", None),
    "mspdi billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]><Project>&lol2;</Project>',
        "p.xml",
        None,
    ),
    "psplib duration 10^20": (psplib(duration=str(10**20)), "p.sm", "duration_days"),
    "psplib duration 10001": (psplib(duration="10001"), "p.sm", "duration_days"),
    "psplib name 301 chars": (psplib(), "名" * 301 + ".sm", "name"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_plan_files_are_refused_and_store_nothing(client, pmo, case):
    content, name, mentions = HOSTILE[case]
    before = counts(client, pmo.headers)
    response = upload(client, pmo.headers, content, name)
    assert 400 <= response.status_code < 500, f"{case}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == response.status_code and problem["detail"]
    if mentions is not None:
        assert mentions in json.dumps(problem, ensure_ascii=False), problem
    assert counts(client, pmo.headers) == before, f"{case} left something behind"


def test_the_same_files_within_limits_are_imported(client, pmo):
    """The hostile files' benign twins go in, so the refusals above are the values' doing."""
    for content, name in (
        (as_json(json_plan()), "p.json"),
        (mspdi(), "p.xml"),
        (psplib(), "p.sm"),
    ):
        response = upload(client, pmo.headers, content, name)
        assert response.status_code == 201, f"{name}: {response.text}"


# --- every limit's boundary, in the JSON plan ------------------------------------------------

D = limits.DURATION_DAYS_MAX
BOUNDARIES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # limit: (plan at the limit, plan one past it)
    "earliest start": (json_plan(start="1990-01-01"), json_plan(start="1989-12-31")),
    "latest start": (
        json_plan(start="2200-12-31", tasks=task()[:1], links=[]),
        json_plan(start="2201-01-01", tasks=task()[:1], links=[]),
    ),
    "duration": (
        json_plan(tasks=task(duration_days=D)),
        json_plan(tasks=task(duration_days=D + 1)),
    ),
    "negative duration": (
        json_plan(tasks=task(duration_days=0)),
        json_plan(tasks=task(duration_days=-1)),
    ),
    "lead": (
        json_plan(links=link(limits.LAG_DAYS_MIN)),
        json_plan(links=link(limits.LAG_DAYS_MIN - 1)),
    ),
    "lag": (
        json_plan(links=link(limits.LAG_DAYS_MAX)),
        json_plan(links=link(limits.LAG_DAYS_MAX + 1)),
    ),
    "plan name": (
        json_plan(name="名" * limits.TITLE_MAX),
        json_plan(name="名" * (limits.TITLE_MAX + 1)),
    ),
    "task name": (
        json_plan(tasks=task(name="任" * limits.TITLE_MAX)),
        json_plan(tasks=task(name="任" * (limits.TITLE_MAX + 1))),
    ),
    "status date": (json_plan(status_date="2200-12-31"), json_plan(status_date="2201-01-01")),
    "deadline": (json_plan(finish_deadline="1990-01-01"), json_plan(finish_deadline="1989-12-31")),
    "constraint date": (
        json_plan(tasks=task(constraint={"type": "SNET", "date": "2200-12-31"})),
        json_plan(tasks=task(constraint={"type": "SNET", "date": "2201-01-01"})),
    ),
    "budget digits": (
        json_plan(tasks=task(budget="9999999999999999.99")),
        json_plan(tasks=task(budget="99999999999999999.99")),
    ),
    "owner id": (
        json_plan(tasks=task(owner=str(limits.MAX_ID))),
        json_plan(tasks=task(owner=str(limits.MAX_ID + 1))),
    ),
    "role": (
        json_plan(tasks=task(role="r" * limits.ROLE_MAX)),
        json_plan(tasks=task(role="r" * (limits.ROLE_MAX + 1))),
    ),
    "tab is not a control character": (
        json_plan(tasks=task(name="调\t研")),
        json_plan(tasks=task(name="调\x07研")),
    ),
}


@pytest.mark.parametrize("limit", sorted(BOUNDARIES))
def test_limit_boundaries(client, pmo, limit):
    at_limit, past_limit = BOUNDARIES[limit]
    accepted = upload(client, pmo.headers, as_json(at_limit), "p.json")
    assert accepted.status_code == 201, f"{limit} at the limit: {accepted.text}"
    before = counts(client, pmo.headers)
    refused = upload(client, pmo.headers, as_json(past_limit), "p.json")
    assert refused.status_code == 422, f"{limit} past the limit: {refused.text}"
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert refused.json()["errors"], refused.json()
    assert counts(client, pmo.headers) == before


def test_nothing_is_cut_to_fit(client, pmo):
    """A name at the limit comes back whole; the limit's neighbour is refused, not truncated."""
    name = "长" * limits.TITLE_MAX
    response = upload(
        client, pmo.headers, as_json(json_plan(name=name, tasks=task(name=name))), "p.json"
    )
    assert response.status_code == 201, response.text
    bid = response.json()
    assert bid["title"] == name
    tasks = client.get(f"/api/v1/bids/{bid['id']}/tasks", headers=pmo.headers).json()["items"]
    assert name in {t["name"] for t in tasks}


def test_a_workload_of_the_task_limit_is_refused_by_the_settings(client, pmo):
    """``tasks_per_bid`` is the service's setting (``KAMPMO_MAX_TASKS_PER_BID``)."""
    from app.settings import get_settings

    limit = get_settings().max_tasks_per_bid
    many = [{"id": f"t{n}", "name": f"任务{n}", "duration_days": 1} for n in range(limit + 1)]
    before = counts(client, pmo.headers)
    response = upload(client, pmo.headers, as_json(json_plan(tasks=many, links=[])), "p.json")
    assert response.status_code == 422 and str(limit) in response.text
    assert counts(client, pmo.headers) == before


# --- one limit, every door -------------------------------------------------------------------

SAME_VERDICT = [
    ("lag_days", limits.LAG_DAYS_MIN),
    ("lag_days", limits.LAG_DAYS_MIN - 1),
    ("lag_days", limits.LAG_DAYS_MAX + 1),
    ("duration_days", limits.DURATION_DAYS_MAX),
    ("duration_days", limits.DURATION_DAYS_MAX + 1),
    ("name", "名" * limits.TITLE_MAX),
    ("name", "名" * (limits.TITLE_MAX + 1)),
    ("name", "带\x1b控制符"),
    ("deadline", "2200-12-31"),
    ("deadline", "2201-01-01"),
    ("deadline", "1989-12-31"),
]


@pytest.mark.parametrize(("field", "value"), SAME_VERDICT)
def test_api_body_and_plan_file_agree(client, pmo, make_bid, make_task, field, value):
    """The value is accepted through the API exactly when it is accepted in a plan file."""
    bid = make_bid(start_date="2027-01-04")
    if field == "lag_days":
        first, second = make_task(bid["id"]), make_task(bid["id"])
        body = {"predecessor_id": first["id"], "successor_id": second["id"], "lag_days": value}
        api = client.post(f"/api/v1/bids/{bid['id']}/dependencies", json=body, headers=pmo.headers)
        plan = json_plan(links=link(value))
    else:
        body = {"name": "任务", field: value} if field != "name" else {"name": value}
        api = client.post(f"/api/v1/bids/{bid['id']}/tasks", json=body, headers=pmo.headers)
        plan = json_plan(tasks=task(**{field: value}))
    imported = upload(client, pmo.headers, as_json(plan), "p.json")
    assert api.status_code in (201, 422), api.text
    assert (api.status_code == 201) == (imported.status_code == 201), (
        f"API {api.status_code}, import {imported.status_code}: {imported.text[:200]}"
    )
