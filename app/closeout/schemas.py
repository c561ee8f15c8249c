"""Request bodies of the close-out endpoints (money as decimal strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from app.schemas import Code, Input, MoneyIn, Name, _no_control_chars

Outcome = Literal["won", "lost", "abandoned"]
LessonText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_no_control_chars),
]
FreeText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(_no_control_chars),
]


class CompetitorIn(Input):
    name: Name
    price: MoneyIn | None = None
    won: bool = False


class CloseOut(Input):
    """How the bid ended: ``reason_codes`` from the PMO's list (``GET /close-out-reasons``, at
    least one) plus free text, the competitors and who won, our price and the winner's (or
    the gap in percent when the winner's price is not known), and the lessons."""

    outcome: Outcome
    reason_codes: list[Code] = Field(min_length=1, max_length=20)
    reasons: FreeText | None = None
    competitors: list[CompetitorIn] = Field(default=[], max_length=30)
    competitor: Name | None = None  # the main competitor, when no list is given
    winner: Name | None = None
    our_price: MoneyIn | None = None
    winner_price: MoneyIn | None = None
    price_gap_percent: Decimal | None = Field(
        default=None, ge=-1000, le=1000, max_digits=7, decimal_places=2
    )
    lessons_repeat: list[LessonText] = Field(default=[], max_length=20)
    lessons_avoid: list[LessonText] = Field(default=[], max_length=20)
    lessons: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None


class ReasonCodeUpdate(Input):
    name: Name
    name_en: Name | None = None
    outcome: Outcome | None = None
    active: bool = True
