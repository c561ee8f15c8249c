"""Typed path and query parameters shared by the routers (ids are bounded 32-bit integers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from app.schemas import MAX_ID

BidPath = Annotated[int, Path(alias="bid", ge=1, le=MAX_ID, description="bid id")]
TaskPath = Annotated[int, Path(alias="task", ge=1, le=MAX_ID, description="task id")]
DepPath = Annotated[int, Path(alias="dep", ge=1, le=MAX_ID, description="dependency id")]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
