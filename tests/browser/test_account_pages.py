"""The account page and the at-risk list in Chromium: the influence map draws with its
uncovered decision-maker flagged, names stay text, and no console errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gantt.influence import TRACE_UNCOVERED
from tests.browser.conftest import XSS, screenshot, watch


@pytest.fixture(scope="module")
def account_id(live_server) -> int:
    """国家电网 with a chairman nobody covers, a covered CIO and a script-named buyer."""
    with httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=30) as api:
        bid = api.get(f"/api/v1/bids/{live_server.bids['grid']}").json()
        account = bid["account_id"]

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = api.post(path, json=body)
            assert response.status_code == 201, response.text
            return response.json()

        people = f"/api/v1/accounts/{account}/stakeholders"
        chair = post(people, {"name": "辛保安", "decision_role": "decision_maker", "influence": 5})
        cio = post(
            people,
            {
                "name": "信息部主任",
                "decision_role": "influencer",
                "influence": 4,
                "stance": "champion",
                "reports_to_id": chair["id"],
            },
        )
        buyer = post(
            people,
            {
                "name": XSS,
                "decision_role": "gatekeeper",
                "stance": "opponent",
                "reports_to_id": chair["id"],
            },
        )
        person = post("/api/v1/people", {"name": "王销售"})
        post(
            f"/api/v1/stakeholders/{cio['id']}/coverage", {"person_id": person["id"], "strength": 3}
        )
        post(
            f"/api/v1/accounts/{account}/influence-links",
            {"source_id": buyer["id"], "target_id": chair["id"], "strength": 3, "kind": "blocks"},
        )
    return account


def test_account_page_draws_the_influence_map(logged_in, live_server, account_id):
    watched = watch(logged_in.new_page())
    page = watched.page
    page.goto(f"{live_server.url}/accounts/{account_id}")
    page.wait_for_function("document.body.dataset.figureReady === 'true'", timeout=30_000)
    flagged = page.evaluate(
        f"document.getElementById('influence').data.filter(t => t.name === '{TRACE_UNCOVERED}')"
        ".flatMap(t => t.customdata)"
    )
    assert len(flagged) == 1
    assert page.locator("#influence .scatterlayer .point").count() >= 4
    labels = page.locator("#influence .scatterlayer text").all_text_contents()
    assert any(XSS in label for label in labels)  # shown as text, never run
    assert page.locator("tr.uncovered").count() == 1
    assert page.locator("#health-score").inner_text().strip() != ""
    screenshot(page, "account")
    assert watched.errors == [] and watched.dialogs == []


def test_at_risk_page_loads_from_the_nav(logged_in, live_server, account_id):
    watched = watch(logged_in.new_page())
    page = watched.page
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=风险客户")
    page.wait_for_url(f"{live_server.url}/accounts/at-risk")
    assert page.locator("h1").inner_text().startswith("Accounts at risk")
    assert watched.errors == [] and watched.dialogs == []
