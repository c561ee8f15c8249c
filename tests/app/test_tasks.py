"""WBS tasks, dependencies and the schedule recompute, through HTTP.

Hand-computed example (Mon-Fri calendar, start Monday 2027-03-01, finish dates inclusive):
A (3 days) -> B (2 days) FS, and C (4 days) on its own.
A: 03-01..03-03, B: 03-04..03-05, C: 03-01..03-04; project finish 03-05;
A and B critical (float 0), C has 1 day of total float.
"""

from __future__ import annotations

import pytest

from tests.app.conftest import etag_of


@pytest.fixture
def abc(make_bid, make_task, make_link):
    bid = make_bid(start_date="2027-03-01")
    a = make_task(bid["id"], name="A 需求调研", duration_days=3)
    b = make_task(bid["id"], name="B 方案设计", duration_days=2)
    c = make_task(bid["id"], name="C 报价", duration_days=4)
    make_link(bid["id"], a["id"], b["id"])
    return bid, a, b, c


def test_schedule_of_hand_example(client, pmo, abc):
    bid, a, b, c = abc
    response = client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=pmo.headers)
    assert response.status_code == 200
    schedule = response.json()
    assert schedule["unit"] == "day"
    assert schedule["project_start"] == "2027-03-01"
    assert schedule["project_finish"] == "2027-03-05"
    tasks = {t["id"]: t for t in schedule["tasks"]}
    assert (tasks[a["id"]]["start"], tasks[a["id"]]["finish"]) == ("2027-03-01", "2027-03-03")
    assert (tasks[b["id"]]["start"], tasks[b["id"]]["finish"]) == ("2027-03-04", "2027-03-05")
    assert (tasks[c["id"]]["start"], tasks[c["id"]]["finish"]) == ("2027-03-01", "2027-03-04")
    assert tasks[a["id"]]["critical"] and tasks[b["id"]]["critical"]
    assert not tasks[c["id"]]["critical"] and tasks[c["id"]]["total_float"] == 1
    assert tasks[b["id"]]["driving_predecessor"] == a["id"]
    for field in ("early_start", "early_finish", "late_start", "late_finish", "free_float"):
        assert field in tasks[a["id"]]


def test_patch_duration_returns_schedule_diff(client, pmo, abc):
    bid, a, b, c = abc
    path = f"/api/v1/tasks/{a['id']}"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    response = client.patch(path, json={"duration_days": 5}, headers=headers)
    assert response.status_code == 200, response.text
    diff = response.json()["schedule_diff"]
    moved = {m["id"]: m for m in diff["moved"]}
    assert moved[b["id"]]["start_shift"] == 2 and moved[b["id"]]["finish_shift"] == 2
    assert diff["project_finish_shift"] == 2
    assert c["id"] not in moved or moved[c["id"]]["start_shift"] == 0
    fetched = client.get(f"/api/v1/tasks/{b['id']}", headers=pmo.headers).json()
    assert fetched["planned_start"] == "2027-03-08"  # Monday after the weekend
    bid_now = client.get(f"/api/v1/bids/{bid['id']}", headers=pmo.headers).json()
    assert bid_now["project_finish"] == "2027-03-09"


def test_cycle_refused_with_tasks_named_and_nothing_saved(client, pmo, abc, make_link):
    bid, a, b, c = abc
    make_link(bid["id"], b["id"], c["id"])
    before = client.get(f"/api/v1/bids/{bid['id']}/dependencies", headers=pmo.headers).json()
    body = {"predecessor_id": c["id"], "successor_id": a["id"]}
    response = client.post(f"/api/v1/bids/{bid['id']}/dependencies", json=body, headers=pmo.headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert set(problem["cycle"]) == {a["id"], b["id"], c["id"]}
    for name in ("A 需求调研", "B 方案设计", "C 报价"):
        assert name in problem["detail"]
    after = client.get(f"/api/v1/bids/{bid['id']}/dependencies", headers=pmo.headers).json()
    assert after["total"] == before["total"]


def test_bad_links_refused(client, pmo, abc, make_bid, make_task):
    bid, a, b, c = abc
    other = make_task(make_bid()["id"])
    url = f"/api/v1/bids/{bid['id']}/dependencies"
    cross = client.post(
        url, json={"predecessor_id": a["id"], "successor_id": other["id"]}, headers=pmo.headers
    )
    assert cross.status_code == 422
    duplicate = client.post(
        url, json={"predecessor_id": a["id"], "successor_id": b["id"]}, headers=pmo.headers
    )
    assert duplicate.status_code == 409
    self_link = client.post(
        url, json={"predecessor_id": a["id"], "successor_id": a["id"]}, headers=pmo.headers
    )
    assert self_link.status_code == 422
    bad_type = client.post(
        url,
        json={"predecessor_id": c["id"], "successor_id": b["id"], "type": "XX"},
        headers=pmo.headers,
    )
    assert bad_type.status_code == 422


def test_negative_lag_and_link_types(client, pmo, make_bid, make_task, make_link):
    bid = make_bid(start_date="2027-03-01")
    a = make_task(bid["id"], duration_days=5)
    b = make_task(bid["id"], duration_days=2)
    make_link(bid["id"], a["id"], b["id"], type="FS", lag_days=-2)
    tasks = {
        t["id"]: t
        for t in client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=pmo.headers).json()[
            "tasks"
        ]
    }
    # A occupies 03-01..03-05; FS -2 lets B start 2 working days before A's end: 03-04
    assert tasks[b["id"]]["start"] == "2027-03-04"


def test_negative_duration_refused(client, pmo, make_bid):
    bid = make_bid()
    response = client.post(
        f"/api/v1/bids/{bid['id']}/tasks",
        json={"name": "x", "duration_days": -1},
        headers=pmo.headers,
    )
    assert response.status_code == 422


def test_wbs_codes_and_summaries(client, pmo, make_bid, make_task):
    bid = make_bid()
    phase = make_task(bid["id"], name="分析")
    first = make_task(bid["id"], name="客户研究", parent_id=phase["id"])
    second = make_task(bid["id"], name="决策链分析", parent_id=phase["id"])
    other = make_task(bid["id"], name="策略")
    codes = {
        t["id"]: (t["wbs_code"], t["kind"])
        for t in client.get(f"/api/v1/bids/{bid['id']}/tasks", headers=pmo.headers).json()["items"]
    }
    assert codes[phase["id"]] == ("1", "summary")
    assert codes[first["id"]] == ("1.1", "task")
    assert codes[second["id"]] == ("1.2", "task")
    assert codes[other["id"]] == ("2", "task")


def test_delete_subtree(client, pmo, make_bid, make_task, make_link):
    bid = make_bid()
    phase = make_task(bid["id"])
    child = make_task(bid["id"], parent_id=phase["id"])
    after = make_task(bid["id"])
    make_link(bid["id"], child["id"], after["id"])
    path = f"/api/v1/tasks/{phase['id']}"
    response = client.delete(
        path, headers={**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    )
    assert response.status_code == 200, response.text
    assert client.get(f"/api/v1/tasks/{child['id']}", headers=pmo.headers).status_code == 404
    assert (
        client.get(f"/api/v1/bids/{bid['id']}/dependencies", headers=pmo.headers).json()["total"]
        == 0
    )
    remaining = client.get(f"/api/v1/bids/{bid['id']}/tasks", headers=pmo.headers).json()["items"]
    assert [t["wbs_code"] for t in remaining] == ["1"]


def test_stale_task_write_is_412(client, pmo, make_bid, make_task):
    task = make_task(make_bid()["id"])
    path = f"/api/v1/tasks/{task['id']}"
    etag = etag_of(client, path, pmo.headers)
    assert (
        client.patch(
            path, json={"name": "一"}, headers={**pmo.headers, "If-Match": etag}
        ).status_code
        == 200
    )
    stale = client.patch(path, json={"name": "二"}, headers={**pmo.headers, "If-Match": etag})
    assert stale.status_code == 412
    assert client.get(path, headers=pmo.headers).json()["name"] == "一"


def test_budget_lines(client, pmo, make_bid, make_task):
    task = make_task(make_bid()["id"], budget={"travel": "1200.50", "client_entertainment": "800"})
    assert task["budget"] == {"travel": "1200.50", "client_entertainment": "800.00"}
    path = f"/api/v1/tasks/{task['id']}"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    patched = client.patch(path, json={"budget": {"travel": "99.99"}}, headers=headers).json()
    assert patched["budget"] == {"travel": "99.99", "client_entertainment": "800.00"}
    bad = client.post(
        f"/api/v1/bids/{task['bid_id']}/tasks",
        json={"name": "x", "budget": {"yachts": "1"}},
        headers=pmo.headers,
    )
    assert bad.status_code == 422


def test_member_reports_progress_on_own_task_only(
    client, pmo, make_user, make_bid, make_task, add_team_member
):
    member = make_user("member")
    bid = make_bid()
    add_team_member(bid["id"], member)
    own = make_task(bid["id"], owner_id=member.person_id)
    other = make_task(bid["id"])
    own_path, other_path = f"/api/v1/tasks/{own['id']}", f"/api/v1/tasks/{other['id']}"
    own_headers = {**member.headers, "If-Match": etag_of(client, own_path, member.headers)}
    ok = client.patch(
        own_path, json={"percent_complete": 50, "actual_start": "2027-03-01"}, headers=own_headers
    )
    assert ok.status_code == 200, ok.text
    own_headers["If-Match"] = ok.headers["ETag"]
    assert client.patch(own_path, json={"duration_days": 9}, headers=own_headers).status_code == 403
    other_headers = {**member.headers, "If-Match": etag_of(client, other_path, member.headers)}
    assert (
        client.patch(other_path, json={"percent_complete": 10}, headers=other_headers).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/bids/{bid['id']}/tasks", json={"name": "x"}, headers=member.headers
        ).status_code
        == 403
    )


def test_other_bids_tasks_are_404(client, make_user, make_bid, make_task):
    lead = make_user("lead")
    task = make_task(make_bid()["id"])
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=lead.headers).status_code == 404
    headers = {**lead.headers, "If-Match": 'W/"1"'}
    assert (
        client.patch(f"/api/v1/tasks/{task['id']}", json={"name": "x"}, headers=headers).status_code
        == 404
    )
    assert client.delete(f"/api/v1/tasks/{task['id']}", headers=headers).status_code == 404


def test_baseline_freezes_dates(client, pmo, abc):
    bid, a, b, _c = abc
    created = client.post(
        f"/api/v1/bids/{bid['id']}/baselines", json={"name": "投标基线"}, headers=pmo.headers
    )
    assert created.status_code == 201, created.text
    baseline = created.json()
    frozen = {t["task_id"]: t for t in baseline["snapshot"]["tasks"]}
    assert frozen[b["id"]]["start"] == "2027-03-04"
    path = f"/api/v1/tasks/{a['id']}"
    client.patch(
        path,
        json={"duration_days": 6},
        headers={**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)},
    )
    again = client.get(f"/api/v1/baselines/{baseline['id']}", headers=pmo.headers).json()
    assert {t["task_id"]: t for t in again["snapshot"]["tasks"]}[b["id"]]["start"] == "2027-03-04"


def test_calendar_change_reschedules(client, pmo, make_bid, make_task):
    calendar = client.post(
        "/api/v1/calendars", json={"name": "bid cal"}, headers=pmo.headers
    ).json()
    bid = make_bid(start_date="2027-03-01", calendar_id=calendar["id"])
    task = make_task(bid["id"], duration_days=3)
    assert task["planned_finish"] == "2027-03-03"
    path = f"/api/v1/calendars/{calendar['id']}"
    body = {"exceptions": [{"day": "2027-03-02", "working": False, "note": "公司活动"}]}
    response = client.patch(
        path, json=body, headers={**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    )
    assert response.status_code == 200
    assert (
        client.get(f"/api/v1/tasks/{task['id']}", headers=pmo.headers).json()["planned_finish"]
        == "2027-03-04"
    )


def test_journal_records_and_restores_a_task_field(client, pmo, make_bid, make_task):
    task = make_task(make_bid()["id"], name="原名", duration_days=4)
    path = f"/api/v1/tasks/{task['id']}"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    changed = client.patch(path, json={"name": "新名", "duration_days": 7}, headers=headers)
    assert changed.status_code == 200
    journal = client.get(
        f"/api/v1/bids/{task['bid_id']}/journal?entity=tasks&entity_id={task['id']}",
        headers=pmo.headers,
    ).json()["items"]
    entry = next(e for e in journal if e["field"] == "duration_days" and e["new_value"] == "7")
    assert entry["old_value"] == "4" and entry["user_id"] == pmo.id
    restore = client.post(
        f"{path}/restore",
        json={"journal_id": entry["id"]},
        headers={**pmo.headers, "If-Match": changed.headers["ETag"]},
    )
    assert restore.status_code == 200, restore.text
    assert restore.json()["duration_days"] == 4 and restore.json()["name"] == "新名"
