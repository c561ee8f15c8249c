"""The journal: a bid's history (its writers and the PMO) and the whole journal (PMO)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import CurrentUser, require_role
from app.auth.permissions import require_bid
from app.db import SessionDep
from app.journal.service import journal_query
from app.pagination import Page, PageDep, paginate
from app.params import BidPath, IdQuery
from app.schemas import PROBLEM_RESPONSES, ORMModel

router = APIRouter(prefix="/api/v1", tags=["journal"], responses=PROBLEM_RESPONSES)


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


@router.get("/bids/{bid}/journal", response_model=Page[JournalRead])
def bid_journal(
    bid_id: BidPath,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: IdQuery = None,
) -> Page[JournalRead]:
    """Newest first. Readable by whoever may change the bid."""
    require_bid(session, user, bid_id, write=True)
    statement = journal_query(bid_id=bid_id, entity=entity, entity_id=entity_id)
    rows, total = paginate(session, statement, page)
    return Page(items=[JournalRead.model_validate(r) for r in rows], total=total)


@router.get("/journal", response_model=Page[JournalRead])
def whole_journal(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: IdQuery = None,
) -> Page[JournalRead]:
    require_role(user, "pmo")
    statement = journal_query(entity=entity, entity_id=entity_id)
    rows, total = paginate(session, statement, page)
    return Page(items=[JournalRead.model_validate(r) for r in rows], total=total)
