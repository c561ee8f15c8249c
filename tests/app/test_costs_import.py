"""An MS Project plan imported into a bid: the report's AC per task equals MS Project's ACWP.

The oracle is the ``ACWP`` of each task in the XML (hundredths of the currency), read here;
kampmo's side is the whole service path: ``add_plan`` + ``book_imported_actuals`` + the
cost-control report over HTTP.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.app.conftest import TestUser

pytestmark = pytest.mark.conformance

NS = "{http://schemas.microsoft.com/project}"


def _acwp_by_name(path: Path) -> dict[str, Decimal]:
    root = ET.parse(path).getroot()
    return {
        task.findtext(NS + "Name", ""): Decimal(task.findtext(NS + "ACWP", "0")) / 100
        for task in root.iter(NS + "Task")
        if task.findtext(NS + "UID") != "0" and task.findtext(NS + "Name")
    }


@pytest.mark.parametrize("name", ["mspdiresource.xml", "mspdiassignmentfields.xml"])
def test_imported_actual_cost_equals_acwp(
    kampmo_data: Path,
    name: str,
    client: TestClient,
    db_session: Session,
    make_user: Callable[..., TestUser],
    make_bid: Callable[..., dict[str, Any]],
) -> None:
    from app.bids.models import Bid
    from app.costs.service import book_imported_actuals
    from app.tasks.service import add_plan
    from wbs.formats.mspdi import read_mspdi

    path = kampmo_data / "msproject" / "mpxj_junit_data" / name
    bid_json = make_bid(start_date="2006-01-02")
    bid = db_session.get(Bid, bid_json["id"])
    assert bid is not None
    plan = read_mspdi(path)
    rows = add_plan(db_session, None, bid, plan)
    entries = book_imported_actuals(db_session, None, bid, plan, rows)
    db_session.commit()
    assert entries  # the files hold real actual costs

    finance = make_user("finance")
    response = client.get(
        "/api/v1/reports/cost-control",
        params={"bid": bid.id, "status_date": "2030-01-01"},
        headers=finance.headers,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    expected = _acwp_by_name(path)
    actual = {row["name"]: Decimal(row["actual"]) for row in report["wbs"]}
    assert actual == {task: acwp.quantize(Decimal("0.01")) for task, acwp in expected.items()}
    assert Decimal(report["totals"]["actual"]) == sum(expected.values()).quantize(Decimal("0.01"))
    assert Decimal(report["evm"]["ac"]) == Decimal(report["totals"]["actual"])
