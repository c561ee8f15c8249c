"""Colours and fonts shared by every kampmo figure.

One place for the palette, so the pages, the browser tests and the figures agree on what
"critical" looks like.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'

CRITICAL = "#d62728"
NON_CRITICAL = "#1f77b4"
SUMMARY = "#3b3b3b"
PROGRESS = "rgba(0,0,0,0.45)"
BASELINE = "#9e9e9e"
MILESTONE = "#6a1b9a"
CRITICAL_MILESTONE = "#b71c1c"
NEGATIVE_FLOAT = "#ff7f0e"
ARROW = "rgba(90,90,90,0.7)"
STATUS_DATE = "#2e7d32"
DEADLINE = "#c62828"
TODAY = "#1565c0"
OVERLOAD = "#d62728"
LOAD = "#1f77b4"

PLANNED_VALUE = "#1f77b4"
EARNED_VALUE = "#2ca02c"
ACTUAL_COST = "#d62728"

STAGE_COLOURS: dict[str, str] = {  # the bid stages of app/bids (KAM pursuit steps)
    "lead_in": "#8dd3c7",
    "goals": "#80b1d3",
    "team": "#bebada",
    "analysis": "#fdb462",
    "strategy": "#fb8072",
    "plan": "#b3de69",
    "execution": "#1f78b4",
    "close_out": "#999999",
}
STAGE_LABELS: dict[str, str] = {
    "lead_in": "Lead-in 立项",
    "goals": "Goals 目标",
    "team": "Team 组队",
    "analysis": "Analysis 分析",
    "strategy": "Strategy 策略",
    "plan": "Plan 计划",
    "execution": "Execution 执行",
    "close_out": "Close-out 收尾",
}
HEALTH_LABELS: dict[str, str] = {
    "green": "On track 正常",
    "amber": "At risk 风险",
    "red": "Late 延误",
    "unknown": "Unknown 未知",
}
HEALTH_COLOURS: dict[str, str] = {
    "green": "#2ca02c",
    "amber": "#ffbf00",
    "red": "#d62728",
    "unknown": "#9e9e9e",
}
FALLBACK_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
)


def colour_for(key: str, palette: dict[str, str]) -> str:
    """The palette's colour for ``key``, or a stable fallback colour for unknown keys."""
    if key in palette:
        return palette[key]
    return FALLBACK_COLOURS[sum(map(ord, key)) % len(FALLBACK_COLOURS)]


def base_layout(title: str | None = None) -> dict[str, Any]:
    """Layout settings every figure starts from: CJK-capable font, white background."""
    layout: dict[str, Any] = {
        "font": {"family": FONT_FAMILY, "size": 12},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "margin": {"l": 10, "r": 20, "t": 60, "b": 70},
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
    }
    if title is not None:
        layout["title"] = {"text": title, "x": 0.01}
    return layout


def label_width_px(labels: list[str], font_size: int = 12) -> int:
    """An estimate of the widest tick label in pixels (CJK glyphs are full width).

    Plotly's ``automargin`` measures every tick label in the browser, which costs seconds on
    charts with thousands of rows; the margin is computed here instead.
    """
    widest = 0.0
    for label in labels:
        text = html.unescape(re.sub(r"<[^>]+>", "", label))
        width = sum(
            font_size if unicodedata.east_asian_width(char) in ("W", "F") else font_size * 0.6
            for char in text
        )
        widest = max(widest, width)
    return int(widest) + 16
