"""The service foundation through HTTP: health, auth, problem+json, ETags, pagination."""

from __future__ import annotations

from tests.app.conftest import etag_of, unique

PROBLEM = "application/problem+json"


def test_health_needs_no_token(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_missing_token_is_401_problem(client):
    response = client.get("/api/v1/bids")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 401 and body["instance"] == "/api/v1/bids"
    assert {"type", "title", "detail"} <= body.keys()


def test_bad_and_revoked_tokens_are_refused(client, make_user):
    user = make_user("pmo")
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer kmp_nope"}).status_code == 401
    me = client.get("/api/v1/me", headers=user.headers)
    assert me.status_code == 200 and me.json()["username"] == user.username
    tokens = client.get("/api/v1/tokens", headers=user.headers).json()["items"]
    assert (
        client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=user.headers).status_code == 204
    )
    assert client.get("/api/v1/me", headers=user.headers).status_code == 401


def test_token_is_stored_hashed(client, make_user, db_session):
    from sqlalchemy import select

    from app.auth.models import ApiToken

    user = make_user("viewer")
    stored = db_session.scalars(
        select(ApiToken.token_hash).where(ApiToken.user_id == user.id)
    ).all()
    assert stored and user.token not in stored
    import hashlib

    assert hashlib.sha256(user.token.encode()).hexdigest() in stored


def test_issue_a_new_token(client, make_user):
    """Minting needs a fresh sign-in: a bearer token sends its user's password (issue 13)."""
    user = make_user("lead", password="correct horse 电池 staple")
    body = {"name": "ci", "days": 1, "password": "correct horse 电池 staple"}
    response = client.post("/api/v1/tokens", json=body, headers=user.headers)
    assert response.status_code == 201
    new = {"Authorization": f"Bearer {response.json()['token']}"}
    assert client.get("/api/v1/me", headers=new).json()["id"] == user.id


def test_validation_error_is_problem_with_field_errors(client, pmo):
    response = client.post(
        "/api/v1/accounts", json={"name": "", "tier": "gold"}, headers=pmo.headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"name", "tier"} <= fields


def test_unknown_fields_are_refused(client, pmo):
    body = {"name": unique("客户"), "id": 5, "version": 9}
    response = client.post("/api/v1/accounts", json=body, headers=pmo.headers)
    assert response.status_code == 422


def test_malformed_json_is_422_not_500(client, pmo):
    headers = {**pmo.headers, "content-type": "application/json"}
    response = client.post("/api/v1/accounts", content=b"{not json", headers=headers)
    assert response.status_code == 422


def test_huge_body_is_413(client, pmo):
    body = b"x" * (10 * 1024 * 1024 + 1)
    headers = {**pmo.headers, "content-type": "application/json"}
    response = client.post("/api/v1/accounts", content=body, headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)


def test_unknown_route_is_404_problem(client, pmo):
    response = client.get("/api/v1/nothing-here", headers=pmo.headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


def test_out_of_range_id_is_422(client, pmo):
    assert client.get(f"/api/v1/bids/{2**40}", headers=pmo.headers).status_code == 422
    assert client.get("/api/v1/bids/0", headers=pmo.headers).status_code == 422


def test_etag_and_if_match(client, pmo, make_account):
    account = make_account()
    path = f"/api/v1/accounts/{account['id']}"
    etag = etag_of(client, path, pmo.headers)
    assert etag == 'W/"1"'
    missing = client.patch(path, json={"region": "华东"}, headers=pmo.headers)
    assert missing.status_code == 428
    ok = client.patch(path, json={"region": "华东"}, headers={**pmo.headers, "If-Match": etag})
    assert ok.status_code == 200 and ok.headers["ETag"] == 'W/"2"'
    assert ok.json()["version"] == 2
    stale = client.patch(path, json={"region": "华南"}, headers={**pmo.headers, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith(PROBLEM)
    assert client.get(path, headers=pmo.headers).json()["region"] == "华东"


def test_pagination_limits(client, pmo, make_person):
    for _ in range(3):
        make_person()
    page = client.get("/api/v1/people?limit=2&offset=0", headers=pmo.headers).json()
    assert len(page["items"]) == 2 and page["total"] >= 3
    everything = client.get("/api/v1/people?limit=1000", headers=pmo.headers)
    assert everything.status_code == 200
    assert client.get("/api/v1/people?limit=1001", headers=pmo.headers).status_code == 422
    assert client.get("/api/v1/people?offset=-1", headers=pmo.headers).status_code == 422


def test_huge_chunked_body_is_413(client, pmo):
    def chunks():
        for _ in range(11):
            yield b"x" * (1024 * 1024)

    headers = {**pmo.headers, "content-type": "application/json"}
    response = client.post("/api/v1/accounts", content=chunks(), headers=headers)
    assert response.status_code == 413
