"""``/api/v1/me``, ``/api/v1/users`` (PMO manages them) and ``/api/v1/tokens`` (your own)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from app.auth import service
from app.auth.deps import CurrentUser, require_role
from app.auth.models import ApiToken, User
from app.auth.schemas import TokenCreate, TokenIssued, TokenRead, UserCreate, UserRead, UserUpdate
from app.crud import apply_changes, get_or_404
from app.db import SessionDep
from app.errors import Invalid
from app.etag import IfMatch, check_if_match, committed, set_etag
from app.guards import guarded, roles, signed_in
from app.orgs.models import OrgUnit, Person
from app.pagination import Page, PageDep, paginate
from app.params import IdPath
from app.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["users"], responses=PROBLEM_RESPONSES)


def _check_refs(session: SessionDep, data: dict[str, Any]) -> None:
    if data.get("org_unit_id") is not None and session.get(OrgUnit, data["org_unit_id"]) is None:
        raise Invalid.field("org_unit_id", f"org unit {data['org_unit_id']} does not exist")
    if data.get("person_id") is not None and session.get(Person, data["person_id"]) is None:
        raise Invalid.field("person_id", f"person {data['person_id']} does not exist")


@router.get("/me", response_model=UserRead)
def me(user: CurrentUser, response: Response) -> UserRead:
    set_etag(response, user)
    return UserRead.model_validate(user)


@router.get("/users", response_model=Page[UserRead])
def list_users(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    role: Annotated[str | None, Query(max_length=10)] = None,
) -> Page[UserRead]:
    require_role(user, "pmo")
    statement = select(User).order_by(User.id)
    if role is not None:
        statement = statement.where(User.role == role)
    rows, total = paginate(session, statement, page)
    return Page(items=[UserRead.model_validate(r) for r in rows], total=total)


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
@guarded(roles("pmo"))
def create_user(
    body: UserCreate, session: SessionDep, user: CurrentUser, response: Response
) -> UserRead:
    require_role(user, "pmo")
    data = body.model_dump()
    _check_refs(session, data)
    created = service.create_user(session, **data)
    return committed(session, response, created, UserRead)


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(
    user_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> UserRead:
    if user.id != user_id:
        require_role(user, "pmo")
    found = get_or_404(session, User, user_id, "user")
    set_etag(response, found)
    return UserRead.model_validate(found)


@router.patch("/users/{user_id}", response_model=UserRead)
@guarded(roles("pmo"))
def update_user(
    user_id: IdPath,
    body: UserUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> UserRead:
    require_role(user, "pmo")
    found = get_or_404(session, User, user_id, "user")
    check_if_match(if_match, found)
    data = body.model_dump(exclude_unset=True)
    _check_refs(session, data)
    password = data.pop("password", None)
    apply_changes(session, user, found, data)
    if password:
        found.password_hash = service.hash_password(password)
    return committed(session, response, found, UserRead)


@router.get("/tokens", response_model=Page[TokenRead])
def list_tokens(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[TokenRead]:
    statement = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    rows, total = paginate(session, statement, page)
    return Page(items=[TokenRead.model_validate(r) for r in rows], total=total)


@router.post("/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED)
@guarded(signed_in)
def create_token(body: TokenCreate, session: SessionDep, user: CurrentUser) -> TokenIssued:
    secret = service.issue_token(
        session, user, "api", name=body.name, lifetime=timedelta(days=body.days)
    )
    token = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == service.hash_token(secret))
    )
    session.commit()
    return TokenIssued.model_validate(
        {**TokenRead.model_validate(token).model_dump(), "token": secret}
    )


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: IdPath, session: SessionDep, user: CurrentUser) -> Response:
    service.revoke_token(session, token_id, user=None if user.role == "pmo" else user)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
