"""Who sees and changes which bid: 404 for bids the caller may not know, 403 for seen-but-not-
writable, and list endpoints showing only what the caller may read."""

from __future__ import annotations

import pytest


@pytest.fixture
def world(make_user, make_bid, make_org_unit, add_team_member):
    unit = make_org_unit()
    lead1, lead2 = make_user("lead"), make_user("lead")
    member = make_user("member")
    viewer = make_user("viewer", org_unit_id=unit["id"])
    outsider_viewer = make_user("viewer")
    finance = make_user("finance")
    bid1 = make_bid(lead=lead1, org_unit_id=unit["id"])
    bid2 = make_bid(lead=lead2)
    add_team_member(bid1["id"], member)
    return {
        "lead1": lead1,
        "lead2": lead2,
        "member": member,
        "viewer": viewer,
        "outsider_viewer": outsider_viewer,
        "finance": finance,
        "bid1": bid1,
        "bid2": bid2,
    }


# (user, bid) -> expected GET status and PATCH status (PATCH with a correct If-Match)
MATRIX = [
    ("lead1", "bid1", 200, 200),
    ("lead1", "bid2", 404, 404),
    ("lead2", "bid1", 404, 404),
    ("lead2", "bid2", 200, 200),
    ("member", "bid1", 200, 403),
    ("member", "bid2", 404, 404),
    ("viewer", "bid1", 200, 403),
    ("viewer", "bid2", 404, 404),
    ("outsider_viewer", "bid1", 404, 404),
    ("finance", "bid1", 200, 403),
    ("finance", "bid2", 200, 403),
]


@pytest.mark.parametrize(("who", "which", "read", "write"), MATRIX)
def test_bid_access_matrix(client, world, who, which, read, write):
    user, bid = world[who], world[which]
    path = f"/api/v1/bids/{bid['id']}"
    assert client.get(path, headers=user.headers).status_code == read
    headers = {**user.headers, "If-Match": f'W/"{bid["version"]}"'}
    assert client.patch(path, json={"title": "改名投标"}, headers=headers).status_code == write
    for sub in ("tasks", "dependencies", "schedule", "team", "baselines"):
        assert client.get(f"{path}/{sub}", headers=user.headers).status_code == read, sub


def test_lists_show_only_readable_bids(client, world):
    def ids(user):
        page = client.get("/api/v1/bids?limit=1000", headers=user.headers).json()
        return {b["id"] for b in page["items"]}

    bid1, bid2 = world["bid1"]["id"], world["bid2"]["id"]
    assert bid1 in ids(world["lead1"]) and bid2 not in ids(world["lead1"])
    assert bid2 in ids(world["lead2"]) and bid1 not in ids(world["lead2"])
    assert ids(world["member"]) == {bid1}
    assert {bid1, bid2} <= ids(world["finance"])
    assert bid1 not in ids(world["outsider_viewer"])


def test_lead_creates_only_own_bids(client, world, make_org_unit, make_account):
    lead1, lead2 = world["lead1"], world["lead2"]
    body = {
        "title": "新项目",
        "start_date": "2027-01-04",
        "org_unit_id": make_org_unit()["id"],
        "account_id": make_account()["id"],
    }
    mine = client.post("/api/v1/bids", json=body, headers=lead1.headers)
    assert mine.status_code == 201 and mine.json()["lead_id"] == lead1.person_id
    theirs = client.post(
        "/api/v1/bids", json={**body, "lead_id": lead2.person_id}, headers=lead1.headers
    )
    assert theirs.status_code == 403
    for role in ("member", "viewer", "finance"):
        assert (
            client.post(
                "/api/v1/bids",
                json=body,
                headers=world[role if role != "viewer" else "viewer"].headers,
            ).status_code
            == 403
        )


def test_lead_cannot_hand_bid_over(client, world):
    lead1, lead2, bid = world["lead1"], world["lead2"], world["bid1"]
    headers = {**lead1.headers, "If-Match": f'W/"{bid["version"]}"'}
    response = client.patch(
        f"/api/v1/bids/{bid['id']}", json={"lead_id": lead2.person_id}, headers=headers
    )
    assert response.status_code == 403


def test_only_pmo_manages_users_and_reads_whole_journal(client, world, pmo):
    for role in ("lead1", "member", "finance", "viewer"):
        assert client.get("/api/v1/users", headers=world[role].headers).status_code == 403
        assert client.get("/api/v1/journal", headers=world[role].headers).status_code == 403
    assert client.get("/api/v1/users", headers=pmo.headers).status_code == 200
    assert client.get("/api/v1/journal", headers=pmo.headers).status_code == 200


def test_password_login_service(make_user, db_session):
    from app.auth.service import authenticate, issue_token, resolve_token

    user = make_user("lead", password="correct horse battery")
    found = authenticate(db_session, user.username, "correct horse battery")
    assert found is not None and found.id == user.id
    assert authenticate(db_session, user.username, "wrong password") is None
    assert authenticate(db_session, "nobody-" + user.username, "x") is None
    session_token = issue_token(db_session, found, kind="session")
    db_session.commit()
    assert resolve_token(db_session, session_token, kind="session").id == user.id
    assert resolve_token(db_session, session_token, kind="api") is None


def test_session_cookie_authenticates(client, make_user, db_session):
    from app.auth.models import User
    from app.auth.service import issue_token

    user = make_user("pmo")
    secret = issue_token(db_session, db_session.get(User, user.id), kind="session")
    db_session.commit()
    client.cookies.set("kampmo_session", secret)
    try:
        assert client.get("/api/v1/me").json()["id"] == user.id
    finally:
        client.cookies.clear()


def test_expired_token_refused(client, make_user, db_session):
    from datetime import timedelta

    from app.auth.models import User
    from app.auth.service import issue_token

    user = make_user("pmo")
    secret = issue_token(db_session, db_session.get(User, user.id), lifetime=timedelta(seconds=-1))
    db_session.commit()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
