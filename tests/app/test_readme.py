"""The README's tour quotes numbers: this runs the tour against a fresh demo database (SQLite,
as ``make run`` serves it) and fails when a quoted figure drifts from what the code answers.

Each figure is parsed out of README.md, so updating the README is updating the test's oracle;
a figure the README stops quoting fails the parse, not silently the check.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def section(start: str, end: str) -> str:
    """The README's text from the line containing ``start`` up to ``end``."""
    begin = README.index(start)
    return README[begin : README.index(end, begin + len(start))]


def quoted(text: str, key: str) -> str:
    """The value after ``"key":`` in ``text`` (a string's content, or a bare literal)."""
    match = re.search(rf'"{re.escape(key)}":\s*("([^"]*)"|[^,}}\s]+)', text)
    assert match is not None, f"README quotes no {key!r} here"
    return match.group(2) if match.group(2) is not None else match.group(1)


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from app.cli import db_upgrade
    from app.demo.loader import load_demo
    from app.main import create_app
    from app.settings import Settings

    url = f"sqlite:///{tmp_path_factory.mktemp('readme') / 'kampmo.db'}"
    db_upgrade(url)
    application = create_app(Settings(database_url=url))
    tokens = load_demo(application.state.session_factory)
    with TestClient(application, raise_server_exceptions=False) as client:
        yield client, {name: {"Authorization": f"Bearer {t}"} for name, t in tokens.items()}
    application.state.engine.dispose()


def test_the_schedule_of_demo_bid_1(tour: Any) -> None:
    client, headers = tour
    text = section("The schedule of demo bid 1", "Writes need")
    schedule = client.get("/api/v1/bids/1/schedule", headers=headers["pmo"]).json()
    for key in ("project_start", "project_finish"):
        assert schedule[key] == quoted(text, key), key
    assert str(schedule["duration"]) == quoted(text, "duration")
    shown = re.findall(r'"critical_path": \[([\d, ]+),', text)[0]
    assert schedule["critical_path"][: len(shown.split(","))] == [int(x) for x in shown.split(",")]
    late = [w for w in schedule["warnings"] if not w.startswith("calendar")]
    quoted_warnings = re.findall(r'"(task \d+ \([^"]*)"', text)
    assert late == quoted_warnings
    first = next(t for t in schedule["tasks"] if t["id"] == int(quoted(text, "id")))
    row = text[text.index('"tasks": [') :]
    for key in ("name", "wbs_code", "kind", "start", "finish", "early_start"):
        assert str(first[key]) == quoted(row, key), key
    for key in ("total_float", "free_float"):
        assert str(first[key]) == quoted(row, key), key
    assert str(first["critical"]).lower() == quoted(row, "critical")


def test_the_decompose_example(tour: Any) -> None:
    client, headers = tour
    text = section("A bid decomposed in one call", "Templates:")
    body = {
        "dry_run": True,
        "procurement": "tender",
        "product_lines": ["SCADA", "通信"],
        "pursuit_budget": "300000.00",
    }
    assert f"-d '{_json(body)}'" in text
    result = client.post("/api/v1/bids/5/decompose", json=body, headers=headers["pmo"]).json()
    assert result["template_id"] == quoted(text, "template_id")
    assert str(result["task_count"]) == quoted(text, "task_count")
    assert str(result["meets_deadline"]).lower() == quoted(text, "meets_deadline")
    for category, amount in result["budget_by_category"].items():
        assert amount == quoted(text, category), category
    assert (
        quoted(text, "client_entertainment") == result["budget_by_category"]["client_entertainment"]
    )
    assert result["caps"]["client_entertainment"] == quoted(
        text.split('"caps"')[1], "client_entertainment"
    )


def test_the_appraisal_example(tour: Any) -> None:
    client, headers = tour
    text = section("The appraisal of a closed bid", "Close-out (")
    appraisal = client.get("/api/v1/bids/4/appraisal?bonus_pool=50000", headers=headers["pmo"])
    member = appraisal.json()["members"][0]
    assert str(member["person_id"]) == quoted(text, "person_id")
    assert member["score"] == quoted(text, "score")
    assert member["bonus"] == quoted(text, "bonus")
    pattern = (
        r'"((?:weights:|pool:|responsibility:|difficulty:|workload:|on time:|on budget:|score ='
        r'|bonus:|total:)[^"]*)"'
    )
    assert re.findall(pattern, text) == member["explanation"]


def test_the_cost_control_excerpt(tour: Any) -> None:
    client, headers = tour
    text = section("The demo portfolio as finance sees it", "Text that a spreadsheet")
    report = client.get(
        "/api/v1/reports/cost-control?status_date=2027-01-15", headers=headers["finance"]
    ).json()
    totals = text[text.index('"totals"') : text.index('"evm"')]
    for key in ("budget", "committed", "actual", "remaining", "forecast"):
        assert report["totals"][key] == quoted(totals, key), key
    evm = text[text.index('"evm"') : text.index('"alerts"')]
    for key in re.findall(r'"(\w+)": "[-\d.]+"', evm):
        assert report["evm"][key] == quoted(evm, key), key
    alert = report["alerts"][0]
    alerts = text[text.index('"alerts"') :]
    for key in ("code", "severity", "subject", "message_zh", "message_en"):
        assert alert[key] == quoted(alerts, key), key


def _json(body: dict[str, Any]) -> str:
    import json

    return json.dumps(body, ensure_ascii=False)
