"""Bad input gets a clear 4xx problem+json and leaves the data exactly as it was.

Each refusal is checked twice: the answer (status, ``application/problem+json``, the field or
the cycle named) and the bid afterwards (``snapshot``: the bid, its tasks, links, costs and
schedule, compared with the snapshot taken before the bad request). The second half checks
what must be accepted exactly: Unicode (right-to-left, emoji, combining marks) round-trips, and
HTML in names is stored verbatim and escaped on the pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings, get_settings
from tests.app.conftest import TestUser, etag_of

PROBLEM = "application/problem+json"


def snapshot(client: TestClient, bid_id: int, headers: dict[str, str]) -> dict[str, Any]:
    """Everything a bad request could have touched in the bid."""

    def read(path: str) -> Any:
        response = client.get(path, params={"limit": 1000}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    base = f"/api/v1/bids/{bid_id}"
    return {
        "bid": read(base),
        "tasks": read(f"{base}/tasks"),
        "links": read(f"{base}/dependencies"),
        "costs": read(f"{base}/costs"),
        "schedule": read(f"{base}/schedule"),
    }


def assert_refused(response: Any, status: int, *, mentions: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == status and problem["detail"]
    if mentions is not None:
        assert mentions in json.dumps(problem, ensure_ascii=False), problem
    return problem


@pytest.fixture
def plan(client, pmo, make_bid, make_task, make_link) -> dict[str, Any]:
    """A bid with a chain a -> b -> c, a cost on a, and its snapshot function."""
    bid = make_bid(start_date="2027-03-01")
    a, b, c = (make_task(bid["id"], name=f"链条 {n}", duration_days=2) for n in "abc")
    make_link(bid["id"], a["id"], b["id"])
    make_link(bid["id"], b["id"], c["id"])
    cost = {"task_id": a["id"], "category": "travel", "entry_date": "2027-03-02", "amount": "8.50"}
    booked = client.post(f"/api/v1/bids/{bid['id']}/costs", json=cost, headers=pmo.headers)
    assert booked.status_code == 201, booked.text
    return {"bid": bid, "a": a, "b": b, "c": c}


@pytest.fixture
def unchanged(client, pmo, plan) -> Callable[[], None]:
    """Call after the bad requests: the bid must equal its snapshot from before them."""
    before = snapshot(client, plan["bid"]["id"], pmo.headers)

    def check() -> None:
        assert snapshot(client, plan["bid"]["id"], pmo.headers) == before

    return check


def patch_task(client: TestClient, user: TestUser, task_id: int, body: Any) -> Any:
    path = f"/api/v1/tasks/{task_id}"
    headers = {**user.headers, "If-Match": etag_of(client, path, user.headers)}
    return client.patch(path, json=body, headers=headers)


def test_cycle_is_refused_with_the_cycle_named(client, pmo, plan, unchanged):
    bid_id, a, c = plan["bid"]["id"], plan["a"], plan["c"]
    body = {"predecessor_id": c["id"], "successor_id": a["id"], "type": "FS"}
    response = client.post(f"/api/v1/bids/{bid_id}/dependencies", json=body, headers=pmo.headers)
    problem = assert_refused(response, 422, mentions="链条 a")
    assert "链条 b" in problem["detail"] and "链条 c" in problem["detail"]
    assert set(problem["cycle"]) == {a["id"], plan["b"]["id"], c["id"]}
    unchanged()


def test_self_link_is_refused(client, pmo, plan, unchanged):
    bid_id, a = plan["bid"]["id"], plan["a"]
    body = {"predecessor_id": a["id"], "successor_id": a["id"]}
    response = client.post(f"/api/v1/bids/{bid_id}/dependencies", json=body, headers=pmo.headers)
    assert_refused(response, 422, mentions="successor_id")
    unchanged()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_days", -1),
        ("duration_days", 10_001),
        ("duration_days", "three"),
        ("duration_days", 2.5),
        ("percent_complete", 101),
        ("budget", {"travel": "-0.01"}),
        ("budget", {"travel": "1.001"}),
        ("budget", {"travel": "NaN"}),
        ("budget", {"travel": "1e30"}),
        ("budget", {"bribes": "1.00"}),
        ("actual_start", "2027-02-30"),
        ("actual_start", "03/04/2027"),
        ("actual_start", "1989-12-31"),
        ("deadline", "2201-01-01"),
        ("deadline", "27-01-04"),
        ("name", ""),
        ("name", "x" * 301),
        ("name", "控制\x07字符"),
        ("id", 1),
        ("bid_id", 1),
        ("version", 99),
        ("wbs_code", "9.9"),
        ("critical", True),
    ],
)
def test_bad_task_field_is_refused(client, pmo, plan, unchanged, field, value):
    response = patch_task(client, pmo, plan["a"]["id"], {field: value})
    problem = assert_refused(response, 422)
    assert any(error["field"].split(".")[0] == field for error in problem["errors"]), problem
    unchanged()


def test_finish_before_start_is_refused(client, pmo, plan, unchanged):
    body = {"actual_start": "2027-03-05", "actual_finish": "2027-03-04"}
    response = patch_task(client, pmo, plan["a"]["id"], body)
    assert_refused(response, 422, mentions="actual_finish")
    unchanged()


@pytest.mark.parametrize(
    "amount", ["-8.50", "0", "0.001", "abc", "1e400", "Infinity", 12345678901234567890]
)
def test_bad_cost_amount_is_refused(client, pmo, plan, unchanged, amount):
    body = {"task_id": plan["a"]["id"], "category": "travel", "entry_date": "2027-03-02"}
    response = client.post(
        f"/api/v1/bids/{plan['bid']['id']}/costs",
        json={**body, "amount": amount},
        headers=pmo.headers,
    )
    assert_refused(response, 422, mentions="amount")
    unchanged()


@pytest.mark.parametrize(
    ("field", "value"),
    [("value", "-1.00"), ("start_date", "2027-13-01"), ("start_date", "0000-01-01")],
)
def test_bad_bid_field_is_refused(client, pmo, plan, unchanged, field, value):
    path = f"/api/v1/bids/{plan['bid']['id']}"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    response = client.patch(path, json={field: value}, headers=headers)
    assert_refused(response, 422, mentions=field)
    unchanged()


def test_malformed_json_is_refused(client, pmo, plan, unchanged):
    path = f"/api/v1/tasks/{plan['a']['id']}"
    headers = {
        **pmo.headers,
        "If-Match": etag_of(client, path, pmo.headers),
        "Content-Type": "application/json",
    }
    for body in (b'{"name": "x"', b"\xff\xfe\x00", b"[1, 2]", b"null"):
        response = client.patch(path, content=body, headers=headers)
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
    unchanged()


def test_huge_payload_is_413(client, pmo, plan, unchanged):
    limit = get_settings().max_body_bytes
    body = {"name": "大" * (limit // 3 + 1)}
    response = client.post(
        f"/api/v1/bids/{plan['bid']['id']}/tasks", json=body, headers=pmo.headers
    )
    assert_refused(response, 413)
    unchanged()


def test_too_many_tasks_for_a_bid_is_refused(client, pmo, plan, unchanged):
    """A plan file over ``max_tasks_per_bid`` (the real limit) is refused as a whole."""
    limit = get_settings().max_tasks_per_bid
    tasks = [{"id": f"t{n}", "name": f"任务 {n}", "duration_days": 1} for n in range(limit + 1)]
    plan_file = {"name": "太大了", "start": "2027-01-04", "tasks": tasks, "links": []}
    before = client.get("/api/v1/bids", params={"limit": 1}, headers=pmo.headers).json()["total"]
    files = {"file": ("big.json", json.dumps(plan_file), "application/json")}
    response = client.post("/api/v1/bids/import", files=files, headers=pmo.headers)
    assert_refused(response, 422, mentions=str(limit))
    after = client.get("/api/v1/bids", params={"limit": 1}, headers=pmo.headers).json()["total"]
    assert after == before
    unchanged()


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Tasks-per-bid 5 and links-per-task 2, so the limits are reached in a few requests."""
    import app.tasks.service

    limits = Settings(max_tasks_per_bid=5, max_links_per_task=2)
    monkeypatch.setattr(app.tasks.service, "get_settings", lambda: limits)
    return limits


def test_task_and_link_limits(client, pmo, plan, make_task, small_limits):
    bid_id = plan["bid"]["id"]
    extra = [make_task(bid_id) for _ in range(2)]  # 5 tasks now
    state = snapshot(client, bid_id, pmo.headers)
    response = client.post(
        f"/api/v1/bids/{bid_id}/tasks", json={"name": "第六"}, headers=pmo.headers
    )
    assert_refused(response, 422, mentions="at most 5 tasks")
    body = {"predecessor_id": extra[0]["id"], "successor_id": plan["b"]["id"]}
    response = client.post(f"/api/v1/bids/{bid_id}/dependencies", json=body, headers=pmo.headers)
    assert_refused(response, 422, mentions="2 links")
    assert snapshot(client, bid_id, pmo.headers) == state


def test_deep_wbs_is_refused_at_the_depth_limit(client, pmo, make_bid, make_task):
    bid = make_bid()
    depth = get_settings().max_wbs_depth
    parent = None
    for level in range(depth):
        parent = make_task(bid["id"], name=f"层 {level}", parent_id=parent and parent["id"])
    state = snapshot(client, bid["id"], pmo.headers)
    response = client.post(
        f"/api/v1/bids/{bid['id']}/tasks",
        json={"name": "太深", "parent_id": parent["id"]},
        headers=pmo.headers,
    )
    assert_refused(response, 422, mentions=f"{depth} levels")
    assert snapshot(client, bid["id"], pmo.headers) == state


def test_moving_a_task_under_its_own_descendant_is_refused(client, pmo, make_bid, make_task):
    bid = make_bid()
    top = make_task(bid["id"], name="顶")
    child = make_task(bid["id"], name="子", parent_id=top["id"])
    state = snapshot(client, bid["id"], pmo.headers)
    response = patch_task(client, pmo, top["id"], {"parent_id": child["id"]})
    assert_refused(response, 422, mentions="parent_id")
    assert snapshot(client, bid["id"], pmo.headers) == state


def test_long_text_is_refused_not_truncated(client, pmo, make_bid):
    bid = make_bid()
    longest = "长" * 300
    accepted = client.post(
        f"/api/v1/bids/{bid['id']}/tasks", json={"name": longest}, headers=pmo.headers
    )
    assert accepted.status_code == 201 and accepted.json()["name"] == longest
    state = snapshot(client, bid["id"], pmo.headers)
    refused = client.post(
        f"/api/v1/bids/{bid['id']}/tasks", json={"name": longest + "长"}, headers=pmo.headers
    )
    assert_refused(refused, 422, mentions="name")
    assert snapshot(client, bid["id"], pmo.headers) == state


UNICODE_NAMES = [
    "مناقصة الشبكة الوطنية",  # Arabic, right to left
    "הצעת מחיר ‏שלב 2",  # Hebrew with a right-to-left mark
    "投标 🚀👩🏽‍💻 emoji ZWJ",  # emoji with skin tone and zero-width joiner
    "Cafe\u0301 combining vs Café precomposed",  # not normalised: both forms survive
    "混合 mixed עברית 123 العربية",
    "𠀀𪚥 astral CJK",
]


@pytest.mark.parametrize("name", UNICODE_NAMES)
def test_unicode_round_trips_exactly(client, pmo, make_bid, make_task, name):
    bid = make_bid(title=name)
    task = make_task(bid["id"], name=name)
    assert client.get(f"/api/v1/bids/{bid['id']}", headers=pmo.headers).json()["title"] == name
    fetched = client.get(f"/api/v1/tasks/{task['id']}", headers=pmo.headers).json()
    assert fetched["name"] == name
    schedule = client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=pmo.headers).json()
    assert [t["name"] for t in schedule["tasks"]] == [name]


HTML_NAME = '<script>alert("x")</script><img src=x onerror=alert(1)> & "引号"'


def test_html_in_names_is_stored_verbatim_and_escaped_on_pages(client, pmo, make_bid, make_task):
    bid = make_bid(title=HTML_NAME)
    task = make_task(bid["id"], name=HTML_NAME)
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=pmo.headers).json()["name"] == (
        HTML_NAME
    )
    for path in (f"/bids/{bid['id']}", "/"):
        page = client.get(path, headers=pmo.headers)
        assert page.status_code == 200, page.text[:300]
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert" in page.text, path
