"""The decision-influence map of a key account, as one Plotly figure.

Stakeholders are nodes sized by influence (1-5) and coloured by stance; reporting lines are
grey lines from a person up to their manager; influence links are dotted arrows (width by
strength 1-3, their kind in the hover); our own people who cover a stakeholder sit on a row
below, joined by dashed coverage lines. A decision-maker nobody covers gets a red ring and a
red label: that gap is what the map is for.

The layout is deterministic (no force simulation, no randomness): the reporting lines form a
forest, each tree is laid out top-down (managers above, reports below, siblings ordered by
influence then id, each subtree as wide as its leaves), trees side by side ordered the same way.
A reporting cycle is broken at the person with the lowest id.

Example
-------
>>> fig = influence_map([StakeholderNode(1, "袁海", "decision_maker", 5, "neutral")], [])
>>> [trace.name for trace in fig.data][-1]
'Uncovered decision-maker 未覆盖决策者'
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from gantt import theme

STANCE_COLOURS: dict[str, str] = {
    "champion": "#1b7837",
    "supporter": "#7fbf7b",
    "neutral": "#bdbdbd",
    "skeptic": "#fdae61",
    "opponent": "#b2182b",
}
STANCE_LABELS: dict[str, str] = {
    "champion": "Champion 支持者（铁杆）",
    "supporter": "Supporter 支持",
    "neutral": "Neutral 中立",
    "skeptic": "Skeptic 怀疑",
    "opponent": "Opponent 反对",
}
ROLE_LABELS: dict[str, str] = {
    "decision_maker": "Decision-maker 决策者",
    "influencer": "Influencer 影响者",
    "gatekeeper": "Gatekeeper 把关者",
    "user": "User 使用者",
}
UNCOVERED = "#d62728"
REPORTING_LINE = "rgba(90,90,90,0.8)"
INFLUENCE_LINE = "#1f77b4"
COVERAGE_LINE = "rgba(46,125,50,0.7)"
OUR_PEOPLE = "#2e7d32"
TRACE_REPORTING = "Reporting line 汇报关系"
TRACE_INFLUENCE = "Influence 影响关系"
TRACE_COVERAGE = "Coverage 我方覆盖"
TRACE_OUR_PEOPLE = "Our people 我方人员"
TRACE_UNCOVERED = "Uncovered decision-maker 未覆盖决策者"
ROW_GAP = 1.0
Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Coverage:
    """One of our people covering a stakeholder; ``strength`` 1 (acquainted) to 3 (trusted)."""

    person_id: int
    person_name: str
    strength: int = 2


@dataclass(frozen=True, slots=True)
class StakeholderNode:
    id: int
    name: str
    decision_role: str
    influence: int
    stance: str
    title: str | None = None
    reports_to: int | None = None
    covered_by: tuple[Coverage, ...] = ()
    last_contact: str | None = None  # ISO date, shown in the hover

    @property
    def uncovered_decision_maker(self) -> bool:
        return self.decision_role == "decision_maker" and not self.covered_by


@dataclass(frozen=True, slots=True)
class InfluenceLink:
    """``source`` influences ``target``; ``strength`` 1-3; ``kind`` e.g. advises, sponsors."""

    source: int
    target: int
    strength: int = 2
    kind: str = "influences"


def _text(value: object) -> str:
    return "–" if value is None else html.escape(str(value), quote=False)


def _order(nodes: Sequence[StakeholderNode]) -> list[StakeholderNode]:
    return sorted(nodes, key=lambda node: (-node.influence, node.id))


def _managers(nodes: Sequence[StakeholderNode]) -> dict[int, int | None]:
    """Each person's manager within the map; a cycle is cut at its lowest id."""
    known = {node.id for node in nodes}
    manager = {
        node.id: node.reports_to
        if node.reports_to in known and node.reports_to != node.id
        else None
        for node in nodes
    }
    for start in sorted(manager):
        path: list[int] = []
        current: int | None = start
        while current is not None and current not in path:
            path.append(current)
            current = manager[current]
        if current is not None:
            cycle = path[path.index(current) :]
            manager[min(cycle)] = None
    return manager


def layout_positions(nodes: Sequence[StakeholderNode]) -> dict[int, Point]:
    """(x, y) per stakeholder id: reporting trees top-down, leaves one unit apart."""
    manager = _managers(nodes)
    children: dict[int | None, list[StakeholderNode]] = {}
    for node in _order(nodes):
        children.setdefault(manager[node.id], []).append(node)
    positions: dict[int, Point] = {}

    def place(node: StakeholderNode, left: float, depth: int) -> float:
        """Place the subtree of ``node`` from ``left``; returns its width."""
        kids = children.get(node.id, [])
        width = 0.0
        for kid in kids:
            width += place(kid, left + width, depth + 1)
        width = max(width, 1.0)
        positions[node.id] = (left + width / 2, -depth * ROW_GAP)
        return width

    left = 0.0
    for root in children.get(None, []):
        left += place(root, left, 0)
    return positions


def _people_positions(nodes: Sequence[StakeholderNode], bottom: float) -> dict[int, Point]:
    """Our covering people on one row below the map, in the order of the first they cover."""
    order: dict[int, float] = {}
    for node in nodes:
        for cover in node.covered_by:
            order.setdefault(cover.person_id, len(order))
    return {person: (index + 0.5, bottom) for person, index in order.items()}


def _segments(
    pairs: Sequence[tuple[Point, Point]],
) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for (x0, y0), (x1, y1) in pairs:
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return xs, ys


def _hover(node: StakeholderNode) -> str:
    covered = ", ".join(f"{_text(c.person_name)} ({c.strength}/3)" for c in node.covered_by)
    return "<br>".join(
        [
            f"<b>{_text(node.name)}</b> · {_text(node.title)}",
            ROLE_LABELS.get(node.decision_role, _text(node.decision_role)),
            f"Influence 影响力 {node.influence}/5 · "
            + STANCE_LABELS.get(node.stance, _text(node.stance)),
            f"Covered by 覆盖人: {covered or '–'}",
            f"Last contact 最近联系: {_text(node.last_contact)}",
        ]
    )


def _stakeholder_traces(
    nodes: Sequence[StakeholderNode], positions: dict[int, Point]
) -> list[go.Scatter]:
    """One trace per stance (so the legend explains the colours)."""
    traces = []
    for stance in [*STANCE_COLOURS, *sorted({n.stance for n in nodes} - STANCE_COLOURS.keys())]:
        members = [node for node in _order(nodes) if node.stance == stance]
        if not members:
            continue
        traces.append(
            go.Scatter(
                name=STANCE_LABELS.get(stance, _text(stance)),
                x=[positions[n.id][0] for n in members],
                y=[positions[n.id][1] for n in members],
                mode="markers+text",
                text=[_text(n.name) for n in members],
                textposition="top center",
                hovertext=[_hover(n) for n in members],
                hoverinfo="text",
                customdata=[n.id for n in members],
                marker={
                    "size": [14 + 8 * n.influence for n in members],
                    "color": theme.colour_for(stance, STANCE_COLOURS),
                    "symbol": [
                        "diamond" if n.decision_role == "decision_maker" else "circle"
                        for n in members
                    ],
                    "line": {"color": "#424242", "width": 1},
                },
            )
        )
    return traces


def _uncovered_trace(nodes: Sequence[StakeholderNode], positions: dict[int, Point]) -> go.Scatter:
    flagged = [node for node in _order(nodes) if node.uncovered_decision_maker]
    return go.Scatter(
        name=TRACE_UNCOVERED,
        x=[positions[n.id][0] for n in flagged],
        y=[positions[n.id][1] for n in flagged],
        mode="markers+text",
        text=["⚠ 未覆盖 Uncovered" for _ in flagged],
        textposition="bottom center",
        textfont={"color": UNCOVERED},
        hoverinfo="skip",
        customdata=[n.id for n in flagged],
        marker={
            "size": [24 + 8 * n.influence for n in flagged],
            "color": "rgba(0,0,0,0)",
            "line": {"color": UNCOVERED, "width": 4},
        },
    )


def _influence_arrows(
    links: Sequence[InfluenceLink], positions: dict[int, Point]
) -> list[dict[str, object]]:
    return [
        {
            "x": positions[link.target][0],
            "y": positions[link.target][1],
            "ax": positions[link.source][0],
            "ay": positions[link.source][1],
            "xref": "x",
            "yref": "y",
            "axref": "x",
            "ayref": "y",
            "showarrow": True,
            "arrowhead": 2,
            "arrowwidth": link.strength,
            "arrowcolor": INFLUENCE_LINE,
            "standoff": 14,
            "startstandoff": 14,
            "text": "",
        }
        for link in links
        if link.source in positions and link.target in positions and link.source != link.target
    ]


def _influence_traces(
    links: Sequence[InfluenceLink], positions: dict[int, Point], names: dict[int, str]
) -> list[go.Scatter]:
    """Dotted lines under the arrows, and a hover point in the middle of each link."""
    drawn = [link for link in links if link.source in positions and link.target in positions]
    xs, ys = _segments([(positions[link.source], positions[link.target]) for link in drawn])
    middles = [
        (
            (positions[link.source][0] + positions[link.target][0]) / 2,
            (positions[link.source][1] + positions[link.target][1]) / 2,
        )
        for link in drawn
    ]
    return [
        go.Scatter(
            name=TRACE_INFLUENCE,
            x=xs,
            y=ys,
            mode="lines",
            line={"color": INFLUENCE_LINE, "width": 1, "dash": "dot"},
            hoverinfo="skip",
        ),
        go.Scatter(
            name=TRACE_INFLUENCE,
            showlegend=False,
            x=[x for x, _ in middles],
            y=[y for _, y in middles],
            mode="markers",
            marker={"size": 6, "color": INFLUENCE_LINE},
            hoverinfo="text",
            hovertext=[
                f"{_text(names[link.source])} → {_text(names[link.target])}: "
                f"{_text(link.kind)} ({link.strength}/3)"
                for link in drawn
            ],
        ),
    ]


def influence_map(
    nodes: Sequence[StakeholderNode],
    links: Sequence[InfluenceLink],
    title: str | None = None,
) -> go.Figure:
    """The influence map figure (see the module docstring); the same people and links in any
    order give the same figure."""
    nodes = sorted(nodes, key=lambda node: node.id)
    links = sorted(links, key=lambda link: (link.source, link.target, link.kind, link.strength))
    positions = layout_positions(nodes)
    names = {node.id: node.name for node in nodes}
    lowest = min((y for _, y in positions.values()), default=0.0)
    people_at = _people_positions(nodes, lowest - 1.5 * ROW_GAP)
    manager = _managers(nodes)
    reporting = [(positions[node_id], positions[boss]) for node_id, boss in manager.items() if boss]
    coverage = [
        (people_at[cover.person_id], positions[node.id])
        for node in nodes
        for cover in node.covered_by
    ]
    person_names: dict[int, str] = {}
    for node in nodes:
        for cover in node.covered_by:
            person_names.setdefault(cover.person_id, cover.person_name)
    figure = go.Figure()
    for name, pairs, line in (
        (TRACE_REPORTING, reporting, {"color": REPORTING_LINE, "width": 2}),
        (TRACE_COVERAGE, coverage, {"color": COVERAGE_LINE, "width": 1.5, "dash": "dash"}),
    ):
        xs, ys = _segments(pairs)
        figure.add_trace(
            go.Scatter(name=name, x=xs, y=ys, mode="lines", line=line, hoverinfo="skip")
        )
    for trace in _influence_traces(links, positions, names):
        figure.add_trace(trace)
    for trace in _stakeholder_traces(nodes, positions):
        figure.add_trace(trace)
    figure.add_trace(
        go.Scatter(
            name=TRACE_OUR_PEOPLE,
            x=[point[0] for point in people_at.values()],
            y=[point[1] for point in people_at.values()],
            mode="markers+text",
            text=[_text(person_names[person]) for person in people_at],
            textposition="bottom center",
            hoverinfo="text",
            hovertext=[f"{_text(person_names[p])} · 我方 our side" for p in people_at],
            marker={"symbol": "square", "size": 14, "color": OUR_PEOPLE},
        )
    )
    figure.add_trace(_uncovered_trace(nodes, positions))
    layout = theme.base_layout(None if title is None else _text(title))
    layout.update(
        xaxis={"visible": False, "zeroline": False},
        yaxis={"visible": False, "zeroline": False},
        annotations=_influence_arrows(links, positions),
        hovermode="closest",
        height=max(420, int(160 * (1 - lowest + 1.5))),
    )
    figure.update_layout(layout)
    return figure
