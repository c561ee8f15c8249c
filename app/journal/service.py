"""Writing and reading the journal. Other domains call ``record_changes`` in their writes."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, event, select
from sqlalchemy.orm import Session, SessionTransaction

from app.db import Base
from app.journal.models import JournalEntry

if TYPE_CHECKING:
    from app.auth.models import User


def as_text(value: Any) -> str | None:
    """One stable text form per value: ISO dates, plain decimals, JSON for containers."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


CHANGE_KEY = "kampmo.journal.change_id"


def current_change(session: Session) -> str:
    """The id grouping this transaction's journal entries (new per outermost transaction)."""
    change = session.info.get(CHANGE_KEY)
    if change is None:
        change = session.info[CHANGE_KEY] = uuid.uuid4().hex
    return str(change)


@event.listens_for(Session, "after_transaction_end")
def _end_change(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(CHANGE_KEY, None)


def snapshot(row: Base, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The current values of ``fields`` on ``row`` (take one before and one after a change)."""
    return {name: getattr(row, name) for name in fields}


def record_changes(
    session: Session,
    user: User | None,
    entity: Base,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    bid_id: int | None = None,
) -> list[JournalEntry]:
    """Journal every field whose text form differs between ``before`` and ``after``.

    ``entity`` is the changed row (its table name and id are recorded); a creation passes an
    empty ``before``, a deletion an empty ``after``. Returns the entries added (not flushed).
    """
    entries = []
    for name in sorted(set(before) | set(after)):
        old, new = as_text(before.get(name)), as_text(after.get(name))
        if old == new:
            continue
        entry = JournalEntry(
            user_id=user.id if user is not None else None,
            bid_id=bid_id,
            entity=entity.__tablename__,
            entity_id=entity.id,
            field=name,
            old_value=old,
            new_value=new,
            change_id=current_change(session),
        )
        session.add(entry)
        entries.append(entry)
    return entries


def journal_query(
    *, bid_id: int | None = None, entity: str | None = None, entity_id: int | None = None
) -> Select[tuple[JournalEntry]]:
    statement = select(JournalEntry).order_by(JournalEntry.id.desc())
    if bid_id is not None:
        statement = statement.where(JournalEntry.bid_id == bid_id)
    if entity is not None:
        statement = statement.where(JournalEntry.entity == entity)
    if entity_id is not None:
        statement = statement.where(JournalEntry.entity_id == entity_id)
    return statement
