"""Cost entries over HTTP: booking, permissions, spending policy and approval, reversals, rates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.app.conftest import TestUser, etag_of


def _book(client: TestClient, user: TestUser, bid_id: int, task_id: int, **fields: Any) -> Any:
    body = {
        "task_id": task_id,
        "category": "travel",
        "entry_date": "2027-03-02",
        "amount": "1200.50",
        **fields,
    }
    return client.post(f"/api/v1/bids/{bid_id}/costs", json=body, headers=user.headers)


def test_finance_books_and_lists_costs(
    client: TestClient,
    make_user: Callable[..., TestUser],
    make_bid: Callable[..., dict[str, Any]],
    make_task: Callable[..., dict[str, Any]],
) -> None:
    finance = make_user("finance")
    bid = make_bid()
    task = make_task(bid["id"])
    created = _book(
        client, finance, bid["id"], task["id"],
        payee="国航", description="北京—上海 往返机票", receipt_ref="INV-001",
    )  # fmt: skip
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["status"] == "approved"
    assert entry["amount"] == "1200.50"
    assert entry["amount_bid_currency"] == "1200.50"
    assert entry["currency"] == "CNY"
    assert entry["description"] == "北京—上海 往返机票"
    assert entry["entered_by_id"] == finance.id
    assert created.headers["ETag"]
    for day in ("2027-03-03", "2027-03-04"):
        assert _book(client, finance, bid["id"], task["id"], entry_date=day).status_code == 201
    page = client.get(
        f"/api/v1/bids/{bid['id']}/costs?limit=2&offset=1", headers=finance.headers
    ).json()
    assert page["total"] == 3
    assert [item["entry_date"] for item in page["items"]] == ["2027-03-03", "2027-03-04"]
    one = client.get(f"/api/v1/costs/{entry['id']}", headers=finance.headers)
    assert one.status_code == 200 and one.json()["receipt_ref"] == "INV-001"


def test_bad_input_is_refused(
    client: TestClient,
    make_user: Callable[..., TestUser],
    make_bid: Callable[..., dict[str, Any]],
    make_task: Callable[..., dict[str, Any]],
) -> None:
    finance = make_user("finance")
    bid, other = make_bid(), make_bid()
    task = make_task(bid["id"])
    foreign_task = make_task(other["id"])
    for fields in ({"amount": "-5"}, {"amount": "0"}, {"amount": "1.234"}, {"category": "x"}):
        response = _book(client, finance, bid["id"], task["id"], **fields)
        assert response.status_code == 422, fields
        assert response.headers["content-type"].startswith("application/problem+json")
    response = _book(client, finance, bid["id"], foreign_task["id"])
    assert response.status_code == 422 and "task_id" in response.text
    assert _book(client, finance, bid["id"], task["id"], currency="JPY").status_code == 422


def test_who_may_book(
    client: TestClient,
    make_user: Callable[..., TestUser],
    make_bid: Callable[..., dict[str, Any]],
    make_task: Callable[..., dict[str, Any]],
    add_team_member: Callable[..., dict[str, Any]],
) -> None:
    lead = make_user("lead")
    member = make_user("member")
    outsider = make_user("member")
    bid = make_bid(lead=lead)
    add_team_member(bid["id"], member)
    own_task = make_task(bid["id"], owner_id=member.person_id)
    other_task = make_task(bid["id"])
    assert _book(client, member, bid["id"], own_task["id"]).status_code == 201
    assert _book(client, member, bid["id"], other_task["id"]).status_code == 403
    assert _book(client, lead, bid["id"], other_task["id"]).status_code == 201
    assert _book(client, outsider, bid["id"], own_task["id"]).status_code == 404
    assert client.get(f"/api/v1/bids/{bid['id']}/costs", headers=outsider.headers).status_code == (
        404
    )
    assert client.get(f"/api/v1/bids/{bid['id']}/costs").status_code == 401


def test_caps_need_pmo_approval(
    client: TestClient,
    pmo: TestUser,
    make_user: Callable[..., TestUser],
    make_bid: Callable[..., dict[str, Any]],
    make_task: Callable[..., dict[str, Any]],
) -> None:
    finance = make_user("finance")
    bid = make_bid()
    task = make_task(bid["id"])
    cap = client.post(
        f"/api/v1/bids/{bid['id']}/spending-caps",
        json={"kind": "category", "category": "travel", "amount": "2000.00"},
        headers=pmo.headers,
    )
    assert cap.status_code == 201, cap.text
    first = _book(client, finance, bid["id"], task["id"], amount="1500.00").json()
    assert first["status"] == "approved"
    second = _book(client, finance, bid["id"], task["id"], amount="500.01").json()
    assert second["status"] == "pending_approval"
    assert second["approval_reasons"] == "category_cap"
    dinner = _book(
        client, finance, bid["id"], task["id"], category="client_entertainment", amount="5000.01"
    ).json()
    assert dinner["status"] == "pending_approval"
    assert dinner["approval_reasons"] == "entertainment_threshold"

    path = f"/api/v1/costs/{second['id']}"
    etag = etag_of(client, path, finance.headers)
    approve = f"{path}/approve"
    assert client.post(approve, headers={**finance.headers, "If-Match": etag}).status_code == 403
    assert client.post(approve, headers=pmo.headers).status_code == 428
    assert client.post(approve, headers={**pmo.headers, "If-Match": 'W/"999"'}).status_code == 412
    approved = client.post(approve, headers={**pmo.headers, "If-Match": etag})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by_id"] == pmo.id
    again = client.post(approve, headers={**pmo.headers, "If-Match": approved.headers["ETag"]})
    assert again.status_code == 409
    dinner_path = f"/api/v1/costs/{dinner['id']}"
    rejected = client.post(
        f"{dinner_path}/reject",
        headers={**pmo.headers, "If-Match": etag_of(client, dinner_path, pmo.headers)},
    )
    assert rejected.json()["status"] == "rejected"
    pending = client.get(
        f"/api/v1/bids/{bid['id']}/costs?status=pending_approval", headers=pmo.headers
    ).json()
    assert pending["total"] == 0


def test_corrections_are_reversing_entries(
    client: TestClient,
    make_user: Callable[..., TestUser],
    make_bid: Callable[..., dict[str, Any]],
    make_task: Callable[..., dict[str, Any]],
) -> None:
    finance = make_user("finance")
    bid = make_bid()
    task = make_task(bid["id"])
    original = _book(client, finance, bid["id"], task["id"], amount="880.00").json()
    path = f"/api/v1/costs/{original['id']}"
    headers = {**finance.headers, "If-Match": etag_of(client, path, finance.headers)}
    reversal = client.post(f"{path}/reverse", json={"description": "金额录错"}, headers=headers)
    assert reversal.status_code == 201, reversal.text
    body = reversal.json()
    assert body["amount"] == "-880.00"
    assert body["amount_bid_currency"] == "-880.00"
    assert body["reverses_id"] == original["id"]
    assert "金额录错" in body["description"]
    unchanged = client.get(path, headers=finance.headers).json()
    assert unchanged["amount"] == "880.00"
    assert unchanged["reversed_by_id"] == body["id"]
    assert unchanged["version"] == original["version"]
    headers = {**finance.headers, "If-Match": etag_of(client, path, finance.headers)}
    assert client.post(f"{path}/reverse", json={}, headers=headers).status_code == 409
    reversal_path = f"/api/v1/costs/{body['id']}"
    headers = {**finance.headers, "If-Match": etag_of(client, reversal_path, finance.headers)}
    assert client.post(f"{reversal_path}/reverse", json={}, headers=headers).status_code == 409
    second = _book(client, finance, bid["id"], task["id"], amount="10.00").json()
    second_path = f"/api/v1/costs/{second['id']}"
    headers = {**finance.headers, "If-Match": etag_of(client, second_path, finance.headers)}
    no_body = client.post(f"{second_path}/reverse", headers=headers)
    assert no_body.status_code == 201 and no_body.json()["amount"] == "-10.00"


def test_foreign_currency_is_converted_at_the_entry_date(
    client: TestClient,
    pmo: TestUser,
    make_user: Callable[..., TestUser],
    make_bid: Callable[..., dict[str, Any]],
    make_task: Callable[..., dict[str, Any]],
) -> None:
    finance = make_user("finance")
    rates = [("2027-01-01", "7.1000"), ("2027-03-03", "7.2000")]
    for effective, rate in rates:
        response = client.post(
            "/api/v1/exchange-rates",
            json={"base": "USD", "quote": "CNY", "rate": rate, "effective_date": effective},
            headers=finance.headers,
        )
        assert response.status_code in (201, 409), response.text
    listed = client.get("/api/v1/exchange-rates", headers=finance.headers).json()
    assert listed["total"] >= 2
    bid = make_bid()
    task = make_task(bid["id"])
    early = _book(client, finance, bid["id"], task["id"], amount="100.00", currency="USD")
    late = _book(
        client, finance, bid["id"], task["id"], amount="100.00", currency="USD",
        entry_date="2027-03-10",
    )  # fmt: skip
    assert early.json()["amount_bid_currency"] == "710.00"
    assert late.json()["amount_bid_currency"] == "720.00"
    assert late.json()["amount"] == "100.00" and late.json()["currency"] == "USD"
    huge = _book(
        client, finance, bid["id"], task["id"], amount="9999999999999999.99", currency="USD"
    )
    assert huge.status_code == 422 and "too large" in huge.text
    member = make_user("member")
    response = client.post(
        "/api/v1/exchange-rates",
        json={"base": "EUR", "quote": "CNY", "rate": "7.7", "effective_date": "2027-01-01"},
        headers=member.headers,
    )
    assert response.status_code == 403


def test_spending_caps_rules(
    client: TestClient,
    pmo: TestUser,
    make_user: Callable[..., TestUser],
    make_bid: Callable[..., dict[str, Any]],
    make_task: Callable[..., dict[str, Any]],
) -> None:
    finance = make_user("finance")
    bid, other = make_bid(), make_bid()
    task = make_task(bid["id"])
    foreign = make_task(other["id"])
    path = f"/api/v1/bids/{bid['id']}/spending-caps"

    def post(user: TestUser, **body: Any) -> Any:
        return client.post(path, json=body, headers=user.headers)

    assert post(pmo, kind="work_package", task_id=foreign["id"], amount="1").status_code == 422
    assert post(pmo, kind="category", amount="1").status_code == 422
    assert post(finance, kind="category", category="travel", amount="1").status_code == 403
    cap = post(pmo, kind="work_package", task_id=task["id"], amount="100.00")
    assert cap.status_code == 201, cap.text
    assert post(pmo, kind="work_package", task_id=task["id"], amount="5").status_code == 409
    booked = _book(client, finance, bid["id"], task["id"], category="other", amount="100.01")
    assert booked.json()["approval_reasons"] == "element_cap"
    listed = client.get(path, headers=finance.headers).json()
    assert listed["total"] == 1 and listed["items"][0]["amount"] == "100.00"
    cap_path = f"/api/v1/spending-caps/{cap.json()['id']}"
    assert client.delete(cap_path, headers=pmo.headers).status_code == 428
    deleted = client.delete(cap_path, headers={**pmo.headers, "If-Match": cap.headers["ETag"]})
    assert deleted.status_code == 204
    assert _book(client, finance, bid["id"], task["id"], amount="500").json()["status"] == (
        "approved"
    )
