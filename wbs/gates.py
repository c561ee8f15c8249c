"""Stage gates of a KAM bid: what must be true to enter and to leave each of the eight stages.

The defaults live in a data file, ``wbs/templates/gates/default.json`` (a folder of its own so
the WBS template loader, which reads ``wbs/templates/*.json``, never mistakes it for a
template). For every stage, in pursuit order, it gives bilingual (zh/en) entry and exit
checklist items, the deliverables required to pass the gate (each may name the WBS template
element that produces it) and the stage's default win probability.

A gate is *passable* when every exit item and every required deliverable is checked; the entry
items are shown for information (they restate the previous gate's exit). The PMO may still
approve a gate that is not passable, with an explicit override reason (``app.pmo``).

Example:
    >>> gates = load_gates()
    >>> [gate.stage for gate in gates.stages][:3]
    ['lead_in', 'goals', 'team']
    >>> gates.default_win_probability("execution")
    60
    >>> gates.next_stage("close_out") is None
    True
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

GATES_DIR = Path(__file__).resolve().parent / "templates" / "gates"
DEFAULT_GATES = "default"
STAGES = ("lead_in", "goals", "team", "analysis", "strategy", "plan", "execution", "close_out")


class GateDefinitionError(ValueError):
    """The gate definitions file is missing or malformed; the message names the problem."""


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One entry or exit criterion, to be ticked by the bid team."""

    code: str
    text_zh: str
    text_en: str


@dataclass(frozen=True, slots=True)
class Deliverable:
    """A document the gate requires; ``template_element`` is the WBS element producing it."""

    code: str
    name_zh: str
    name_en: str
    template_element: str | None = None


@dataclass(frozen=True, slots=True)
class StageGate:
    stage: str
    name_zh: str
    name_en: str
    default_win_probability_percent: int
    entry: tuple[ChecklistItem, ...]
    exit: tuple[ChecklistItem, ...]
    deliverables: tuple[Deliverable, ...]

    def item_codes(self) -> frozenset[str]:
        """Every code that can be checked on this gate (entry, exit and deliverables)."""
        codes = [i.code for i in (*self.entry, *self.exit)] + [d.code for d in self.deliverables]
        return frozenset(codes)

    def required_codes(self) -> frozenset[str]:
        """The codes that must be checked to pass the gate: exit items and deliverables."""
        return frozenset([i.code for i in self.exit] + [d.code for d in self.deliverables])

    def missing(self, checked: Iterable[str]) -> list[str]:
        """Required codes not yet checked, in the order the definition lists them."""
        done = set(checked)
        ordered = [i.code for i in self.exit] + [d.code for d in self.deliverables]
        return [code for code in ordered if code not in done]


@dataclass(frozen=True, slots=True)
class GateDefinitions:
    stages: tuple[StageGate, ...]

    def gate(self, stage: str) -> StageGate:
        for gate in self.stages:
            if gate.stage == stage:
                return gate
        raise KeyError(f"unknown stage {stage!r}")

    def default_win_probability(self, stage: str) -> int:
        return self.gate(stage).default_win_probability_percent

    def index(self, stage: str) -> int:
        return STAGES.index(stage)

    def next_stage(self, stage: str) -> str | None:
        position = self.index(stage)
        return STAGES[position + 1] if position + 1 < len(STAGES) else None

    def previous_stage(self, stage: str) -> str | None:
        position = self.index(stage)
        return STAGES[position - 1] if position > 0 else None


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise GateDefinitionError(f"{where}: {key} must be a non-empty string")
    return value


def _item(raw: Any, where: str) -> ChecklistItem:
    if not isinstance(raw, Mapping):
        raise GateDefinitionError(f"{where}: a checklist item must be an object")
    return ChecklistItem(
        _text(raw, "code", where), _text(raw, "text_zh", where), _text(raw, "text_en", where)
    )


def _deliverable(raw: Any, where: str) -> Deliverable:
    if not isinstance(raw, Mapping):
        raise GateDefinitionError(f"{where}: a deliverable must be an object")
    element = raw.get("template_element")
    return Deliverable(
        _text(raw, "code", where),
        _text(raw, "name_zh", where),
        _text(raw, "name_en", where),
        element if isinstance(element, str) else None,
    )


def _probability(raw: Mapping[str, Any], where: str) -> int:
    value = raw.get("default_win_probability_percent")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise GateDefinitionError(f"{where}: default_win_probability_percent must be 0..100")
    return value


def _gate(raw: Any) -> StageGate:
    if not isinstance(raw, Mapping):
        raise GateDefinitionError("a stage gate must be an object")
    where = str(raw.get("stage"))
    gate = StageGate(
        stage=_text(raw, "stage", where),
        name_zh=_text(raw, "name_zh", where),
        name_en=_text(raw, "name_en", where),
        default_win_probability_percent=_probability(raw, where),
        entry=tuple(_item(item, where) for item in raw.get("entry", [])),
        exit=tuple(_item(item, where) for item in raw.get("exit", [])),
        deliverables=tuple(_deliverable(d, where) for d in raw.get("deliverables", [])),
    )
    codes = [i.code for i in (*gate.entry, *gate.exit)] + [d.code for d in gate.deliverables]
    if len(codes) != len(set(codes)):
        raise GateDefinitionError(f"{where}: checklist and deliverable codes must be unique")
    return gate


def parse_gates(data: Any) -> GateDefinitions:
    """Gate definitions from the decoded JSON; exactly one gate per stage, in stage order."""
    if not isinstance(data, Mapping) or not isinstance(data.get("stages"), list):
        raise GateDefinitionError("gate definitions need a 'stages' list")
    gates = tuple(_gate(raw) for raw in data["stages"])
    found = tuple(gate.stage for gate in gates)
    if found != STAGES:
        raise GateDefinitionError(f"stages must be {', '.join(STAGES)} in order, got {found}")
    return GateDefinitions(gates)


@cache
def load_gates(name: str = DEFAULT_GATES, directory: Path = GATES_DIR) -> GateDefinitions:
    """The gate definitions file ``<directory>/<name>.json`` (read once, then cached)."""
    path = directory / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise GateDefinitionError(f"no gate definitions {name!r} in {directory}") from error
    except json.JSONDecodeError as error:
        raise GateDefinitionError(f"{path.name} is not valid JSON: {error}") from error
    return parse_gates(data)
