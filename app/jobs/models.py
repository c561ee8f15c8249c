"""The ``jobs`` table: one row per long job, the source of truth ``/api/v1/jobs`` reads.

A job is ``queued`` -> ``running`` -> ``succeeded`` | ``failed``; a job whose worker stopped
goes back to ``queued`` (another attempt) or to ``failed`` once ``max_attempts`` are spent.
``attempts`` counts the claims: every write a runner makes names the attempt it claimed, so a
runner that was given up for dead cannot overwrite the attempt that replaced it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

JOB_STATUSES = ("queued", "running", "succeeded", "failed")
FINAL_STATUSES = ("succeeded", "failed")
RUNNERS = ("server", "worker")


class Job(Base):
    __tablename__ = "jobs"

    kind: Mapped[str] = mapped_column(String(60), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    input_file: Mapped[bytes | None] = mapped_column(LargeBinary)
    input_filename: Mapped[str | None] = mapped_column(String(255))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(500), default="")
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result_file: Mapped[bytes | None] = mapped_column(LargeBinary)
    result_media_type: Mapped[str | None] = mapped_column(String(200))
    result_filename: Mapped[str | None] = mapped_column(String(255))
    result_link: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    requested_by_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[int | None] = mapped_column(ForeignKey("bids.id", ondelete="SET NULL"))
    runner: Mapped[str] = mapped_column(String(20))
    worker: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    queue_ref: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
