"""Alembic: upgrade to head, down to base, up again, on SQLite and PostgreSQL; the migrated
schema matches the models."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from app.cli import db_downgrade, db_upgrade
from app.models_registry import metadata


@pytest.fixture
def empty_db_url(db_url, tmp_path, request):
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'migrate.db'}"
    from tests.app.conftest import _postgres_schema_url, postgres_url

    generator = _postgres_schema_url(postgres_url())
    url = next(generator)
    request.addfinalizer(lambda: next(generator, None))
    return url


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_db_url):
    db_upgrade(empty_db_url)
    expected = set(metadata.tables)
    assert expected <= table_names(empty_db_url)
    db_downgrade(empty_db_url, "base")
    assert table_names(empty_db_url) <= {"alembic_version"}
    db_upgrade(empty_db_url)
    assert expected <= table_names(empty_db_url)


def test_migration_matches_models(empty_db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db_upgrade(empty_db_url)
    engine = create_engine(empty_db_url)
    try:
        with engine.connect() as connection:
            # Procrastinate's queue tables (PostgreSQL) are its own, not kampmo's models
            context = MigrationContext.configure(
                connection,
                opts={
                    "include_name": lambda name, type_, parent: (
                        not str(name).startswith("procrastinate_")
                    )
                },
            )
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == [], "models changed: add a migration to alembic/versions"


def test_sqlite_pragmas(tmp_path):
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}", busy_timeout_ms=1234)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 1234
    engine.dispose()


@pytest.mark.postgres
def test_tasks_leave_room_for_in_place_updates_on_postgresql(request):
    """Recomputes rewrite task rows; PostgreSQL keeps 30 % of each page free for them (HOT)."""
    from sqlalchemy import text

    from tests.app.conftest import _postgres_schema_url, postgres_url

    generator = _postgres_schema_url(postgres_url())
    url = next(generator)
    request.addfinalizer(lambda: next(generator, None))
    db_upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            options = connection.execute(
                text("SELECT reloptions FROM pg_class WHERE oid = 'tasks'::regclass")
            ).scalar()
    finally:
        engine.dispose()
    assert options == ["fillfactor=70"]


def test_down_and_up_again_keeps_every_row(empty_db_url):
    """SQLite changes a table by rebuilding it; with foreign keys on, dropping the old
    ``bids`` cascaded to every task and link (the 0002 downgrade did that once)."""
    from sqlalchemy import text

    from app.demo.loader import load_demo
    from app.main import create_app
    from app.settings import Settings

    db_upgrade(empty_db_url)
    application = create_app(Settings(database_url=empty_db_url))
    load_demo(application.state.session_factory)
    application.state.engine.dispose()
    tables = ("bids", "tasks", "dependencies", "budget_lines", "cost_entries", "journal")

    def counts() -> dict[str, int]:
        engine = create_engine(empty_db_url)
        try:
            with engine.connect() as connection:
                return {
                    table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                    for table in tables
                }
        finally:
            engine.dispose()

    loaded = counts()
    assert loaded["tasks"] > 0 and loaded["dependencies"] > 0
    db_downgrade(empty_db_url, "0001")
    assert counts() == loaded
    db_upgrade(empty_db_url)
    assert counts() == loaded
