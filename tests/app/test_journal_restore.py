"""Restoring a task from the journal: ``POST /api/v1/tasks/{task}/restore``.

``{"journal_id": N}`` puts back the field of entry N as it was before N; with
``"scope": "task"`` every field changed at or after N comes back (the task just before N).
Needs If-Match, is journaled itself, reschedules, and only the PMO and the bid's lead may.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.app.conftest import TestUser, etag_of


def task_path(task: dict[str, Any]) -> str:
    return f"/api/v1/tasks/{task['id']}"


def patch(client: TestClient, user: TestUser, task: dict[str, Any], body: dict[str, Any]) -> Any:
    path = task_path(task)
    headers = {**user.headers, "If-Match": etag_of(client, path, user.headers)}
    response = client.patch(path, json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def journal(client: TestClient, user: TestUser, task: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/v1/bids/{task['bid_id']}/journal",
        params={"entity": "tasks", "entity_id": task["id"], "limit": 1000},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def entry_of(entries: list[dict[str, Any]], field: str, new_value: str) -> dict[str, Any]:
    return next(e for e in entries if e["field"] == field and e["new_value"] == new_value)


def restore(
    client: TestClient,
    user: TestUser,
    task: dict[str, Any],
    journal_id: int,
    scope: str | None = None,
    if_match: str | None = "current",
) -> Any:
    headers = dict(user.headers)
    if if_match == "current":
        headers["If-Match"] = etag_of(client, task_path(task), user.headers)
    elif if_match is not None:
        headers["If-Match"] = if_match
    body: dict[str, Any] = {"journal_id": journal_id}
    if scope is not None:
        body["scope"] = scope
    return client.post(f"{task_path(task)}/restore", json=body, headers=headers)


def test_field_scope_restores_only_that_field(client, pmo, make_bid, make_task):
    task = make_task(make_bid()["id"], name="原名", duration_days=4)
    patch(client, pmo, task, {"name": "新名", "duration_days": 7})
    entry = entry_of(journal(client, pmo, task), "duration_days", "7")
    restored = restore(client, pmo, task, entry["id"])
    assert restored.status_code == 200, restored.text
    assert restored.json()["duration_days"] == 4 and restored.json()["name"] == "新名"


def test_task_scope_restores_the_state_before_the_entry(client, pmo, make_bid, make_task):
    bid = make_bid(start_date="2027-03-01")
    task = make_task(bid["id"], name="起点", duration_days=3, budget={"travel": "100.00"})
    original = client.get(task_path(task), headers=pmo.headers).json()
    patch(client, pmo, task, {"name": "第二版"})
    patch(client, pmo, task, {"duration_days": 9, "percent_complete": 40})
    patch(client, pmo, task, {"budget": {"travel": "250.00"}, "actual_start": "2027-03-02"})
    first_change = entry_of(journal(client, pmo, task), "name", "第二版")
    restored = restore(client, pmo, task, first_change["id"], scope="task")
    assert restored.status_code == 200, restored.text
    body = restored.json()
    for field in ("name", "duration_days", "percent_complete", "actual_start", "budget"):
        assert body[field] == original[field], field
    assert body["planned_finish"] == original["planned_finish"]
    assert body["schedule_diff"] is not None
    schedule = client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=pmo.headers).json()
    assert schedule["project_finish"] == original["planned_finish"]


def test_task_scope_from_a_later_entry_keeps_earlier_changes(client, pmo, make_bid, make_task):
    task = make_task(make_bid()["id"], name="一", duration_days=2)
    patch(client, pmo, task, {"name": "二"})
    patch(client, pmo, task, {"duration_days": 5})
    patch(client, pmo, task, {"name": "三"})
    duration_change = entry_of(journal(client, pmo, task), "duration_days", "5")
    body = restore(client, pmo, task, duration_change["id"], scope="task").json()
    assert body["duration_days"] == 2 and body["name"] == "二"


def test_restore_is_journaled_and_moves_the_etag(client, pmo, make_bid, make_task):
    task = make_task(make_bid()["id"], name="甲", duration_days=2)
    changed = patch(client, pmo, task, {"name": "乙"})
    before = journal(client, pmo, task)
    restored = restore(client, pmo, task, entry_of(before, "name", "乙")["id"])
    assert restored.status_code == 200
    assert restored.headers["ETag"] != f'W/"{changed["version"]}"'
    newest = journal(client, pmo, task)[0]
    assert (newest["field"], newest["old_value"], newest["new_value"]) == ("name", "乙", "甲")
    assert newest["user_id"] == pmo.id


def test_restore_needs_a_current_if_match(client, pmo, make_bid, make_task):
    task = make_task(make_bid()["id"], name="甲")
    changed = patch(client, pmo, task, {"name": "乙"})
    entry = entry_of(journal(client, pmo, task), "name", "乙")
    assert restore(client, pmo, task, entry["id"], if_match=None).status_code == 428
    patch(client, pmo, task, {"name": "丙"})
    stale = f'W/"{changed["version"]}"'
    assert restore(client, pmo, task, entry["id"], if_match=stale).status_code == 412
    assert client.get(task_path(task), headers=pmo.headers).json()["name"] == "丙"


def test_restore_refuses_entries_of_other_tasks_and_before_creation(
    client, pmo, make_bid, make_task
):
    bid = make_bid()
    task, other = make_task(bid["id"], name="甲"), make_task(bid["id"], name="乙")
    patch(client, pmo, other, {"name": "乙二"})
    foreign = entry_of(journal(client, pmo, other), "name", "乙二")
    response = restore(client, pmo, task, foreign["id"])
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    creation = entry_of(journal(client, pmo, task), "name", "甲")
    before = client.get(task_path(task), headers=pmo.headers).json()
    response = restore(client, pmo, task, creation["id"], scope="task")
    assert response.status_code == 422 and "creation" in response.json()["detail"]
    assert client.get(task_path(task), headers=pmo.headers).json() == before


def test_only_the_pmo_and_the_bids_lead_restore(
    client, pmo, make_user, make_bid, make_task, add_team_member
):
    lead, other_lead = make_user("lead"), make_user("lead")
    member, finance = make_user("member"), make_user("finance")
    bid = make_bid(lead=lead)
    add_team_member(bid["id"], member)
    task = make_task(bid["id"], name="甲", duration_days=2)
    patch(client, pmo, task, {"duration_days": 6})
    entry = entry_of(journal(client, pmo, task), "duration_days", "6")
    current = etag_of(client, task_path(task), pmo.headers)
    assert restore(client, other_lead, task, entry["id"], if_match=current).status_code == 404
    assert restore(client, member, task, entry["id"], if_match=current).status_code == 403
    assert restore(client, finance, task, entry["id"], if_match=current).status_code == 403
    assert client.get(task_path(task), headers=pmo.headers).json()["duration_days"] == 6
    response = restore(client, lead, task, entry["id"], if_match=current)
    assert response.status_code == 200 and response.json()["duration_days"] == 2


def test_a_deleted_task_comes_back_under_its_id(client, pmo, make_bid, make_task):
    bid = make_bid(start_date="2027-03-01")
    keep = make_task(bid["id"], name="留下", duration_days=1)
    task = make_task(bid["id"], name="将删", duration_days=3)
    patch(client, pmo, task, {"percent_complete": 30, "name": "已改"})
    deleted = client.delete(
        task_path(task),
        headers={**pmo.headers, "If-Match": etag_of(client, task_path(task), pmo.headers)},
    )
    assert deleted.status_code == 200
    assert client.get(task_path(task), headers=pmo.headers).status_code == 404
    deletion = entry_of(
        [{**e, "new_value": e["new_value"] or "∅"} for e in journal(client, pmo, task)],
        "name",
        "∅",
    )
    back = restore(client, pmo, task, deletion["id"], if_match=None)
    assert back.status_code == 200, back.text
    body = back.json()
    assert (body["id"], body["name"], body["duration_days"], body["percent_complete"]) == (
        task["id"],
        "已改",
        3,
        30,
    )
    assert body["planned_start"] is not None
    tasks = client.get(f"/api/v1/bids/{bid['id']}/tasks", headers=pmo.headers).json()["items"]
    assert {t["id"] for t in tasks} == {keep["id"], task["id"]}
    assert restore(client, pmo, task, deletion["id"], if_match=None).status_code == 428


def test_unknown_task_without_journal_is_404(client, pmo):
    response = client.post(
        "/api/v1/tasks/2000000000/restore", json={"journal_id": 1}, headers=pmo.headers
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_deleted_tasks_id_is_never_given_to_a_new_task(client, pmo, make_bid, make_task):
    """The journal names tasks by id: the newest task deleted, the next task gets a new id
    (SQLite would reuse it without AUTOINCREMENT), so the history and restore stay its own."""
    bid = make_bid(start_date="2027-03-01")
    newest = make_task(bid["id"], name="最新", duration_days=2)
    deleted = client.delete(
        task_path(newest),
        headers={**pmo.headers, "If-Match": etag_of(client, task_path(newest), pmo.headers)},
    )
    assert deleted.status_code == 200
    successor = make_task(bid["id"], name="后来者", duration_days=1)
    assert successor["id"] > newest["id"]
    assert client.get(task_path(newest), headers=pmo.headers).status_code == 404
