"""The bid page's WBS table in Chromium: a summary row shows its leaves' money rolled up
(budget, actual, remaining), right-aligned, with the categories in its tooltip."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from tests.browser.conftest import watch

BUDGETS = {
    "req": {"travel": "1200.50", "presales_labour": "3000.25"},
    "sol": {"presales_labour": "8000.00"},
    "price": {"travel": "99.99"},
}


def _amount(text: str) -> Decimal:
    return Decimal("0") if text.strip() in ("", "–") else Decimal(text.replace(",", ""))


def test_summary_rows_show_their_leaves_money(logged_in, live_server):
    if not live_server.scheduled:
        pytest.skip("the planning core is not installed")
    tasks = live_server.tasks
    with httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=60) as api:
        for key, budget in BUDGETS.items():
            path = f"/api/v1/tasks/{tasks[key]['id']}"
            etag = api.get(path).headers["ETag"]
            response = api.patch(path, json={"budget": budget}, headers={"If-Match": etag})
            assert response.status_code == 200, response.text
    watched = watch(logged_in.new_page())
    page = watched.page
    page.goto(f"{live_server.url}/bids/{live_server.bids['grid']}")
    header = page.locator("table.tasks thead th").all_inner_texts()
    budget_at = next(i for i, name in enumerate(header) if name.startswith("Budget"))
    assert header[budget_at + 1].startswith("Actual") and header[budget_at + 2].startswith("Remain")

    def cells(key: str) -> list[str]:
        return page.locator(f"tr[data-task='{tasks[key]['id']}'] td").all_inner_texts()

    summary = cells("prep")
    assert summary[budget_at] == "12,300.74"  # 1,200.50 + 3,000.25 + 8,000.00 + 99.99
    assert _amount(summary[budget_at]) == sum(
        _amount(cells(key)[budget_at]) for key in ("req", "sol", "price", "xss")
    )
    assert summary[budget_at + 2] == "12,300.74"  # nothing spent yet
    cell = page.locator(f"tr[data-task='{tasks['prep']['id']}'] td.money").first
    assert cell.evaluate("e => getComputedStyle(e).textAlign") == "right"
    tooltip = cell.get_attribute("title") or ""
    assert "预算 / 实际 / 剩余" in tooltip and "差旅 travel: 1,300.49" in tooltip
    assert watched.errors == [] and watched.dialogs == []
