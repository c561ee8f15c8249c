"""The pages in Chromium against a live kampmo server: login, each view without console errors,
the Gantt's bars and colours, script names shown as text, click-through, screenshots."""

from __future__ import annotations

import pytest

from gantt.bid import TRACE_CRITICAL, TRACE_TASK
from gantt.theme import CRITICAL
from tests.browser.conftest import PASSWORD, XSS, screenshot, watch

CRITICAL_RGB = "rgb(214, 39, 40)"  # gantt.theme.CRITICAL = #d62728


def open_view(context, url: str, *, figure: bool = True):
    watched = watch(context.new_page())
    watched.page.goto(url)
    if figure:
        watched.page.wait_for_function(
            "document.body.dataset.figureReady === 'true'", timeout=30_000
        )
    return watched


def test_login_page_then_login_sets_an_httponly_cookie(browser, live_server):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    watched = watch(context.new_page())
    watched.page.goto(f"{live_server.url}/bids/{live_server.bids['grid']}")
    assert "/login" in watched.page.url
    screenshot(watched.page, "login")
    watched.page.fill("input[name=username]", live_server.username)
    watched.page.fill("input[name=password]", "wrong password")
    watched.page.click("button[type=submit]")
    assert watched.page.locator("[role=alert]").count() == 1
    watched.page.fill("input[name=username]", live_server.username)
    watched.page.fill("input[name=password]", PASSWORD)
    watched.page.click("button[type=submit]")
    watched.page.wait_for_url(f"{live_server.url}/bids/{live_server.bids['grid']}")
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert cookies["kampmo_session"]["httpOnly"] is True
    assert watched.page.evaluate("document.cookie").find("kampmo_session") == -1
    assert [e for e in watched.errors if "401" not in e] == []
    context.close()


def test_portfolio_draws_every_bid_and_clicks_through(logged_in, live_server):
    watched = open_view(logged_in, f"{live_server.url}/")
    page = watched.page
    links = page.evaluate(
        "document.getElementById('gantt').data.filter(t => t.type === 'bar')"
        ".flatMap(t => t.customdata.map(c => c[0]))"
    )
    assert sorted(links) == sorted(f"/bids/{bid}" for bid in live_server.bids.values())
    bar_count = page.locator("#gantt .barlayer .point path").count()
    assert bar_count == len(live_server.bids)
    ticks = page.locator("#gantt .ytick text").all_text_contents()
    assert any(XSS in tick for tick in ticks)  # shown as text
    if live_server.scheduled:
        over = page.evaluate(
            "document.getElementById('load').data.filter(t => t.type === 'scatter')"
            ".flatMap(t => t.y)"
        )
        assert over == ["李雷"]
    screenshot(page, "portfolio")
    box = page.locator("#gantt .barlayer .point path").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"{live_server.url}/bids/*")
    assert watched.errors == [] and watched.dialogs == []


def test_portfolio_filters(logged_in, live_server):
    watched = open_view(logged_in, f"{live_server.url}/?stage=plan")
    titles = watched.page.evaluate(
        "document.getElementById('gantt').data.filter(t => t.type === 'bar')"
        ".flatMap(t => t.customdata.map(c => c[0]))"
    )
    assert titles == [f"/bids/{live_server.bids['bank']}"]
    assert watched.errors == []


def test_bid_page_shows_summary_critical_path_and_escaped_names(logged_in, live_server):
    watched = open_view(
        logged_in, f"{live_server.url}/bids/{live_server.bids['grid']}", figure=False
    )
    page = watched.page
    assert page.locator("h1").inner_text() == "国网江苏 2027 框架投标"
    assert page.locator("a[href$='export?format=mspdi']").count() == 1
    assert page.locator("a[href$='export?format=xlsx']").count() == 1
    if live_server.scheduled:
        path = page.locator("ol.critical-path li").all_inner_texts()
        assert [item.split(" ", 1)[1] for item in path] == [
            "需求分析 Requirements",
            "方案设计 Solution",
            "递交标书",
        ]  # the chain that drives the finish, in order; 报价 has float
        assert XSS in page.locator("table.tasks").inner_text()
    screenshot(page, "bid")
    assert watched.errors == [] and watched.dialogs == []
    xss = open_view(logged_in, f"{live_server.url}/bids/{live_server.bids['xss']}", figure=False)
    assert xss.page.locator("h1").inner_text() == XSS
    assert xss.dialogs == [] and xss.errors == []


def test_bid_gantt_one_bar_per_task_in_the_critical_colour(logged_in, live_server):
    if not live_server.scheduled:
        pytest.skip("the CPM scheduler (wbs.cpm) has not landed: the bid has no tasks yet")
    watched = open_view(logged_in, f"{live_server.url}/bids/{live_server.bids['grid']}/gantt")
    page = watched.page
    traces = page.evaluate(
        """() => {
          const gd = document.getElementById('gantt');
          const layers = [...gd.querySelectorAll('.barlayer .trace')];
          const bars = gd._fullData.filter(t => t.type === 'bar');
          return bars.map((t, i) => ({
            name: t.name,
            labels: (t.customdata || []).map(c => c[0]),
            fills: [...layers[i].querySelectorAll('.point path')]
              .map(p => getComputedStyle(p).fill),
          }));
        }"""
    )
    by_name = {trace["name"]: trace for trace in traces}
    leaves = ["req", "sol", "price", "xss"]  # the milestone is a diamond, the summary a bar
    drawn = len(by_name[TRACE_CRITICAL]["fills"]) + len(by_name[TRACE_TASK]["fills"])
    assert drawn == len(leaves)
    assert set(by_name[TRACE_CRITICAL]["fills"]) == {CRITICAL_RGB}
    assert CRITICAL_RGB not in by_name[TRACE_TASK]["fills"]
    critical = {label.split(" ", 1)[1] for label in by_name[TRACE_CRITICAL]["labels"]}
    assert {"需求分析 Requirements", "方案设计 Solution"} <= critical
    assert "报价 Pricing" not in critical
    diamonds = page.evaluate(
        "document.getElementById('gantt')._fullData"
        ".filter(t => t.type === 'scatter' && t.marker && t.marker.symbol === 'diamond')"
        ".reduce((n, t) => n + t.x.length, 0)"
    )
    assert diamonds == 1
    ticks = page.locator("#gantt .ytick text").all_text_contents()
    assert any(XSS in tick for tick in ticks)
    assert CRITICAL == "#d62728"
    screenshot(page, "bid-gantt")
    page.click("button[data-zoom=week]")
    page.wait_for_function(  # twelve weeks: ticks of a day, two days or a week, never "auto"
        "[86400000, 2 * 86400000, 7 * 86400000]"
        ".includes(document.getElementById('gantt').layout.xaxis.dtick)"
    )
    assert page.locator(".modebar-btn[data-title*='png' i]").count() == 1
    png = page.evaluate(
        "Plotly.toImage(document.getElementById('gantt'), {format: 'png', width: 800, height: 400})"
    )
    assert png.startswith("data:image/png;base64,")  # the PNG export works under the CSP
    assert watched.errors == [] and watched.dialogs == []


def test_empty_bid_gantt_opens_cleanly(logged_in, live_server):
    watched = open_view(logged_in, f"{live_server.url}/bids/{live_server.bids['bank']}/gantt")
    assert watched.errors == [] and watched.dialogs == []


def test_finance_page(logged_in, live_server):
    watched = open_view(logged_in, f"{live_server.url}/finance", figure=False)
    page = watched.page
    if page.locator("#gantt").count():
        page.wait_for_function("document.body.dataset.figureReady === 'true'", timeout=30_000)
    assert "Finance" in page.locator("h1").inner_text()
    screenshot(page, "finance")
    assert watched.errors == [] and watched.dialogs == []


def test_a_throttled_login_says_when_to_try_again(browser, live_server):
    """Issue 13: past 5 failures of one username from one address the page answers 429 and
    says, in both languages, how long to wait and that the PMO can unlock (a made-up username,
    so the other tests' sign-ins are not backed off)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    statuses = []
    for _ in range(6):
        page.goto(f"{live_server.url}/login")
        page.fill("input[name=username]", "nobody-throttled")
        page.fill("input[name=password]", "wrong password")
        with page.expect_response(
            lambda r: r.url.endswith("/login") and r.request.method == "POST"
        ) as answer:
            page.click("button[type=submit]")
        statuses.append(answer.value.status)
    assert statuses == [401] * 5 + [429]
    assert int(answer.value.headers["retry-after"]) >= 1
    alert = page.locator("[role=alert]")
    assert alert.count() == 1
    text = alert.inner_text()
    assert "Too many failed sign-ins" in text and "登录失败次数过多" in text and "PMO" in text
    screenshot(page, "login-throttled")
    context.close()
