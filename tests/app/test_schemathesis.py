"""Schemathesis over the whole OpenAPI schema, as the PMO and as a team member.

Every operation gets a bounded number of generated requests (``MAX_EXAMPLES``); each response
must not be a 5xx and must match the schema (status code documented, content type, body).
``KAMPMO_FUZZ_DEEP=1`` adds Schemathesis' coverage phase (boundary and negative values of
every parameter; about three more minutes), which is what found the undocumented 400 of
undecodable bodies and the CSV/XLSX media types of the report.

``test_stateful`` chains calls: Schemathesis infers from the schema which operation's response
feeds which one's path (``POST /accounts`` then ``GET``/``PATCH /accounts/{account_id}``...), and
each write to an existing object is sent with its current ``If-Match`` (read just before), so
the chains reach the writes instead of stopping at 428.

Runs on SQLite and on PostgreSQL: the two refuse different inputs (PostgreSQL rejects a NUL
character in text, checks ``NUMERIC`` precision and string lengths itself), so a value that
one stores quietly can be a database error, hence a 5xx, on the other. The schema is built
once at import (Schemathesis parametrises from it); the database under the app is swapped per
run by ``fuzzed_app``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.cli import db_upgrade
from app.db import make_engine, make_session_factory
from app.main import create_app
from app.settings import Settings
from tests.app.conftest import _postgres_schema_url, postgres_url

MAX_EXAMPLES = 8


FUZZ_FOLDER = Path(tempfile.mkdtemp(prefix="kampmo-fuzz-"))
SQLITE_URL = f"sqlite:///{FUZZ_FOLDER / 'fuzz.db'}"
FUZZ_APP = create_app(Settings(database_url=SQLITE_URL))


def fuzz_schema(*, coverage: bool) -> Any:
    """The app's schema; ``coverage`` adds Schemathesis' deterministic boundary and negative
    cases (every operation's edge values), the bulk of the run's time."""
    loaded = schemathesis.openapi.from_asgi("/openapi.json", FUZZ_APP)
    loaded.config.phases.coverage.enabled = coverage
    return loaded


DEEP = os.environ.get("KAMPMO_FUZZ_DEEP", "") == "1"  # adds the coverage phase (minutes)
pmo_schema = fuzz_schema(coverage=DEEP)
member_schema = fuzz_schema(coverage=DEEP)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def fuzzed_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The schema's app over its own SQLite file or a fresh PostgreSQL schema, migrated."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([SQLITE_URL])
    else:
        urls = _postgres_schema_url(postgres_url())
    url = next(urls)
    db_upgrade(url)
    engine = make_engine(url)
    FUZZ_APP.state.engine = engine
    FUZZ_APP.state.session_factory = make_session_factory(engine)
    try:
        yield FUZZ_APP
    finally:
        engine.dispose()
        next(urls, None)  # drops the PostgreSQL schema
        shutil.rmtree(FUZZ_FOLDER, ignore_errors=True)


@pytest.fixture(scope="module")
def callers(fuzzed_app: Any) -> dict[str, dict[str, str]]:
    """Bearer headers of the demo PMO and of a demo member (on a team of ``lead1``'s)."""
    from app.demo.loader import load_demo

    tokens = load_demo(fuzzed_app.state.session_factory)
    return {
        "pmo": {"Authorization": f"Bearer {tokens['pmo']}"},
        "member": {"Authorization": f"Bearer {tokens['member1']}"},
    }


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pmo_schema.parametrize()
@BOUNDED
def test_as_pmo(case: Any, callers: dict[str, dict[str, str]]) -> None:
    case.call_and_validate(headers=callers["pmo"], checks=CHECKS)


@member_schema.parametrize()
@BOUNDED
def test_as_member(case: Any, callers: dict[str, dict[str, str]]) -> None:
    case.call_and_validate(headers=callers["member"], checks=CHECKS)


STATEFUL = settings(
    max_examples=40,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
    phases=[Phase.generate],
)


def test_stateful(fuzzed_app: Any) -> None:
    """Chains of calls as the PMO: no 5xx, every response as documented; the chains must
    reach objects created earlier in them (a run that only ever got 404s proves nothing).

    The database is not reset between Hypothesis' examples, so an example can find other
    objects than its prefix did in an earlier one; Hypothesis then stops exploring with
    ``FlakyStrategyDefinition``. Every response is therefore checked and its failure recorded
    here, as it comes, and the run's end, however reached, asserts none was recorded."""
    from app.demo.loader import load_demo

    client = TestClient(fuzzed_app)
    # a fresh token: the stateless runs before this one may have revoked the PMO's first
    # (``DELETE /api/v1/tokens/{token_id}`` is in the schema); every call would then be a 401
    headers = {"Authorization": f"Bearer {load_demo(fuzzed_app.state.session_factory)['pmo']}"}
    assert client.get("/api/v1/bids", headers=headers).status_code == 200
    answers: Counter[tuple[str, int]] = Counter()
    failures: list[str] = []

    class Workflow(pmo_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            sent = dict(headers)
            if case.method.upper() in ("PATCH", "PUT", "DELETE"):
                current = client.get(case.formatted_path, headers=headers)
                if current.status_code == 200 and "etag" in current.headers:
                    sent["If-Match"] = current.headers["etag"]
            return {"headers": sent}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            answers[(case.method.upper(), response.status_code // 100)] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as error:  # every check failure, whatever its class
                failures.append(f"{case.method} {case.formatted_path}: {error}")

    try:
        Workflow.run(settings=STATEFUL)
    except FlakyStrategyDefinition:
        pass  # exploration ended early (see above); what ran was checked
    assert not failures, "\n\n".join(failures[:5])
    calls = sum(answers.values())
    assert calls >= 100, answers
    assert answers[("POST", 2)] > 0, answers
    assert answers[("PATCH", 2)] + answers[("DELETE", 2)] > 0, answers
