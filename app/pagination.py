"""List endpoints: ``limit``/``offset`` query parameters and the ``{"items", "total"}`` page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.settings import get_settings

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: Annotated[
        int, Query(ge=1, le=get_settings().page_size_max)
    ] = get_settings().page_size_default,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


def paginate(session: Session, statement: Select[Any], params: PageParams) -> tuple[list[Any], int]:
    """Rows of ``statement`` for the page, and the total count without the page's limit."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.scalars(statement.limit(params.limit).offset(params.offset)).all()
    return list(rows), int(total or 0)
