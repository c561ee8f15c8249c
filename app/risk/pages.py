"""What the pages show of schedule risk: the bid page's panel (P(on time), histogram, tornado),
the P80 marker on the bid Gantt, the portfolio's P(on time) column."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.bids.models import Bid
from app.errors import Invalid
from app.risk import service
from app.tasks.models import Task
from gantt.risk import MIN_SHOWN, histogram_figure, tornado_figure

PAGE_CELLS = 5_000_000  # iterations x tasks a page may simulate for one bid (about 0.15 s)
PORTFOLIO_BUDGET_SECONDS = 3.0  # beyond this the rest of the column says "not computed yet"


def page_iterations(tasks: int) -> int:
    """Iterations for a page: the API's default (10,000) up to 500 tasks, fewer for larger
    bids (at least 1,000) so a page stays quick; every page of a bid runs the same number, so
    they agree, and the panel says how many."""
    return max(1_000, min(service.DEFAULT_ITERATIONS, PAGE_CELLS // max(tasks, 1)))


def bid_panel(
    session: Session, bid: Bid, names: dict[str, str], safe_json: Callable[[Any], str]
) -> dict[str, Any]:
    """The bid page's schedule-risk panel; ``names`` labels the tasks (task id -> label);
    ``safe_json`` makes the figures' JSON safe inside a ``<script>`` element."""
    try:
        analysis = service.bid_risk(session, bid, page_iterations(len(names)))
    except Invalid as error:
        return {"error": error.detail}
    submission = analysis["submission_task_id"] is not None
    bins = analysis["histogram"]["submission" if submission else "finish"]
    p80 = analysis["submission_p80"] if submission else analysis["finish_p80"]
    histogram = histogram_figure(
        [(item["date"], item["count"]) for item in bins],
        deadline=analysis["submission_deadline"],
        p80=p80,
        title="Submission date 递交日期" if submission else "Project finish 项目完成",
    )
    drivers = [
        (names.get(str(item["task_id"]), str(item["task_id"])), item["rank_correlation"])
        for item in analysis["sensitivity"]
        if abs(item["rank_correlation"]) >= MIN_SHOWN
    ]
    return {
        "analysis": analysis,
        "colour": service.on_time_colour(analysis["p_meet_submission"]),
        "p80": p80,
        "sources": dict(Counter(item["source"] for item in analysis["sources"])),
        "histogram_json": safe_json(histogram.to_json()),
        "tornado_json": safe_json(tornado_figure(drivers).to_json()) if drivers else None,
        "risks": analysis["risks"][:5],
    }


def p80_submission(session: Session, bid: Bid, tasks: int) -> tuple[Any, float | None] | None:
    """The bid's P80 submission date (or finish) and P(on time), for the Gantt marker."""
    try:
        analysis = service.bid_risk(session, bid, page_iterations(tasks))
    except Invalid:
        return None
    p80 = analysis["submission_p80"] or analysis["finish_p80"]
    return p80, analysis["p_meet_submission"]


def portfolio_column(session: Session, bids: list[Bid]) -> dict[int, dict[str, Any]]:
    """Per bid: P(on time) and its colour, for open bids, within a time budget (results are
    cached by their inputs, so a reload fills in what a first visit left out)."""
    context = service.calibration_context(session)
    started = time.perf_counter()
    column: dict[int, dict[str, Any]] = {}
    for bid in bids:
        if bid.status != "open":
            column[bid.id] = {"text": "–", "colour": "unknown", "title": bid.status}
            continue
        if time.perf_counter() - started > PORTFOLIO_BUDGET_SECONDS:
            column[bid.id] = {"text": "…", "colour": "unknown", "title": "not computed yet 未计算"}
            continue
        try:
            tasks = session.scalar(select(func.count(Task.id)).where(Task.bid_id == bid.id))
            iterations = page_iterations(int(tasks or 0))
            analysis = service.bid_risk(session, bid, iterations, context=context)
        except Invalid as error:
            column[bid.id] = {"text": "?", "colour": "unknown", "title": error.detail}
            continue
        probability = analysis["p_meet_submission"]
        column[bid.id] = {
            "text": "–" if probability is None else f"{probability:.0%}",
            "colour": service.on_time_colour(probability),
            "title": f"P80 {analysis['submission_p80'] or analysis['finish_p80']}",
        }
    return column
