"""A refusal comes before the 422 (``app.guards``): every operation that takes a body, for
every role (and anonymous) on the own and the other bid of the authorization matrix, sent a
malformed body, answers what the matrix says it answers to a good body when that is a refusal
(401/403/404), and 422 when the caller may make the call. The malformed bodies: JSON that does
not parse, and JSON of the wrong shape (an array)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app.test_authz_matrix import (
    MATRIX,
    OK,
    ROLES,
    WHICH,
    Entry,
    Outcome,
    World,
    _expected,
    world,  # noqa: F401  (the matrix's cast, a fixture)
)

MALFORMED: dict[str, dict[str, Any]] = {
    "unparsable": {"content": b'{"name": ', "headers": {"Content-Type": "application/json"}},
    "wrong shape": {"json": []},
}


def body_operations(app: Any) -> list[str]:
    return sorted(
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/api/") and "requestBody" in operation
    )


def _answer(entry: Entry, role: str, which: str) -> set[int]:
    expected: Outcome = _expected(entry, role, which)
    if expected == OK:
        return {422}
    assert isinstance(expected, int)
    return {expected}


def _send_malformed(cast: World, role: str, entry: Entry, which: str, kind: str) -> Any:
    request = entry.build(cast, role, which)
    headers = dict(cast.users[role].headers) if role != "anonymous" else {}
    if request.if_match is not None:
        headers["If-Match"] = request.if_match
    body = MALFORMED[kind]
    headers.update(body.get("headers", {}))
    return cast.client.request(
        request.method,
        request.path,
        content=body.get("content"),
        json=body.get("json"),
        params=request.params,
        headers=headers,
    )


def test_the_bodies_are_all_in_the_matrix(app: Any) -> None:
    operations = body_operations(app)
    assert len(operations) >= 40
    assert set(operations) <= set(MATRIX)


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_a_refusal_comes_before_the_422(app: Any, world: World, kind: str) -> None:  # noqa: F811
    wrong = []
    cells = 0
    for operation in body_operations(app):
        entry = MATRIX[operation]
        for role in ROLES:
            for which in WHICH if entry.per_bid else ("own",):
                expected = _answer(entry, role, which)
                response = _send_malformed(world, role, entry, which, kind)
                cells += 1
                if response.status_code not in expected:
                    wrong.append(
                        f"{operation} {role} {which}: expected {sorted(expected)}, got "
                        f"{response.status_code} {response.text[:120]}"
                    )
                else:
                    assert response.headers["content-type"].startswith("application/problem+json")
    assert cells > 300
    assert not wrong, "\n".join(wrong)


def test_an_invalid_id_in_the_path_is_a_422_for_the_signed_in_and_a_401_for_others(
    world: World,  # noqa: F811
) -> None:
    for path in ("/api/v1/bids/0/tasks", "/api/v1/tasks/abc"):
        method = "POST" if path.endswith("/tasks") else "PATCH"
        signed_in = world.client.request(method, path, json={}, headers=world.users["pmo"].headers)
        assert signed_in.status_code == 422, signed_in.text
        anonymous = world.client.request(method, path, json={})
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.headers["WWW-Authenticate"] == "Bearer"
