"""Long jobs started from the pages, in Chromium: the leveling proposal on /resources and the
portfolio Excel on /finance run as jobs (the server's own runner on SQLite), the progress bar
fills to 100 % with the job's messages, and the result is shown: the proposal's moves with an
accept form, and a download link that serves the workbook."""

from __future__ import annotations

import io

import openpyxl

from tests.browser.conftest import watch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def run_job(page, panel: str) -> None:
    page.click(f"{panel} .job-start")
    finished = ", ".join(
        f"{panel}[data-job-status={s}]" for s in ("succeeded", "failed", "refused")
    )
    page.wait_for_selector(finished, timeout=60_000)
    status = page.get_attribute(panel, "data-job-status")
    assert status == "succeeded", page.locator(f"{panel} .job-result").inner_text()
    assert page.evaluate(f"document.querySelector('{panel} progress').value") == 1
    assert page.locator(f"{panel} .job-percent").inner_text() == "100 %"
    assert "完成" in page.locator(f"{panel} .job-message").inner_text()


def test_leveling_proposal_as_a_job_shows_progress_then_the_moves(logged_in, live_server):
    watched = watch(logged_in.new_page())
    page = watched.page
    page.goto(f"{live_server.url}/resources")
    page.fill("#propose-form input[name=level_from]", "2020-01-01")
    run_job(page, "#leveling-job")
    page.wait_for_selector("#leveling-job table.job-moves")
    heading = page.locator("#leveling-job .job-result h3").inner_text()
    assert "moves" in heading and "remaining" in heading
    assert page.locator("#leveling-job table.job-moves tbody tr").count() >= 1
    assert page.locator("#leveling-job table.job-moves tbody a[href^='/bids/']").count() >= 1
    if live_server.scheduled:
        assert page.locator("#leveling-job form.job-accept input[name=fingerprint]").count() == 1
    page.locator("#leveling-job").scroll_into_view_if_needed()
    page.screenshot(path=str(_shot("resources-job")), full_page=False)
    assert watched.errors == [] and watched.dialogs == []


def test_portfolio_excel_as_a_job_offers_the_workbook(logged_in, live_server):
    watched = watch(logged_in.new_page())
    page = watched.page
    page.goto(f"{live_server.url}/finance")
    run_job(page, "#xlsx-job")
    link = page.locator("#xlsx-job a.job-download")
    assert "kampmo-cost-control-portfolio.xlsx" in link.inner_text()
    href = link.get_attribute("href")
    assert href.startswith("/api/v1/jobs/") and href.endswith("/result")
    download = page.request.get(f"{live_server.url}{href}")
    assert download.status == 200 and download.headers["content-type"].startswith(XLSX)
    book = openpyxl.load_workbook(io.BytesIO(download.body()), read_only=True)
    assert book.sheetnames
    page.screenshot(path=str(_shot("finance-job")), full_page=False)
    assert watched.errors == [] and watched.dialogs == []


def _shot(name: str):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
