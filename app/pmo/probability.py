"""A bid's effective win probability and where it comes from.

The bid's own ``win_probability_percent`` wins when it is set: as a PMO/lead *override* when it
carries a reason (``POST /api/v1/bids/{bid}/win-probability``), or as a plain value set on the bid
(creation, import, ``PATCH``: source ``bid``). Otherwise the stage's default from the gate
definitions (``wbs.gates``) applies.
"""

from __future__ import annotations

from wbs.gates import load_gates

SOURCES = ("override", "bid", "stage_default")


def effective_win_probability(stage: str, percent: int | None) -> int:
    if percent is not None:
        return percent
    return load_gates().default_win_probability(stage)


def win_probability_source(percent: int | None, reason: str | None) -> str:
    if percent is None:
        return "stage_default"
    return "override" if reason else "bid"
