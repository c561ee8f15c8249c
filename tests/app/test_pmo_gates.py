"""Stage gates through the API: checklists, PMO reviews, baselines, stage history, journal,
win-probability overrides, and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.app.conftest import TestUser, etag_of
from wbs.gates import load_gates

GATES = load_gates()


def _gate_path(bid_id: int, stage: str) -> str:
    return f"/api/v1/bids/{bid_id}/gates/{stage}"


def _tick(client: TestClient, user: TestUser, bid_id: int, stage: str, codes: Any) -> Any:
    path = _gate_path(bid_id, stage)
    response = client.patch(
        path,
        json={"checked": dict.fromkeys(sorted(codes), True)},
        headers={**user.headers, "If-Match": etag_of(client, path, user.headers)},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _check_all(client: TestClient, user: TestUser, bid_id: int, stage: str) -> dict[str, Any]:
    """Every exit item and deliverable of ``stage`` and every entry item of the next one."""
    following = GATES.next_stage(stage)
    if following is not None:
        _tick(client, user, bid_id, following, [i.code for i in GATES.gate(following).entry])
    return dict(_tick(client, user, bid_id, stage, GATES.gate(stage).required_codes()))


def _required(stage: str) -> list[str]:
    """What approving ``stage`` checks: its exit side, then the next stage's entry items."""
    following = GATES.next_stage(stage)
    entry = GATES.gate(following).entry if following else ()
    return GATES.gate(stage).missing([]) + [f"{following}:{i.code}" for i in entry]


def _review(client: TestClient, user: TestUser, bid_id: int, stage: str, **body: Any) -> Any:
    etag = etag_of(client, f"/api/v1/bids/{bid_id}", user.headers)
    return client.post(
        f"{_gate_path(bid_id, stage)}/review",
        json=body,
        headers={**user.headers, "If-Match": etag},
    )


def _history(client: TestClient, user: TestUser, bid_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/bids/{bid_id}/stage-history", headers=user.headers)
    assert response.status_code == 200
    return response.json()["items"]


def test_gates_list_every_stage_with_bilingual_criteria(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid(stage="analysis")
    response = client.get(f"/api/v1/bids/{bid['id']}/gates", headers=pmo.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 8 and body["stage"] == "analysis"
    stages = [gate["stage"] for gate in body["items"]]
    assert stages == [gate.stage for gate in GATES.stages]
    current = [gate for gate in body["items"] if gate["current"]]
    assert [gate["stage"] for gate in current] == ["analysis"]
    analysis = current[0]
    assert analysis["exit"] and analysis["deliverables"]
    assert all(item["text_zh"] and item["text_en"] for item in analysis["exit"])
    assert not analysis["exit_criteria_met"]
    assert analysis["missing"] == GATES.gate("analysis").missing([])
    assert analysis["version"] == 0 and analysis["state"] == "open"


def test_checklist_needs_the_gate_etag_and_journals_each_item(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid(stage="goals")
    path = _gate_path(bid["id"], "goals")
    item = GATES.gate("goals").exit[0].code
    body = {"checked": {item: True}}
    assert client.patch(path, json=body, headers=pmo.headers).status_code == 428
    stale = {**pmo.headers, "If-Match": 'W/"7"'}
    assert client.patch(path, json=body, headers=stale).status_code == 412
    first = client.patch(path, json=body, headers={**pmo.headers, "If-Match": 'W/"0"'})
    assert first.status_code == 200, first.text
    checked = {i["code"]: i["checked"] for i in first.json()["exit"]}
    assert checked[item] is True
    assert first.json()["missing"] == GATES.gate("goals").missing([item])
    again = client.patch(path, json=body, headers={**pmo.headers, "If-Match": 'W/"0"'})
    assert again.status_code == 412
    journal = client.get(f"/api/v1/bids/{bid['id']}/journal", headers=pmo.headers)
    assert journal.status_code == 200
    fields = {entry["field"] for entry in journal.json()["items"]}
    assert f"checked:{item}" in fields


def test_unknown_checklist_items_are_refused(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid()
    response = client.patch(
        _gate_path(bid["id"], "lead_in"),
        json={"checked": {"no_such_item": True}},
        headers={**pmo.headers, "If-Match": 'W/"0"'},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    bad_stage = client.get(_gate_path(bid["id"], "nowhere"), headers=pmo.headers)
    assert bad_stage.status_code == 422


def test_approve_needs_exit_criteria_or_an_override_reason(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid(stage="strategy")
    refused = _review(client, pmo, bid["id"], "strategy", decision="approve")
    assert refused.status_code == 409
    assert refused.json()["missing"] == _required("strategy")
    overridden = _review(
        client,
        pmo,
        bid["id"],
        "strategy",
        decision="approve",
        override_reason="客户高层已口头确认，补交评审记录",
    )
    assert overridden.status_code == 201, overridden.text
    review = overridden.json()["review"]
    assert review["override_reason"] == "客户高层已口头确认，补交评审记录"
    assert review["missing"] == _required("strategy")
    assert overridden.json()["bid_stage"] == "plan"


def test_approve_advances_the_stage_freezes_a_baseline_and_records_history(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid(stage="analysis")
    _check_all(client, pmo, bid["id"], "analysis")
    response = _review(
        client, pmo, bid["id"], "analysis", decision="approve", comment="Needs confirmed."
    )
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["bid_stage"] == "strategy" and result["review"]["to_stage"] == "strategy"
    assert result["review"]["override_reason"] is None
    assert response.headers["ETag"] == f'W/"{result["bid_version"]}"'

    baselines = client.get(f"/api/v1/bids/{bid['id']}/baselines", headers=pmo.headers).json()
    names = [b["name"] for b in baselines["items"]]
    assert names == ["gate: analysis"]
    assert baselines["items"][0]["id"] == result["review"]["baseline_id"]

    gate = client.get(_gate_path(bid["id"], "analysis"), headers=pmo.headers).json()
    assert gate["state"] == "approved" and gate["passed_on"] is not None
    assert [r["decision"] for r in gate["reviews"]] == ["import", "approve"]

    history = _history(client, pmo, bid["id"])
    assert [(v["stage"], v["outcome"]) for v in history] == [
        ("analysis", "advanced"),
        ("strategy", None),
    ]
    assert history[0]["left_at"] is not None and history[1]["left_at"] is None


def test_only_the_current_gate_of_an_open_bid_is_reviewed(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid(stage="plan")
    wrong = _review(client, pmo, bid["id"], "goals", decision="stop")
    assert wrong.status_code == 409
    assert wrong.json()["current_stage"] == "plan"
    closed = make_bid(stage="plan", status="won")
    assert _review(client, pmo, closed["id"], "plan", decision="stop").status_code == 409


def test_review_needs_the_bid_etag(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid(stage="plan")
    path = f"{_gate_path(bid['id'], 'plan')}/review"
    body = {"decision": "send_back"}
    assert client.post(path, json=body, headers=pmo.headers).status_code == 428
    stale = {**pmo.headers, "If-Match": 'W/"999"'}
    assert client.post(path, json=body, headers=stale).status_code == 412


def test_send_back_returns_to_an_earlier_stage(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid(stage="execution")
    later = _review(client, pmo, bid["id"], "execution", decision="send_back", to_stage="close_out")
    assert later.status_code == 422
    default = _review(client, pmo, bid["id"], "execution", decision="send_back", comment="重做")
    assert default.status_code == 201
    assert default.json()["bid_stage"] == "plan"
    explicit = _review(client, pmo, bid["id"], "plan", decision="send_back", to_stage="goals")
    assert explicit.json()["bid_stage"] == "goals"
    history = _history(client, pmo, bid["id"])
    assert [(v["stage"], v["outcome"]) for v in history] == [
        ("execution", "sent_back"),
        ("plan", "sent_back"),
        ("goals", None),
    ]
    first = make_bid(stage="lead_in")
    assert _review(client, pmo, first["id"], "lead_in", decision="send_back").status_code == 409


def test_stop_abandons_the_bid_and_is_journaled(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid(stage="team")
    response = _review(client, pmo, bid["id"], "team", decision="stop", comment="客户取消项目")
    assert response.status_code == 201
    assert response.json()["bid_status"] == "abandoned"
    read = client.get(f"/api/v1/bids/{bid['id']}", headers=pmo.headers).json()
    assert read["status"] == "abandoned" and read["stage"] == "team"
    assert [(v["stage"], v["outcome"]) for v in _history(client, pmo, bid["id"])] == [
        ("team", "abandoned")
    ]
    journal = client.get(f"/api/v1/bids/{bid['id']}/journal", headers=pmo.headers)
    assert journal.status_code == 200
    entries = journal.json()["items"]
    assert any(e["entity"] == "gate_reviews" and e["new_value"] == "stop" for e in entries)
    assert any(e["field"] == "status" and e["new_value"] == "abandoned" for e in entries)


def test_a_patch_never_moves_the_stage_the_pmo_override_does_with_a_reason(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid(stage="goals")
    path = f"/api/v1/bids/{bid['id']}"

    def headers() -> dict[str, str]:
        return {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}

    for body in ({"stage": "analysis"}, {"status": "lost"}):
        refused = client.patch(path, json=body, headers=headers())
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        links = refused.json()["links"]
        assert links["gate_review"] == f"{path}/gates/goals/review"
        assert links["close_out"] == f"{path}/close-out"
    same = client.patch(path, json={"stage": "goals", "title": "改名"}, headers=headers())
    assert same.status_code == 200, same.text
    no_reason = client.post(f"{path}/stage-override", json={"stage": "analysis"}, headers=headers())
    assert no_reason.status_code == 422
    reason = "客户提前进入需求确认，补录阶段"
    moved = client.post(
        f"{path}/stage-override", json={"stage": "analysis", "reason": reason}, headers=headers()
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["bid_stage"] == "analysis"
    review = moved.json()["review"]
    assert (review["decision"], review["override_reason"]) == ("override", reason)
    assert [(v["stage"], v["outcome"]) for v in _history(client, pmo, bid["id"])] == [
        ("goals", "advanced"),
        ("analysis", None),
    ]
    journal = client.get(f"{path}/journal", headers=pmo.headers).json()["items"]
    assert any(e["field"] == "override_reason" and e["new_value"] == reason for e in journal)
    assert any(e["field"] == "stage" and e["new_value"] == "analysis" for e in journal)


def test_only_the_pmo_reviews_and_strangers_see_nothing(
    client: TestClient,
    pmo: TestUser,
    make_user: Callable[..., TestUser],
    make_bid: Callable[..., dict[str, Any]],
) -> None:
    lead, stranger = make_user("lead"), make_user("lead")
    bid = make_bid(lead=lead, stage="goals")
    assert _review(client, lead, bid["id"], "goals", decision="stop").status_code == 403
    gates = f"/api/v1/bids/{bid['id']}/gates"
    assert client.get(gates, headers=stranger.headers).status_code == 404
    assert client.get(gates).status_code == 401
    blind = client.patch(
        _gate_path(bid["id"], "goals"),
        json={"checked": {GATES.gate("goals").exit[0].code: True}},
        headers={**stranger.headers, "If-Match": 'W/"0"'},
    )
    assert blind.status_code == 404
    assert _check_all(client, lead, bid["id"], "goals")["exit_criteria_met"] is True


def test_win_probability_defaults_per_stage_and_overrides_need_a_reason(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid(stage="strategy")
    path = f"/api/v1/bids/{bid['id']}/win-probability"
    default = GATES.default_win_probability("strategy")
    assert bid["effective_win_probability_percent"] == default
    assert bid["win_probability_source"] == "stage_default"
    etag = etag_of(client, path, pmo.headers)
    no_reason = client.post(path, json={"percent": 70}, headers={**pmo.headers, "If-Match": etag})
    assert no_reason.status_code == 422
    body = {"percent": 70, "reason": "独家技术优势，客户已排他试点"}
    assert client.post(path, json=body, headers=pmo.headers).status_code == 428
    done = client.post(path, json=body, headers={**pmo.headers, "If-Match": etag})
    assert done.status_code == 200, done.text
    assert done.json()["effective_percent"] == 70 and done.json()["source"] == "override"
    read = client.get(f"/api/v1/bids/{bid['id']}", headers=pmo.headers).json()
    assert read["effective_win_probability_percent"] == 70
    assert read["win_probability_source"] == "override"
    assert read["win_probability_reason"] == body["reason"]

    cleared = client.delete(
        path, headers={**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    )
    assert cleared.json()["source"] == "stage_default"
    assert cleared.json()["effective_percent"] == default


def test_a_plain_patch_of_the_probability_drops_the_override_reason(
    client: TestClient, pmo: TestUser, make_bid: Callable[..., dict[str, Any]]
) -> None:
    bid = make_bid(stage="plan")
    bid_path = f"/api/v1/bids/{bid['id']}"
    client.post(
        f"{bid_path}/win-probability",
        json={"percent": 55, "reason": "reference customer"},
        headers={**pmo.headers, "If-Match": etag_of(client, bid_path, pmo.headers)},
    )
    patched = client.patch(
        bid_path,
        json={"win_probability_percent": 45},
        headers={**pmo.headers, "If-Match": etag_of(client, bid_path, pmo.headers)},
    ).json()
    assert patched["win_probability_source"] == "bid"
    assert patched["win_probability_reason"] is None
    assert patched["effective_win_probability_percent"] == 45
