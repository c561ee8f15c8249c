"""Gate definitions: the shipped defaults are complete, and malformed files are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wbs.gates import STAGES, GateDefinitionError, load_gates, parse_gates
from wbs.templates import load_template


def test_default_gates_cover_every_stage_in_order_bilingually() -> None:
    gates = load_gates()
    assert tuple(gate.stage for gate in gates.stages) == STAGES
    for gate in gates.stages:
        assert gate.exit and gate.deliverables, gate.stage
        for item in (*gate.entry, *gate.exit):
            assert item.text_zh.strip() and item.text_en.strip()
        for deliverable in gate.deliverables:
            assert deliverable.name_zh.strip() and deliverable.name_en.strip()


def test_default_win_probability_rises_with_the_stage() -> None:
    gates = load_gates()
    probabilities = [gates.default_win_probability(stage) for stage in STAGES]
    assert probabilities == sorted(probabilities)
    assert all(0 < p < 100 for p in probabilities)


def test_deliverables_name_elements_of_the_standard_template() -> None:
    codes = {element.code for element in load_template("kam-standard").elements}
    for gate in load_gates().stages:
        for deliverable in gate.deliverables:
            if deliverable.template_element is not None:
                assert deliverable.template_element in codes


def test_missing_lists_required_codes_in_definition_order() -> None:
    gate = load_gates().gate("strategy")
    required = [item.code for item in gate.exit] + [d.code for d in gate.deliverables]
    assert gate.missing([]) == required
    assert gate.missing(required[1:]) == required[:1]
    assert gate.missing(gate.item_codes()) == []
    assert gate.required_codes() <= gate.item_codes()


def test_next_and_previous_stage() -> None:
    gates = load_gates()
    assert gates.next_stage("lead_in") == "goals"
    assert gates.next_stage("close_out") is None
    assert gates.previous_stage("lead_in") is None
    assert gates.previous_stage("plan") == "strategy"


def _raw() -> dict:
    path = Path(__file__).resolve().parents[2] / "wbs" / "templates" / "gates" / "default.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_missing_stage_is_refused() -> None:
    raw = _raw()
    raw["stages"] = raw["stages"][1:]
    with pytest.raises(GateDefinitionError, match="stages must be"):
        parse_gates(raw)


def test_a_probability_out_of_range_is_refused() -> None:
    raw = _raw()
    raw["stages"][0]["default_win_probability_percent"] = 120
    with pytest.raises(GateDefinitionError, match="lead_in"):
        parse_gates(raw)


def test_duplicate_codes_are_refused() -> None:
    raw = _raw()
    stage = raw["stages"][2]
    stage["exit"].append(dict(stage["exit"][0]))
    with pytest.raises(GateDefinitionError, match="unique"):
        parse_gates(raw)


def test_an_unknown_file_is_a_gate_definition_error(tmp_path: Path) -> None:
    with pytest.raises(GateDefinitionError, match="no gate definitions"):
        load_gates("absent", tmp_path)
