"""``/api/v1/bids`` and their teams."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from sqlalchemy import select

from app.auth.deps import CurrentUser, require_role
from app.auth.permissions import require_bid, visible_bids_clause
from app.bids import service
from app.bids.importer import export_bid, import_plan_file
from app.bids.models import Bid, TeamMember
from app.bids.schemas import (
    BidCreate,
    BidImportRead,
    BidRead,
    BidUpdate,
    TeamMemberCreate,
    TeamMemberRead,
)
from app.crud import get_or_404
from app.db import SessionDep
from app.errors import PayloadTooLarge
from app.etag import IfMatch, check_if_match, committed, set_etag
from app.guards import bid_access, guarded, roles
from app.pagination import Page, PageDep, paginate
from app.params import BidPath, IdPath, IdQuery
from app.schemas import MAX_ID, PROBLEM_RESPONSES
from app.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["bids"], responses=PROBLEM_RESPONSES)


@router.get("/bids", response_model=Page[BidRead])
def list_bids(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    account_id: IdQuery = None,
    org_unit_id: IdQuery = None,
    lead_id: IdQuery = None,
    stage: Annotated[str | None, Query(max_length=20)] = None,
    status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
) -> Page[BidRead]:
    statement = select(Bid).where(visible_bids_clause(user)).order_by(Bid.id)
    filters = {
        Bid.account_id: account_id,
        Bid.org_unit_id: org_unit_id,
        Bid.lead_id: lead_id,
        Bid.stage: stage,
        Bid.status: status_,
        Bid.kind: kind,
    }
    for column, value in filters.items():
        if value is not None:
            statement = statement.where(column == value)
    rows, total = paginate(session, statement, page)
    return Page(items=[BidRead.model_validate(r) for r in rows], total=total)


@router.post("/bids", response_model=BidRead, status_code=status.HTTP_201_CREATED)
@guarded(roles("pmo", "lead"))
def create_bid(
    body: BidCreate, session: SessionDep, user: CurrentUser, response: Response
) -> BidRead:
    require_role(user, "pmo", "lead")
    data = body.model_dump()
    service.refuse_new_bid_state(data)
    bid = service.create_bid(session, user, data)
    return committed(session, response, bid, BidRead)


@router.get("/bids/{bid}", response_model=BidRead)
def get_bid(bid_id: BidPath, session: SessionDep, user: CurrentUser, response: Response) -> BidRead:
    bid = require_bid(session, user, bid_id)
    set_etag(response, bid)
    return BidRead.model_validate(bid)


@router.patch("/bids/{bid}", response_model=BidRead)
@guarded(bid_access(write=True))
def update_bid(
    bid_id: BidPath,
    body: BidUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> BidRead:
    bid = require_bid(session, user, bid_id, write=True)
    check_if_match(if_match, bid)
    data = body.model_dump(exclude_unset=True)
    service.refuse_gated_changes(bid, data)
    diff = service.update_bid(session, user, bid, data)
    session.commit()
    set_etag(response, bid)
    return BidRead.model_validate(bid).model_copy(update={"schedule_diff": diff})


@router.get("/bids/{bid}/team", response_model=Page[TeamMemberRead])
def list_team(
    bid_id: BidPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[TeamMemberRead]:
    require_bid(session, user, bid_id)
    statement = select(TeamMember).where(TeamMember.bid_id == bid_id).order_by(TeamMember.id)
    rows, total = paginate(session, statement, page)
    return Page(items=[TeamMemberRead.model_validate(r) for r in rows], total=total)


@router.post("/bids/{bid}/team", response_model=TeamMemberRead, status_code=status.HTTP_201_CREATED)
@guarded(bid_access(write=True))
def add_team_member(
    bid_id: BidPath,
    body: TeamMemberCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> TeamMemberRead:
    bid = require_bid(session, user, bid_id, write=True)
    member = service.add_team_member(session, user, bid, body.model_dump())
    return committed(session, response, member, TeamMemberRead)


@router.delete("/team-members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_team_member(
    member_id: IdPath, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> Response:
    member = get_or_404(session, TeamMember, member_id, "team member")
    require_bid(session, user, member.bid_id, write=True)
    check_if_match(if_match, member)
    service.remove_team_member(session, user, member)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/bids/import", response_model=BidImportRead, status_code=status.HTTP_201_CREATED)
@guarded(roles("pmo", "lead"))
def import_bid(
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    file: Annotated[
        UploadFile,
        File(
            description="MSPDI .xml, PSPLIB .sm/.rcp, JSON plan; MS Project .mpp, MPX, "
            "Primavera XER/P6 XML through MPXJ when it is installed"
        ),
    ],
    account_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    org_unit_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> BidImportRead:
    """A plan file becomes a new bid (scheduled); the caller leads it when they are a lead.

    The answer carries ``import_report``: what the file had, per field family, and what was
    mapped to kampmo records, kept alongside for the MSPDI export, or could not be kept."""
    require_role(user, "pmo", "lead")
    limit = get_settings().max_body_bytes
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"plan files are limited to {limit} bytes")
    bid = import_plan_file(
        session, user, content, file.filename, account_id=account_id, org_unit_id=org_unit_id
    )
    answer = committed(session, response, bid, BidImportRead)
    answer.import_report = (bid.source or {}).get("report", {})
    return answer


@router.get(
    "/bids/{bid}/export",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/xml": {},
                "application/json": {},
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
)
def export_bid_file(
    bid_id: BidPath,
    session: SessionDep,
    user: CurrentUser,
    format: Annotated[str, Query(pattern="^(mspdi|json|csv|xlsx)$")] = "json",
) -> Response:
    """The bid as a plan file: MSPDI XML, kampmo JSON plan, CSV or XLSX."""
    require_bid(session, user, bid_id)
    data = export_bid(session, bid_id, format)
    media, suffix = EXPORT_MEDIA[format]
    return Response(
        content=data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="bid-{bid_id}.{suffix}"'},
    )


EXPORT_MEDIA = {
    "mspdi": ("application/xml", "xml"),
    "json": ("application/json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
