"""Gantt pages in Chromium: time to interactive for a 5,000-task bid and a 300-bid portfolio,
and the bid figure's JSON size.

The figures are built from generated plans (``tests.gantt.factories``) by the same builders the
service uses and rendered with the service's own page templates and static files; a tiny local
server delivers them. "Interactive" = from navigation start until ``Plotly.newPlot`` has
resolved (``document.body.dataset.figureReady``). Median of 5 page loads after one warm-up.
"""

from __future__ import annotations

import datetime as dt
import statistics
from types import SimpleNamespace

from app.pages.router import PLOTLY_JS, STATIC_DIR, safe_json, templates
from gantt.bid import bid_gantt
from gantt.portfolio import PortfolioBid, StageGate, portfolio_gantt
from tests.benchmarks.common import BenchRow
from tests.browser.chromium import launch, static_site
from tests.gantt.factories import chain_plan

REPEATS = 5
STAGES = ("lead_in", "goals", "team", "analysis", "strategy", "plan", "execution", "close_out")


def bid_page(task_count: int) -> tuple[bytes, int]:
    plan, schedule = chain_plan(task_count)
    figure_json = bid_gantt(plan, schedule).to_json()
    html = templates.env.get_template("bid_gantt.html").render(
        user=None,
        csrf_token="bench",
        bid=SimpleNamespace(id=1, title=plan.name),
        task_count=task_count,
        figure_json=safe_json(figure_json),
        start=str(plan.start),
    )
    return html.encode(), len(figure_json.encode())


def portfolio_page(bid_count: int) -> bytes:
    start = dt.date(2027, 1, 4)
    bids = [
        PortfolioBid(
            id=number,
            title=f"投标 {number} Bid",
            group=f"子公司 {number % 8}",
            start=start + dt.timedelta(days=number % 90),
            finish=start + dt.timedelta(days=number % 90 + 20 + number % 30),
            stage=STAGES[number % len(STAGES)],
            lead=f"负责人 {number % 25}",
            submission_deadline=start + dt.timedelta(days=number % 90 + 25),
            gates=(
                StageGate("Go/No-go", start + dt.timedelta(days=number % 90 + 5), True),
                StageGate("Submit", start + dt.timedelta(days=number % 90 + 25)),
            ),
        )
        for number in range(1, bid_count + 1)
    ]
    figure_json = portfolio_gantt(bids, today=start).to_json()
    html = templates.env.get_template("portfolio.html").render(
        user=None,
        csrf_token="bench",
        filters=SimpleNamespace(
            subsidiary=None,
            stage=None,
            lead=None,
            account=None,
            group_by="subsidiary",
            colour_by="stage",
        ),
        options={"subsidiaries": [], "accounts": [], "leads": []},
        stages=STAGES,
        items=bids,
        figure_json=safe_json(figure_json),
    )
    return html.encode()


def time_to_interactive(browser: object, url: str) -> float:
    """Seconds from navigation start to the figure being drawn (median of REPEATS + warm-up)."""
    timings = []
    for attempt in range(REPEATS + 1):
        page = browser.new_page(viewport={"width": 1600, "height": 1000})  # type: ignore[attr-defined]
        page.goto(url, wait_until="commit")
        page.wait_for_function(
            "document.body && document.body.dataset.figureReady === 'true'", timeout=60_000
        )
        elapsed_ms = page.evaluate("performance.now()")
        page.close()
        if attempt:
            timings.append(elapsed_ms / 1000)
    return statistics.median(timings)


def run() -> list[BenchRow]:
    from playwright.sync_api import sync_playwright

    bid_html, figure_bytes = bid_page(5000)
    pages = {
        "/bid": bid_html,
        "/portfolio": portfolio_page(300),
        "/static/plotly.min.js": PLOTLY_JS,
        "/static/kampmo.js": STATIC_DIR / "kampmo.js",
        "/static/kampmo.css": STATIC_DIR / "kampmo.css",
    }
    with static_site(pages) as base, sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            bid_seconds = time_to_interactive(browser, f"{base}/bid")
            portfolio_seconds = time_to_interactive(browser, f"{base}/portfolio")
        finally:
            browser.close()
    return [
        BenchRow(
            "bid Gantt page, 5,000 tasks: time to interactive (Chromium)",
            f"{bid_seconds:.2f} s",
            "<= 2 s",
            bid_seconds <= 2.0,
        ),
        BenchRow(
            "bid Gantt figure JSON, 5,000 tasks",
            f"{figure_bytes / 1e6:.2f} MB",
            "<= 3 MB",
            figure_bytes <= 3_000_000,
        ),
        BenchRow(
            "portfolio page, 300 bids: time to interactive (Chromium)",
            f"{portfolio_seconds:.2f} s",
            "<= 1.5 s",
            portfolio_seconds <= 1.5,
        ),
    ]
