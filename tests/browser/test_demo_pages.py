"""The demo portfolio in Chromium at 1440x900, as a PMO sees it in the first hour: what is on
the screen, not only that a page loads. These tests also make the README's screenshots
(docs/screenshots/*.png): every one of them is of the demo portfolio.

- The bid Gantt keeps readable rows and non-overlapping date labels after a window resize and
  after every zoom button; Day and Week open around today; the key milestones (submission, bid
  opening, award, contract) are in view without panning; a today line is drawn.
- /finance links the Excel report (and it is a real workbook), shows money as money, CPI/SPI
  per bid, and its alerts by urgency without closed bids.
- /bids/{bid} has its warnings, team and costs sections and a critical path that is a path.
- /resources with a leveling proposal fits the window.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.browser.conftest import SCREENSHOTS, DemoServer, screenshot, watch

MONEY = re.compile(r"^-?¥ \d{1,3}(,\d{3})*\.\d{2}$")
KEY_MILESTONES = ("递交投标文件", "开标", "中标通知书", "合同签订")
WIDTH, HEIGHT = 1440, 900


def open_page(context: Any, url: str, *, figure: bool = True) -> Any:
    watched = watch(context.new_page())
    watched.page.goto(url)
    if figure:
        watched.page.wait_for_function(
            "document.body.dataset.figureReady === 'true'", timeout=60_000
        )
    return watched


def settle(page: Any) -> None:
    page.wait_for_timeout(400)


BOXES = """(selector) => [...document.querySelectorAll(selector)]
    .map(node => { const r = node.getBoundingClientRect();
                   return {text: node.textContent, left: r.left, right: r.right,
                           top: r.top, bottom: r.bottom, height: r.height}; })
    .filter(box => box.height > 0 && box.text.trim() !== '')"""


def tick_boxes(page: Any, axis: str) -> list[dict[str, Any]]:
    return page.evaluate(BOXES, f"#gantt .{axis}tick text")


def assert_readable(page: Any, state: str) -> None:
    """Row labels one under the other, at least 18 px apart; date labels side by side."""
    rows = sorted(tick_boxes(page, "y"), key=lambda box: box["top"])
    assert len(rows) >= 10, f"{state}: only {len(rows)} row labels drawn"
    for upper, lower in itertools.pairwise(rows):
        assert upper["bottom"] <= lower["top"] + 1, f"{state}: {upper['text']} / {lower['text']}"
        assert lower["top"] - upper["top"] >= 18, f"{state}: rows squeezed"
    dates = sorted(tick_boxes(page, "x"), key=lambda box: box["left"])
    assert len(dates) >= 3, f"{state}: {len(dates)} date labels"
    for left, right in itertools.pairwise(dates):
        assert left["right"] <= right["left"] + 1, f"{state}: {left['text']} / {right['text']}"


@pytest.fixture(scope="module")
def first_bid(demo_server: DemoServer) -> dict[str, Any]:
    """The demo's first open bid in execution (the README's bid 1)."""
    bids = httpx.get(
        f"{demo_server.url}/api/v1/bids?limit=100", headers=demo_server.headers()
    ).json()["items"]
    return next(bid for bid in bids if bid["status"] == "open" and bid["stage"] == "execution")


def test_bid_gantt_rows_and_dates_stay_readable_at_every_zoom(
    demo_pmo, demo_server, first_bid, tmp_path
):
    watched = open_page(demo_pmo, f"{demo_server.url}/bids/{first_bid['id']}/gantt")
    page = watched.page
    height = page.evaluate("document.getElementById('gantt').getBoundingClientRect().height")
    assert_readable(page, "opened")
    page.set_viewport_size({"width": 1100, "height": 700})
    settle(page)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    settle(page)
    after = page.evaluate("document.getElementById('gantt').getBoundingClientRect().height")
    assert after == pytest.approx(height, abs=2)  # a resize never squeezes the rows
    assert_readable(page, "resized")
    page.screenshot(path=str(tmp_path / "full-page.png"), full_page=True)
    settle(page)
    assert_readable(page, "after a full-page screenshot")
    for level in ("day", "week", "month", "all", "week", "all"):
        page.click(f"button[data-zoom={level}]")
        settle(page)
        assert_readable(page, level)
    assert watched.errors == [] and watched.dialogs == []


def test_day_and_week_open_around_today_on_the_rows_at_work(demo_pmo, demo_server, first_bid):
    watched = open_page(demo_pmo, f"{demo_server.url}/bids/{first_bid['id']}/gantt")
    page = watched.page
    today = dt.date.today()
    for level in ("day", "week"):
        page.click(f"button[data-zoom={level}]")
        settle(page)
        low, high = page.evaluate(
            "(() => { const a = document.getElementById('gantt')._fullLayout.xaxis;"
            " return a.range.map(v => new Date(a.r2l(v)).toISOString().slice(0, 10)); })()"
        )
        assert low <= today.isoformat() <= high, (level, low, high)
        bars = page.evaluate(
            """() => [...document.querySelectorAll('#gantt .barlayer .point path')]
                .map(p => p.getBoundingClientRect())
                .filter(r => r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight)
                .length"""
        )
        assert bars >= 1, f"{level}: no bar of the work around today is in the window"
    assert watched.errors == [] and watched.dialogs == []


def test_key_milestones_and_today_line_are_in_view(demo_pmo, demo_server, first_bid):
    watched = open_page(demo_pmo, f"{demo_server.url}/bids/{first_bid['id']}/gantt")
    page = watched.page
    plot = page.evaluate(
        "(() => { const r = document.querySelector('#gantt .nsewdrag').getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom}; })()"
    )
    labels = tick_boxes(page, "y")
    for name in KEY_MILESTONES:
        shown = [box for box in labels if box["text"].endswith(name)]
        assert shown, f"{name} is not among the rows in view"
        assert plot["top"] <= shown[0]["top"] and shown[0]["bottom"] <= plot["bottom"] + 2
    layout = page.evaluate("document.getElementById('gantt').layout")
    today = [shape for shape in layout["shapes"] if shape.get("name") == "Today 今天"]
    assert len(today) == 1 and today[0]["x0"] == dt.date.today().isoformat()
    drawn = page.locator("#gantt .shapelayer path").count()
    assert drawn >= len(layout["shapes"]) >= 2
    assert "Today 今天" in page.locator("#gantt .annotation-text").all_text_contents()
    assert watched.errors == [] and watched.dialogs == []


def test_finance_page_links_a_real_xlsx_and_shows_money_as_money(demo_pmo, demo_server):
    from openpyxl import load_workbook

    watched = open_page(demo_pmo, f"{demo_server.url}/finance")
    page = watched.page
    link = page.locator("a#xlsx")
    assert link.get_attribute("href") == "/api/v1/reports/cost-control?format=xlsx"
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    workbook = load_workbook(io.BytesIO(download.path().read_bytes()), read_only=True)
    assert len(workbook.sheetnames) >= 1
    assert sum(1 for _ in workbook[workbook.sheetnames[0]].iter_rows()) >= 2

    money = page.locator("#totals .money, #bids td.money, #alerts td.money").all_inner_texts()
    assert money and all(MONEY.match(text.strip()) for text in money), money[:5]
    assert any(Decimal(text[2:].replace(",", "")) >= 1_000_000 for text in money)

    bids = httpx.get(
        f"{demo_server.url}/api/v1/bids?limit=100", headers=demo_server.headers()
    ).json()["items"]
    status = {bid["id"]: bid["status"] for bid in bids}
    open_rows = page.locator("#bids tbody tr:not(.closed)")
    assert open_rows.count() == sum(1 for value in status.values() if value == "open")
    cpis = page.locator("#bids tbody td.cpi").all_inner_texts()
    assert any(re.fullmatch(r"\d\.\d\d", text) for text in cpis)

    alerts = page.evaluate(
        """() => [...document.querySelectorAll('#alerts tbody tr')].map(row => ({
             severity: row.className.match(/severity-(\\w+)/)[1],
             bid: Number(row.querySelector('a').getAttribute('href').split('/').pop()),
             amount: row.querySelector('td.money').textContent}))"""
    )
    assert alerts, "the demo portfolio has alerts"
    assert all(status[alert["bid"]] == "open" for alert in alerts)
    rank = {"critical": 0, "warning": 1}
    keys = [
        (rank[alert["severity"]], -Decimal(alert["amount"].replace("¥", "").replace(",", "")))
        for alert in alerts
    ]
    assert keys == sorted(keys)
    screenshot(page, "finance", SCREENSHOTS)
    assert watched.errors == [] and watched.dialogs == []


def test_bid_page_has_warnings_team_costs_and_a_critical_path(demo_pmo, demo_server, first_bid):
    watched = open_page(demo_pmo, f"{demo_server.url}/bids/{first_bid['id']}", figure=False)
    page = watched.page
    for section in ("warnings", "critical-path", "team", "costs"):
        assert page.locator(f"h2#{section}").count() == 1, section
    chips = page.locator("ol.critical-path > li").count()
    assert 1 <= chips <= 13  # a path (or its ends and a count), not a list of every task
    assert page.locator("table.team tbody tr").count() >= 2
    costs = page.locator("table.costs td.money").all_inner_texts()
    assert costs and all(MONEY.match(text.strip()) for text in costs)
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", page.locator("dl.summary").inner_text())
    screenshot(page, "bid", SCREENSHOTS)
    assert watched.errors == [] and watched.dialogs == []


def test_leveling_proposal_fits_the_window(demo_pmo, demo_server):
    watched = open_page(demo_pmo, f"{demo_server.url}/resources")
    page = watched.page
    screenshot(page, "resources", SCREENSHOTS)
    page.click("#propose")
    page.wait_for_selector("#proposal")
    page.wait_for_function("document.body.dataset.figureReady === 'true'", timeout=60_000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollHeight") <= 4 * HEIGHT
    assert page.locator("#moves tr.bid-moves").count() >= 1
    assert watched.errors == [] and watched.dialogs == []


def test_readme_screenshots_are_of_the_demo_portfolio(demo_pmo, demo_server, first_bid, browser):
    """portfolio (the README's hero), bid Gantt, PMO, an account and the login page."""
    watched = open_page(demo_pmo, f"{demo_server.url}/")
    assert watched.page.locator("#gantt .barlayer .point path").count() >= 10
    screenshot(watched.page, "portfolio", SCREENSHOTS)
    gantt = open_page(demo_pmo, f"{demo_server.url}/bids/{first_bid['id']}/gantt")
    screenshot(gantt.page, "bid-gantt", SCREENSHOTS)
    pmo = open_page(demo_pmo, f"{demo_server.url}/pmo")
    screenshot(pmo.page, "pmo", SCREENSHOTS)
    account = open_page(
        demo_pmo, f"{demo_server.url}/accounts/{first_bid['account_id']}", figure=False
    )
    account.page.wait_for_load_state("networkidle")
    settle(account.page)
    screenshot(account.page, "account", SCREENSHOTS)
    for seen in (watched, gantt, pmo, account):
        assert seen.errors == [] and seen.dialogs == []
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN")
    login = context.new_page()
    login.goto(f"{demo_server.url}/login")
    screenshot(login, "login", SCREENSHOTS)
    context.close()


def test_dates_follow_the_browsers_language(browser, demo_server, first_bid):
    """Chinese dates for a Chinese browser, English ones for an English browser: the page's
    dates and the Gantt's date axis alike."""
    expected = {
        "zh-CN": r"\d{4}年\d{1,2}月(\d{1,2}日)?",
        "en-US": r"(\d{1,2} )?[A-Z][a-z]{2} \d{4}",
    }
    for locale, pattern in expected.items():
        context = browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT},
            locale=locale,
            extra_http_headers=demo_server.headers(),
        )
        bid = open_page(context, f"{demo_server.url}/bids/{first_bid['id']}", figure=False)
        start = bid.page.locator("dl.summary dd").nth(4).inner_text()
        assert re.fullmatch(pattern, start), (locale, start)
        gantt = open_page(context, f"{demo_server.url}/bids/{first_bid['id']}/gantt")
        dates = [box["text"] for box in tick_boxes(gantt.page, "x")]
        assert dates and all(re.fullmatch(pattern, text) for text in dates), (locale, dates)
        assert bid.errors == [] and gantt.errors == []
        context.close()
