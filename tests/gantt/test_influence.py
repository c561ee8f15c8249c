"""The influence map figure: deterministic hierarchy layout, sizes, colours, flags, edges."""

from __future__ import annotations

import json

from gantt.influence import (
    STANCE_COLOURS,
    TRACE_COVERAGE,
    TRACE_INFLUENCE,
    TRACE_OUR_PEOPLE,
    TRACE_REPORTING,
    TRACE_UNCOVERED,
    Coverage,
    InfluenceLink,
    StakeholderNode,
    influence_map,
    layout_positions,
)

CHAIR = StakeholderNode(1, "袁海", "decision_maker", 5, "neutral", title="董事长")
DIGITAL = StakeholderNode(
    2, "罗颖", "influencer", 4, "supporter", reports_to=1, covered_by=(Coverage(11, "李娜", 2),)
)
BUYER = StakeholderNode(
    3, "任重", "gatekeeper", 3, "opponent", reports_to=1, covered_by=(Coverage(12, "张伟", 1),)
)
ENGINEER = StakeholderNode(4, "王工", "user", 2, "champion", reports_to=2)
DEPUTY = StakeholderNode(
    5, "副总", "decision_maker", 4, "skeptic", reports_to=1, covered_by=(Coverage(11, "李娜", 3),)
)
NODES = [CHAIR, DIGITAL, BUYER, ENGINEER, DEPUTY]
LINKS = [InfluenceLink(3, 1, 3, "blocks"), InfluenceLink(2, 5, 1, "advises")]


def trace(figure, name):
    return [t for t in figure.data if t.name == name]


def test_layout_puts_managers_above_their_reports_and_is_repeatable():
    positions = layout_positions(NODES)
    assert positions == layout_positions(list(reversed(NODES)))
    assert positions[1][1] > positions[2][1] > positions[4][1]
    assert positions[2][1] == positions[3][1] == positions[5][1]
    # a manager is centred over the reports below it
    children = [positions[i][0] for i in (2, 3, 5)]
    assert min(children) <= positions[1][0] <= max(children)
    # siblings by influence: 罗颖 (4) and 副总 (4) by id, then 任重 (3)
    assert positions[2][0] < positions[5][0] < positions[3][0]


def test_no_two_stakeholders_share_a_position():
    positions = layout_positions(NODES)
    assert len(set(positions.values())) == len(NODES)


def test_reporting_cycles_and_unknown_managers_do_not_hang_or_crash():
    looped = [
        StakeholderNode(1, "甲", "user", 3, "neutral", reports_to=2),
        StakeholderNode(2, "乙", "user", 3, "neutral", reports_to=1),
        StakeholderNode(3, "丙", "user", 3, "neutral", reports_to=99),
        StakeholderNode(4, "丁", "user", 3, "neutral", reports_to=4),
    ]
    positions = layout_positions(looped)
    assert set(positions) == {1, 2, 3, 4}
    assert positions[1][1] == 0.0 and positions[2][1] < 0  # the cycle is cut at id 1


def test_nodes_are_sized_by_influence_and_coloured_by_stance():
    figure = influence_map(NODES, LINKS)
    by_id = {}
    for scatter in figure.data:
        if scatter.customdata is None or scatter.name == TRACE_UNCOVERED:
            continue
        for index, node_id in enumerate(scatter.customdata):
            by_id[node_id] = (scatter.marker.size[index], scatter.marker.color)
    assert set(by_id) == {1, 2, 3, 4, 5}
    assert by_id[1][0] > by_id[2][0] > by_id[3][0] > by_id[4][0]
    assert by_id[3][1] == STANCE_COLOURS["opponent"]
    assert by_id[4][1] == STANCE_COLOURS["champion"]


def test_only_uncovered_decision_makers_are_flagged_in_red():
    figure = influence_map(NODES, LINKS)
    (flag,) = trace(figure, TRACE_UNCOVERED)
    assert list(flag.customdata) == [1]  # 副总 is covered; 王工 is no decision-maker
    assert flag.marker.line.color == "#d62728"
    assert "未覆盖" in flag.text[0] and "Uncovered" in flag.text[0]


def test_covering_people_are_drawn_once_with_a_line_per_coverage():
    figure = influence_map(NODES, LINKS)
    (people,) = trace(figure, TRACE_OUR_PEOPLE)
    assert list(people.text) == ["李娜", "张伟"]
    (coverage,) = trace(figure, TRACE_COVERAGE)
    assert coverage.x.count(None) == 3  # three coverage lines
    positions = layout_positions(NODES)
    assert max(people.y) < min(y for _, y in positions.values())


def test_reporting_lines_and_influence_arrows():
    figure = influence_map(NODES, LINKS)
    (reporting,) = trace(figure, TRACE_REPORTING)
    assert reporting.x.count(None) == 4  # every stakeholder but the chair has a manager
    lines = trace(figure, TRACE_INFLUENCE)
    hovers = [text for t in lines if t.hovertext for text in t.hovertext]
    assert any("任重 → 袁海" in text and "blocks" in text for text in hovers)
    arrows = figure.layout.annotations
    assert len(arrows) == 2
    assert sorted(arrow.arrowwidth for arrow in arrows) == [1, 3]


def test_links_to_people_not_on_the_map_are_left_out():
    figure = influence_map([CHAIR], [InfluenceLink(1, 42, 2, "advises")])
    assert len(figure.layout.annotations) == 0


def test_the_figure_is_deterministic_json_and_escapes_names():
    nodes = [*NODES, StakeholderNode(6, "<b>x</b>", "user", 1, "neutral", reports_to=3)]
    first = influence_map(nodes, LINKS, title="客户 <i>")
    second = influence_map(list(reversed(nodes)), list(reversed(LINKS)), title="客户 <i>")
    assert json.loads(first.to_json())["data"] == json.loads(second.to_json())["data"]
    labels = [label for t in first.data if t.text is not None for label in t.text]
    assert "<b>x</b>" not in labels and "&lt;b&gt;x&lt;/b&gt;" in labels
    assert "客户 &lt;i&gt;" in first.layout.title.text


def test_an_empty_account_still_draws():
    figure = influence_map([], [])
    assert trace(figure, TRACE_UNCOVERED)[0].x == ()
