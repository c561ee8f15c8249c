"""A fresh PostgreSQL schema in the test database, for the tests and the benchmarks alike.

No pytest here: the tests turn an unreachable server into a skip (a failure in CI), the
benchmarks into a row that says so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class PostgresUnreachable(Exception):
    """The test database did not answer; the message says where and why."""


def postgres_url() -> str:
    return os.environ.get("KAMPMO_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def fresh_schema(base_url: str, prefix: str = "kampmo_test") -> Iterator[str]:
    """Creates a schema, yields a URL whose search_path is that schema, drops it after."""
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        engine.dispose()
        where = make_url(base_url).render_as_string()
        raise PostgresUnreachable(f"PostgreSQL unreachable at {where}: {error}") from error
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
