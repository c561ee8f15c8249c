"""Key accounts and their stakeholders."""

from __future__ import annotations

from sqlalchemy import ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

DECISION_ROLES = ("decision_maker", "influencer", "gatekeeper", "user")
STANCES = ("champion", "supporter", "neutral", "skeptic", "opponent")
TIERS = ("strategic", "key", "growth", "standard")


class Account(Base):
    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    # 统一社会信用代码: unique when given (NULLs do not collide in a unique constraint)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    tier: Mapped[str] = mapped_column(String(20), default="standard")
    region: Mapped[str | None] = mapped_column(String(100))
    parent_group: Mapped[str | None] = mapped_column(String(200))


class Stakeholder(Base):
    __tablename__ = "stakeholders"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    decision_role: Mapped[str] = mapped_column(String(20))
    influence: Mapped[int] = mapped_column(SmallInteger, default=3)
    stance: Mapped[str] = mapped_column(String(20), default="neutral")
