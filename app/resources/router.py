"""``/api/v1/resources``: people's load across open bids, their over-allocations, and leveling
proposals the PMO may accept (see ``app.resources.service`` for the rules and permissions);
plus the ``/resources`` page (``app.resources.pages``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import Invalid
from app.guards import guarded, roles
from app.pagination import PageDep, PageParams
from app.params import IdQuery
from app.resources import pages, service
from app.resources.schemas import (
    Accepted,
    AcceptRequest,
    ConflictPage,
    LoadPage,
    Proposal,
    ProposalRequest,
)
from app.schemas import PROBLEM_RESPONSES

api = APIRouter(prefix="/api/v1/resources", tags=["resources"], responses=PROBLEM_RESPONSES)

FromQuery = Annotated[dt.date | None, Query(alias="from", description="first day (inclusive)")]
ToQuery = Annotated[dt.date | None, Query(alias="to", description="last day (inclusive)")]


def _page(items: list[dict[str, Any]], params: PageParams) -> dict[str, Any]:
    return {"items": items[params.offset : params.offset + params.limit], "total": len(items)}


def _check_range(first: dt.date | None, last: dt.date | None) -> None:
    if first is not None and last is not None and last < first:
        raise Invalid.field("to", "is before from")


@api.get("/load", response_model=LoadPage)
def resource_load(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    first: FromQuery = None,
    last: ToQuery = None,
    person: IdQuery = None,
    weighted: bool = False,
    granularity: Annotated[str, Query(pattern="^(day|week)$")] = "day",
) -> dict[str, Any]:
    """Each visible person's load per working day (or ISO week) across all open bids:
    ``committed`` units booked and ``weighted`` by win probability; ``load`` is the one asked
    for with ``weighted``."""
    _check_range(first, last)
    view = service.build_view(session, user)
    items = service.load_items(
        view, first=first, last=last, person=person, weighted=weighted, weekly=granularity == "week"
    )
    return _page(items, page)


@api.get("/conflicts", response_model=ConflictPage)
def resource_conflicts(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    first: FromQuery = None,
    last: ToQuery = None,
    person: IdQuery = None,
) -> dict[str, Any]:
    """Runs of days on which a visible person's committed load exceeds their capacity."""
    _check_range(first, last)
    view = service.build_view(session, user)
    return _page(service.conflict_items(view, first=first, last=last, person=person), page)


@api.post("/leveling-proposals", response_model=Proposal)
@guarded(roles("pmo"))
def leveling_proposal(
    body: ProposalRequest, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """A leveling proposal (PMO): moves within float first, then delays of lower-priority bids;
    nothing is stored. Rejecting it is simply not accepting it."""
    level_from = body.level_from or dt.date.today()
    return service.proposal_body(session, user, body.bid_ids, level_from)


@api.post("/leveling-proposals/accept", response_model=Accepted)
@guarded(roles("pmo"))
def accept_leveling_proposal(
    body: AcceptRequest, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """Apply a proposal (PMO): 412 when any bid changed since it was made."""
    result = service.accept(
        session,
        user,
        bid_ids=body.bid_ids,
        level_from=body.level_from,
        fingerprint=body.fingerprint,
        moves=[(move.task_id, move.new_start) for move in body.moves],
    )
    session.commit()
    return result


router = APIRouter()
router.include_router(api)
router.include_router(pages.router)
