"""One quote per key account: refusal (409), PMO arbitration, the policy, duplicate accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.app.conftest import etag_of, unique
from wbs.account_match import credit_code_check_character

POLICY = "/api/v1/accounts/quote-policy"


def valid_code() -> str:
    import uuid

    first17 = "91320500" + str(uuid.uuid4().int)[:9]
    return first17 + credit_code_check_character(first17)


def set_policy(client, pmo, policy: str) -> None:
    headers = {**pmo.headers, "If-Match": etag_of(client, POLICY, pmo.headers)}
    response = client.patch(POLICY, json={"policy": policy}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["policy"] == policy


def set_scope(client, pmo, scope: str) -> None:
    headers = {**pmo.headers, "If-Match": etag_of(client, POLICY, pmo.headers)}
    response = client.patch(POLICY, json={"scope": scope}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == scope


@pytest.fixture
def per_product_line(client, pmo) -> Iterator[None]:
    """Today's narrower rule: only a second quote for the same product line counts."""
    set_scope(client, pmo, "account_and_product_line")
    try:
        yield
    finally:
        set_scope(client, pmo, "account")


@pytest.fixture
def arbitrate(client, pmo) -> Iterator[None]:
    set_policy(client, pmo, "arbitrate")
    try:
        yield
    finally:
        set_policy(client, pmo, "refuse")


def open_bid(client, pmo, account_id: int, unit_id: int, product_line: str | None, **extra):
    body: dict[str, Any] = {
        "title": unique("投标 "),
        "account_id": account_id,
        "org_unit_id": unit_id,
        "start_date": "2027-03-01",
        "product_line": product_line,
        **extra,
    }
    return client.post("/api/v1/bids", json=body, headers=pmo.headers)


@pytest.fixture
def pursued(client, pmo, make_account, make_org_unit) -> dict[str, Any]:
    """An account whose product line 电力变压器 one unit already pursues."""
    account = make_account(name=f"{unique('南岭')}电网有限公司")
    first_unit, second_unit = make_org_unit(), make_org_unit()
    response = open_bid(client, pmo, account["id"], first_unit["id"], "电力变压器")
    assert response.status_code == 201, response.text
    return {
        "account": account,
        "bid": response.json(),
        "unit": first_unit,
        "other_unit": second_unit,
    }


def test_a_second_unit_is_refused_with_the_conflicting_bid(client, pmo, pursued):
    response = open_bid(
        client, pmo, pursued["account"]["id"], pursued["other_unit"]["id"], "电力变压器"
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    conflicting = problem["conflicting_bid"]
    assert conflicting["id"] == pursued["bid"]["id"]
    assert conflicting["title"] == pursued["bid"]["title"]
    assert conflicting["org_unit"]["id"] == pursued["unit"]["id"]
    assert conflicting["org_unit"]["name"] == pursued["unit"]["name"]
    assert conflicting["match"] == "same_account"
    assert str(pursued["bid"]["id"]) in problem["detail"]


def test_product_lines_compare_case_and_space_blind(client, pmo, make_account, make_org_unit):
    account = make_account()
    assert (
        open_bid(client, pmo, account["id"], make_org_unit()["id"], "GIS Switchgear").status_code
        == 201
    )
    again = open_bid(client, pmo, account["id"], make_org_unit()["id"], "  gis switchgear ")
    assert again.status_code == 409


def test_a_second_unit_is_refused_whatever_its_product_line(client, pmo, pursued, make_bid):
    """The default scope ``account``: any open bid of another org unit on the account counts."""
    account_id = pursued["account"]["id"]
    other_line = open_bid(client, pmo, account_id, pursued["other_unit"]["id"], "GIS组合电器")
    no_line = open_bid(client, pmo, account_id, pursued["other_unit"]["id"], None)
    for refused in (other_line, no_line):
        assert refused.status_code == 409, refused.text
        assert refused.json()["conflicting_bid"]["id"] == pursued["bid"]["id"]
        assert "whatever the product line" in refused.json()["detail"]
    assert client.get(POLICY, headers=pmo.headers).json()["scope"] == "account"
    same_unit = open_bid(client, pmo, account_id, pursued["unit"]["id"], "电力变压器")
    assert same_unit.status_code == 201
    historic = make_bid(account_id=account_id, product_line="电力变压器", status="lost")
    assert historic["status"] == "lost" and historic["arbitration"] is None


def test_a_second_unit_is_held_whatever_its_product_line_under_arbitrate(
    client, pmo, pursued, arbitrate
):
    account_id = pursued["account"]["id"]
    held = open_bid(client, pmo, account_id, pursued["other_unit"]["id"], "GIS组合电器")
    assert held.status_code == 201, held.text
    assert held.json()["arbitration"] == "pending"


def test_what_is_allowed_per_product_line(client, pmo, pursued, per_product_line, make_bid):
    account_id = pursued["account"]["id"]
    same_unit = open_bid(client, pmo, account_id, pursued["unit"]["id"], "电力变压器")
    other_line = open_bid(client, pmo, account_id, pursued["other_unit"]["id"], "GIS组合电器")
    no_line = open_bid(client, pmo, account_id, pursued["other_unit"]["id"], None)
    assert [r.status_code for r in (same_unit, other_line, no_line)] == [201] * 3
    again = open_bid(client, pmo, account_id, pursued["other_unit"]["id"], "电力变压器")
    assert again.status_code == 409


def test_a_closed_bid_no_longer_blocks(client, pmo, pursued):
    path = f"/api/v1/bids/{pursued['bid']['id']}"
    closed = client.post(
        f"{path}/close-out",
        json={"outcome": "lost", "reason_codes": ["price"]},
        headers=pmo.headers,
    )
    assert closed.status_code == 200, closed.text
    response = open_bid(
        client, pmo, pursued["account"]["id"], pursued["other_unit"]["id"], "电力变压器"
    )
    assert response.status_code == 201, response.text


def test_matching_accounts_count_as_one_customer(client, pmo, make_account, make_org_unit):
    tag = unique("华兴")
    head = make_account(name=f"{tag}技术有限公司", credit_code=valid_code())
    branch = make_account(name=f"{tag}技术有限公司深圳分公司", credit_code=valid_code())
    variant = make_account(name=f"{tag.upper()}技术（股份有限公司）")
    unrelated = make_account(name=f"{tag}科技有限公司")
    assert open_bid(client, pmo, head["id"], make_org_unit()["id"], "云平台").status_code == 201
    by_branch = open_bid(client, pmo, branch["id"], make_org_unit()["id"], "云平台")
    by_name = open_bid(client, pmo, variant["id"], make_org_unit()["id"], "云平台")
    assert (by_branch.status_code, by_branch.json()["conflicting_bid"]["match"]) == (409, "branch")
    assert (by_name.status_code, by_name.json()["conflicting_bid"]["match"]) == (409, "name")
    assert (
        open_bid(client, pmo, unrelated["id"], make_org_unit()["id"], "云平台").status_code == 201
    )


def test_moving_a_bid_onto_a_pursued_line_is_refused(client, pmo, pursued, per_product_line):
    other = open_bid(client, pmo, pursued["account"]["id"], pursued["other_unit"]["id"], "配网")
    path = f"/api/v1/bids/{other.json()['id']}"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    response = client.patch(path, json={"product_line": "电力变压器"}, headers=headers)
    assert response.status_code == 409
    assert response.json()["conflicting_bid"]["id"] == pursued["bid"]["id"]


def test_the_policy_is_the_pmos(client, pmo, make_user):
    lead = make_user("lead")
    assert client.get(POLICY, headers=lead.headers).status_code == 403
    current = client.get(POLICY, headers=pmo.headers)
    assert current.status_code == 200 and current.json()["policy"] in ("refuse", "arbitrate")
    assert (
        client.patch(POLICY, json={"policy": "arbitrate"}, headers=pmo.headers).status_code == 428
    )
    stale = {**pmo.headers, "If-Match": 'W/"999"'}
    assert client.patch(POLICY, json={"policy": "arbitrate"}, headers=stale).status_code == 412
    bad = {**pmo.headers, "If-Match": current.headers["ETag"]}
    assert client.patch(POLICY, json={"policy": "maybe"}, headers=bad).status_code == 422
    lead_headers = {**lead.headers, "If-Match": current.headers["ETag"]}
    assert client.patch(POLICY, json={"policy": "refuse"}, headers=lead_headers).status_code == 403


def held_bid(client, pmo, pursued) -> dict[str, Any]:
    response = open_bid(
        client, pmo, pursued["account"]["id"], pursued["other_unit"]["id"], "电力变压器"
    )
    assert response.status_code == 201, response.text
    bid = response.json()
    assert bid["arbitration"] == "pending"
    return bid


def decide(client, user, bid_id: int, body: dict[str, Any], etag_headers=None):
    path = f"/api/v1/bids/{bid_id}"
    headers = {**user.headers, "If-Match": etag_of(client, path, etag_headers or user.headers)}
    return client.post(f"{path}/arbitration", json=body, headers=headers)


def test_arbitrate_holds_the_bid_and_the_pmo_allows_it(client, pmo, pursued, arbitrate):
    bid = held_bid(client, pmo, pursued)
    case = client.get(f"/api/v1/bids/{bid['id']}/arbitration", headers=pmo.headers).json()
    assert (case["status"], case["conflicting_bid_id"]) == ("pending", pursued["bid"]["id"])
    pending = client.get(
        "/api/v1/accounts/arbitrations?status=pending&limit=1000", headers=pmo.headers
    )
    assert bid["id"] in [item["bid_id"] for item in pending.json()["items"]]
    response = decide(
        client, pmo, bid["id"], {"decision": "allow", "reason": "不同标段 lots differ"}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["arbitration"], response.json()["status"]) == ("allowed", "open")
    journal = client.get(f"/api/v1/bids/{bid['id']}/journal?limit=1000", headers=pmo.headers).json()
    entries = {(e["entity"], e["field"], e["new_value"]) for e in journal["items"]}
    assert ("quote_arbitrations", "decision", "allow") in entries
    assert ("quote_arbitrations", "reason", "不同标段 lots differ") in entries
    assert ("bids", "arbitration", "allowed") in entries
    again = decide(client, pmo, bid["id"], {"decision": "reject"})
    assert again.status_code == 409


def test_reject_abandons_the_held_bid(client, pmo, pursued, arbitrate):
    bid = held_bid(client, pmo, pursued)
    response = decide(client, pmo, bid["id"], {"decision": "reject", "reason": "一户一报"})
    assert (response.json()["arbitration"], response.json()["status"]) == ("rejected", "abandoned")


def test_merge_into_moves_the_team(client, pmo, pursued, arbitrate, make_user, add_team_member):
    bid = held_bid(client, pmo, pursued)
    presales = make_user("member")
    add_team_member(bid["id"], presales, kam_role="presales_consultant")
    target = pursued["bid"]["id"]
    response = decide(client, pmo, bid["id"], {"decision": "merge_into", "target_bid": target})
    assert (response.json()["arbitration"], response.json()["status"]) == ("merged", "abandoned")
    team = client.get(f"/api/v1/bids/{target}/team", headers=pmo.headers).json()["items"]
    assert (presales.person_id, "presales_consultant") in {
        (m["person_id"], m["kam_role"]) for m in team
    }
    case = client.get(f"/api/v1/bids/{bid['id']}/arbitration", headers=pmo.headers).json()
    assert (case["status"], case["target_bid_id"]) == ("merged", target)


def test_merge_needs_an_open_bid_of_the_same_customer(client, pmo, pursued, arbitrate, make_bid):
    bid = held_bid(client, pmo, pursued)
    elsewhere = make_bid()
    for body in (
        {"decision": "merge_into"},
        {"decision": "merge_into", "target_bid": elsewhere["id"]},
        {"decision": "merge_into", "target_bid": bid["id"]},
    ):
        assert decide(client, pmo, bid["id"], body).status_code == 422


def test_only_the_pmo_decides(client, pmo, pursued, arbitrate, make_user):
    lead = make_user("lead")
    bid = held_bid(client, pmo, pursued)
    path = f"/api/v1/bids/{bid['id']}/arbitration"
    assert client.post(path, json={"decision": "allow"}, headers=pmo.headers).status_code == 428
    response = decide(client, lead, bid["id"], {"decision": "allow"}, etag_headers=pmo.headers)
    assert response.status_code == 404  # the lead may not know the bid
    assert decide(client, pmo, bid["id"], {"decision": "perhaps"}).status_code == 422


def test_a_bid_never_held_has_no_arbitration(client, pmo, pursued):
    bid_id = pursued["bid"]["id"]
    assert client.get(f"/api/v1/bids/{bid_id}/arbitration", headers=pmo.headers).status_code == 404
    assert decide(client, pmo, bid_id, {"decision": "allow"}).status_code == 409


def test_duplicates_group_matching_accounts(client, pmo, make_account, make_user):
    tag = unique("恒通")
    first = make_account(name=f"{tag}物流有限公司")
    second = make_account(name=f"{tag}物流股份有限公司上海分公司")
    third = make_account(name=f"{tag}科技有限公司")
    response = client.get("/api/v1/accounts/duplicates?limit=1000", headers=pmo.headers)
    assert response.status_code == 200
    groups = [set(group["account_ids"]) for group in response.json()["items"]]
    assert {first["id"], second["id"]} in groups
    assert not any(third["id"] in group for group in groups)
    assert response.json()["total"] == len(groups)
    lead = make_user("lead")
    assert client.get("/api/v1/accounts/duplicates", headers=lead.headers).status_code == 403


def test_units_opening_at_the_same_moment_get_one_quote(app, pmo, make_account, make_org_unit):
    """Four units race to open a bid for one account and product line: exactly one wins, the
    others are refused (the check and the insert are serialized, not just checked)."""
    import threading

    from fastapi.testclient import TestClient

    account = make_account(name=f"{unique('东海')}港务集团有限公司")
    units = [make_org_unit() for _ in range(4)]
    barrier = threading.Barrier(len(units))
    statuses: list[int] = []

    def opener(unit_id: int) -> None:
        with TestClient(app, raise_server_exceptions=False) as own:
            barrier.wait(timeout=30)
            response = open_bid(own, pmo, account["id"], unit_id, "岸桥起重机")
            statuses.append(response.status_code)

    threads = [threading.Thread(target=opener, args=(unit["id"],)) for unit in units]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [201, 409, 409, 409]
