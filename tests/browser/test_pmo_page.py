"""The PMO page in Chromium as the PMO: the gates board lists the seeded bids (names as text),
the weighted-pipeline chart draws its bars, the forecast shows P10/P50/P90, no console errors."""

from __future__ import annotations

from decimal import Decimal

import httpx

from gantt.pipeline import VALUE_COLOUR
from tests.browser.conftest import XSS, screenshot, watch


def test_pmo_page_draws_the_pipeline_and_the_gates_board(logged_in, live_server):
    watched = watch(logged_in.new_page())
    page = watched.page
    page.goto(f"{live_server.url}/pmo")
    page.wait_for_function("document.body.dataset.figureReady === 'true'", timeout=30_000)
    assert "PMO" in page.locator("h1").inner_text()

    cards = page.locator(".gate-column .bid-card a").all_text_contents()
    assert XSS in cards  # the script-named bid is shown as text, never run
    for stage in ("strategy", "plan", "analysis"):
        assert page.locator(f".gate-column[data-stage={stage}] .bid-card").count() >= 1

    traces = page.evaluate(
        "document.getElementById('pipeline').data.map(t => ({type: t.type, x: t.x, y: t.y,"
        " colour: t.marker.color}))"
    )
    assert {t["type"] for t in traces} == {"bar"}
    value_bars = [t for t in traces if t["colour"] == VALUE_COLOUR]
    drawn_months = sorted({month for trace in value_bars for month in trace["x"]})
    api = httpx.get(f"{live_server.url}/api/v1/pmo/pipeline", headers=live_server.headers).json()
    assert drawn_months == sorted({row["group"] for row in api["items"]})
    assert {"2027-03", "2027-04"} <= set(drawn_months)  # the seeded submission deadlines
    total = sum(Decimal(y) for trace in value_bars for y in trace["y"])
    assert total == sum(Decimal(row["value"]) for row in api["totals"])
    assert page.locator("#pipeline .barlayer .point path").count() >= 2 * len(drawn_months)

    p10, p50, p90 = (
        Decimal(page.locator(f"table.forecast td.{key}").first.inner_text().replace(",", ""))
        for key in ("p10", "p50", "p90")
    )
    assert p10 <= p50 <= p90
    assert page.locator("table.conversion tbody tr").count() >= 1
    screenshot(page, "pmo")
    assert watched.errors == [] and watched.dialogs == []
