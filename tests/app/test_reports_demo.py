"""Issue 7's "done when": finance, with the demo token, downloads the portfolio report as XLSX
and it opens with the right totals.

"Right" is checked against the bookings themselves, read through other endpoints: each of
lead1's demo bids' budget is the sum of its tasks' budget lines (``GET .../tasks``), its actual
cost the sum of its approved actual entries (``GET .../costs``); the XLSX shows the JSON's
figures, and the portfolio total is the sum of the bids.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker


def _all(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> list[Any]:
    items: list[Any] = []
    while True:
        page = client.get(
            path, params={**params, "limit": 1000, "offset": len(items)}, headers=headers
        ).json()
        items += page["items"]
        if len(items) >= page["total"]:
            return items


def test_finance_downloads_the_demo_portfolio(
    client: TestClient, session_factory: sessionmaker[Session], db_url: str
) -> None:
    from app.demo.loader import load_demo

    tokens = load_demo(session_factory)
    finance = {"Authorization": f"Bearer {tokens['finance']}"}
    lead = {"Authorization": f"Bearer {tokens['lead1']}"}
    report = client.get(
        "/api/v1/reports/cost-control", params={"status_date": "2027-01-15"}, headers=finance
    ).json()
    response = client.get(
        "/api/v1/reports/cost-control",
        params={"status_date": "2027-01-15", "format": "xlsx"},
        headers=finance,
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))

    rows = {row["bid_id"]: row for row in report["bids"]}
    demo_bids = _all(client, "/api/v1/bids", lead)
    assert demo_bids
    booked_any = False
    for bid in demo_bids:
        tasks = _all(client, f"/api/v1/bids/{bid['id']}/tasks", finance)
        budget = sum(
            (Decimal(v) for t in tasks if t["parent_id"] is None for v in t["budget"].values()),
            Decimal(0),
        )  # the top-level elements roll everything below them up
        entries = _all(
            client, f"/api/v1/bids/{bid['id']}/costs", finance, status="approved", kind="actual"
        )
        actual = sum((Decimal(e["amount_bid_currency"]) for e in entries), Decimal(0))
        booked_any = booked_any or actual > 0
        figures = rows[bid["id"]]["totals_bid_currency"]
        assert Decimal(figures["budget"]) == budget, bid["title"]
        assert Decimal(figures["actual"]) == actual, bid["title"]
    assert booked_any

    summary = workbook["汇总 Summary"]
    shown = [Decimal(str(summary.cell(row=3, column=c).value)) for c in range(3, 8)]
    names = ("budget", "committed", "actual", "remaining", "forecast")
    assert shown == [Decimal(report["totals"][name]) for name in names]
    for index, name in enumerate(names):
        assert shown[index] == sum(Decimal(row["totals"][name]) for row in report["bids"])
    sheet = workbook["投标 Bids"]
    by_id = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    for bid in demo_bids:
        cells = by_id[bid["id"]]
        assert cells[1].value == bid["title"]
        assert Decimal(str(cells[4].value)) == Decimal(rows[bid["id"]]["totals"]["budget"])
