"""Database plumbing: the declarative ``Base``, column types, engines and sessions.

Every mapped row inherits ``id``, ``version`` (SQLAlchemy's ``version_id_col``: incremented on
every UPDATE, checked in the UPDATE's WHERE clause, so a lost update is impossible),
``created_at`` and ``updated_at`` (aware UTC). Money columns use ``Money`` (NUMERIC(18, 2),
returned as ``Decimal``); a ``Mapped[Decimal]`` annotation picks it automatically.

Services take a ``Session`` and flush; the HTTP layer (or the caller, e.g. the demo loader)
commits. ``SessionDep`` is the FastAPI dependency that hands a request its session.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, Engine, MetaData, Numeric, Table, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

# SQLite stores NUMERIC without a native decimal; Money quantises on the way in and out.
warnings.filterwarnings(
    "ignore", r".*does \*not\* support Decimal objects natively", sa_exc.SAWarning
)

CENT = Decimal("0.01")
WRITE_OPTION = "kampmo_write"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Money(TypeDecorator[Decimal]):
    """NUMERIC(18, 2) as ``Decimal`` quantised to the cent, on every database."""

    impl = Numeric(18, 2, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC timestamp; SQLite (which drops the zone) gets it back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for an aware UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every kampmo table (see the module docstring for the common columns)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        Decimal: Money,
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


@event.listens_for(Table, "after_parent_attach")
def _never_reuse_ids(table: Table, parent: Any) -> None:
    """SQLite reuses the highest id after a delete unless the table is AUTOINCREMENT; kampmo's
    journal names rows by id, so a deleted task's history must never pass to a new task."""
    if parent is Base.metadata:
        table.dialect_kwargs["sqlite_autoincrement"] = True


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def _sqlite_begin(connection: Any) -> None:
    # A write transaction takes SQLite's write lock up front (waiting up to the busy timeout)
    # instead of failing with "database is locked" when upgrading from a stale read snapshot.
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, busy_timeout_ms: int = 10_000) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys on and a busy timeout.

    SQLite transactions are begun by kampmo itself (the driver's own implicit BEGIN is off),
    so that write transactions can be ``BEGIN IMMEDIATE`` (see ``write_session``).
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "isolation_level": None}
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def begin_write(session: Session) -> None:
    """Mark the session's transaction as a writer (SQLite: BEGIN IMMEDIATE). Call it first."""
    if not session.in_transaction():
        session.connection(execution_options={WRITE_OPTION: True})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def get_session(request: Request) -> Iterator[Session]:
    """The request's session; anything not committed by the handler is rolled back."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        if request.method not in READ_METHODS:
            begin_write(session)
        try:
            yield session
        finally:
            session.rollback()


SessionDep = Annotated[Session, Depends(get_session)]
