"""The close-out in Chromium: the lead's form ends a bid (outcome, reasons from the PMO's
list, competitors and who won, lessons), the bid page then shows the close-out, and ``/pmo``
lists the gates waiting for review."""

from __future__ import annotations

import httpx

from tests.browser.conftest import watch


def test_the_close_out_form_ends_the_bid_and_the_bid_page_shows_it(logged_in, live_server):
    bid = {"id": live_server.bids["closing"]}
    watched = watch(logged_in.new_page())
    page = watched.page
    page.goto(f"{live_server.url}/bids/{bid['id']}")
    section = page.locator("#close-out")
    assert "only through its close-out" in section.inner_text()
    section.get_by_role("link", name="Close out this bid 结项复盘").click()
    page.get_by_label("Lost 未中标").check()
    page.locator("input[name=reason_codes][value=price]").check()
    page.locator("input[name=our_price]").fill("1,100,000.00")
    page.locator("input[name=competitor_name]").nth(0).fill("竞对甲 Rival A")
    page.locator("input[name=competitor_price]").nth(0).fill("1000000")
    page.locator("input[name=winner_row]").nth(0).check()
    page.locator("textarea[name=lessons_avoid]").fill("报价前未核对上年框架价\n业绩证明准备太晚")
    page.get_by_role("button", name="Close out the bid 结项").click()
    page.wait_for_url(f"**/bids/{bid['id']}#close-out")
    shown = page.locator("#close-out").inner_text()
    assert "Lost 未中标" in shown and "竞对甲 Rival A" in shown
    assert "价格 Price" in shown and "10.00%" in shown
    avoid = page.locator("#close-out .lessons-avoid li").all_text_contents()
    assert avoid == ["报价前未核对上年框架价", "业绩证明准备太晚"]
    closed = httpx.get(
        f"{live_server.url}/api/v1/bids/{bid['id']}", headers=live_server.headers
    ).json()
    assert closed["status"] == "lost"
    assert not watched.errors


def test_the_close_out_form_says_what_is_wrong(logged_in, live_server):
    page = watch(logged_in.new_page()).page
    bid = live_server.bids["grid"]
    page.goto(f"{live_server.url}/bids/{bid}/close-out")
    page.get_by_label("Won 中标").check()
    page.locator("input[name=reason_codes][value=price]").check()
    page.get_by_role("button", name="Close out the bid 结项").click()
    alert = page.get_by_role("alert").inner_text()
    assert "execution" in alert  # a bid in strategy is not won
    status = httpx.get(f"{live_server.url}/api/v1/bids/{bid}", headers=live_server.headers).json()[
        "status"
    ]
    assert status == "open"


def test_the_pmo_page_lists_gates_waiting_for_review(logged_in, live_server):
    page = watch(logged_in.new_page()).page
    page.goto(f"{live_server.url}/pmo")
    rows = page.locator("table.waiting-gates tbody tr")
    assert rows.count() >= 2
    first = rows.nth(0).inner_text()
    assert "items open" in first or "ready for review" in first
    assert page.locator("table.waiting-gates").bounding_box()["width"] <= 1440
