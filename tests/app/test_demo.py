"""The demo portfolio: loaded through the services, idempotent, realistic, permission-shaped."""

from decimal import Decimal

import pytest

from app.demo.data import ACCOUNTS, BIDS
from app.demo.loader import load_demo

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_valid(code: str) -> bool:
    # GB 32100-2015: sum(value x 3^i mod 31 for the first 17) + check value = 0 (mod 31)
    values = [USCC_ALPHABET.index(c) for c in code]
    weights = [pow(3, i, 31) for i in range(17)]
    return len(code) == 18 and (sum(v * w for v, w in zip(values, weights)) + values[17]) % 31 == 0


@pytest.fixture(scope="module")
def demo(session_factory):
    first = load_demo(session_factory)
    second = load_demo(session_factory)
    return first, second


def headers(token):
    return {"Authorization": f"Bearer {token}"}


def demo_bids(client, token):
    items = client.get("/api/v1/bids?limit=1000", headers=headers(token)).json()["items"]
    titles = {bid.title for bid in BIDS}
    return [item for item in items if item["title"] in titles]


def test_credit_codes_are_well_formed():
    assert len(ACCOUNTS) >= 8
    for account in ACCOUNTS:
        assert uscc_valid(account.credit_code), account.credit_code
    code = ACCOUNTS[0].credit_code
    wrong = code[:17] + USCC_ALPHABET[(USCC_ALPHABET.index(code[17]) + 1) % 31]
    assert not uscc_valid(wrong)


def test_twice_is_idempotent_and_both_token_sets_work(client, demo):
    first, second = demo
    assert set(first) == set(second) == {"pmo", "lead1", "lead2", "finance", "member1"}
    for tokens in (first, second):
        response = client.get("/api/v1/bids?limit=1000", headers=headers(tokens["pmo"]))
        assert response.status_code == 200
    assert len(demo_bids(client, second["pmo"])) == len(BIDS) >= 12


def test_every_demo_bid_is_decomposed_with_budgets_and_links(client, demo):
    token = demo[1]["pmo"]
    bids = demo_bids(client, token)
    statuses = {bid["status"] for bid in bids}
    assert {"open", "won", "lost"} <= statuses
    assert len({bid["org_unit_id"] for bid in bids}) == 3
    with_progress = 0
    for bid in bids:
        tasks = client.get(f"/api/v1/bids/{bid['id']}/tasks?limit=1000", headers=headers(token))
        items = tasks.json()["items"]
        assert 30 <= len(items) <= 80, bid["title"]
        budget = sum(Decimal(v) for t in items for v in (t.get("budget") or {}).values())
        assert Decimal(0) < budget <= Decimal(bid["pursuit_budget"])
        if any(t["percent_complete"] == 100 for t in items):
            with_progress += 1
    assert with_progress >= 8
    costs = client.get(f"/api/v1/bids/{bids[0]['id']}/costs?limit=1000", headers=headers(token))
    assert costs.status_code == 200 and costs.json()["total"] > 0


def test_leads_see_their_own_bids_and_member1_a_lead1_bid(client, demo):
    tokens = demo[1]
    all_ids = {bid["id"] for bid in demo_bids(client, tokens["pmo"])}
    lead1 = {bid["id"] for bid in demo_bids(client, tokens["lead1"])}
    lead2 = {bid["id"] for bid in demo_bids(client, tokens["lead2"])}
    member1 = {bid["id"] for bid in demo_bids(client, tokens["member1"])}
    assert lead1 and lead2 and lead1 < all_ids and lead2 < all_ids
    assert not lead1 & lead2
    assert member1 and member1 <= lead1
    other = next(iter(lead2))
    assert client.get(f"/api/v1/bids/{other}", headers=headers(tokens["lead1"])).status_code == 404


def test_appraisal_of_a_closed_demo_bid(client, demo):
    token = demo[1]["pmo"]
    won = next(bid for bid in demo_bids(client, token) if bid["status"] == "won")
    response = client.get(
        f"/api/v1/bids/{won['id']}/appraisal?bonus_pool=50000", headers=headers(token)
    )
    members = response.json()["members"]
    assert len(members) >= 4
    assert sum(Decimal(m["bonus"]) for m in members) == Decimal("50000.00")
    # slipped tasks and cost variation make on-time/on-budget differ between members
    assert {m["components"]["on_budget"] for m in members} != {"1.0000"}


def test_calibration_and_similar_bids_from_the_closed_demo_bids(client, demo):
    token = demo[1]["pmo"]
    report = client.get("/api/v1/calibration?min_samples=1", headers=headers(token)).json()
    assert report["elements"]
    first = report["elements"][0]
    assert first["duration_ratio"]["count"] >= 1
    # closed demo bids slipped some tasks by a day: some element's duration median is above 1
    assert any(Decimal(f["duration_ratio"]) > 1 for f in report["factors"].values())
    bids = demo_bids(client, token)
    open_bid = next(b for b in bids if b["title"].startswith("东海地铁线网"))
    similar = client.get(f"/api/v1/bids/{open_bid['id']}/similar", headers=headers(token)).json()
    assert similar["items"]
    best = similar["items"][0]
    assert "same account" in best["reasons"] and best["status"] in {"won", "lost", "abandoned"}


def test_the_metro_bid_has_a_risk_register_and_a_schedule_risk(client, demo):
    token = demo[1]["pmo"]
    metro = next(bid for bid in demo_bids(client, token) if bid["title"] == BIDS[0].title)
    risks = client.get(f"/api/v1/bids/{metro['id']}/risks", headers=headers(token)).json()
    assert risks["total"] == 3  # loaded once, though the demo ran twice
    assert all(risk["task_ids"] for risk in risks["items"])  # each hits its tasks
    assert metro["risk_correlations"] and metro["risk_correlations"][0]["rank_correlation"] == 0.6
    analysis = client.get(
        f"/api/v1/bids/{metro['id']}/risk", params={"iterations": 2000}, headers=headers(token)
    ).json()
    assert 0 <= analysis["p_meet_submission"] <= 1
    assert {item["risk_id"] for item in analysis["risks"]} == {r["id"] for r in risks["items"]}
    sources = {item["source"] for item in analysis["sources"]}
    assert {"actual", "template"} <= sources  # progress kept, the rest from the templates
