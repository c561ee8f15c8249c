"""The ``/resources`` page: people's weekly load as a heat map (``gantt.load``), the
conflicts, and for the PMO a "propose leveling" form whose answer can be accepted (both are
form POSTs carrying the CSRF token, like the login form)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth.deps import OptionalUser
from app.auth.models import User
from app.db import SessionDep
from app.errors import DomainError, Invalid
from app.pages.router import CSRF_COOKIE, render, safe_json
from app.resources import service
from gantt.load import WeeklyLoad, load_chart
from wbs.portfolio_level import weekly_loads

router = APIRouter(include_in_schema=False)


def _login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


def _csrf_ok(request: Request, token: str) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie) and secrets.compare_digest(cookie.encode(), token.encode())


def _figure_json(view: service.PortfolioView) -> str | None:
    rows = [
        WeeklyLoad(
            view.people.get(int(load.person), load.person),
            load.week,
            100 * load.committed / 5,
            100 * load.capacity / 5,
        )
        for load in weekly_loads(view.portfolio)
        if service.shown(view, load.person)
    ]
    return safe_json(load_chart(rows, title=None).to_json()) if rows else None


def people_conflicts(conflicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conflicts per person (most over-allocated days first): the periods, the bids."""
    people: dict[str, dict[str, Any]] = {}
    for conflict in conflicts:
        name = str(conflict["person_name"])
        person = people.setdefault(
            name, {"person_name": name, "periods": [], "days": 0, "peak_excess": 0, "bids": {}}
        )
        person["periods"].append(conflict)
        person["days"] += conflict["days"]
        person["peak_excess"] = max(person["peak_excess"], conflict["peak_excess"])
        for task in conflict["tasks"]:
            if task.get("bid_id"):
                person["bids"][task["bid_id"]] = task["bid_title"]
    for person in people.values():
        person["first_day"] = min(period["first_day"] for period in person["periods"])
        person["last_day"] = max(period["last_day"] for period in person["periods"])
    return sorted(people.values(), key=lambda person: (-person["days"], person["person_name"]))


def bid_moves(proposal: dict[str, Any]) -> list[dict[str, Any]]:
    """The proposal's moves per bid (bids with a deadline breach first, then the most moves)."""
    breaches = {breach["bid_id"]: breach for breach in proposal.get("deadline_breaches", [])}
    bids: dict[int, dict[str, Any]] = {}
    for move in proposal["moves"]:
        group = bids.setdefault(
            move["bid_id"],
            {
                "bid_id": move["bid_id"],
                "bid_title": move.get("bid_title") or str(move["bid_id"]),
                "moves": [],
                "breach": breaches.get(move["bid_id"]),
            },
        )
        group["moves"].append(move)
    for group in bids.values():
        group["largest_shift"] = max(move["shift_days"] for move in group["moves"])
    return sorted(bids.values(), key=lambda group: (group["breach"] is None, -len(group["moves"])))


def _page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    proposal: dict[str, Any] | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> HTMLResponse:
    view = service.build_view(session, user)
    conflicts = service.conflict_items(view)
    if proposal is not None:
        for move in proposal["moves"]:
            move.setdefault("bid_title", view.bid_titles.get(move["bid_id"]))
        proposal["by_bid"] = bid_moves(proposal)
    context = {
        "user": user,
        "figure_json": _figure_json(view),
        "conflicts": conflicts,
        "people_conflicts": people_conflicts(conflicts),
        "proposal": proposal,
        "notice": notice,
        "today": dt.date.today().isoformat(),
    }
    return render(request, "resources.html", context, status_code=status_code)


def _error(request: Request, user: User, error: DomainError) -> HTMLResponse:
    context = {"user": user, "title": error.title, "detail": error.detail}
    return render(request, "error.html", context, status_code=error.status)


@router.get("/resources", response_class=HTMLResponse, response_model=None)
def resources_page(
    request: Request, session: SessionDep, user: OptionalUser, accepted: int | None = None
) -> Response:
    if user is None:
        return _login(request)
    try:
        notice = f"{accepted} moves applied 已应用" if accepted is not None else None
        return _page(request, session, user, notice=notice)
    except DomainError as error:
        return _error(request, user, error)


@router.post("/resources/proposal", response_class=HTMLResponse, response_model=None)
def propose_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    level_from: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    if user is None:
        return _login(request)
    if not _csrf_ok(request, csrf_token):
        return _error(request, user, Invalid("the form expired; reload the page and retry"))
    try:
        start = _date(level_from) or dt.date.today()
        view, result = service.proposal(session, user, None, start)
        proposal = {**service.proposal_json(view, result), "level_from": start.isoformat()}
        proposal["moves_json"] = json.dumps(
            [[move["task_id"], move["new_start"].isoformat()] for move in proposal["moves"]]
        )
        return _page(request, session, user, proposal=proposal)
    except DomainError as error:
        return _error(request, user, error)


@router.post("/resources/accept", response_class=HTMLResponse, response_model=None)
def accept_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    fingerprint: Annotated[str, Form(max_length=100)] = "",
    level_from: Annotated[str, Form(max_length=20)] = "",
    moves: Annotated[str, Form(max_length=2_000_000)] = "[]",
) -> Response:
    if user is None:
        return _login(request)
    if not _csrf_ok(request, csrf_token):
        return _error(request, user, Invalid("the form expired; reload the page and retry"))
    try:
        start = _date(level_from)
        if start is None:
            raise Invalid.field("level_from", "a date is required")
        applied = service.accept(
            session,
            user,
            bid_ids=None,
            level_from=start,
            fingerprint=fingerprint,
            moves=_moves(moves),
        )
        session.commit()
    except DomainError as error:
        return _error(request, user, error)
    return RedirectResponse(f"/resources?accepted={len(applied['applied'])}", status_code=303)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError as error:
        raise Invalid.field("level_from", "not an ISO date") from error


def _moves(text: str) -> list[tuple[int, dt.date]]:
    try:
        return [(int(task_id), dt.date.fromisoformat(day)) for task_id, day in json.loads(text)]
    except (ValueError, TypeError) as error:
        raise Invalid.field("moves", "not a list of [task id, ISO date]") from error
