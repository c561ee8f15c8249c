"""Small helpers every domain's service uses: fetch-or-404 and journaled field updates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from app.db import Base
from app.errors import Invalid, NotFound
from app.journal.service import record_changes

if TYPE_CHECKING:
    from app.auth.models import User

Row = TypeVar("Row", bound=Base)


def get_or_404(session: Session, model: type[Row], row_id: int, label: str | None = None) -> Row:
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{label or model.__tablename__.rstrip('s')} {row_id} not found")
    return row


def reject_nulls(row: Base, changes: Mapping[str, Any]) -> None:
    """Refuse ``null`` for a NOT NULL column with a field error (422), not a database error."""
    columns = row.__table__.columns
    for name, value in changes.items():
        if value is None and name in columns and not columns[name].nullable:
            raise Invalid.field(name, "may not be null")


def apply_changes(
    session: Session,
    user: User | None,
    row: Base,
    changes: Mapping[str, Any],
    *,
    bid_id: int | None = None,
) -> dict[str, Any]:
    """Set ``changes`` on ``row``, journal what really changed, return ``{field: old}``."""
    reject_nulls(row, changes)
    before = {name: getattr(row, name) for name in changes}
    for name, value in changes.items():
        setattr(row, name, value)
    record_changes(session, user, row, before, dict(changes), bid_id=bid_id)
    return {name: old for name, old in before.items() if old != changes[name]}


def record_creation(
    session: Session,
    user: User | None,
    row: Base,
    fields: Mapping[str, Any],
    *,
    bid_id: int | None = None,
) -> None:
    """Journal a new row (flush first so it has an id)."""
    session.flush()
    record_changes(session, user, row, {}, dict(fields), bid_id=bid_id)
