"""The journal: who changed which field of what, when, from what to what.

``change_id`` groups the entries written by one transaction (one request's change, e.g. the
several fields of one PATCH or a deletion's snapshot), so a restore can go back to just before
a whole change rather than before one of its fields.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class JournalEntry(Base):
    __tablename__ = "journal"

    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    bid_id: Mapped[int | None] = mapped_column(index=True)  # no FK: history outlives the bid
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(index=True)
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    change_id: Mapped[str | None] = mapped_column(String(32), index=True)
