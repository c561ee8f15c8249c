"""A bid's risk register: risks with pre- and post-mitigation values, and the tasks they hit.

The three-point estimates of the tasks themselves are columns of ``tasks``
(``optimistic_days``, ``pessimistic_days``, ``distribution``; ``app.tasks.models``).
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

RISK_CATEGORIES = (
    "technical",  # 技术
    "commercial",  # 商务
    "customer",  # 客户
    "competition",  # 竞争
    "resource",  # 资源
    "compliance",  # 合规
    "schedule",  # 进度
    "other",  # 其他
)
RISK_STATUSES = ("open", "closed")  # a closed risk no longer enters the simulation


class Risk(Base):
    __tablename__ = "risks"

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(20), default="other")
    status: Mapped[str] = mapped_column(String(10), default="open")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    response: Mapped[str | None] = mapped_column(String(2000))  # the response plan (应对措施)
    # before the response: probability of occurring (0..1) and impact in working days
    probability: Mapped[float] = mapped_column(Float)
    impact_optimistic_days: Mapped[int] = mapped_column(Integer)
    impact_likely_days: Mapped[int] = mapped_column(Integer)
    impact_pessimistic_days: Mapped[int] = mapped_column(Integer)
    # after the response; None: the response changes nothing (post = pre)
    post_probability: Mapped[float | None] = mapped_column(Float)
    post_impact_optimistic_days: Mapped[int | None] = mapped_column(Integer)
    post_impact_likely_days: Mapped[int | None] = mapped_column(Integer)
    post_impact_pessimistic_days: Mapped[int | None] = mapped_column(Integer)


class RiskTask(Base):
    """A task a risk hits: its impact is added to that task's duration when it occurs."""

    __tablename__ = "risk_tasks"
    __table_args__ = (UniqueConstraint("risk_id", "task_id"),)

    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
