"""Schedule risk of plan files: the risk fields of a JSON plan, and the result as JSON.

A JSON plan (``wbs/schemas/plan.schema.json``) may carry, besides its core:
- per task ``optimistic_days``, ``pessimistic_days`` (``duration_days`` is the most likely
  value) and ``distribution`` (``triangular``, ``pert``, ``uniform``);
- at the top ``distribution`` (the default for its tasks), ``submission`` (the submission
  milestone's task id; default: the milestone whose deadline is the plan's
  ``finish_deadline``, else the last milestone with a deadline), ``risks``
  (``[{"id", "title", "probability", "impact_days": [o, m, p], "tasks": [...]}]``) and
  ``correlations`` (``[{"tasks": [...], "rank_correlation": r}]``).
MSPDI and PSPLIB files carry none of these: their tasks keep their durations (a run shows
the deterministic dates), unless a JSON plan is given.

Example
-------
>>> from wbs.plan import Plan, Task
>>> plan = Plan("p", 0, [Task("a", "A", 3)], unit="period")
>>> model = risk_model_from_json({"tasks": [{"id": "a", "optimistic_days": 2,
...                                          "pessimistic_days": 5}]}, plan)
>>> model.estimates["a"]
Estimate(optimistic=2.0, likely=3.0, pessimistic=5.0, distribution='triangular', source='task')
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

from wbs.plan import Plan, PlanTime
from wbs.risk import (
    DISTRIBUTIONS,
    Correlation,
    Distribution,
    Estimate,
    RiskEvent,
    RiskModel,
    RiskModelError,
    RiskResult,
)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RiskModelError(f"{where}: must be a number")
    return float(value)


def _distribution(value: Any, where: str, default: Distribution) -> Distribution:
    if value is None:
        return default
    if value not in DISTRIBUTIONS:
        raise RiskModelError(f"{where}: must be one of {', '.join(DISTRIBUTIONS)}")
    chosen: Distribution = value
    return chosen


def _ids(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise RiskModelError(f"{where}: must be a list of task ids")
    return tuple(str(item) for item in value)


def default_submission(plan: Plan) -> str | None:
    """The milestone whose deadline is the plan's finish deadline, else the last milestone
    with a deadline (by deadline, then plan order)."""
    milestones = [
        (number, task)
        for number, task in enumerate(plan.tasks)
        if task.is_milestone and task.deadline is not None
    ]
    exact = [item for item in milestones if item[1].deadline == plan.finish_deadline]
    chosen = exact or milestones
    if not chosen:
        return None
    return max(chosen, key=lambda item: (_order(item[1].deadline), item[0]))[1].id


def _order(value: PlanTime | None) -> int:
    if isinstance(value, date):
        return value.toordinal()
    return int(value or 0)


def risk_model_from_json(data: Any, plan: Plan) -> RiskModel:
    """The risk model of a JSON plan's ``data`` (already read as ``plan``)."""
    if not isinstance(data, dict):
        raise RiskModelError("a JSON plan is an object")
    distribution = _distribution(data.get("distribution"), "distribution", "triangular")
    durations = {task.id: task.duration for task in plan.tasks}
    estimates: dict[str, Estimate] = {}
    for number, row in enumerate(data.get("tasks") or []):
        if not isinstance(row, dict) or str(row.get("id")) not in durations:
            continue
        task_id = str(row["id"])
        where = f"tasks[{number}]"
        likely = float(durations[task_id])
        low, high = row.get("optimistic_days"), row.get("pessimistic_days")
        chosen = _distribution(row.get("distribution"), f"{where}.distribution", distribution)
        if low is None and high is None:
            continue
        optimistic = likely if low is None else _number(low, f"{where}.optimistic_days")
        pessimistic = likely if high is None else _number(high, f"{where}.pessimistic_days")
        estimates[task_id] = Estimate(optimistic, likely, pessimistic, chosen, "task")
    risks = []
    for number, row in enumerate(data.get("risks") or []):
        where = f"risks[{number}]"
        if not isinstance(row, dict):
            raise RiskModelError(f"{where}: must be an object")
        impact = row.get("impact_days")
        if not isinstance(impact, list) or len(impact) != 3:
            raise RiskModelError(f"{where}.impact_days: must be [optimistic, likely, pessimistic]")
        low, likely, high = (_number(value, f"{where}.impact_days") for value in impact)
        risks.append(
            RiskEvent(
                str(row.get("id", number + 1)),
                str(row.get("title", "")),
                _number(row.get("probability"), f"{where}.probability"),
                Estimate(
                    low, likely, high, _distribution(row.get("distribution"), where, distribution)
                ),
                _ids(row.get("tasks", []), f"{where}.tasks"),
            )
        )
    correlations = [
        Correlation(
            _ids(row.get("tasks") if isinstance(row, dict) else None, f"correlations[{number}]"),
            _number(row.get("rank_correlation"), f"correlations[{number}].rank_correlation"),
        )
        for number, row in enumerate(data.get("correlations") or [])
    ]
    submission = data.get("submission")
    return RiskModel(
        estimates,
        submission=str(submission) if submission is not None else default_submission(plan),
        risks=risks,
        correlations=correlations,
        distribution=distribution,
    )


def _text(value: PlanTime | None) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def result_to_json(result: RiskResult, source: str) -> dict[str, Any]:
    """The command line's object: the API's fields, with the plan's own task ids."""
    total = result.iterations

    def bins(rows: list[tuple[PlanTime, int]]) -> list[dict[str, Any]]:
        running = 0
        out = []
        for day, count in rows:
            running += count
            out.append({"date": _text(day), "count": count, "cumulative": running / total})
        return out

    return {
        "source": source,
        "iterations": result.iterations,
        "seed": result.seed,
        "submission_task_id": result.submission,
        "submission_deadline": _text(result.deadline),
        "p_meet_submission": result.p_meet_submission,
        **{f"submission_p{p}": _text(result.submission_dates.get(p)) for p in (10, 50, 80, 90)},
        **{f"finish_p{p}": _text(result.finish_dates[p]) for p in (10, 50, 80, 90)},
        "deterministic_submission": _text(result.deterministic_submission),
        "deterministic_finish": _text(result.deterministic_finish),
        "histogram": {
            "submission": bins(result.submission_histogram),
            "finish": bins(result.finish_histogram),
        },
        "criticality": [
            {"task_id": task, "index": index}
            for task, index in sorted(result.criticality.items(), key=lambda kv: -kv[1])
        ],
        "sensitivity": [
            {"task_id": task, "rank_correlation": value}
            for task, value in sorted(result.sensitivity.items(), key=lambda kv: -abs(kv[1]))
        ],
        "risks": [
            {
                "risk_id": item.id,
                "title": item.title,
                "probability": item.probability,
                "occurred": item.occurred,
                "mean_delay_days": item.mean_delay_days,
                "p_meet_if_occurs": item.p_meet_if_occurs,
            }
            for item in result.risks
        ],
        "sources": [{"task_id": task, "source": name} for task, name in result.sources.items()],
    }


def risk_of_file(path: str, iterations: int, seed: int) -> dict[str, Any]:
    """Read a plan file and simulate it (JSON plans with their risk fields)."""
    from wbs.formats import read_plan
    from wbs.risk import simulate

    plan = read_plan(path)
    model = RiskModel(submission=default_submission(plan))
    if path.lower().endswith(".json"):
        with open(path, encoding="utf-8") as handle:
            model = risk_model_from_json(json.load(handle), plan)
    return result_to_json(simulate(plan, model, iterations, seed), path)
