"""``kampmo risk``: plan files with three-point estimates and risks, one JSON line per input."""

from __future__ import annotations

import io
import json
from pathlib import Path

from wbs.offline import main_risk

PLAN = {
    "name": "华东电网投标 East grid bid",
    "start": "2026-09-21",
    "calendar": "CN",
    "finish_deadline": "2026-10-16",
    "tasks": [
        {
            "id": "research",
            "name": "客户调研",
            "duration_days": 3,
            "optimistic_days": 2,
            "pessimistic_days": 6,
        },
        {
            "id": "solution",
            "name": "方案设计",
            "duration_days": 5,
            "optimistic_days": 4,
            "pessimistic_days": 10,
            "distribution": "pert",
        },
        {"id": "pricing", "name": "报价", "duration_days": 2},
        {"id": "submit", "name": "递交", "duration_days": 0, "deadline": "2026-10-16"},
    ],
    "links": [
        {"from": "research", "to": "solution"},
        {"from": "solution", "to": "pricing"},
        {"from": "pricing", "to": "submit"},
    ],
    "risks": [
        {
            "id": "r1",
            "title": "资质补件",
            "probability": 0.3,
            "impact_days": [1, 2, 4],
            "tasks": ["pricing"],
        }
    ],
}


def _run(*argv: str) -> tuple[int, list[dict]]:
    out = io.StringIO()
    status = main_risk(list(argv), out)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_line_per_input_and_an_error_line(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
    status, lines = _run(
        str(plan), str(tmp_path / "missing.json"), "--json", "--iterations", "3000", "--seed", "5"
    )
    assert status == 1 and len(lines) == 2
    result, failure = lines
    assert failure["source"].endswith("missing.json") and "error" in failure
    assert result["iterations"] == 3000 and result["seed"] == 5
    assert result["submission_task_id"] == "submit"
    assert 0 < result["p_meet_submission"] < 1
    assert result["submission_p50"] <= result["submission_p80"] <= result["submission_p90"]
    sources = {row["task_id"]: row["source"] for row in result["sources"]}
    assert sources == {
        "research": "task",
        "solution": "task",
        "pricing": "fixed",
        "submit": "fixed",
    }
    assert result["risks"][0]["risk_id"] == "r1"
    assert 0.25 < result["risks"][0]["occurred"] < 0.35
    # no date in the holiday week: the CN calendar holds in every iteration
    days = [row["date"] for row in result["histogram"]["submission"]]
    assert not any("2026-10-01" <= day <= "2026-10-07" for day in days)
    _, again = _run(str(plan), "--json", "--iterations", "3000", "--seed", "5")
    assert again[0] == result


def test_bad_risk_fields_are_an_error_line(tmp_path: Path) -> None:
    plan = tmp_path / "bad.json"
    broken = {**PLAN, "risks": [{"probability": 2, "impact_days": [1, 2, 3], "tasks": []}]}
    plan.write_text(json.dumps(broken), encoding="utf-8")
    status, lines = _run(str(plan), "--json", "--iterations", "10")
    assert status == 1 and "probability" in lines[0]["error"]
