"""PMO control that holds (issue 14): stages move only through gates, a bid ends only through
its close-out, relationship bids, one quote per key account at group level, and a fair and
private appraisal -- every rule through HTTP, for every role it concerns."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import TestUser, etag_of, unique
from wbs.gates import load_gates

GATES = load_gates()
ROLES = ("pmo", "lead", "member", "finance", "viewer")


@pytest.fixture
def cast(
    make_user: Callable[..., TestUser],
    make_org_unit: Callable[..., dict[str, Any]],
    make_bid: Callable[..., dict[str, Any]],
    add_team_member: Callable[..., dict[str, Any]],
    pmo: TestUser,
) -> dict[str, Any]:
    """A lead's bid in stage ``goals``, a member on its team, a viewer of its org unit."""
    unit = make_org_unit()
    users = {
        "pmo": pmo,
        "lead": make_user("lead"),
        "member": make_user("member"),
        "finance": make_user("finance"),
        "viewer": make_user("viewer", org_unit_id=unit["id"]),
    }
    bid = make_bid(lead=users["lead"], org_unit_id=unit["id"], stage="goals")
    add_team_member(bid["id"], users["member"])
    return {"users": users, "bid": bid, "unit": unit}


def _headers(client: TestClient, user: TestUser, path: str, pmo: TestUser) -> dict[str, str]:
    return {**user.headers, "If-Match": etag_of(client, path, pmo.headers)}


def _bid(client: TestClient, pmo: TestUser, bid_id: int) -> dict[str, Any]:
    return dict(client.get(f"/api/v1/bids/{bid_id}", headers=pmo.headers).json())


# --- stages move only through gates ---------------------------------------------------------


def test_no_role_moves_a_stage_or_ends_a_bid_by_patch(
    client: TestClient, pmo: TestUser, cast: dict[str, Any]
) -> None:
    bid = cast["bid"]
    path = f"/api/v1/bids/{bid['id']}"
    expected = {"pmo": 409, "lead": 409, "member": 403, "finance": 403, "viewer": 403}
    for role in ROLES:
        user = cast["users"][role]
        for body in ({"stage": "execution"}, {"status": "won"}, {"status": "abandoned"}):
            response = client.patch(path, json=body, headers=_headers(client, user, path, pmo))
            assert response.status_code == expected[role], (role, body, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            if response.status_code == 409:
                links = response.json()["links"]
                assert links["gate_review"] == f"{path}/gates/goals/review"
                assert links["close_out"] == f"{path}/close-out"
    anonymous = client.patch(path, json={"stage": "execution"}, headers={"If-Match": 'W/"1"'})
    assert anonymous.status_code == 401
    after = _bid(client, pmo, bid["id"])
    assert (after["stage"], after["status"]) == ("goals", "open")
    assert client.get(f"{path}/close-out", headers=pmo.headers).status_code == 404


def test_a_new_bid_starts_at_lead_in_and_open(
    client: TestClient, pmo: TestUser, cast: dict[str, Any], make_account: Any
) -> None:
    users = cast["users"]
    body = {
        "title": unique("新投标 "),
        "start_date": "2027-03-01",
        "org_unit_id": cast["unit"]["id"],
        "account_id": make_account()["id"],
    }
    expected = {"pmo": 409, "lead": 409, "member": 403, "finance": 403, "viewer": 403}
    for role in ROLES:
        for state in ({"stage": "execution"}, {"status": "won", "stage": "execution"}):
            response = client.post(
                "/api/v1/bids", json={**body, **state}, headers=users[role].headers
            )
            assert response.status_code == expected[role], (role, response.text)
            if response.status_code == 409:
                assert response.json()["links"]["history_import"] == "/api/v1/pmo/bid-imports"
    plain = client.post("/api/v1/bids", json=body, headers=users["lead"].headers)
    assert plain.status_code == 201, plain.text
    assert (plain.json()["stage"], plain.json()["status"]) == ("lead_in", "open")


def test_only_the_pmo_reviews_overrides_and_imports(
    client: TestClient, pmo: TestUser, cast: dict[str, Any], make_account: Any
) -> None:
    bid, users = cast["bid"], cast["users"]
    path = f"/api/v1/bids/{bid['id']}"
    review = {"decision": "approve", "override_reason": "客户已口头确认目标"}
    override = {"stage": "execution", "reason": "补录：已进入投标执行"}
    history = {
        "title": unique("历史投标 "),
        "start_date": "2026-01-05",
        "org_unit_id": cast["unit"]["id"],
        "account_id": make_account()["id"],
        "stage": "plan",
        "import_reason": "从旧系统迁移 · migrated from the old CRM",
    }
    for role in ("lead", "member", "finance", "viewer"):
        user = users[role]
        reviewed = client.post(
            f"{path}/gates/goals/review", json=review, headers=_headers(client, user, path, pmo)
        )
        overridden = client.post(
            f"{path}/stage-override", json=override, headers=_headers(client, user, path, pmo)
        )
        imported = client.post("/api/v1/pmo/bid-imports", json=history, headers=user.headers)
        assert (reviewed.status_code, overridden.status_code, imported.status_code) == (
            403,
            403,
            403,
        ), role
    assert _bid(client, pmo, bid["id"])["stage"] == "goals"
    imported = client.post("/api/v1/pmo/bid-imports", json=history, headers=pmo.headers)
    assert imported.status_code == 201, imported.text
    assert imported.json()["stage"] == "plan"
    gates = client.get(f"/api/v1/bids/{imported.json()['id']}/gates/plan", headers=pmo.headers)
    assert [(r["decision"], r["comment"]) for r in gates.json()["reviews"]] == [
        ("import", history["import_reason"])
    ]
    journal = client.get(
        f"/api/v1/bids/{imported.json()['id']}/journal", headers=pmo.headers
    ).json()["items"]
    assert any(
        e["field"] == "comment" and e["new_value"] == history["import_reason"] for e in journal
    )


def test_approval_checks_the_next_stages_entry_criteria_too(
    client: TestClient, pmo: TestUser, cast: dict[str, Any]
) -> None:
    bid, lead = cast["bid"], cast["users"]["lead"]
    path = f"/api/v1/bids/{bid['id']}"

    def tick(stage: str, codes: Any) -> None:
        gate = f"{path}/gates/{stage}"
        response = client.patch(
            gate,
            json={"checked": dict.fromkeys(codes, True)},
            headers=_headers(client, lead, gate, pmo),
        )
        assert response.status_code == 200, response.text

    tick("goals", GATES.gate("goals").required_codes())
    approve = {"decision": "approve"}
    refused = client.post(
        f"{path}/gates/goals/review", json=approve, headers=_headers(client, pmo, path, pmo)
    )
    assert refused.status_code == 409
    assert refused.json()["missing"] == [f"team:{i.code}" for i in GATES.gate("team").entry]
    waiting = client.get("/api/v1/pmo/gates/waiting?limit=1000", headers=pmo.headers).json()
    mine = next(item for item in waiting["items"] if item["bid_id"] == bid["id"])
    assert not mine["ready"] and mine["missing"] == refused.json()["missing"]
    tick("team", [i.code for i in GATES.gate("team").entry])
    waiting = client.get("/api/v1/pmo/gates/waiting?limit=1000", headers=pmo.headers).json()
    mine = next(item for item in waiting["items"] if item["bid_id"] == bid["id"])
    assert mine["ready"] and mine["review"] == f"{path}/gates/goals/review"
    passed = client.post(
        f"{path}/gates/goals/review", json=approve, headers=_headers(client, pmo, path, pmo)
    )
    assert passed.status_code == 201, passed.text
    assert passed.json()["bid_stage"] == "team"


# --- close-out ------------------------------------------------------------------------------


def test_the_lead_ends_the_bid_through_its_close_out(
    client: TestClient, pmo: TestUser, cast: dict[str, Any]
) -> None:
    bid, users = cast["bid"], cast["users"]
    path = f"/api/v1/bids/{bid['id']}"
    early_win = {"outcome": "won", "reason_codes": ["price"]}
    refused = client.post(f"{path}/close-out", json=early_win, headers=users["lead"].headers)
    assert refused.status_code == 409 and "execution" in refused.json()["detail"]
    unlisted = {"outcome": "lost", "reason_codes": ["bad_luck"]}
    assert client.post(f"{path}/close-out", json=unlisted, headers=pmo.headers).status_code == 422
    assert (
        client.post(f"{path}/close-out", json={"outcome": "lost"}, headers=pmo.headers).status_code
        == 422
    )
    body = {
        "outcome": "lost",
        "reason_codes": ["price", "qualifications"],
        "reasons": "报价偏高，缺同类业绩",
        "our_price": "1100000.00",
        "competitors": [
            {"name": "竞对甲 Rival A", "price": "1000000.00", "won": True},
            {"name": "竞对乙 Rival B", "price": "1200000.00"},
        ],
        "lessons_repeat": ["提前拜访技术评委"],
        "lessons_avoid": ["报价前未核对上年框架价", "业绩证明准备太晚"],
    }
    for role in ("member", "finance", "viewer"):
        other = client.post(f"{path}/close-out", json=body, headers=users[role].headers)
        assert other.status_code == 403, role
    closed = client.post(f"{path}/close-out", json=body, headers=users["lead"].headers)
    assert closed.status_code == 200, closed.text
    result = closed.json()
    assert result["winner"] == "竞对甲 Rival A" and result["winner_price"] == "1000000.00"
    assert (result["price_gap"], result["price_gap_percent"]) == ("100000.00", "10.00")
    assert result["reason_codes"] == ["price", "qualifications"]
    assert result["reason_labels"][0]["name"] == "价格"
    assert result["lessons_avoid"] == body["lessons_avoid"]
    assert result["budget_slip"] == "-50000.00"  # nothing spent of the 50000.00 budget
    assert "pursuit budget 50000.00" in result["budget_slip_explained"]
    after = _bid(client, pmo, bid["id"])
    assert (after["status"], after["stage"]) == ("lost", "goals")
    assert client.get(f"{path}/close-out", headers=users["member"].headers).json() == result
    other_outcome = client.post(
        f"{path}/close-out", json={**body, "outcome": "abandoned"}, headers=pmo.headers
    )
    assert other_outcome.status_code == 409
    amended = client.post(
        f"{path}/close-out",
        json={**body, "lessons_repeat": ["提前拜访技术评委", "样机演示"]},
        headers=users["lead"].headers,
    )
    assert amended.status_code == 200 and amended.json()["lessons_repeat"][-1] == "样机演示"
    journal = client.get(f"{path}/journal", headers=pmo.headers).json()["items"]
    assert any(e["entity"] == "bid_closures" and e["field"] == "lessons_repeat" for e in journal)


def test_the_pmo_maintains_the_reason_list(
    client: TestClient, pmo: TestUser, make_user: Callable[..., TestUser], make_bid: Any
) -> None:
    code = unique("reason").lower().replace(" ", "_")[:30]
    lead = make_user("lead")
    body = {"name": "客户预算冻结", "name_en": "Budget frozen"}
    assert (
        client.put(f"/api/v1/close-out-reasons/{code}", json=body, headers=lead.headers).status_code
        == 403
    )
    saved = client.put(f"/api/v1/close-out-reasons/{code}", json=body, headers=pmo.headers)
    assert saved.status_code == 200, saved.text
    listed = client.get("/api/v1/close-out-reasons?limit=1000", headers=lead.headers).json()
    assert code in {item["code"] for item in listed["items"]}
    bid = make_bid(lead=lead)
    path = f"/api/v1/bids/{bid['id']}/close-out"
    retire = {**body, "active": False}
    assert (
        client.put(
            f"/api/v1/close-out-reasons/{code}", json=retire, headers=pmo.headers
        ).status_code
        == 200
    )
    closing = {"outcome": "abandoned", "reason_codes": [code]}
    assert client.post(path, json=closing, headers=lead.headers).status_code == 422
    assert (
        client.put(f"/api/v1/close-out-reasons/{code}", json=body, headers=pmo.headers).status_code
        == 200
    )
    assert client.post(path, json=closing, headers=lead.headers).status_code == 200


def test_a_gate_stop_closes_the_bid_with_a_close_out(
    client: TestClient, pmo: TestUser, cast: dict[str, Any]
) -> None:
    path = f"/api/v1/bids/{cast['bid']['id']}"
    stop = {"decision": "stop", "comment": "客户取消项目"}
    response = client.post(
        f"{path}/gates/goals/review", json=stop, headers=_headers(client, pmo, path, pmo)
    )
    assert response.status_code == 201, response.text
    closure = client.get(f"{path}/close-out", headers=pmo.headers).json()
    assert (closure["outcome"], closure["reasons"]) == ("abandoned", "客户取消项目")


# --- relationship bids ------------------------------------------------------------------------


def test_relationship_bids_are_the_pmos_and_stay_out_of_forecast_alerts_and_health(
    client: TestClient,
    pmo: TestUser,
    cast: dict[str, Any],
    make_bid: Any,
    make_account: Any,
) -> None:
    bid, lead = cast["bid"], cast["users"]["lead"]
    path = f"/api/v1/bids/{bid['id']}"
    mark = {"purpose": "relationship", "relationship_budget_cap": "60000.00"}
    assert (
        client.patch(path, json=mark, headers=_headers(client, lead, path, pmo)).status_code == 403
    )
    marked = client.patch(path, json=mark, headers=_headers(client, pmo, path, pmo))
    assert marked.status_code == 200, marked.text
    assert marked.json()["purpose"] == "relationship"
    below_budget = client.patch(
        path,
        json={"relationship_budget_cap": "40000.00"},
        headers=_headers(client, pmo, path, pmo),
    )
    assert below_budget.status_code == 422  # the bid's pursuit budget is 50000.00
    raise_it = client.patch(
        path, json={"pursuit_budget": "70000.00"}, headers=_headers(client, lead, path, pmo)
    )
    assert raise_it.status_code == 422
    fits = client.patch(
        path, json={"pursuit_budget": "60000.00"}, headers=_headers(client, lead, path, pmo)
    )
    assert fits.status_code == 200, fits.text
    pipeline = client.get("/api/v1/pmo/pipeline?group_by=month", headers=pmo.headers).json()
    assert bid["id"] in pipeline["relationship_bids"]
    forecast = client.get("/api/v1/pmo/forecast", headers=pmo.headers).json()
    assert bid["id"] in forecast["relationship_bids"]
    alerts = client.get(f"/api/v1/reports/cost-control?bid={bid['id']}", headers=pmo.headers)
    assert alerts.status_code == 200 and alerts.json()["pursuit"] is None
    # lost: a relationship bid costs the account nothing, a bid to win costs it health
    account = make_account()
    lost_relationship = make_bid(account_id=account["id"], purpose="relationship")
    close = {"outcome": "lost", "reason_codes": ["relationship_kept"]}
    url = f"/api/v1/bids/{lost_relationship['id']}/close-out"
    assert client.post(url, json=close, headers=pmo.headers).status_code == 200
    health = client.get(f"/api/v1/accounts/{account['id']}/health", headers=pmo.headers).json()
    assert not [r for r in health["reasons"] if r["code"] == "bid_lost"], health
    lost_win = make_bid(account_id=account["id"], org_unit_id=lost_relationship["org_unit_id"])
    url = f"/api/v1/bids/{lost_win['id']}/close-out"
    assert (
        client.post(url, json={**close, "reason_codes": ["price"]}, headers=pmo.headers).status_code
        == 200
    )
    health = client.get(f"/api/v1/accounts/{account['id']}/health", headers=pmo.headers).json()
    assert len([r for r in health["reasons"] if r["code"] == "bid_lost"]) == 1


# --- one quote per key account, at group level ------------------------------------------------


def test_a_consolidated_group_bid_carries_several_units_under_one_lead(
    client: TestClient,
    pmo: TestUser,
    make_user: Callable[..., TestUser],
    make_org_unit: Any,
    make_account: Any,
    make_bid: Any,
) -> None:
    group, power, digital = make_org_unit(), make_org_unit(), make_org_unit()
    account = make_account()
    lead = make_user("lead")
    bid = make_bid(lead=lead, account_id=account["id"], org_unit_id=group["id"])
    path = f"/api/v1/bids/{bid['id']}/units"
    for unit, line, budget in ((power, "变压器", "20000.00"), (digital, "综合监控", "25000.00")):
        body = {"org_unit_id": unit["id"], "product_line": line, "budget": budget}
        added = client.post(path, json=body, headers=lead.headers)
        assert added.status_code == 201, added.text
        assert added.json()["wbs_task_id"] is not None
    too_much = client.post(
        path,
        json={"org_unit_id": make_org_unit()["id"], "budget": "10000.00"},
        headers=lead.headers,
    )
    assert too_much.status_code == 422  # 45000 + 10000 > the bid's 50000 pursuit budget
    units = client.get(path, headers=pmo.headers).json()["items"]
    assert [(u["product_line"], u["budget"]) for u in units] == [
        ("变压器", "20000.00"),
        ("综合监控", "25000.00"),
    ]
    tasks = client.get(f"/api/v1/bids/{bid['id']}/tasks", headers=pmo.headers).json()["items"]
    branches = {t["id"]: t["name"] for t in tasks}
    assert [branches[u["wbs_task_id"]] for u in units] == [
        f"{power['name']} · 变压器",
        f"{digital['name']} · 综合监控",
    ]
    # a unit of the group bid quoting the account on its own is a second quote
    alone = {
        "title": unique("单独报价 "),
        "start_date": "2027-03-01",
        "org_unit_id": power["id"],
        "account_id": account["id"],
        "product_line": "GIS组合电器",
    }
    refused = client.post("/api/v1/bids", json=alone, headers=pmo.headers)
    assert refused.status_code == 409
    assert refused.json()["conflicting_bid"]["id"] == bid["id"]


# --- appraisal --------------------------------------------------------------------------------


@pytest.fixture
def appraised(
    client: TestClient,
    pmo: TestUser,
    make_user: Callable[..., TestUser],
    make_bid: Any,
    add_team_member: Any,
    make_task: Any,
) -> dict[str, Any]:
    """A lead's bid in execution with two members owning one task each, pool 10000.00."""
    lead, first, second = make_user("lead"), make_user("member"), make_user("member")
    bid = make_bid(lead=lead, stage="execution")
    for user, role in ((first, "presales_consultant"), (second, "sales_rep")):
        add_team_member(bid["id"], user, role)
        make_task(bid["id"], owner_id=user.person_id, duration_days=3)
    settings = client.put(
        f"/api/v1/bids/{bid['id']}/appraisal/settings",
        json={"bonus_pool": "10000.00"},
        headers=pmo.headers,
    )
    assert settings.status_code == 200, settings.text
    return {"bid": bid, "lead": lead, "first": first, "second": second}


def test_members_see_only_their_own_score_and_bonus(
    client: TestClient, pmo: TestUser, appraised: dict[str, Any], make_user: Any
) -> None:
    bid_id = appraised["bid"]["id"]
    path = f"/api/v1/bids/{bid_id}/appraisal"
    first, second = appraised["first"], appraised["second"]
    own = client.get(path, headers=first.headers).json()
    assert [m["person_id"] for m in own["members"]] == [first.person_id]
    assert own["visible"] == "own"
    lead_view = client.get(path, headers=appraised["lead"].headers).json()
    finance = make_user("finance")
    for everyone in (lead_view, client.get(path, headers=finance.headers).json()):
        people = {m["person_id"] for m in everyone["members"]}
        assert {first.person_id, second.person_id} <= people
    assert sum(Decimal(m["bonus"]) for m in lead_view["members"]) == Decimal("10000.00")
    colleague = client.get(
        f"/api/v1/people/{second.person_id}/appraisal",
        params={"from": "2000-01-01", "to": "2100-12-31"},
        headers=first.headers,
    )
    assert colleague.status_code == 403
    adjustment = {"person_id": second.person_id, "amount": "-300.00", "reason": "漏交资质文件"}
    url = f"/api/v1/bids/{bid_id}/appraisal/adjustments"
    assert client.post(url, json=adjustment, headers=appraised["lead"].headers).status_code == 403
    assert client.post(url, json=adjustment, headers=pmo.headers).status_code == 201
    assert client.get(url, headers=first.headers).json()["total"] == 0
    assert client.get(url, headers=second.headers).json()["items"][0]["kind"] == "penalty"


def test_weights_outcome_pool_and_penalties_are_explicit(
    client: TestClient, pmo: TestUser, appraised: dict[str, Any]
) -> None:
    bid_id = appraised["bid"]["id"]
    path = f"/api/v1/bids/{bid_id}/appraisal"
    weights = {
        "responsibility": "0.5",
        "difficulty": "0.1",
        "workload": "0.2",
        "on_time": "0.1",
        "on_budget": "0.1",
    }
    bad = client.put(
        f"{path}/settings",
        json={"weights": {**weights, "on_budget": "0.2"}, "bonus_pool": "10000.00"},
        headers=pmo.headers,
    )
    assert bad.status_code == 422
    saved = client.put(
        f"{path}/settings", json={"weights": weights, "bonus_pool": "10000.00"}, headers=pmo.headers
    )
    assert saved.status_code == 200, saved.text
    body = client.get(path, headers=pmo.headers).json()
    assert (
        body["weights"]["responsibility"] == "0.5000" or body["weights"]["responsibility"] == "0.5"
    )
    assert "own weights" in body["weights_source"]
    second = appraised["second"]
    client.post(
        f"{path}/adjustments",
        json={"person_id": second.person_id, "amount": "-300.00", "reason": "漏交资质文件"},
        headers=pmo.headers,
    )
    lost = {"outcome": "lost", "reason_codes": ["price"]}
    assert (
        client.post(f"/api/v1/bids/{bid_id}/close-out", json=lost, headers=pmo.headers).status_code
        == 200
    )
    after = client.get(path, headers=pmo.headers).json()
    assert (after["pool_share_percent"], after["bonus_pool"]) == (20, "2000.00")
    member = next(m for m in after["members"] if m["person_id"] == second.person_id)
    assert Decimal(member["total"]) == Decimal(member["bonus"]) - Decimal("300.00")
    assert any(line.startswith("penalty: -300.00") for line in member["explanation"])
    assert any("x 20% (bid lost" in line for line in member["explanation"])
    period = client.get(
        f"/api/v1/people/{second.person_id}/appraisal",
        params={"from": "2000-01-01", "to": "2100-12-31"},
        headers=second.headers,
    )
    assert period.status_code == 200, period.text
    item = next(i for i in period.json()["items"] if i["bid_id"] == bid_id)
    assert item["total"] == member["total"] and item["explanation"] == member["explanation"]
    policy = client.get("/api/v1/pmo/appraisal-policy", headers=pmo.headers)
    changed = client.patch(
        "/api/v1/pmo/appraisal-policy",
        json={"lost_percent": 0},
        headers={**pmo.headers, "If-Match": policy.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    try:
        assert client.get(path, headers=pmo.headers).json()["bonus_pool"] == "0.00"
    finally:
        client.patch(
            "/api/v1/pmo/appraisal-policy",
            json={"lost_percent": 20},
            headers={**pmo.headers, "If-Match": changed.headers["ETag"]},
        )


def test_a_price_gap_beyond_its_column_is_refused_not_stored(
    client: TestClient, pmo: TestUser, make_bid: Any
) -> None:
    bid = make_bid()
    path = f"/api/v1/bids/{bid['id']}/close-out"
    body = {
        "outcome": "lost",
        "reason_codes": ["price"],
        "our_price": "1000000000000.00",
        "competitors": [{"name": "竞对", "price": "0.01", "won": True}],
    }
    response = client.post(path, json=body, headers=pmo.headers)
    assert response.status_code == 422, response.text
    assert _bid(client, pmo, bid["id"])["status"] == "open"
    assert client.get(path, headers=pmo.headers).status_code == 404
