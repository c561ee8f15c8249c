"""The close-out on the pages: the section of ``/bids/{bid}`` that shows it, and the lead's
close-out form ``/bids/{bid}/close-out`` (a form POST with the page's CSRF token, checked by
the same ``app.closeout.schemas.CloseOut`` and service as the API)."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.auth.deps import OptionalUser
from app.auth.models import User
from app.auth.permissions import can_write_bid, require_bid
from app.bids.models import Bid
from app.closeout import service
from app.closeout.schemas import CloseOut
from app.db import SessionDep
from app.errors import DomainError, Forbidden, Invalid
from app.pages.router import CSRF_COOKIE, _error, _to_login, render

router = APIRouter(include_in_schema=False)
COMPETITOR_ROWS = 4


def closeout_section(session: Session, user: User, bid: Bid) -> dict[str, Any]:
    """What the bid page shows of the close-out: the close-out itself once the bid ended,
    else whether the caller may fill in the form."""
    closure = service.get_closure(session, bid.id)
    shown = None
    if closure is not None:
        shown = service.closure_json(session, closure)
        for key in ("our_price", "winner_price", "price_gap", "budget_slip"):
            shown[key] = None if shown[key] is None else Decimal(shown[key])
        shown["competitors"] = [
            {**c, "price": None if c["price"] is None else Decimal(c["price"])}
            for c in shown["competitors"]
        ]
    return {
        "closure": shown,
        "can_close": can_write_bid(user, bid),
        "form_url": f"/bids/{bid.id}/close-out",
    }


def _form(
    request: Request,
    session: Session,
    user: User,
    bid: Bid,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    closure = service.get_closure(session, bid.id)
    current = service.closure_json(session, closure) if closure is not None else {}
    filled = values if values is not None else current
    competitors = list(filled.get("competitors") or [])
    competitors += [{"name": "", "price": None, "won": False}] * (
        COMPETITOR_ROWS - len(competitors)
    )
    reasons = [r for r in service.reason_codes(session).values() if r.active]
    return render(
        request,
        "closeout_form.html",
        {
            "user": user,
            "bid": bid,
            "reasons": reasons,
            "values": filled,
            "competitors": competitors[: max(COMPETITOR_ROWS, len(competitors))],
            "error": error,
            "closed": bid.status != "open",
        },
        status_code=status_code,
    )


@router.get("/bids/{bid_id}/close-out", response_class=HTMLResponse, response_model=None)
def closeout_form(
    request: Request, bid_id: int, session: SessionDep, user: OptionalUser
) -> Response:
    if user is None:
        return _to_login(request)
    try:
        bid = require_bid(session, user, bid_id, write=True)
    except DomainError as error:
        return _error(request, user, error)
    return _form(request, session, user, bid)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _money(text: str, field: str) -> Decimal | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as error:
        raise Invalid.field(field, f"not an amount: {text!r}") from error


def _body(
    outcome: str,
    reason_codes: list[str],
    reasons: str,
    our_price: str,
    names: list[str],
    prices: list[str],
    winner_row: str,
    repeat: str,
    avoid: str,
) -> dict[str, Any]:
    competitors = [
        {
            "name": name.strip(),
            "price": _money(price, "competitor_price"),
            "won": str(row) == winner_row,
        }
        for row, (name, price) in enumerate(zip(names, prices, strict=False))
        if name.strip()
    ]
    return {
        "outcome": outcome,
        "reason_codes": reason_codes,
        "reasons": reasons.strip() or None,
        "our_price": _money(our_price, "our_price"),
        "competitors": competitors,
        "lessons_repeat": _lines(repeat),
        "lessons_avoid": _lines(avoid),
    }


@router.post("/bids/{bid_id}/close-out", response_class=HTMLResponse, response_model=None)
def closeout_submit(
    request: Request,
    bid_id: int,
    session: SessionDep,
    user: OptionalUser,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    outcome: Annotated[str, Form(max_length=20)] = "",
    reason_codes: Annotated[list[str], Form(max_length=40)] = [],  # noqa: B006
    reasons: Annotated[str, Form(max_length=2000)] = "",
    our_price: Annotated[str, Form(max_length=40)] = "",
    competitor_name: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006
    competitor_price: Annotated[list[str], Form(max_length=40)] = [],  # noqa: B006
    winner_row: Annotated[str, Form(max_length=4)] = "",
    lessons_repeat: Annotated[str, Form(max_length=20000)] = "",
    lessons_avoid: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    if user is None:
        return _to_login(request)
    try:
        bid = require_bid(session, user, bid_id, write=True)
    except DomainError as error:
        return _error(request, user, error)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie.encode(), csrf_token.encode()):
        return _error(request, user, Forbidden("the form expired; reload the page and retry"))
    raw: dict[str, Any] = {}
    try:
        raw = _body(
            outcome,
            reason_codes,
            reasons,
            our_price,
            competitor_name,
            competitor_price,
            winner_row,
            lessons_repeat,
            lessons_avoid,
        )
        checked = CloseOut.model_validate(raw)
        closure = service.close_out(session, user, bid, checked.model_dump())
        session.commit()
    except ValidationError as error:
        session.rollback()
        message = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        return _form(request, session, user, bid, values=raw, error=message, status_code=422)
    except DomainError as error:
        session.rollback()
        return _form(
            request, session, user, bid, values=raw, error=error.detail, status_code=error.status
        )
    return RedirectResponse(f"/bids/{closure.bid_id}#close-out", status_code=303)
