"""Fixtures for the service tests, shared by every app test module.

Database
- ``db_url`` (session): parametrised over ``sqlite`` (a temp file) and ``postgres``
  (``KAMPMO_TEST_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``;
  marked ``postgres``; each test session works in its own fresh schema, dropped at the end).
  PostgreSQL unreachable: skipped locally with the reason, a failure when ``CI`` is true.
- ``app`` (session): ``create_app()`` over that database, migrated to head with Alembic.
- ``client`` (function): a ``fastapi.testclient.TestClient`` of ``app`` (no auth header).
- ``session_factory`` (session) and ``db_session`` (function): for calling services directly.

The database is shared by the tests of a session: build your own data with the factories
below (they make unique names, codes and usernames) and never assume an empty table.

Factories (function-scoped fixtures returning callables; data goes through the services or the
HTTP API, never raw SQL):
- ``make_user(role="member", *, org_unit_id=None, with_person=True, password=None)``
  -> ``TestUser`` (``id``, ``username``, ``role``, ``person_id``, ``token``, ``headers``).
- ``pmo`` -> a ``TestUser`` with the ``pmo`` role (fresh per test).
- ``make_org_unit(**fields)``, ``make_person(**fields)``, ``make_account(**fields)``
  -> the created resource's JSON (POSTed as a PMO).
- ``make_bid(lead=None, **fields)`` -> bid JSON; creates the org unit and account when not
  given; ``lead`` (a ``TestUser`` with a person) becomes the bid's lead.
- ``make_task(bid_id, **fields)`` -> task JSON; ``make_link(bid_id, pred_id, succ_id, **f)``
  -> dependency JSON; ``add_team_member(bid_id, user, kam_role="sales_rep")``.
- ``etag_of(client, path, headers)`` -> the current ETag of a resource (a GET).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import in_ci
from tests.postgres import PostgresUnreachable, fresh_schema, postgres_url

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}x{uuid.uuid4().hex[:6]}"


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    """A fresh schema in the test database (``tests.postgres.fresh_schema``); an unreachable
    server is a skip here and a failure in CI."""
    schemas = fresh_schema(base_url)
    try:
        url = next(schemas)
    except PostgresUnreachable as error:
        if in_ci():
            pytest.fail(str(error))
        pytest.skip(str(error))
    yield url
    next(schemas, None)


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database URL: SQLite temp file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        folder: Path = tmp_path_factory.mktemp("db")
        yield f"sqlite:///{folder / 'kampmo-test.db'}"
        return
    yield from _postgres_schema_url(postgres_url())


@pytest.fixture(scope="session")
def app(db_url: str) -> Any:
    from app.cli import db_upgrade
    from app.main import create_app
    from app.settings import Settings

    db_upgrade(db_url)
    application = create_app(Settings(database_url=db_url))
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def session_factory(app: Any) -> sessionmaker[Session]:
    return app.state.session_factory


@pytest.fixture
def db_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@dataclass
class TestUser:
    __test__ = False  # not a test class

    id: int
    username: str
    role: str
    person_id: int | None
    token: str
    org_unit_id: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def make_user(session_factory: sessionmaker[Session]) -> Callable[..., TestUser]:
    from app.auth.service import create_user, issue_token
    from app.orgs.service import create_person

    def factory(
        role: str = "member",
        *,
        org_unit_id: int | None = None,
        with_person: bool = True,
        password: str | None = None,
        username: str | None = None,
    ) -> TestUser:
        with session_factory() as session:
            name = username or unique(role)
            person = (
                create_person(session, None, {"name": f"测试 {name}", "name_en": name})
                if with_person
                else None
            )
            user = create_user(
                session,
                name,
                f"用户 {name}",
                role=role,
                password=password,
                org_unit_id=org_unit_id,
                person_id=person.id if person else None,
            )
            token = issue_token(session, user)
            session.commit()
            return TestUser(
                id=user.id,
                username=name,
                role=role,
                person_id=user.person_id,
                token=token,
                org_unit_id=org_unit_id,
                headers={"Authorization": f"Bearer {token}"},
            )

    return factory


@pytest.fixture
def pmo(make_user: Callable[..., TestUser]) -> TestUser:
    return make_user("pmo")


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def make_org_unit(client: TestClient, pmo: TestUser) -> Callable[..., dict[str, Any]]:
    def factory(**fields: Any) -> dict[str, Any]:
        code = unique("OU")
        body = {"code": code, "name": f"事业部 {code}", "name_en": f"Unit {code}", **fields}
        return _created(client.post("/api/v1/org-units", json=body, headers=pmo.headers))

    return factory


@pytest.fixture
def make_person(client: TestClient, pmo: TestUser) -> Callable[..., dict[str, Any]]:
    def factory(**fields: Any) -> dict[str, Any]:
        body = {"name": unique("张三"), **fields}
        return _created(client.post("/api/v1/people", json=body, headers=pmo.headers))

    return factory


@pytest.fixture
def make_account(client: TestClient, pmo: TestUser) -> Callable[..., dict[str, Any]]:
    def factory(**fields: Any) -> dict[str, Any]:
        body = {"name": unique("客户"), "industry": "IT", "tier": "key", **fields}
        return _created(client.post("/api/v1/accounts", json=body, headers=pmo.headers))

    return factory


@pytest.fixture
def make_bid(
    client: TestClient,
    pmo: TestUser,
    make_org_unit: Callable[..., dict[str, Any]],
    make_account: Callable[..., dict[str, Any]],
) -> Callable[..., dict[str, Any]]:
    def factory(lead: TestUser | None = None, **fields: Any) -> dict[str, Any]:
        body = {
            "title": unique("投标 "),
            "start_date": "2027-03-01",
            "value": "1000000.00",
            "pursuit_budget": "50000.00",
            **fields,
        }
        body.setdefault("org_unit_id", make_org_unit()["id"])
        body.setdefault("account_id", make_account()["id"])
        if lead is not None:
            body["lead_id"] = lead.person_id
        if body.get("stage", "lead_in") != "lead_in" or body.get("status", "open") != "open":
            # a bid with a past: the PMO's history import (a new bid starts at lead-in, open)
            body["import_reason"] = "测试：带历史的投标 · test bid with a history"
            imported = client.post("/api/v1/pmo/bid-imports", json=body, headers=pmo.headers)
            return _created(imported)
        return _created(client.post("/api/v1/bids", json=body, headers=pmo.headers))

    return factory


@pytest.fixture
def make_task(client: TestClient, pmo: TestUser) -> Callable[..., dict[str, Any]]:
    def factory(bid_id: int, **fields: Any) -> dict[str, Any]:
        body = {"name": unique("任务 "), "duration_days": 2, **fields}
        return _created(client.post(f"/api/v1/bids/{bid_id}/tasks", json=body, headers=pmo.headers))

    return factory


@pytest.fixture
def make_link(client: TestClient, pmo: TestUser) -> Callable[..., dict[str, Any]]:
    def factory(
        bid_id: int, predecessor_id: int, successor_id: int, **fields: Any
    ) -> dict[str, Any]:
        body = {"predecessor_id": predecessor_id, "successor_id": successor_id, **fields}
        return _created(
            client.post(f"/api/v1/bids/{bid_id}/dependencies", json=body, headers=pmo.headers)
        )

    return factory


@pytest.fixture
def add_team_member(client: TestClient, pmo: TestUser) -> Callable[..., dict[str, Any]]:
    def factory(bid_id: int, user: TestUser, kam_role: str = "sales_rep") -> dict[str, Any]:
        body = {"person_id": user.person_id, "kam_role": kam_role}
        return _created(client.post(f"/api/v1/bids/{bid_id}/team", json=body, headers=pmo.headers))

    return factory


def etag_of(client: TestClient, path: str, headers: dict[str, str]) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]
