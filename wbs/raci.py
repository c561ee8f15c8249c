"""The RACI matrix of a decomposed bid: who is Responsible, Accountable, Consulted, Informed.

Rules, per task or milestone (summaries are not rows):

- **R**: the task's owner (set by the decomposer from the element's KAM role);
- **A**: the team's first ``executive_sponsor`` for gate elements (``extra["gate"]``), else
  the team's first ``project_manager`` (falling back to the owner when there is none);
- **C** / **I**: everyone in the team holding a role listed in the element's ``consulted`` /
  ``informed`` roles (``extra``).

A person holds one letter per row, the strongest one (R > A > C > I).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wbs.plan import Plan, Task

LETTER_RANK = {"R": 0, "A": 1, "C": 2, "I": 3}


@dataclass(slots=True)
class RaciRow:
    task_id: str
    wbs_code: str | None
    name: str
    role: str | None
    assignments: dict[str, str] = field(default_factory=dict)  # person id -> R|A|C|I


@dataclass(slots=True)
class RaciMatrix:
    people: list[str]
    rows: list[RaciRow]

    def letters_of(self, person: str) -> dict[str, str]:
        """Task id -> letter for one person."""
        return {
            row.task_id: row.assignments[person] for row in self.rows if person in row.assignments
        }

    def responsible_count(self) -> dict[str, int]:
        counts = dict.fromkeys(self.people, 0)
        for row in self.rows:
            for person, letter in row.assignments.items():
                if letter == "R":
                    counts[person] = counts.get(person, 0) + 1
        return counts


def _first(team: Mapping[str, Sequence[str]], role: str) -> str | None:
    people = team.get(role, ())
    return people[0] if people else None


def _give(assignments: dict[str, str], person: str | None, letter: str) -> None:
    if person is None:
        return
    current = assignments.get(person)
    if current is None or LETTER_RANK[letter] < LETTER_RANK[current]:
        assignments[person] = letter


def _roles(task: Task, key: str) -> list[str]:
    value = task.extra.get(key, [])
    return [str(role) for role in value] if isinstance(value, list) else []


def raci_matrix(plan: Plan, team: Mapping[str, Sequence[str]]) -> RaciMatrix:
    """The RACI matrix of ``plan`` for ``team`` (KAM role -> person ids).

    Example
    -------
    >>> from wbs.plan import Task
    >>> plan = Plan("p", 0, [Task("t", "t", 1, owner="ann", role="sales_rep")], unit="period")
    >>> raci_matrix(plan, {"project_manager": ["bob"]}).rows[0].assignments
    {'ann': 'R', 'bob': 'A'}
    """
    people = list(dict.fromkeys(person for members in team.values() for person in members))
    rows: list[RaciRow] = []
    for task in plan.tasks:
        if task.is_summary:
            continue
        assignments: dict[str, str] = {}
        _give(assignments, task.owner, "R")
        gate = bool(task.extra.get("gate", False))
        accountable = _first(team, "executive_sponsor") if gate else None
        accountable = accountable or _first(team, "project_manager") or task.owner
        _give(assignments, accountable, "A")
        for role in _roles(task, "consulted"):
            for person in team.get(role, ()):
                _give(assignments, person, "C")
        for role in _roles(task, "informed"):
            for person in team.get(role, ()):
                _give(assignments, person, "I")
        for person in assignments:
            if person not in people:
                people.append(person)
        rows.append(RaciRow(task.id, task.wbs_code, task.name, task.role, assignments))
    return RaciMatrix(people, rows)
