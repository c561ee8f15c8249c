"""Server-rendered pages: ``/`` portfolio, ``/bids/{bid}``, ``/bids/{bid}/gantt``, ``/finance``,
``/login`` and ``/logout``; plus ``/static/*`` (kampmo's CSS/JS and Plotly's bundled JS).

Pages authenticate like the API (session cookie or ``Authorization: Bearer``) and redirect to
``/login`` without either. Every page is Jinja2 with autoescape; figures travel as JSON inside
``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped, and a
Content-Security-Policy allows scripts from kampmo's own origin only.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
import plotly
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from app.accounts.models import Account
from app.auth.deps import SESSION_COOKIE, OptionalUser
from app.auth.models import User
from app.auth.permissions import can_write_bid, require_bid
from app.auth.service import issue_token, revoke_secret, sign_in
from app.bids.models import STAGES, Bid
from app.db import SessionDep
from app.errors import DomainError, TooManyRequests
from app.gantt.service import (
    PortfolioFilters,
    bid_view,
    load_figure,
    portfolio_bids,
    portfolio_items,
)
from app.orgs.models import OrgUnit, Person
from app.pages import bid as bid_sections
from app.pages import finance
from app.params import BidPath
from app.risk import pages as risk_pages
from app.settings import get_settings
from app.tasks.service import CostRollUp, cost_roll_ups
from gantt.portfolio import portfolio_gantt
from gantt.risk import mark_p80
from gantt.scurve import scurve
from gantt.theme import STAGE_LABELS
from wbs.costs import CATEGORY_LABELS

log = logging.getLogger("kampmo.pages")
HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
CSRF_COOKIE = "kampmo_csrf"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
LOCAL_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9/_.~%?=&+,:;-]*")
STATIC_NAME = re.compile(r"^[a-z0-9_-]+\.(css|js)$")

templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False
    )
)
router = APIRouter(include_in_schema=False)


def safe_json(value: Any) -> str:
    """JSON text that cannot end a ``<script>`` element or open a comment in HTML."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _money(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:,.2f}"


CURRENCY_SIGNS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "GBP": "£"}


def cash(value: Decimal | str | None, currency: str = "CNY") -> str:
    """Money as money: ``¥ 1,234,567.89`` (thousands separators, two decimals, the sign of
    the currency, or its ISO code when it has no common sign); "–" when there is none."""
    if value is None or value == "":
        return "–"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = CURRENCY_SIGNS.get(currency.upper(), currency.upper())
    text = f"{sign} {abs(amount):,.2f}"
    return f"-{text}" if amount < 0 else text


def language(request: Request) -> str:
    """ "en" when the browser prefers English to Chinese (``Accept-Language``), else "zh"."""
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def local_date(value: dt.date | str | None, lang: str = "zh") -> str:
    """A date in the user's language: ``2026年12月4日`` or ``4 Dec 2026``."""
    if value is None or value == "":
        return "–"
    day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if isinstance(day, dt.datetime):
        day = day.date()
    if lang == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


@jinja2.pass_context
def _day_filter(context: Any, value: dt.date | str | None) -> str:
    return local_date(value, context.get("lang", "zh"))


templates.env.filters["money"] = _money
templates.env.filters["cash"] = cash
templates.env.filters["day"] = _day_filter
templates.env.globals["stage_labels"] = STAGE_LABELS


def _csrf_token(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if re.fullmatch(r"[A-Za-z0-9_-]{20,100}", token) else secrets.token_urlsafe(24)


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    csrf = _csrf_token(request)
    response = templates.TemplateResponse(
        request,
        name,
        {"csrf_token": csrf, "lang": language(request), **context},
        status_code=status_code,
    )
    _harden(response)
    if request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


def _harden(response: Response) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _safe_next(target: str | None) -> str:
    """``target`` when it is a plain path on this site, else "/" (no open redirects: browsers
    drop tabs and newlines and read backslashes as slashes, so only plain URL characters)."""
    if not target or not LOCAL_PATH.fullmatch(target):
        return "/"
    return target


def _error(request: Request, user: User, error: DomainError) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"user": user, "title": error.title, "detail": error.detail},
        status_code=error.status,
    )


# --- static files -------------------------------------------------------------------------


@router.get("/static/plotly.min.js")
def plotly_js() -> FileResponse:
    """Plotly's JavaScript bundle as shipped inside the installed plotly package."""
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    path = STATIC_DIR / name
    if not STATIC_NAME.fullmatch(name) or not path.is_file():
        return Response(status_code=404)
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})


# --- login --------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", {"user": None, "next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse, response_model=None)
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie.encode(), csrf_token.encode()):
        context = {"user": None, "next": _safe_next(next), "error": "csrf"}
        return render(request, "login.html", context, status_code=400)
    try:
        user = sign_in(request, session, username.strip(), password)
    except TooManyRequests as throttled:
        context = {
            "user": None,
            "next": _safe_next(next),
            "error": "throttled",
            "retry_after": throttled.retry_after,
        }
        response = render(request, "login.html", context, status_code=429)
        response.headers["Retry-After"] = str(throttled.retry_after)
        return response
    if user is None:
        context = {"user": None, "next": _safe_next(next), "error": "credentials"}
        return render(request, "login.html", context, status_code=401)
    secret = issue_token(session, user, kind="session")
    session.commit()
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=get_settings().session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout", response_model=None)
def logout(
    request: Request,
    session: SessionDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """POST with the page's CSRF token only: another site must not be able to log a user out."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie.encode(), csrf_token.encode()):
        return HTMLResponse("logout needs the page's CSRF token", status_code=400)
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        revoke_secret(session, secret)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- portfolio ----------------------------------------------------------------------------


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@router.get("/", response_class=HTMLResponse, response_model=None)
def portfolio_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    subsidiary: Annotated[str | None, Query(max_length=12)] = None,
    stage: Annotated[str | None, Query(max_length=20)] = None,
    lead: Annotated[str | None, Query(max_length=12)] = None,
    account: Annotated[str | None, Query(max_length=12)] = None,
    group_by: Annotated[str, Query(max_length=12)] = "subsidiary",
    colour_by: Annotated[str, Query(max_length=12)] = "stage",
) -> Response:
    if user is None:
        return _to_login(request)
    filters = PortfolioFilters(
        subsidiary=_int_or_none(subsidiary),
        stage=stage if stage in STAGES else None,
        lead=_int_or_none(lead),
        account=_int_or_none(account),
        group_by="account" if group_by == "account" else "subsidiary",
        colour_by="health" if colour_by == "health" else "stage",
    )
    everything = portfolio_bids(session, user, PortfolioFilters())
    bids = portfolio_bids(session, user, filters)
    items = portfolio_items(session, bids, filters.group_by)
    figure = portfolio_gantt(items, colour_by=filters.colour_by, today=dt.date.today())
    options = _filter_options(session, everything)
    load = load_figure(session, bids)
    return render(
        request,
        "portfolio.html",
        {
            "user": user,
            "filters": filters,
            "options": options,
            "stages": STAGES,
            "items": items,
            "figure_json": safe_json(figure.to_json()),
            "load_json": safe_json(load.to_json()) if load is not None else None,
            "on_time": risk_pages.portfolio_column(session, bids),
        },
    )


def _filter_options(session: SessionDep, bids: list[Bid]) -> dict[str, list[tuple[int, str]]]:
    unit_ids = sorted({bid.org_unit_id for bid in bids})
    account_ids = sorted({bid.account_id for bid in bids})
    lead_ids = sorted({bid.lead_id for bid in bids if bid.lead_id is not None})

    def named(model: Any, ids: list[int]) -> list[tuple[int, str]]:
        if not ids:
            return []
        rows = session.execute(select(model.id, model.name).where(model.id.in_(ids)))
        return sorted(((row_id, name) for row_id, name in rows), key=lambda item: item[1])

    return {
        "subsidiaries": named(OrgUnit, unit_ids),
        "accounts": named(Account, account_ids),
        "leads": named(Person, lead_ids),
    }


# --- a bid --------------------------------------------------------------------------------


def wbs_money(roll_up: CostRollUp) -> dict[str, Any]:
    """A WBS row's money on the bid page: budget, actual and remaining (a summary's are the
    sums of its leaves), and the same by category for the cell's tooltip."""
    zero = Decimal("0.00")
    remaining = roll_up.remaining
    lines = [
        f"{CATEGORY_LABELS.get(category, (category, category))[0]} {category}: "
        f"{_money(roll_up.budget.get(category, zero))} / "
        f"{_money(roll_up.actual.get(category, zero))} / {_money(remaining[category])}"
        for category in remaining
    ]
    return {
        "budget": sum(roll_up.budget.values(), zero) if roll_up.budget else None,
        "actual": sum(roll_up.actual.values(), zero) if roll_up.actual else None,
        "remaining": sum(remaining.values(), zero) if remaining else None,
        "by_category": "budget / actual / remaining 预算 / 实际 / 剩余\n" + "\n".join(lines)
        if lines
        else "",
    }


@router.get("/bids/{bid}", response_class=HTMLResponse, response_model=None)
def bid_page(
    request: Request, bid_id: BidPath, session: SessionDep, user: OptionalUser
) -> Response:
    if user is None:
        return _to_login(request)
    try:
        row = require_bid(session, user, bid_id)
    except DomainError as error:
        return _error(request, user, error)
    view = bid_view(session, row)
    scheduled = view.schedule.by_id()
    budget = sum(
        (
            gantt_row.task.budget
            for gantt_row in view.rows
            if gantt_row.task.budget is not None and not gantt_row.task.is_summary
        ),
        Decimal("0.00"),
    )
    actual = sum(view.extras.actual_costs.values(), Decimal("0.00"))
    money = {
        str(task_id): wbs_money(roll_up)
        for task_id, roll_up in cost_roll_ups(session, row.id).items()
    }
    account = session.get(Account, row.account_id)
    unit = session.get(OrgUnit, row.org_unit_id)
    lead = session.get(Person, row.lead_id) if row.lead_id is not None else None
    from app.closeout.pages import closeout_section  # the close-out pages render through here

    return render(
        request,
        "bid.html",
        {
            "user": user,
            "bid": row,
            "account": account,
            "unit": unit,
            "lead": lead,
            "rows": view.rows,
            "scheduled": scheduled,
            "critical_path": bid_sections.critical_path(view),
            "warnings": bid_sections.warnings(row),
            "team": bid_sections.team(session, row),
            "costs": bid_sections.costs(session, row),
            "budget": budget,
            "actual": actual,
            "money": money,
            "can_write": can_write_bid(user, row),
            "close_out": closeout_section(session, user, row),
            "risk": risk_pages.bid_panel(
                session, row, {r.task.id: f"{r.code} {r.task.name}" for r in view.rows}, safe_json
            ),
        },
    )


@router.get("/bids/{bid}/gantt", response_class=HTMLResponse, response_model=None)
def bid_gantt_page(
    request: Request, bid_id: BidPath, session: SessionDep, user: OptionalUser
) -> Response:
    if user is None:
        return _to_login(request)
    try:
        row = require_bid(session, user, bid_id)
    except DomainError as error:
        return _error(request, user, error)
    view = bid_view(session, row)
    figure = view.figure()
    p80 = risk_pages.p80_submission(session, row, len(view.rows))
    if p80 is not None:
        mark_p80(figure, *p80)
    return render(
        request,
        "bid_gantt.html",
        {
            "user": user,
            "bid": row,
            "task_count": sum(1 for gantt_row in view.rows if not gantt_row.task.is_summary),
            "figure_json": safe_json(figure.to_json()),
            "start": (view.plan.status_date or row.start_date).isoformat(),
        },
    )


# --- finance ------------------------------------------------------------------------------


@router.get("/finance", response_class=HTMLResponse, response_model=None)
def finance_page(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    if user is None:
        return _to_login(request)
    report, figure_json = _cost_report(session, user)
    bids = portfolio_bids(session, user, PortfolioFilters())
    by_id = {bid.id: bid for bid in bids}
    lang = language(request)
    return render(
        request,
        "finance.html",
        {
            "user": user,
            "report": report,
            "figure_json": figure_json,
            "bids": bids,
            "bid_lines": finance.bid_lines(report, by_id) if report else [],
            "alerts": finance.alert_lines(report, by_id, lang, cash) if report else [],
        },
    )


def _cost_report(session: SessionDep, user: User) -> tuple[dict[str, Any] | None, str | None]:
    """The cost-control report (``app.reports``) and its S-curve, or (None, None) when the
    report cannot be built (the page then lists the bids' budgets)."""
    try:
        from app.reports.service import ReportOptions, portfolio_report_json

        report = portfolio_report_json(session, user, ReportOptions())
    except DomainError as error:
        log.warning("cost-control report unavailable: %s", error.detail)
        return None, None
    except ImportError as error:
        log.warning("cost-control report unavailable: %s", error)
        return None, None
    series = [
        _SeriesPoint.from_json(point) for point in report.get("series", []) if point.get("pv")
    ]
    if not series:
        return report, None
    status = report.get("status_date")
    figure = scurve(
        series,
        status_date=dt.date.fromisoformat(status) if status else None,
        currency=str(report.get("currency", "CNY")),
    )
    return report, safe_json(figure.to_json())


class _SeriesPoint:
    __slots__ = ("ac", "ev", "on", "pv")

    def __init__(self, on: dt.date, pv: Decimal, ev: Decimal | None, ac: Decimal | None) -> None:
        self.on, self.pv, self.ev, self.ac = on, pv, ev, ac

    @classmethod
    def from_json(cls, point: dict[str, Any]) -> _SeriesPoint:
        def money(value: Any) -> Decimal | None:
            return None if value is None else Decimal(str(value))

        return cls(
            dt.date.fromisoformat(point["date"]),
            Decimal(str(point["pv"])),
            money(point.get("ev")),
            money(point.get("ac")),
        )
