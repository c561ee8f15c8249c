"""POST /bids/{bid}/decompose, /templates, RACI and appraisal through the HTTP API."""

from decimal import Decimal

import pytest

from tests.app.conftest import unique


@pytest.fixture
def staffed_bid(make_bid, make_user, add_team_member):
    lead = make_user("lead")
    presales = make_user("member")
    sponsor = make_user("member")
    bid = make_bid(
        lead=lead,
        kind="new_customer",
        value="8000000.00",
        pursuit_budget="250000.00",
        start_date="2027-01-04",
        submission_deadline="2027-05-28",
    )
    add_team_member(bid["id"], lead, "sales_rep")
    add_team_member(bid["id"], lead, "project_manager")
    add_team_member(bid["id"], presales, "presales_consultant")
    add_team_member(bid["id"], sponsor, "executive_sponsor")
    return bid, lead, presales, sponsor


def test_dry_run_returns_the_wbs_without_saving(client, pmo, staffed_bid):
    bid, lead, presales, _ = staffed_bid
    body = {"dry_run": True, "product_lines": ["数据中心", "智能制造"], "regions": ["华东"]}
    response = client.post(f"/api/v1/bids/{bid['id']}/decompose", json=body, headers=pmo.headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["dry_run"] is True
    assert result["template_id"] == "kam-new-customer-tender"
    assert 30 <= result["task_count"] <= 80
    assert result["meets_deadline"] is True
    lines = [Decimal(v) for t in result["tasks"] for v in t["budget"].values()]
    assert sum(lines) + Decimal(result["reserve"]) == Decimal("250000.00")
    owners = {t["owner_id"] for t in result["tasks"] if t["kind"] != "summary"}
    assert owners <= {lead.person_id, presales.person_id, staffed_bid[3].person_id}
    tasks = client.get(f"/api/v1/bids/{bid['id']}/tasks", headers=pmo.headers).json()
    assert tasks["total"] == 0


def test_decompose_saves_tasks_links_budgets(client, pmo, staffed_bid):
    bid = staffed_bid[0]
    url = f"/api/v1/bids/{bid['id']}/decompose"
    response = client.post(url, json={"product_lines": ["A", "B"]}, headers=pmo.headers)
    assert response.status_code == 201, response.text
    result = response.json()
    tasks = client.get(f"/api/v1/bids/{bid['id']}/tasks?limit=1000", headers=pmo.headers).json()
    assert tasks["total"] == result["task_count"]
    by_code = {t["wbs_code"]: t for t in tasks["items"]}
    assert by_code["1"]["kind"] == "summary"
    assert by_code["7.2.1"]["name"].startswith("解决方案设计")
    assert by_code["7.2.1"]["name_en"].startswith("Solution design")
    # summaries roll their leaves up: the top-level elements hold the whole budget
    total = sum(
        Decimal(v) for t in tasks["items"] if t["parent_id"] is None for v in t["budget"].values()
    )
    leaves = sum(
        Decimal(v) for t in tasks["items"] if t["kind"] != "summary" for v in t["budget"].values()
    )
    assert total == leaves
    assert total + Decimal(result["reserve"]) == Decimal("250000.00")
    schedule = client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=pmo.headers)
    assert schedule.status_code == 200
    assert len(schedule.json()["tasks"]) == result["task_count"]
    # a second decomposition of a planned bid is refused
    again = client.post(url, json={}, headers=pmo.headers)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")

    raci = client.get(f"/api/v1/bids/{bid['id']}/raci", headers=pmo.headers).json()
    letters = [set(row["assignments"].values()) for row in raci["rows"]]
    assert all("R" in row for row in letters)
    appraisal = client.get(
        f"/api/v1/bids/{bid['id']}/appraisal?bonus_pool=10000", headers=pmo.headers
    ).json()
    assert sum(Decimal(m["bonus"]) for m in appraisal["members"]) == Decimal("10000.00")
    assert all(len(m["explanation"]) >= 6 for m in appraisal["members"])


def test_impossible_deadline_shows_negative_float(client, pmo, make_bid):
    bid = make_bid(start_date="2027-01-04", submission_deadline="2027-01-15")
    response = client.post(
        f"/api/v1/bids/{bid['id']}/decompose", json={"dry_run": True}, headers=pmo.headers
    )
    result = response.json()
    assert result["meets_deadline"] is False and result["submission_float_days"] < 0


def test_bid_without_deadline_is_refused(client, pmo, make_bid):
    bid = make_bid()
    response = client.post(f"/api/v1/bids/{bid['id']}/decompose", json={}, headers=pmo.headers)
    assert response.status_code == 422
    early = {"dry_run": True, "submission_deadline": "2027-01-01"}  # the bid starts 2027-03-01
    response = client.post(f"/api/v1/bids/{bid['id']}/decompose", json=early, headers=pmo.headers)
    assert response.status_code == 422
    assert "before the start" in response.json()["detail"]


def test_templates_list_get_and_pmo_put(client, pmo, make_user):
    listing = client.get("/api/v1/templates", headers=pmo.headers).json()
    ids = {item["id"] for item in listing["items"]}
    assert {"kam-standard", "kam-cross-sell-negotiated"} <= ids
    response = client.get("/api/v1/templates/kam-tender", headers=pmo.headers)
    assert response.status_code == 200
    etag = response.headers["etag"]
    assert response.json()["extends"] == ["kam-standard"]

    new_id = unique("pmo-").lower()
    source = {
        "extends": "kam-standard",
        "name_zh": "测试模板",
        "name_en": "Test template",
        "override": {"goals.budget": {"duration_days": 4}},
    }
    member = make_user("member")
    assert (
        client.put(f"/api/v1/templates/{new_id}", json=source, headers=member.headers).status_code
        == 403
    )
    created = client.put(f"/api/v1/templates/{new_id}", json=source, headers=pmo.headers)
    assert created.status_code == 200, created.text
    resolved = {e["code"]: e for e in created.json()["resolved"]["elements"]}
    assert resolved["goals.budget"]["duration_days"] == 4

    bad = {**source, "override": {"goals.budget": {"role": "janitor"}}}
    refused = client.put(
        f"/api/v1/templates/{new_id}",
        json=bad,
        headers={**pmo.headers, "If-Match": created.headers["etag"]},
    )
    assert refused.status_code == 422
    stale = client.put(
        "/api/v1/templates/kam-tender", json=source, headers={**pmo.headers, "If-Match": 'W/"99"'}
    )
    assert stale.status_code == 412
    assert etag


def test_close_out_records_lessons(client, pmo, staffed_bid):
    bid = staffed_bid[0]
    url = f"/api/v1/bids/{bid['id']}/close-out"
    assert client.get(url, headers=pmo.headers).status_code == 404
    body = {
        "outcome": "lost",
        "reason_codes": ["price"],
        "reasons": "价格高于中标价",
        "competitor": "某竞争对手",
        "price_gap_percent": "6.50",
        "lessons": "提前锁定技术参数",
    }
    response = client.post(url, json=body, headers=pmo.headers)
    assert response.status_code == 200, response.text
    assert response.json()["price_gap_percent"] == "6.50"
    assert client.get(url, headers=pmo.headers).json()["competitor"] == "某竞争对手"
    closed = client.get(f"/api/v1/bids/{bid['id']}", headers=pmo.headers).json()
    assert (closed["status"], closed["stage"]) == ("lost", bid["stage"])
    bad = client.post(url, json={"outcome": "maybe"}, headers=pmo.headers)
    assert bad.status_code == 422


def test_member_cannot_decompose(client, staffed_bid):
    bid, _, presales, _ = staffed_bid
    response = client.post(f"/api/v1/bids/{bid['id']}/decompose", json={}, headers=presales.headers)
    assert response.status_code == 403
