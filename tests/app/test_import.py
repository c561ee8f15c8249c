"""``POST /api/v1/bids/import``: a plan file becomes a scheduled bid; a bad one leaves nothing."""

from __future__ import annotations

import json

from tests.app.test_cli import PLAN


def upload(client, headers, content: bytes, name: str = "plan.json"):
    files = {"file": (name, content, "application/json")}
    return client.post("/api/v1/bids/import", files=files, headers=headers)


def test_import_json_plan(client, pmo):
    response = upload(client, pmo.headers, json.dumps(PLAN, ensure_ascii=False).encode())
    assert response.status_code == 201, response.text
    bid = response.json()
    assert bid["title"] == "华东电网投标计划"
    schedule = client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=pmo.headers).json()
    by_name = {t["name"]: t for t in schedule["tasks"]}
    # hand-computed: 3 days from Monday 03-01, then 2 days, then the milestone
    assert (by_name["客户调研"]["start"], by_name["客户调研"]["finish"]) == (
        "2027-03-01",
        "2027-03-03",
    )
    assert (by_name["方案设计"]["start"], by_name["方案设计"]["finish"]) == (
        "2027-03-04",
        "2027-03-05",
    )
    assert schedule["project_finish"] == "2027-03-05"
    assert all(t["critical"] for t in schedule["tasks"])


def test_import_bad_file_is_422_and_saves_nothing(client, pmo):
    before = client.get("/api/v1/bids?limit=1", headers=pmo.headers).json()["total"]
    assert upload(client, pmo.headers, b"{broken").status_code == 422
    cyclic = {**PLAN, "links": [*PLAN["links"], {"from": "t3", "to": "t1"}]}
    response = upload(client, pmo.headers, json.dumps(cyclic).encode())
    assert response.status_code == 422
    assert client.get("/api/v1/bids?limit=1", headers=pmo.headers).json()["total"] == before


def test_import_needs_a_writer_role(client, make_user):
    viewer = make_user("viewer")
    assert upload(client, viewer.headers, json.dumps(PLAN).encode()).status_code == 403
