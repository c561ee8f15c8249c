"""The /resources page in Chromium: the load heat map draws, the conflicts table lists the
seeded double booking, and "propose leveling" shows a proposal; no console errors.

The proposal is not accepted here: the live server is shared by the browser tests (accepting
is covered by tests/app/test_resources.py)."""

from __future__ import annotations

from gantt.load import TRACE_LOAD
from tests.browser.conftest import screenshot, watch


def open_resources(context, url: str):
    watched = watch(context.new_page())
    watched.page.goto(f"{url}/resources")
    watched.page.wait_for_function("document.body.dataset.figureReady === 'true'", timeout=30_000)
    return watched


def test_resources_page_draws_the_load_and_lists_conflicts(logged_in, live_server):
    watched = open_resources(logged_in, live_server.url)
    page = watched.page
    assert "Resources" in page.locator("h1").inner_text()
    names = page.evaluate("document.getElementById('load').data.map(t => t.name)")
    assert TRACE_LOAD in names
    assert page.locator("#load .heatmaplayer image, #load .hm image, #load image").count() >= 1
    rows = page.locator("#conflicts tbody tr").all_inner_texts()
    if live_server.scheduled:
        assert any("李雷" in row for row in rows)
    assert page.locator("nav a[href='/resources']").count() == 1
    screenshot(page, "resources")
    assert watched.errors == [] and watched.dialogs == []


def test_propose_leveling_shows_a_proposal_with_an_accept_form(logged_in, live_server):
    watched = open_resources(logged_in, live_server.url)
    page = watched.page
    page.fill("input[name=level_from]", "2020-01-01")
    page.click("#propose")
    page.wait_for_selector("#proposal")
    page.wait_for_function("document.body.dataset.figureReady === 'true'", timeout=30_000)
    moves = page.locator("#moves tbody tr").count()
    assert moves >= 1
    if live_server.scheduled:
        assert page.locator("#accept-form input[name=fingerprint]").count() == 1
    assert watched.errors == [] and watched.dialogs == []
