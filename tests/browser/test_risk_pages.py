"""Schedule risk on the pages, in Chromium: the bid page's P(on time) with its histogram and
tornado (the API's numbers, drawn), the P80 line on the bid Gantt, the portfolio column."""

from __future__ import annotations

import datetime as dt

import httpx

from tests.browser.conftest import XSS, watch


def _patch(client: httpx.Client, path: str, body: dict) -> None:
    etag = client.get(path).headers["ETag"]
    response = client.patch(path, json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text


def test_bid_page_shows_p_on_time_with_histogram_and_tornado(logged_in, live_server):
    if not live_server.scheduled:
        return
    bid = live_server.bids["grid"]
    tasks = live_server.tasks
    with httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=60) as api:
        _patch(
            api,
            f"/api/v1/tasks/{tasks['sol']['id']}",
            {"optimistic_days": 3, "pessimistic_days": 20},
        )
        risk = {
            "title": XSS,
            "probability": 0.5,
            "impact_optimistic_days": 1,
            "impact_likely_days": 2,
            "impact_pessimistic_days": 4,
            "task_ids": [tasks["price"]["id"]],
        }
        assert api.post(f"/api/v1/bids/{bid}/risks", json=risk).status_code == 201
        analysis = api.get(f"/api/v1/bids/{bid}/risk").json()
    probability = analysis["p_meet_submission"]
    assert probability is not None and 0 < probability < 1

    watched = watch(logged_in.new_page())
    page = watched.page
    page.goto(f"{live_server.url}/bids/{bid}")
    page.wait_for_function("document.body.dataset.figureReady === 'true'", timeout=30_000)
    shown = page.locator("#schedule-risk .p-on-time strong").inner_text()
    assert shown == f"{probability * 100:.0f}%"
    bars = page.evaluate("document.getElementById('risk-histogram').data[0]")
    assert sum(bars["y"]) == analysis["iterations"] == 10_000
    assert page.locator("#risk-histogram .barlayer .point path").count() == len(bars["x"])
    labels = page.evaluate("document.getElementById('risk-tornado').data[0].y")
    assert any("方案设计" in label for label in labels)  # the uncertain task drives the date
    assert page.locator("table.risks td").first.inner_text() == XSS  # text, never run

    page.goto(f"{live_server.url}/bids/{bid}/gantt")
    page.wait_for_function("document.body.dataset.figureReady === 'true'", timeout=30_000)
    shapes = page.evaluate(
        "document.getElementById('gantt').layout.shapes.map(s => [s.name, s.x0])"
    )
    p80 = dt.date.fromisoformat(analysis["submission_p80"] or analysis["finish_p80"])
    marked = [x for name, x in shapes if name == "P80 submission 递交"]
    assert marked and str(marked[0])[:10] == (p80 + dt.timedelta(days=1)).isoformat()

    page.goto(f"{live_server.url}/")
    page.wait_for_function("document.body.dataset.figureReady === 'true'", timeout=30_000)
    page.locator("details.bid-list summary").click()
    row = page.locator("details.bid-list tr", has_text="国网江苏 2027 框架投标")
    cell = row.locator("td.p-on-time")
    assert cell.inner_text() == f"{probability * 100:.0f}%"
    colour = "green" if probability >= 0.8 else "amber" if probability >= 0.5 else "red"
    assert f"health-{colour}" in cell.get_attribute("class")
    assert watched.errors == [] and watched.dialogs == []
