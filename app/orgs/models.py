"""Org units (the group, subsidiaries, regions) and people (the staff directory)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

ORG_UNIT_KINDS = ("group", "subsidiary", "region", "department")


class OrgUnit(Base):
    __tablename__ = "org_units"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="subsidiary")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    holidays_country: Mapped[str | None] = mapped_column(String(8))


class Person(Base):
    """Somebody who can own tasks or sit on a bid team; may or may not have a login (``User``)."""

    __tablename__ = "people"

    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    title: Mapped[str | None] = mapped_column(String(200))
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
