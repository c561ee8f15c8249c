from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.schemas import Input, Name, ORMModel, ShortText

Tier = Literal["strategic", "key", "growth", "standard"]
DecisionRole = Literal["decision_maker", "influencer", "gatekeeper", "user"]
Stance = Literal["champion", "supporter", "neutral", "skeptic", "opponent"]
# 统一社会信用代码: 18 characters from digits and upper-case letters except I, O, S, V, Z
CreditCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
]
Influence = Annotated[int, Field(ge=1, le=5)]


class AccountCreate(Input):
    name: Name
    name_en: Name | None = None
    credit_code: CreditCode | None = None
    industry: ShortText | None = None
    tier: Tier = "standard"
    region: ShortText | None = None
    parent_group: Name | None = None


class AccountUpdate(Input):
    name: Name | None = None
    name_en: Name | None = None
    credit_code: CreditCode | None = None
    industry: ShortText | None = None
    tier: Tier | None = None
    region: ShortText | None = None
    parent_group: Name | None = None


class AccountRead(ORMModel):
    id: int
    name: str
    name_en: str | None
    credit_code: str | None
    industry: str | None
    tier: str
    region: str | None
    parent_group: str | None
    version: int


class StakeholderCreate(Input):
    name: Name
    name_en: Name | None = None
    title: Name | None = None
    decision_role: DecisionRole
    influence: Influence = 3
    stance: Stance = "neutral"


class StakeholderUpdate(Input):
    name: Name | None = None
    name_en: Name | None = None
    title: Name | None = None
    decision_role: DecisionRole | None = None
    influence: Influence | None = None
    stance: Stance | None = None


class StakeholderRead(ORMModel):
    id: int
    account_id: int
    name: str
    name_en: str | None
    title: str | None
    decision_role: str
    influence: int
    stance: str
    version: int
