"""Issue 13's sign-in and session attacks, kept closed: throttling, revocation, token minting,
token lifetime, the password policy.

Every test signs in from its own client address (``TestClient(client=...)``), so the failures
one test counts never throttle another; time moves by patching ``app.auth.throttle.clock``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth import throttle
from app.db import utcnow
from tests.app.conftest import TestUser, etag_of, unique
from tests.app.test_pages import login

PASSWORD = "correct horse 电池 staple"
NEW_PASSWORD = "另一匹马 battery staple 2027"
_addresses = itertools.count(1)


@pytest.fixture
def address_client(app: Any) -> Iterator[Callable[[], TestClient]]:
    """Clients, each from an address of its own."""
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(
            app, raise_server_exceptions=False, client=(f"203.0.113.{next(_addresses)}", 4000)
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """The throttle's clock, stopped; ``advance(seconds)`` moves it forward."""
    start, offset = utcnow(), [dt.timedelta(0)]
    monkeypatch.setattr(throttle, "clock", lambda: start + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += dt.timedelta(seconds=seconds)

    return advance


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import app.auth.service as service

    calls: list[str] = []
    real = service.verify_password

    def counted(password_hash: str | None, password: str) -> bool:
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(service, "verify_password", counted)
    return calls


# --- login throttling -----------------------------------------------------------------------


def test_wrong_passwords_back_off_exponentially_to_a_bound(
    address_client, make_user, clock, argon2_calls
):
    user = make_user("lead", password=PASSWORD)
    client = address_client()
    statuses = [login(client, user.username, "wrong password").status_code for _ in range(5)]
    assert statuses == [401] * 5
    waits = []
    for _ in range(12):
        throttled = login(client, user.username, "wrong password")
        assert throttled.status_code == 429, throttled.text
        waits.append(int(throttled.headers["Retry-After"]))
        calls = len(argon2_calls)
        assert login(client, user.username, PASSWORD).status_code == 429  # even the right one
        assert len(argon2_calls) == calls, "a throttled attempt must not run argon2"
        clock(waits[-1])
        assert login(client, user.username, "wrong password").status_code == 401
    assert waits[:6] == [1, 2, 4, 8, 16, 32]
    assert max(waits) == 900 and waits[-1] == 900  # 15 minutes at most, however long it goes on
    assert "登录失败次数过多" in throttled.text


def test_the_back_off_is_per_address_and_a_success_clears_it(address_client, make_user, clock):
    user = make_user("lead", password=PASSWORD)
    attacker, owner = address_client(), address_client()
    for _ in range(6):
        login(attacker, user.username, "wrong password")
    assert login(attacker, user.username, PASSWORD).status_code == 429
    assert login(owner, user.username, PASSWORD).status_code == 303  # the user's own address
    clock(2)
    assert login(attacker, user.username, PASSWORD).status_code == 303
    statuses = [login(attacker, user.username, "wrong password").status_code for _ in range(5)]
    assert statuses == [401] * 5  # the success started the count afresh


def test_an_address_spraying_usernames_is_throttled(address_client, make_user, clock):
    client = address_client()
    statuses = [login(client, unique("nobody"), "wrong password").status_code for _ in range(20)]
    assert statuses == [401] * 20
    user = make_user("lead", password=PASSWORD)
    throttled = login(client, user.username, PASSWORD)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1


def test_a_distributed_guesser_cannot_lock_the_user_out(address_client, make_user, clock):
    """50 failures from 50 addresses back the account off for new addresses, but not for the
    address the user signed in from before; the back-off ends, and the PMO lifts it at once."""
    user = make_user("lead", password=PASSWORD)
    home = address_client()
    assert login(home, user.username, PASSWORD).status_code == 303
    for _ in range(51):
        login(address_client(), user.username, "wrong password")
    stranger = address_client()
    blocked = login(stranger, user.username, PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) <= 900
    assert login(home, user.username, PASSWORD).status_code == 303  # the user still gets in
    clock(901)
    assert login(address_client(), user.username, PASSWORD).status_code == 303


def test_the_pmo_lifts_a_lockout(address_client, make_user, pmo, clock):
    user = make_user("lead", password=PASSWORD)
    client = address_client()
    for _ in range(8):
        login(client, user.username, "wrong password")
    assert login(client, user.username, PASSWORD).status_code == 429
    api = address_client()
    listed = api.get("/api/v1/login-throttles", params={"limit": 1000}, headers=pmo.headers)
    mine = [row for row in listed.json()["items"] if row["username"] == user.username]
    assert {row["kind"] for row in mine} == {"pair", "account"}
    assert max(row["failures"] for row in mine) == 5  # attempts while backed off do not count
    assert (
        api.post(f"/api/v1/users/{user.id}/unlock", headers=make_user("lead").headers).status_code
        == 403
    )
    assert api.post(f"/api/v1/users/{user.id}/unlock", headers=pmo.headers).status_code == 204
    assert login(client, user.username, PASSWORD).status_code == 303


def test_failures_are_forgotten_after_a_day(address_client, make_user, clock):
    user = make_user("lead", password=PASSWORD)
    client = address_client()
    for _ in range(4):
        login(client, user.username, "wrong password")
    clock(24 * 3600 + 1)
    statuses = [login(client, user.username, "wrong password").status_code for _ in range(5)]
    assert statuses == [401] * 5


# --- a password change or a disabled user ends sessions and tokens --------------------------


def _patch_user(client: TestClient, pmo: TestUser, user_id: int, body: dict[str, Any]) -> Any:
    path = f"/api/v1/users/{user_id}"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    return client.patch(path, json=body, headers=headers)


def _security_policy(client: TestClient, pmo: TestUser, **body: Any) -> Any:
    path = "/api/v1/security-policy"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    response = client.patch(path, json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_password_reset_ends_sessions_and_tokens(address_client, make_user, pmo):
    user = make_user("lead", password=PASSWORD)
    browser, api = address_client(), address_client()
    assert login(browser, user.username, PASSWORD).status_code == 303
    assert browser.get("/api/v1/me").status_code == 200  # the session cookie
    assert api.get("/api/v1/me", headers=user.headers).status_code == 200  # the API token
    assert _patch_user(api, pmo, user.id, {"password": NEW_PASSWORD}).status_code == 200
    assert browser.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/me", headers=user.headers).status_code == 401
    assert login(browser, user.username, PASSWORD).status_code == 401
    assert login(browser, user.username, NEW_PASSWORD).status_code == 303


def test_by_policy_a_password_reset_keeps_api_tokens(address_client, make_user, pmo):
    api = address_client()
    _security_policy(api, pmo, revoke_tokens_on_password_change=False)
    try:
        user = make_user("lead", password=PASSWORD)
        browser = address_client()
        login(browser, user.username, PASSWORD)
        assert _patch_user(api, pmo, user.id, {"password": NEW_PASSWORD}).status_code == 200
        assert browser.get("/api/v1/me").status_code == 401  # sessions always end
        assert api.get("/api/v1/me", headers=user.headers).status_code == 200
    finally:
        _security_policy(api, pmo, revoke_tokens_on_password_change=True)


def test_a_disabled_user_stays_out_when_enabled_again(address_client, make_user, pmo):
    user = make_user("member", password=PASSWORD)
    browser, api = address_client(), address_client()
    login(browser, user.username, PASSWORD)
    assert _patch_user(api, pmo, user.id, {"active": False}).status_code == 200
    assert _patch_user(api, pmo, user.id, {"active": True}).status_code == 200
    assert browser.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/me", headers=user.headers).status_code == 401


def test_changing_your_own_password(address_client, make_user):
    user = make_user("member", password=PASSWORD)
    browser = address_client()
    login(browser, user.username, PASSWORD)
    wrong = browser.put(
        "/api/v1/me/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 403
    weak = browser.put(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "password1234"}
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
    done = browser.put(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 204, done.text
    assert browser.get("/api/v1/me").status_code == 401  # sign in again
    assert browser.get("/api/v1/me", headers=user.headers).status_code == 401
    assert login(browser, user.username, NEW_PASSWORD).status_code == 303


# --- minting tokens needs a fresh sign-in; lifetimes have the PMO's maximum -----------------


def test_a_stale_session_or_a_bare_token_cannot_mint_a_token(
    address_client, make_user, monkeypatch
):
    import app.auth.router as router

    user = make_user("lead", password=PASSWORD)
    browser = address_client()
    login(browser, user.username, PASSWORD)
    fresh = browser.post("/api/v1/tokens", json={"name": "fresh"})
    assert fresh.status_code == 201, fresh.text
    minted = fresh.json()["token"]
    later = utcnow() + dt.timedelta(minutes=11)
    monkeypatch.setattr(router, "utcnow", lambda: later)
    stale = browser.post("/api/v1/tokens", json={"name": "stale", "days": 3650})
    assert stale.status_code == 403 and stale.json()["reauthenticate"] is True
    bare = browser.post(
        "/api/v1/tokens", json={"name": "chain"}, headers={"Authorization": f"Bearer {minted}"}
    )
    assert bare.status_code == 403
    wrong = browser.post(
        "/api/v1/tokens", json={"password": "not my password"}, headers=user.headers
    )
    assert wrong.status_code == 403
    again = browser.post("/api/v1/tokens", json={"password": PASSWORD}, headers=user.headers)
    assert again.status_code == 201, again.text


def test_token_lifetime_has_the_pmo_maximum(address_client, make_user, pmo):
    api = address_client()
    user = make_user("lead", password=PASSWORD)
    mint = {"password": PASSWORD}
    default = api.post("/api/v1/tokens", json=mint, headers=user.headers).json()
    created = dt.datetime.fromisoformat(default["created_at"])
    lifetime = dt.datetime.fromisoformat(default["expires_at"]) - created
    assert abs(lifetime - dt.timedelta(days=90)) < dt.timedelta(minutes=1)
    too_long = api.post("/api/v1/tokens", json={**mint, "days": 91}, headers=user.headers)
    assert too_long.status_code == 422 and "90" in too_long.json()["detail"]
    assert _security_policy(api, pmo)["token_max_days"] == 90
    try:
        _security_policy(api, pmo, token_max_days=30)
        capped = api.get("/api/v1/tokens", params={"limit": 1000}, headers=user.headers).json()
        mine = next(t for t in capped["items"] if t["id"] == default["id"])
        capped_lifetime = dt.datetime.fromisoformat(mine["expires_at"]) - created
        assert capped_lifetime <= dt.timedelta(days=30), "a lowered maximum shortens live tokens"
        refused = api.post("/api/v1/tokens", json={**mint, "days": 31}, headers=user.headers)
        assert refused.status_code == 422
    finally:
        _security_policy(api, pmo, token_max_days=90)


# --- the password policy --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("12345678", "at least 12"),
        ("kampmo-demo", "at least 12"),
        ("123456789012", "common"),
        ("password1234", "common"),
        ("qwertyuiopasdf", "common"),
        ("aaaaaaaaaaaaaaaa", "guess"),
    ],
)
def test_weak_passwords_are_refused(client, pmo, password, says):
    body = {"username": unique("weak"), "display_name": "弱口令", "password": password}
    response = client.post("/api/v1/users", json=body, headers=pmo.headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["field"] == "password" and says in problem["detail"]
    assert "密码" in problem["detail"]


def test_a_password_naming_its_user_is_refused(client, pmo):
    username = unique("zhangwei")
    body = {"username": username, "display_name": "张伟", "password": f"{username}{username}"}
    assert client.post("/api/v1/users", json=body, headers=pmo.headers).status_code == 422


def test_a_strong_password_is_accepted_and_a_weak_reset_changes_nothing(
    address_client, make_user, pmo
):
    api = address_client()
    body = {"username": unique("strong"), "display_name": "强口令", "password": PASSWORD}
    created = api.post("/api/v1/users", json=body, headers=pmo.headers)
    assert created.status_code == 201, created.text
    refused = _patch_user(api, pmo, created.json()["id"], {"password": "12345678"})
    assert refused.status_code == 422
    assert login(address_client(), body["username"], PASSWORD).status_code == 303
