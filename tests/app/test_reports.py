"""The cost-control report and alerts over HTTP: figures by hand, formats, permissions.

The worked bid (hand-computed): start Monday 2027-03-01, Mon-Fri calendar.
- A: 5 days (03-01..03-05), travel budget 1,000, 100 % done, actual 1,200 (booked 03-03).
- B: 5 days after A (03-08..03-12), presales budget 2,000, not started, 300 committed.
Status date 03-05: BAC 3,000; PV 1,000; EV 1,000; AC 1,200; CV -200; SV 0; CPI 0.8333;
SPI 1; EAC (BAC/CPI) = 3,000 x 1,200 / 1,000 = 3,600; VAC -600; TCPI(BAC) = 2,000/1,800.
Travel: 1,200 actual > 1,000 budget -> a critical CATEGORY_OVER_BUDGET; CPI 0.83 < 0.85 ->
a critical CPI_LOW. Forecast: travel 1,200 + presales (300 committed + 1,700 left) = 3,200.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.app.conftest import TestUser

INJECTION = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def worked_bid(
    client: TestClient,
    make_user: Callable[..., TestUser],
    make_bid: Callable[..., dict[str, Any]],
    make_task: Callable[..., dict[str, Any]],
    make_link: Callable[..., dict[str, Any]],
) -> dict[str, Any]:
    finance = make_user("finance")
    lead = make_user("lead")
    bid = make_bid(lead=lead, title="+cmd 华东电网投标", win_probability_percent=50)
    summary = make_task(bid["id"], name="方案阶段", kind="summary")
    task_a = make_task(
        bid["id"], name=INJECTION, parent_id=summary["id"], duration_days=5,
        budget={"travel": "1000.00"}, percent_complete=100, actual_start="2027-03-01",
        actual_finish="2027-03-05",
    )  # fmt: skip
    task_b = make_task(
        bid["id"], name="技术交流", parent_id=summary["id"], duration_days=5,
        budget={"presales_labour": "2000.00"},
    )  # fmt: skip
    make_link(bid["id"], task_a["id"], task_b["id"])
    for body in (
        {"task_id": task_a["id"], "category": "travel", "entry_date": "2027-03-03",
         "amount": "1200.00", "description": "-2+3 差旅", "payee": "@携程"},
        {"task_id": task_b["id"], "category": "presales_labour", "entry_date": "2027-03-04",
         "amount": "300.00", "kind": "commitment"},
    ):  # fmt: skip
        response = client.post(
            f"/api/v1/bids/{bid['id']}/costs", json=body, headers=finance.headers
        )
        assert response.status_code == 201, response.text
    return {"bid": bid, "finance": finance, "lead": lead, "a": task_a, "b": task_b,
            "summary": summary}  # fmt: skip


def _report(client: TestClient, user: TestUser, **params: Any) -> Any:
    query = {"status_date": "2027-03-05", **params}
    return client.get("/api/v1/reports/cost-control", params=query, headers=user.headers)


def test_bid_report_figures_by_hand(client: TestClient, worked_bid: dict[str, Any]) -> None:
    bid = worked_bid["bid"]
    response = _report(client, worked_bid["finance"], bid=bid["id"])
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["scope"] == "bid" and report["currency"] == "CNY"
    assert report["totals"] == {
        "budget": "3000.00",
        "committed": "300.00",
        "actual": "1200.00",
        "remaining": "1500.00",
        "forecast": "3200.00",
    }
    evm = report["evm"]
    assert (evm["bac"], evm["pv"], evm["ev"], evm["ac"]) == (
        "3000.00",
        "1000.00",
        "1000.00",
        "1200.00",
    )
    assert (evm["cv"], evm["sv"]) == ("-200.00", "0.00")
    assert (evm["cpi"], evm["spi"]) == ("0.8333", "1.0000")
    assert (evm["eac"], evm["etc"], evm["vac"]) == ("3600.00", "2400.00", "-600.00")
    assert evm["tcpi_bac"] == "1.1111"
    assert evm["eac_by_method"]["AC+(BAC-EV)"] == "3200.00"
    summary = next(row for row in report["wbs"] if row["task_id"] == worked_bid["summary"]["id"])
    assert (summary["budget"], summary["actual"], summary["committed"]) == (
        "3000.00", "1200.00", "300.00",
    )  # fmt: skip
    assert (summary["pv"], summary["ev"]) == ("1000.00", "1000.00")
    task_b = next(row for row in report["wbs"] if row["task_id"] == worked_bid["b"]["id"])
    assert (task_b["pv"], task_b["ev"], task_b["committed"]) == ("0.00", "0.00", "300.00")
    travel = next(row for row in report["by_category"] if row["category"] == "travel")
    assert travel["label_zh"] == "差旅" and travel["remaining"] == "-200.00"
    codes = {(a["code"], a["severity"]) for a in report["alerts"]}
    assert ("CPI_LOW", "critical") in codes
    assert ("CATEGORY_OVER_BUDGET", "critical") in codes
    assert "PURSUIT_OVER_THRESHOLD" not in {code for code, _ in codes}
    assert report["pursuit"]["weighted_value"] == "500000.00"
    assert report["explanations"]["cpi"]["zh"].startswith("成本绩效指数")
    series = {point["date"]: point for point in report["series"]}
    assert series["2027-03-05"]["pv"] == "1000.00" and series["2027-03-05"]["ac"] == "1200.00"
    assert series["2027-03-14"]["pv"] == "3000.00" and series["2027-03-14"]["ev"] is None


def test_approval_and_reversal_move_the_report(
    client: TestClient, pmo: TestUser, worked_bid: dict[str, Any]
) -> None:
    bid, finance = worked_bid["bid"], worked_bid["finance"]
    entries = client.get(f"/api/v1/bids/{bid['id']}/costs", headers=finance.headers).json()
    travel = next(item for item in entries["items"] if item["category"] == "travel")
    path = f"/api/v1/costs/{travel['id']}"
    etag = client.get(path, headers=finance.headers).headers["ETag"]
    reversal = client.post(
        f"{path}/reverse",
        json={"entry_date": "2027-03-04"},
        headers={**finance.headers, "If-Match": etag},
    )
    assert reversal.status_code == 201
    report = _report(client, finance, bid=bid["id"]).json()
    assert report["totals"]["actual"] == "0.00"
    assert report["evm"]["cpi"] is None  # AC = 0: undefined, never a division error
    assert [e["amount"] for e in report["entries"] if e["category"] == "travel"] == [
        "1200.00", "-1200.00",
    ]  # fmt: skip


def test_csv_keeps_chinese_and_defuses_formulas(
    client: TestClient, worked_bid: dict[str, Any]
) -> None:
    response = _report(client, worked_bid["finance"], bid=worked_bid["bid"]["id"], format="csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + INJECTION in cells and INJECTION not in cells
    assert "'+cmd 华东电网投标" in cells
    assert "'-2+3 差旅" in cells and "'@携程" in cells
    assert "-200.00" in cells  # a negative amount stays a number
    assert "差旅" in cells


def test_xlsx_opens_with_totals_and_text_cells(
    client: TestClient, worked_bid: dict[str, Any]
) -> None:
    response = _report(client, worked_bid["finance"], bid=worked_bid["bid"]["id"], format="xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    summary = workbook["汇总 Summary"]
    assert [summary.cell(row=3, column=c).value for c in range(3, 8)] == [
        3000,
        300,
        1200,
        1500,
        3200,
    ]
    assert summary.cell(row=3, column=3).number_format == "#,##0.00"
    texts = {
        cell.value: cell.data_type
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }
    assert texts[INJECTION] == "s"
    assert texts["+cmd 华东电网投标"] == "s"
    assert texts["-2+3 差旅"] == "s"
    assert "差旅" in texts
    evm = {row[0].value: row[1].value for row in workbook["挣值 EVM"].iter_rows(min_row=3)}
    assert Decimal(str(evm["CPI"])) == Decimal("0.8333")
    assert evm["EAC"] == 3600


def test_portfolio_rolls_up_and_converts(
    client: TestClient,
    make_user: Callable[..., TestUser],
    make_bid: Callable[..., dict[str, Any]],
    make_task: Callable[..., dict[str, Any]],
    worked_bid: dict[str, Any],
) -> None:
    finance = worked_bid["finance"]
    client.post(
        "/api/v1/exchange-rates",
        json={"base": "EUR", "quote": "CNY", "rate": "7.5", "effective_date": "2026-01-01"},
        headers=finance.headers,
    )
    euro_bid = make_bid(currency="EUR")
    euro_task = make_task(euro_bid["id"], budget={"travel": "100.00"})
    body = {"task_id": euro_task["id"], "category": "travel", "entry_date": "2027-03-02",
            "amount": "10.00"}  # fmt: skip
    client.post(f"/api/v1/bids/{euro_bid['id']}/costs", json=body, headers=finance.headers)
    report = _report(client, finance).json()
    assert report["scope"] == "portfolio" and report["currency"] == "CNY"
    bids = {row["bid_id"]: row for row in report["bids"]}
    assert bids[euro_bid["id"]]["totals"]["budget"] == "750.00"
    assert bids[euro_bid["id"]]["totals_bid_currency"]["budget"] == "100.00"
    assert bids[worked_bid["bid"]["id"]]["totals"]["actual"] == "1200.00"
    for figure in ("budget", "committed", "actual", "remaining", "forecast"):
        total = Decimal(report["totals"][figure])
        assert total == sum(Decimal(row["totals"][figure]) for row in report["bids"])
        assert total == sum(Decimal(row[figure]) for row in report["by_subsidiary"])
        assert total == sum(Decimal(row[figure]) for row in report["by_category"])
    portfolio_csv = _report(client, finance, format="csv")
    assert portfolio_csv.status_code == 200
    assert "子公司 Subsidiary" in portfolio_csv.content.decode("utf-8-sig")
    xlsx = _report(client, finance, format="xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content))["汇总 Summary"]
    assert Decimal(str(sheet.cell(row=3, column=3).value)) == Decimal(report["totals"]["budget"])


def test_visibility_and_alerts_endpoint(
    client: TestClient,
    make_user: Callable[..., TestUser],
    worked_bid: dict[str, Any],
) -> None:
    bid_id = worked_bid["bid"]["id"]
    stranger = make_user("lead")
    assert _report(client, stranger, bid=bid_id).status_code == 404
    portfolio = _report(client, stranger).json()
    assert bid_id not in {row["bid_id"] for row in portfolio["bids"]}
    lead_view = _report(client, worked_bid["lead"]).json()
    assert {row["bid_id"] for row in lead_view["bids"]} == {bid_id}
    assert _report(client, worked_bid["lead"], format="pdf").status_code == 422
    alerts = client.get(
        "/api/v1/reports/alerts",
        params={"bid": bid_id, "status_date": "2027-03-05", "severity": "critical"},
        headers=worked_bid["lead"].headers,
    ).json()
    assert alerts["total"] == len(alerts["items"]) >= 2
    assert {item["code"] for item in alerts["items"]} >= {"CPI_LOW", "CATEGORY_OVER_BUDGET"}
    assert all(item["bid_id"] == bid_id for item in alerts["items"])
    everything = client.get(
        "/api/v1/reports/alerts", params={"limit": 1}, headers=worked_bid["finance"].headers
    ).json()
    assert len(everything["items"]) == 1 and everything["total"] >= 2


def test_planned_value_follows_the_baseline(
    client: TestClient, pmo: TestUser, worked_bid: dict[str, Any]
) -> None:
    """After a baseline, B's budget is raised to 5,000 and it is pushed back: BAC and PV still
    measure against the frozen plan (BAC 3,000; PV by 03-12 = 3,000), budgets show the new lines.
    """
    bid_id, task_b = worked_bid["bid"]["id"], worked_bid["b"]
    created = client.post(
        f"/api/v1/bids/{bid_id}/baselines", json={"name": "投标基线"}, headers=pmo.headers
    )
    assert created.status_code == 201, created.text
    path = f"/api/v1/tasks/{task_b['id']}"
    etag = client.get(path, headers=pmo.headers).headers["ETag"]
    patched = client.patch(
        path,
        json={"budget": {"presales_labour": "5000.00"}, "duration_days": 10},
        headers={**pmo.headers, "If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    report = _report(client, worked_bid["finance"], bid=bid_id, status_date="2027-03-12").json()
    assert report["bids"][0]["baseline"]["name"] == "投标基线"
    assert report["evm"]["bac"] == "3000.00"
    assert report["evm"]["pv"] == "3000.00"
    assert report["totals"]["budget"] == "6000.00"


def test_report_calendar_knows_chinese_holidays_and_make_up_days() -> None:
    """The 2026 National Day arrangement (国务院办公厅关于2026年部分节假日安排的通知): 10-01..10-07
    off, Sunday 09-20 and Saturday 10-10 are working days. PV is spread over these days."""
    from datetime import date

    from app.reports.service import workday_predicate

    is_working_day = workday_predicate("CN", {})
    assert not is_working_day(date(2026, 10, 1))
    assert not is_working_day(date(2026, 10, 7))
    assert is_working_day(date(2026, 9, 20))
    assert is_working_day(date(2026, 10, 10))
    assert workday_predicate(None, {})(date(2026, 10, 1))
    assert workday_predicate("no-such-calendar", {})(date(2026, 10, 1))


@pytest.mark.parametrize(
    ("technique", "earned"),
    [("percent_complete", "1800.00"), ("0/100", "1000.00"), ("50/50", "2000.00")],
)
def test_ev_technique_of_work_tasks(
    client: TestClient, pmo: TestUser, worked_bid: dict[str, Any], technique: str, earned: str
) -> None:
    """B (budget 2,000) is 40 % done: it earns 800 by percent complete, nothing by 0/100 and
    1,000 by 50/50; A (1,000, finished) earns 1,000 every way."""
    path = f"/api/v1/tasks/{worked_bid['b']['id']}"
    etag = client.get(path, headers=pmo.headers).headers["ETag"]
    patched = client.patch(
        path, json={"percent_complete": 40}, headers={**pmo.headers, "If-Match": etag}
    )
    assert patched.status_code == 200, patched.text
    report = _report(
        client, worked_bid["finance"], bid=worked_bid["bid"]["id"], ev_technique=technique
    ).json()
    assert report["evm"]["ev"] == earned
