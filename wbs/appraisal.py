"""Team appraisal: each member's contribution, explained line by line, and a bonus split.

The formula (weights configurable in :class:`AppraisalWeights`, defaults in brackets), for a
team of ``N`` members, over the bid's tasks and milestones (summaries are not counted):

- **responsibility** [0.30]: the member's RACI points (R = 1, A = 0.5, C = 0.2, I = 0, see
  :mod:`wbs.raci`) as a share of the team's, times ``N``;
- **difficulty** [0.25]: the sum of the difficulty (1-5) of the tasks they are Responsible for,
  as a share of the team's, times ``N``;
- **workload** [0.25]: the working days of the tasks they are Responsible for, as a share of
  the team's, times ``N``;
- **on time** [0.10]: the fraction of their finished Responsible tasks finished on or before
  the planned finish (no finished task yet: 1);
- **on budget** [0.10]: the fraction of their Responsible tasks with actual costs whose actual
  cost is within the task's budget (no costed task yet: 1).

Shares times ``N`` make an average member score 1 on each share component, so
``score = sum(weight x component)`` is about 1 for an average member. The bonus pool is split in
proportion to the scores with :func:`wbs.money.allocate` (exact to the cent). All arithmetic is
``Decimal``; scores are shown to 4 decimals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from wbs.money import ZERO, allocate, to_money
from wbs.plan import Plan
from wbs.raci import raci_matrix

FOUR_PLACES = Decimal("0.0001")
SHARE_COMPONENTS = ("responsibility", "difficulty", "workload")


@dataclass(frozen=True, slots=True)
class AppraisalWeights:
    responsibility: Decimal = Decimal("0.30")
    difficulty: Decimal = Decimal("0.25")
    workload: Decimal = Decimal("0.25")
    on_time: Decimal = Decimal("0.10")
    on_budget: Decimal = Decimal("0.10")
    raci_points: Mapping[str, Decimal] = field(
        default_factory=lambda: {
            "R": Decimal(1),
            "A": Decimal("0.5"),
            "C": Decimal("0.2"),
            "I": Decimal(0),
        }
    )


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What happened to one task: finish dates and actual cost (bid currency)."""

    planned_finish: date | None = None
    actual_finish: date | None = None
    actual_cost: Decimal | None = None


@dataclass(slots=True)
class MemberAppraisal:
    person: str
    score: Decimal
    components: dict[str, Decimal]
    bonus: Decimal
    explanation: list[str]


@dataclass(slots=True)
class Appraisal:
    members: list[MemberAppraisal]
    bonus_pool: Decimal
    weights: AppraisalWeights

    def by_person(self) -> dict[str, MemberAppraisal]:
        return {member.person: member for member in self.members}


def _on_time(outcome: TaskOutcome) -> bool:
    if outcome.actual_finish is None or outcome.planned_finish is None:
        return False
    return outcome.actual_finish <= outcome.planned_finish


def _share(part: Decimal, whole: Decimal, members: int) -> Decimal:
    if whole == 0:
        return Decimal(1)
    return part / whole * members


def _rate(hits: int, count: int) -> Decimal:
    return Decimal(1) if count == 0 else Decimal(hits) / Decimal(count)


def appraise(
    plan: Plan,
    team: Mapping[str, Sequence[str]],
    outcomes: Mapping[str, TaskOutcome] | None = None,
    bonus_pool: Decimal = ZERO,
    weights: AppraisalWeights | None = None,
) -> Appraisal:
    """Appraise every team member of ``plan``; see the module docstring for the formula."""
    weights = weights or AppraisalWeights()
    outcomes = outcomes or {}
    matrix = raci_matrix(plan, team)
    people = matrix.people
    tasks = {task.id: task for task in plan.tasks if not task.is_summary}
    raw: dict[str, dict[str, Decimal]] = {}
    counts: dict[str, dict[str, int]] = {}
    for person in people:
        letters = matrix.letters_of(person)
        responsible = [tasks[task_id] for task_id, letter in letters.items() if letter == "R"]
        finished = [
            outcomes[t.id]
            for t in responsible
            if t.id in outcomes and outcomes[t.id].actual_finish and outcomes[t.id].planned_finish
        ]
        on_time = sum(1 for outcome in finished if _on_time(outcome))
        costed = [
            t for t in responsible if t.id in outcomes and outcomes[t.id].actual_cost is not None
        ]
        on_budget = sum(
            1 for t in costed if to_money(outcomes[t.id].actual_cost) <= to_money(t.budget)
        )
        raw[person] = {
            "responsibility": sum(
                (weights.raci_points.get(letter, ZERO) for letter in letters.values()), ZERO
            ),
            "difficulty": Decimal(sum(int(str(t.extra.get("difficulty", 3))) for t in responsible)),
            "workload": Decimal(sum(t.duration for t in responsible)),
        }
        counts[person] = {
            "responsible": len(responsible),
            "finished": len(finished),
            "on_time": on_time,
            "costed": len(costed),
            "on_budget": on_budget,
        }
    totals = {key: sum((raw[p][key] for p in people), ZERO) for key in SHARE_COMPONENTS}
    members = [
        _member(person, raw[person], counts[person], totals, len(people), weights)
        for person in people
    ]
    pool = to_money(bonus_pool)
    if members:
        for member, amount in zip(members, allocate(pool, [m.score for m in members]), strict=True):
            member.bonus = amount
            member.explanation.append(f"bonus: {pool} x {member.score} / sum of scores = {amount}")
    return Appraisal(members, pool, weights)


def _member(
    person: str,
    raw: Mapping[str, Decimal],
    counts: Mapping[str, int],
    totals: Mapping[str, Decimal],
    team_size: int,
    weights: AppraisalWeights,
) -> MemberAppraisal:
    components = {key: _share(raw[key], totals[key], team_size) for key in SHARE_COMPONENTS}
    components["on_time"] = _rate(counts["on_time"], counts["finished"])
    components["on_budget"] = _rate(counts["on_budget"], counts["costed"])
    component_weights = {
        "responsibility": weights.responsibility,
        "difficulty": weights.difficulty,
        "workload": weights.workload,
        "on_time": weights.on_time,
        "on_budget": weights.on_budget,
    }
    score = sum((component_weights[k] * v for k, v in components.items()), ZERO).quantize(
        FOUR_PLACES
    )
    q = {key: value.quantize(FOUR_PLACES) for key, value in components.items()}
    explanation = [
        f"responsibility: RACI points {raw['responsibility']} of team {totals['responsibility']}"
        f" x {team_size} members = {q['responsibility']} (weight {weights.responsibility})",
        f"difficulty: {raw['difficulty']} of team {totals['difficulty']} x {team_size}"
        f" = {q['difficulty']} (weight {weights.difficulty})",
        f"workload: {raw['workload']} working days of team {totals['workload']} x {team_size}"
        f" = {q['workload']} (weight {weights.workload})",
        f"on time: {counts['on_time']} of {counts['finished']} finished tasks"
        f" = {q['on_time']} (weight {weights.on_time})",
        f"on budget: {counts['on_budget']} of {counts['costed']} costed tasks"
        f" = {q['on_budget']} (weight {weights.on_budget})",
        f"score = sum of weight x component = {score}",
    ]
    return MemberAppraisal(person, score, q, ZERO, explanation)
