"""A 5,000-task Gantt through the page template and script, without a database: only rows near
the view are drawn, and panning draws the rows that come into view."""

from __future__ import annotations

from types import SimpleNamespace

from app.pages.router import PLOTLY_JS, STATIC_DIR, safe_json, templates
from gantt.bid import TRACE_CRITICAL, TRACE_TASK, bid_gantt
from tests.browser.chromium import static_site
from tests.browser.conftest import watch
from tests.gantt.factories import chain_plan


def test_large_gantt_draws_the_rows_in_view_and_follows_panning(browser):
    plan, schedule = chain_plan(5000)
    html = templates.env.get_template("bid_gantt.html").render(
        user=None,
        csrf_token="test",
        bid=SimpleNamespace(id=1, title=plan.name),
        task_count=5000,
        figure_json=safe_json(bid_gantt(plan, schedule).to_json()),
        start=str(plan.start),
    )
    pages = {
        "/gantt": html.encode(),
        "/static/plotly.min.js": PLOTLY_JS,
        "/static/kampmo.js": STATIC_DIR / "kampmo.js",
        "/static/kampmo.css": STATIC_DIR / "kampmo.css",
    }
    with static_site(pages) as base:
        watched = watch(browser.new_page(viewport={"width": 1400, "height": 900}))
        page = watched.page
        page.goto(f"{base}/gantt")
        page.wait_for_function("document.body.dataset.figureReady === 'true'", timeout=60_000)
        rows_drawn = f"""() => document.getElementById('gantt').data
            .filter(t => t.name === '{TRACE_TASK}' || t.name === '{TRACE_CRITICAL}')
            .flatMap(t => t.y)"""
        first = page.evaluate(rows_drawn)
        assert 0 < len(first) < 500
        assert min(first) == 1 and max(first) < 200
        page.evaluate(
            "Plotly.relayout(document.getElementById('gantt'), {'yaxis.range': [3040.5, 3000.5]})"
        )
        page.wait_for_function(
            "document.getElementById('gantt').data.some(t => t.y && t.y.includes(3010))"
        )
        later = page.evaluate(rows_drawn)
        assert all(2900 < row < 3200 for row in later)
        bars_in_view = page.evaluate(
            "document.querySelectorAll('#gantt .barlayer .point path').length"
        )
        assert bars_in_view > 0
        assert watched.errors == [] and watched.dialogs == []
        page.close()
