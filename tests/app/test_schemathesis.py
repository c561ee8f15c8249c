"""Schemathesis over the whole OpenAPI schema, as the PMO and as a team member.

Every operation gets a bounded number of generated requests (``MAX_EXAMPLES``); each response
must not be a 5xx and must match the schema (status code documented, content type, body).
``KAMPMO_FUZZ_DEEP=1`` adds Schemathesis' coverage phase (boundary and negative values of
every parameter; about three more minutes), which is what found the undocumented 400 of
undecodable bodies and the CSV/XLSX media types of the report. Runs
on SQLite only: the property is about the HTTP layer (validation, errors, schemas), and a
PostgreSQL run of the same cases multiplies the time without reaching different code.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.cli import db_upgrade
from app.main import create_app
from app.settings import Settings

MAX_EXAMPLES = 8


FUZZ_FOLDER = Path(tempfile.mkdtemp(prefix="kampmo-fuzz-"))
FUZZ_APP = create_app(Settings(database_url=f"sqlite:///{FUZZ_FOLDER / 'fuzz.db'}"))


def fuzz_schema(*, coverage: bool) -> Any:
    """The app's schema; ``coverage`` adds Schemathesis' deterministic boundary and negative
    cases (every operation's edge values), the bulk of the run's time."""
    loaded = schemathesis.openapi.from_asgi("/openapi.json", FUZZ_APP)
    loaded.config.phases.coverage.enabled = coverage
    return loaded


DEEP = os.environ.get("KAMPMO_FUZZ_DEEP", "") == "1"  # adds the coverage phase (minutes)
pmo_schema = fuzz_schema(coverage=DEEP)
member_schema = fuzz_schema(coverage=DEEP)


@pytest.fixture(scope="module")
def fuzzed_app() -> Iterator[Any]:
    """The schema's app over its own SQLite file, migrated (import time only builds it)."""
    db_upgrade(str(FUZZ_APP.state.settings.database_url))
    yield FUZZ_APP
    FUZZ_APP.state.engine.dispose()
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
