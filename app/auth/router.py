"""``/api/v1/me``, ``/api/v1/users`` (PMO manages them) and ``/api/v1/tokens`` (your own)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy import select

from app.auth import service, throttle
from app.auth.deps import CurrentUser, credential_of, require_role
from app.auth.models import ApiToken, LoginThrottle, SecurityPolicy, User
from app.auth.schemas import (
    LoginThrottleRead,
    PasswordChange,
    SecurityPolicyRead,
    SecurityPolicyUpdate,
    TokenCreate,
    TokenIssued,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.crud import apply_changes, get_or_404, record_creation
from app.db import SessionDep, utcnow
from app.errors import Forbidden, Invalid
from app.etag import IfMatch, check_if_match, committed, set_etag
from app.guards import guarded, roles, signed_in
from app.orgs.models import OrgUnit, Person
from app.pagination import Page, PageDep, paginate
from app.params import IdPath
from app.schemas import PROBLEM_RESPONSES, Problem
from app.settings import get_settings

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
    was_active = found.active
    apply_changes(session, user, found, data)
    if password:
        # ends the user's sessions and, by the PMO's policy, their API tokens
        service.set_password(session, found, password)
    elif was_active and not found.active:
        policy = service.security_policy(session)
        service.end_sessions(session, found, tokens=policy.revoke_tokens_on_password_change)
    return committed(session, response, found, UserRead)


# a password check behind the sign-in throttle may answer 429 with Retry-After
THROTTLED = {429: {"model": Problem, "content": {"application/problem+json": {}}}}


@router.put("/me/password", status_code=status.HTTP_204_NO_CONTENT, responses=THROTTLED)
@guarded(signed_in)
def change_own_password(
    body: PasswordChange, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """Your own new password: the current one must be right (throttled like a sign-in); every
    session of yours ends (sign in again) and, by the PMO's policy, your API tokens too."""
    if service.sign_in(request, session, user.username, body.current_password) is None:
        session.commit()
        raise Forbidden("the current password is wrong (当前密码错误)")
    service.set_password(session, user, body.new_password)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/users/{user_id}/unlock", status_code=status.HTTP_204_NO_CONTENT)
def unlock_user(user_id: IdPath, session: SessionDep, user: CurrentUser) -> Response:
    """The PMO lifts every sign-in back-off of this user, from every address."""
    require_role(user, "pmo")
    found = get_or_404(session, User, user_id, "user")
    throttle.lift_user(session, found.username)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/login-throttles", response_model=Page[LoginThrottleRead])
def list_login_throttles(
    session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[LoginThrottleRead]:
    """Sign-in failures being counted (PMO): by username and address, pair, address, account."""
    require_role(user, "pmo")
    statement = (
        select(LoginThrottle)
        .where(LoginThrottle.failures > 0)
        .order_by(LoginThrottle.last_failure_at.desc(), LoginThrottle.id)
    )
    rows, total = paginate(session, statement, page)
    return Page(items=[LoginThrottleRead.model_validate(r) for r in rows], total=total)


@router.delete("/login-throttles/{throttle_id}", status_code=status.HTTP_204_NO_CONTENT)
def lift_login_throttle(throttle_id: IdPath, session: SessionDep, user: CurrentUser) -> Response:
    """The PMO lifts one back-off (an address, a pair, an account)."""
    require_role(user, "pmo")
    row = get_or_404(session, LoginThrottle, throttle_id, "login throttle")
    session.delete(row)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _policy_read(policy: SecurityPolicy) -> SecurityPolicyRead:
    return SecurityPolicyRead.model_validate(
        {
            "token_max_days": policy.token_max_days,
            "revoke_tokens_on_password_change": policy.revoke_tokens_on_password_change,
            "version": policy.version or 0,
        }
    )


@router.get("/security-policy", response_model=SecurityPolicyRead)
def get_security_policy(
    session: SessionDep, user: CurrentUser, response: Response
) -> SecurityPolicyRead:
    """The PMO's sign-in policy: the longest API token, and whether a password change or a
    disabled user also revokes API tokens (sessions always end)."""
    require_role(user, "pmo")
    read = _policy_read(service.security_policy(session))
    response.headers["ETag"] = f'W/"{read.version}"'
    return read


@router.patch("/security-policy", response_model=SecurityPolicyRead)
@guarded(roles("pmo"))
def update_security_policy(
    body: SecurityPolicyUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> SecurityPolicyRead:
    """Lowering ``token_max_days`` also shortens the live API tokens that outlive it."""
    require_role(user, "pmo")
    policy = service.security_policy(session)
    check_if_match(if_match, _policy_read(policy))
    data = body.model_dump(exclude_unset=True, exclude_none=True)
    if policy.id is None:
        policy = SecurityPolicy(
            token_max_days=data.get("token_max_days", policy.token_max_days),
            revoke_tokens_on_password_change=data.get(
                "revoke_tokens_on_password_change", policy.revoke_tokens_on_password_change
            ),
        )
        session.add(policy)
        session.flush()
        record_creation(session, user, policy, data)
    else:
        apply_changes(session, user, policy, data)
        session.flush()
    service.cap_token_lifetimes(session, policy.token_max_days)
    session.commit()
    read = _policy_read(policy)
    response.headers["ETag"] = f'W/"{read.version}"'
    return read


@router.get("/tokens", response_model=Page[TokenRead])
def list_tokens(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[TokenRead]:
    statement = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    rows, total = paginate(session, statement, page)
    return Page(items=[TokenRead.model_validate(r) for r in rows], total=total)


def _require_fresh_sign_in(
    request: Request, session: SessionDep, user: User, password: str | None
) -> None:
    """Minting a token needs a login session younger than ``fresh_login_minutes`` or the
    caller's password (throttled like a sign-in): a stolen session or token alone cannot
    mint itself a long-lived successor."""
    credential = credential_of(request)
    fresh = timedelta(minutes=get_settings().fresh_login_minutes)
    if (
        credential is not None
        and credential.kind == "session"
        and credential.created_at >= utcnow() - fresh
    ):
        return
    if password is None:
        raise Forbidden(
            "minting an API token needs a fresh sign-in: send your password in the body, or "
            f"sign in again (within {fresh.seconds // 60} minutes) (创建令牌需要重新验证密码)",
            reauthenticate=True,
        )
    if service.sign_in(request, session, user.username, password) is None:
        session.commit()
        raise Forbidden("the password is wrong (密码错误)", reauthenticate=True)


@router.post(
    "/tokens",
    response_model=TokenIssued,
    status_code=status.HTTP_201_CREATED,
    responses=THROTTLED,
)
@guarded(signed_in)
def create_token(
    body: TokenCreate, request: Request, session: SessionDep, user: CurrentUser
) -> TokenIssued:
    """A new API token (shown once) of at most the PMO's ``token_max_days``; needs a fresh
    sign-in (``_require_fresh_sign_in``)."""
    _require_fresh_sign_in(request, session, user, body.password)
    policy = service.security_policy(session)
    days = body.days or min(get_settings().token_days, policy.token_max_days)
    if days > policy.token_max_days:
        raise Invalid.field(
            "days", f"at most {policy.token_max_days} days (the PMO's token policy), not {days}"
        )
    secret = service.issue_token(
        session, user, "api", name=body.name, lifetime=timedelta(days=days)
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
