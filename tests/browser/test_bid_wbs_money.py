"""The bid page's WBS table in Chromium: a summary row shows its leaves' money rolled up
(budget, actual, remaining), right-aligned; finished work carries no late marker."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from tests.browser.conftest import watch


def _amount(text: str) -> Decimal:
    return Decimal("0") if text.strip() in ("", "–") else Decimal(text.replace(",", ""))


@pytest.mark.browser
def test_summary_rows_show_their_leaves_money(logged_in, live_server):
    if not live_server.scheduled:
        pytest.skip("the planning core is not installed")
    with httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=60) as api:
        unit = api.post("/api/v1/org-units", json={"code": "WBSM", "name": "西区"}).json()
        account = api.post("/api/v1/accounts", json={"name": "西部电网", "tier": "key"}).json()
        bid = api.post(
            "/api/v1/bids",
            json={
                "title": "西部电网滚动投标",
                "org_unit_id": unit["id"],
                "account_id": account["id"],
                "start_date": "2027-03-01",
                "submission_deadline": "2027-05-28",
                "pursuit_budget": "120000.00",
                "value": "3000000.00",
            },
        ).json()
        decomposed = api.post(f"/api/v1/bids/{bid['id']}/decompose", json={})
        assert decomposed.status_code == 201, decomposed.text
        tasks = api.get(f"/api/v1/bids/{bid['id']}/tasks?limit=1000").json()["items"]
    children: dict[int | None, list[int]] = {}
    for task in tasks:
        children.setdefault(task["parent_id"], []).append(task["id"])
    watched = watch(logged_in.new_page())
    page = watched.page
    page.goto(f"{live_server.url}/bids/{bid['id']}")

    def cells(task_id: int) -> list[str]:
        return page.locator(f"tr[data-task='{task_id}'] td").all_inner_texts()

    header = page.locator("table.tasks thead th").all_inner_texts()
    budget_at = next(i for i, name in enumerate(header) if name.startswith("Budget"))
    assert header[budget_at + 1].startswith("Actual") and header[budget_at + 2].startswith("Remain")
    summaries = [t for t in tasks if t["kind"] == "summary" and t["parent_id"] is None]
    assert summaries
    for summary in summaries:
        shown = _amount(cells(summary["id"])[budget_at])
        below = sum(_amount(cells(child)[budget_at]) for child in children[summary["id"]])
        assert shown > 0 and shown == below, summary["name"]
        remaining = _amount(cells(summary["id"])[budget_at + 2])
        assert remaining == shown  # nothing spent yet
    cell = page.locator(f"tr[data-task='{summaries[0]['id']}'] td.money").first
    assert cell.evaluate("e => getComputedStyle(e).textAlign") == "right"
    assert "预算 / 实际 / 剩余" in (cell.get_attribute("title") or "")
    assert watched.errors == [] and watched.dialogs == []
