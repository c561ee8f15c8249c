"""The journal's HTTP shapes: an entry as read, and a restore request."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from app.schemas import Id, Input, ORMModel

RestoreScope = Literal["field", "task"]


class JournalRead(ORMModel):
    id: int
    created_at: datetime
    user_id: int | None
    bid_id: int | None
    entity: str
    entity_id: int
    field: str
    old_value: str | None
    new_value: str | None
    change_id: str | None


class RestoreRequest(Input):
    """``journal_id``: an entry of the task. ``scope``: ``field`` puts back that entry's field
    as it was before the entry; ``task`` puts back every field as it was before the entry
    (the task's state just before that change)."""

    journal_id: Id
    scope: RestoreScope = "field"
