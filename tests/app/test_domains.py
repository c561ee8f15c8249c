"""Org units, people, accounts, stakeholders, bids, teams, calendars through HTTP."""

from __future__ import annotations

from decimal import Decimal

from tests.app.conftest import etag_of, unique
from wbs.account_match import credit_code_check_character


def test_org_unit_tree_refuses_cycles(client, pmo, make_org_unit):
    group = make_org_unit(kind="group")
    child = make_org_unit(parent_id=group["id"])
    path = f"/api/v1/org-units/{group['id']}"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    response = client.patch(path, json={"parent_id": child["id"]}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "parent_id"


def test_org_unit_code_is_unique(client, pmo, make_org_unit):
    unit = make_org_unit()
    again = client.post(
        "/api/v1/org-units", json={"code": unit["code"], "name": "x"}, headers=pmo.headers
    )
    assert again.status_code == 409


def test_only_pmo_creates_org_units(client, make_user):
    lead = make_user("lead")
    response = client.post(
        "/api/v1/org-units", json={"code": unique("X"), "name": "x"}, headers=lead.headers
    )
    assert response.status_code == 403


def test_account_credit_code_unique_when_given(client, pmo, make_account):
    first17 = "91110000" + uuid_digits(9)
    code = first17 + credit_code_check_character(first17)
    make_account(credit_code=code)
    clash = client.post(
        "/api/v1/accounts", json={"name": unique("客户"), "credit_code": code}, headers=pmo.headers
    )
    assert clash.status_code == 409
    # many accounts without a code are fine
    make_account()
    make_account()


def test_account_credit_code_check_character(client, pmo):
    first17 = "91110000" + uuid_digits(9)
    right = credit_code_check_character(first17)
    wrong = "0" if right != "0" else "1"
    body = {"name": unique("客户"), "credit_code": first17 + wrong}
    response = client.post("/api/v1/accounts", json=body, headers=pmo.headers)
    assert response.status_code == 422
    assert "GB 32100" in response.text


def uuid_digits(n: int) -> str:
    import uuid

    return str(uuid.uuid4().int)[:n]


def test_account_credit_code_format(client, pmo):
    body = {"name": unique("客户"), "credit_code": "not-a-code"}
    response = client.post("/api/v1/accounts", json=body, headers=pmo.headers)
    assert response.status_code == 422


def test_account_filters_and_chinese_names(client, pmo, make_account):
    region = unique("西北")
    created = make_account(name="中国电建集团西北勘测设计研究院有限公司", region=region)
    page = client.get(f"/api/v1/accounts?region={region}", headers=pmo.headers).json()
    assert page["total"] == 1 and page["items"][0]["id"] == created["id"]
    assert page["items"][0]["name"] == "中国电建集团西北勘测设计研究院有限公司"


def test_stakeholders_crud(client, pmo, make_account):
    account = make_account()
    base = f"/api/v1/accounts/{account['id']}/stakeholders"
    body = {
        "name": "李总",
        "title": "CIO",
        "decision_role": "decision_maker",
        "influence": 5,
        "stance": "supporter",
    }
    created = client.post(base, json=body, headers=pmo.headers)
    assert created.status_code == 201
    stakeholder = created.json()
    assert client.get(base, headers=pmo.headers).json()["total"] == 1
    path = f"/api/v1/stakeholders/{stakeholder['id']}"
    bad = client.patch(
        path, json={"influence": 6}, headers={**pmo.headers, "If-Match": created.headers["ETag"]}
    )
    assert bad.status_code == 422
    patched = client.patch(
        path,
        json={"stance": "neutral"},
        headers={**pmo.headers, "If-Match": created.headers["ETag"]},
    )
    assert patched.status_code == 200 and patched.json()["stance"] == "neutral"
    gone = client.delete(path, headers={**pmo.headers, "If-Match": patched.headers["ETag"]})
    assert gone.status_code == 204
    assert client.get(path, headers=pmo.headers).status_code == 404


def test_null_for_required_field_is_422(client, pmo, make_account):
    account = make_account()
    path = f"/api/v1/accounts/{account['id']}"
    response = client.patch(path, json={"name": None}, headers={**pmo.headers, "If-Match": 'W/"1"'})
    assert response.status_code == 422


def test_bid_money_is_decimal_string(client, pmo, make_bid):
    bid = make_bid(value="12345678901234.56", pursuit_budget="0.10")
    assert bid["value"] == "12345678901234.56"
    assert bid["pursuit_budget"] == "0.10"
    fetched = client.get(f"/api/v1/bids/{bid['id']}", headers=pmo.headers).json()
    assert Decimal(fetched["value"]) == Decimal("12345678901234.56")


def test_bid_refuses_bad_money(client, pmo, make_org_unit, make_account):
    base = {
        "title": "x",
        "start_date": "2027-01-04",
        "org_unit_id": make_org_unit()["id"],
        "account_id": make_account()["id"],
    }
    for value in ("-1.00", "1.001", "NaN", "abc", "1" * 20):
        response = client.post("/api/v1/bids", json={**base, "value": value}, headers=pmo.headers)
        assert response.status_code == 422, value


def test_bid_unknown_account_is_422(client, pmo, make_org_unit):
    body = {
        "title": "x",
        "start_date": "2027-01-04",
        "org_unit_id": make_org_unit()["id"],
        "account_id": 2_000_000_000,
    }
    response = client.post("/api/v1/bids", json=body, headers=pmo.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "account_id"


def test_bid_filters(client, pmo, make_bid, make_account):
    account = make_account()
    first = make_bid(account_id=account["id"], stage="analysis")
    make_bid(account_id=account["id"], stage="execution")
    page = client.get(
        f"/api/v1/bids?account_id={account['id']}&stage=analysis", headers=pmo.headers
    ).json()
    assert [b["id"] for b in page["items"]] == [first["id"]]


def test_bid_patch_journaled(client, pmo, make_bid):
    bid = make_bid()
    path = f"/api/v1/bids/{bid['id']}"
    response = client.patch(
        path, json={"title": "改后标题"}, headers={**pmo.headers, "If-Match": 'W/"1"'}
    )
    assert response.status_code == 200
    journal = client.get(f"{path}/journal", headers=pmo.headers).json()["items"]
    change = [e for e in journal if e["field"] == "title" and e["entity"] == "bids"]
    assert change[0]["old_value"] == bid["title"] and change[0]["new_value"] == "改后标题"
    assert change[0]["user_id"] == pmo.id
    assert change[0]["created_at"].endswith(("+00:00", "Z"))


def test_team_members(client, pmo, make_bid, make_user):
    bid = make_bid()
    member = make_user("member")
    base = f"/api/v1/bids/{bid['id']}/team"
    body = {"person_id": member.person_id, "kam_role": "presales_consultant"}
    created = client.post(base, json=body, headers=pmo.headers)
    assert created.status_code == 201
    assert client.post(base, json=body, headers=pmo.headers).status_code == 409
    assert (
        client.post(base, json={**body, "kam_role": "cook"}, headers=pmo.headers).status_code == 422
    )
    assert client.get(base, headers=pmo.headers).json()["total"] == 1
    path = f"/api/v1/team-members/{created.json()['id']}"
    assert (
        client.delete(
            path, headers={**pmo.headers, "If-Match": created.headers["ETag"]}
        ).status_code
        == 204
    )
    assert client.get(base, headers=pmo.headers).json()["total"] == 0


def test_calendar_crud(client, pmo, make_org_unit):
    unit = make_org_unit()
    body = {
        "name": "华东日历",
        "org_unit_id": unit["id"],
        "holidays_country": "CN",
        "exceptions": [{"day": "2027-02-20", "working": True, "note": "调休"}],
    }
    created = client.post("/api/v1/calendars", json=body, headers=pmo.headers)
    assert created.status_code == 201, created.text
    calendar = created.json()
    assert calendar["working_weekdays"] == [0, 1, 2, 3, 4]
    assert calendar["exceptions"][0]["working"] is True
    path = f"/api/v1/calendars/{calendar['id']}"
    patch = {"exceptions": [{"day": "2027-03-01"}, {"day": "2027-03-02"}]}
    response = client.patch(
        path, json=patch, headers={**pmo.headers, "If-Match": created.headers["ETag"]}
    )
    assert response.status_code == 200, response.text
    assert [e["day"] for e in response.json()["exceptions"]] == ["2027-03-01", "2027-03-02"]
    assert response.json()["version"] == 2
    duplicate = {"exceptions": [{"day": "2027-03-01"}, {"day": "2027-03-01"}]}
    stale = client.patch(
        path, json=duplicate, headers={**pmo.headers, "If-Match": response.headers["ETag"]}
    )
    assert stale.status_code == 422
