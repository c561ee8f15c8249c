"""Key accounts and their stakeholders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, SmallInteger, String, UniqueConstraint
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
    reports_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="SET NULL"), index=True
    )


CONTACT_CHANNELS = (
    "meeting",
    "visit",
    "call",
    "video",
    "email",
    "wechat",
    "dinner",
    "event",
    "other",
)
QUOTE_POLICIES = ("refuse", "arbitrate")
# what counts as a second quote: any open bid of another org unit on the account (``account``)
# or only one for the same product line (``account_and_product_line``)
QUOTE_SCOPES = ("account", "account_and_product_line")
ARBITRATION_STATES = ("pending", "allowed", "rejected", "merged")


class InfluenceLink(Base):
    """``source`` influences ``target`` (both stakeholders of one account)."""

    __tablename__ = "influence_links"
    __table_args__ = (UniqueConstraint("source_id", "target_id", "kind"),)

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    strength: Mapped[int] = mapped_column(SmallInteger, default=2)  # 1 weak .. 3 strong
    kind: Mapped[str] = mapped_column(String(40), default="influences")


class StakeholderCoverage(Base):
    """One of our people covers (owns the relationship with) a stakeholder."""

    __tablename__ = "stakeholder_coverage"
    __table_args__ = (UniqueConstraint("stakeholder_id", "person_id"),)

    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    strength: Mapped[int] = mapped_column(SmallInteger, default=2)  # 1 acquainted .. 3 trusted


class ContactLog(Base):
    """A contact between one of our people and a stakeholder; the latest gives last contact."""

    __tablename__ = "stakeholder_contacts"

    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    contact_date: Mapped[dt.date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(20), default="meeting")
    note: Mapped[str | None] = mapped_column(String(2000))
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class QuotePolicy(Base):
    """The PMO's answer to a second quote for one account: ``refuse`` (409) or ``arbitrate``.

    One row at most; no row means ``refuse``.
    """

    __tablename__ = "quote_policies"

    policy: Mapped[str] = mapped_column(String(20), default="refuse")
    scope: Mapped[str] = mapped_column(String(30), default="account", server_default="account")


class QuoteArbitration(Base):
    """A bid held for the PMO because another org unit already quotes the account."""

    __tablename__ = "quote_arbitrations"

    bid_id: Mapped[int] = mapped_column(
        ForeignKey("bids.id", ondelete="CASCADE"), unique=True, index=True
    )
    conflicting_bid_id: Mapped[int | None] = mapped_column(
        ForeignKey("bids.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decision: Mapped[str | None] = mapped_column(String(20))
    target_bid_id: Mapped[int | None] = mapped_column(ForeignKey("bids.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(2000))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
